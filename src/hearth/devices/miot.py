"""Import Xiaomi MIoT spec instances (``miot-spec-v2`` JSON) exactly as they occur in the wild.

The importer never raises on bad input. It walks the document, keeps what the native
model can represent and reports the rest per item: a *warning* when an item was imported
but adjusted (a unit spelt ``hour``, a numeric string, a range widened), an *error* when
the item at the pointer was left out (format ``tlv8``, a duplicate iid, an action whose
input was not imported). The result is then checked by the same validator as native
specs, so an imported spec obeys every rule a hand-written one does.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from hearth.devices.issues import Issue
from hearth.devices.miot_constraints import import_range, import_values
from hearth.devices.miot_fields import Context
from hearth.devices.rules import spec_issues, structure_issues
from hearth.devices.spec import MAX_IID, MAX_SIID, Spec
from hearth.devices.urn import humanise, parse_urn

Status = Literal["imported", "warnings", "failed"]

_ROOT_KEYS = frozenset(["type", "description", "services"])
_SERVICE_KEYS = frozenset(["iid", "type", "description", "properties", "actions", "events"])
_PROPERTY_KEYS = frozenset(
    ["iid", "type", "description", "format", "access", "unit", "value-range", "value-list"]
)
_ACTION_KEYS = frozenset(["iid", "type", "description", "in", "out"])
_EVENT_KEYS = frozenset(["iid", "type", "description", "arguments"])
_UNSAFE = re.compile(r"[^a-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class ImportResult:
    """The imported spec (None if nothing could be), with what was adjusted or left out."""

    spec: Spec | None
    warnings: tuple[Issue, ...]
    errors: tuple[Issue, ...]

    @property
    def status(self) -> Status:
        """``imported`` (clean), ``warnings`` (imported, with issues) or ``failed``."""
        if self.spec is None:
            return "failed"
        return "warnings" if self.warnings or self.errors else "imported"

    def report(self) -> dict[str, Any]:
        """Return the report shape the CLI and API share: ``valid``, ``issues``, ``warnings``."""
        return {
            "valid": self.spec is not None,
            "issues": [i.as_dict() for i in self.errors],
            "warnings": [i.as_dict() for i in self.warnings],
        }


def import_miot_text(text: str | bytes) -> ImportResult:
    """Import a MIoT spec instance from JSON text."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as err:
        return ImportResult(None, (), (Issue("", "bad_json", f"not JSON: {err}"),))
    return import_miot(document)


def import_miot(document: object) -> ImportResult:
    """Import a parsed MIoT spec instance; never raises on bad input."""
    ctx = Context()
    native = _document(ctx, document)
    spec: Spec | None = None
    if native is not None:
        try:
            spec = Spec.model_validate(native)
        except ValidationError as err:
            # The walk should have left only representable items; say so if it did not.
            ctx.errors.extend(structure_issues(err))
        else:
            problems = spec_issues(spec)
            if problems:
                ctx.errors.extend(problems)
                spec = None
    return ImportResult(spec, tuple(ctx.warnings), tuple(ctx.errors))


def _document(ctx: Context, raw: object) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        ctx.error("", "wrong_type", "a spec instance must be a JSON object")
        return None
    ctx.extra_keys(raw, _ROOT_KEYS, "")
    device_type = ctx.urn(raw.get("type"), "")
    found = _services(ctx, raw)
    if device_type is None:
        return None
    native: dict[str, Any] = {**_identity(device_type), "type": device_type}
    description = ctx.text(raw.get("description"), "")
    native["name"] = (description or humanise(native["category"]))[:120]
    if description:
        native["description"] = description
    seen: set[int] = set()
    services: list[dict[str, Any]] = []
    for index, service in found:
        if service["iid"] in seen:
            iid = service["iid"]
            message = f"service iid {iid} is already used; service not imported"
            ctx.error(f"/services/{index}/iid", "duplicate_iid", message)
            continue
        seen.add(service["iid"])
        services.append(service)
    if not services:
        ctx.error("/services", "too_short", "no service could be imported")
        return None
    native["services"] = services
    return native


def _identity(device_type: str) -> dict[str, Any]:
    urn = parse_urn(device_type)
    name = urn.name if urn else device_type
    category = _UNSAFE.sub("-", name.lower()).strip("-._")[:48] or "other"
    if not category[0].isalnum():
        category = "other"
    # The version is not part of the model id: versions are successive specs of one model.
    parts = [urn.model or urn.name] if urn else [name]
    if urn and urn.template:
        parts.append(urn.template)
    model = _UNSAFE.sub("-", ".".join(["miot", *parts]).lower()).strip("-._")[:64]
    version = int(urn.version) if urn and urn.version.isdigit() and 0 < int(urn.version) else 1
    return {"model": model, "version": version, "category": category}


def _items(ctx: Context, raw: dict[str, Any], key: str, at: str) -> list[tuple[int, Any]]:
    """Return ``(index, item)`` pairs of the list at ``key``; missing or null is empty."""
    value = raw.get(key)
    if value is None:
        return []
    if type(value) is not list:
        ctx.error(f"{at}/{key}", "wrong_type", f"{key} must be a list; none imported")
        return []
    return list(enumerate(value))


def _services(ctx: Context, raw: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    found = []
    for index, item in _items(ctx, raw, "services", ""):
        service = _service(ctx, item, f"/services/{index}")
        if service is not None:
            found.append((index, service))
    return found


def _service(ctx: Context, raw: object, at: str) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        ctx.error(at, "wrong_type", "a service must be an object; not imported")
        return None
    ctx.extra_keys(raw, _SERVICE_KEYS, at)
    iid = ctx.iid(raw.get("iid"), at, MAX_SIID)
    type_ = ctx.urn(raw.get("type"), at)
    if iid is None or type_ is None:
        return None
    service: dict[str, Any] = {"iid": iid, "type": type_}
    description = ctx.text(raw.get("description"), at)
    if description:
        service["description"] = description
    properties: dict[int, dict[str, Any]] = {}
    for i, item in _items(ctx, raw, "properties", at):
        prop = _property(ctx, item, f"{at}/properties/{i}")
        if prop is not None and _fresh(ctx, properties, prop, f"{at}/properties/{i}"):
            properties[prop["iid"]] = prop
    actions: dict[int, dict[str, Any]] = {}
    for i, item in _items(ctx, raw, "actions", at):
        action = _action(ctx, item, f"{at}/actions/{i}", properties)
        if action is not None and _fresh(ctx, actions, action, f"{at}/actions/{i}"):
            actions[action["iid"]] = action
    events: dict[int, dict[str, Any]] = {}
    for i, item in _items(ctx, raw, "events", at):
        event = _event(ctx, item, f"{at}/events/{i}", properties)
        if event is not None and _fresh(ctx, events, event, f"{at}/events/{i}"):
            events[event["iid"]] = event
    for key, found in (("properties", properties), ("actions", actions), ("events", events)):
        if found:
            service[key] = list(found.values())
    return service


def _fresh(ctx: Context, seen: dict[int, Any], item: dict[str, Any], at: str) -> bool:
    if item["iid"] in seen:
        ctx.error(f"{at}/iid", "duplicate_iid", f"iid {item['iid']} is already used; not imported")
        return False
    return True


def _property(ctx: Context, raw: object, at: str) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        ctx.error(at, "wrong_type", "a property must be an object; not imported")
        return None
    ctx.extra_keys(raw, _PROPERTY_KEYS, at)
    iid = ctx.iid(raw.get("iid"), at, MAX_IID)
    type_ = ctx.urn(raw.get("type"), at)
    fmt = ctx.format(raw.get("format"), at)
    if iid is None or type_ is None or fmt is None:
        return None
    prop: dict[str, Any] = {"iid": iid, "type": type_}
    description = ctx.text(raw.get("description"), at)
    if description:
        prop["description"] = description
    access = ctx.access(raw.get("access"), at)
    ctx.unit(raw.get("unit"), at, prop)
    fmt, rng = import_range(ctx, raw.get("value-range"), fmt, at)
    prop["format"] = fmt.value
    if access:
        prop["access"] = access
    if rng is not None:
        prop["range"] = rng
    values = import_values(ctx, raw.get("value-list"), fmt, rng, at)
    if values:
        prop["values"] = values
    return prop


def _references(ctx: Context, raw: Any, at: str, props: dict[int, Any]) -> list[int] | None:
    """Return the piids a list refers to; None (with errors) if one is unusable."""
    if raw is None:
        return []
    if type(raw) is not list:
        ctx.error(at, "wrong_type", "must be a list of property iids")
        return None
    refs: list[int] = []
    usable = True
    for i, item in enumerate(raw):
        piid = ctx.integer(item, f"{at}/{i}", "piid")
        if piid is None or piid not in props:
            what = f"{item!r} is not a property iid" if piid is None else f"no property {piid}"
            ctx.error(f"{at}/{i}", "bad_reference", f"{what} was imported in this service")
            usable = False
        else:
            refs.append(piid)
    return refs if usable else None


def _action(ctx: Context, raw: object, at: str, props: dict[int, Any]) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        ctx.error(at, "wrong_type", "an action must be an object; not imported")
        return None
    ctx.extra_keys(raw, _ACTION_KEYS, at)
    iid = ctx.iid(raw.get("iid"), at, MAX_IID)
    type_ = ctx.urn(raw.get("type"), at)
    # An action cannot be invoked correctly without every one of its inputs and outputs.
    inputs = _references(ctx, raw.get("in"), f"{at}/in", props)
    outputs = _references(ctx, raw.get("out"), f"{at}/out", props)
    if iid is None or type_ is None or inputs is None or outputs is None:
        if iid is not None and type_ is not None:
            ctx.error(at, "bad_reference", f"action {iid} not imported: a reference is unusable")
        return None
    action: dict[str, Any] = {"iid": iid, "type": type_}
    description = ctx.text(raw.get("description"), at)
    if description:
        action["description"] = description
    if inputs:
        action["in"] = inputs
    if outputs:
        action["out"] = outputs
    return action


def _event(ctx: Context, raw: object, at: str, props: dict[int, Any]) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        ctx.error(at, "wrong_type", "an event must be an object; not imported")
        return None
    ctx.extra_keys(raw, _EVENT_KEYS, at)
    iid = ctx.iid(raw.get("iid"), at, MAX_IID)
    type_ = ctx.urn(raw.get("type"), at)
    if iid is None or type_ is None:
        return None
    event: dict[str, Any] = {"iid": iid, "type": type_}
    description = ctx.text(raw.get("description"), at)
    if description:
        event["description"] = description
    # An event still tells that something happened when one argument is unusable, so
    # only that argument is left out (each with its own error).
    args = raw.get("arguments")
    if args is not None and type(args) is not list:
        ctx.error(f"{at}/arguments", "wrong_type", "arguments must be a list; none imported")
        args = None
    arguments = []
    for i, item in enumerate(args or []):
        piid = ctx.integer(item, f"{at}/arguments/{i}", "piid")
        if piid is None or piid not in props:
            what = f"{item!r} is not a property iid" if piid is None else f"no property {piid}"
            ctx.error(f"{at}/arguments/{i}", "bad_reference", f"{what} was imported; left out")
        else:
            arguments.append(piid)
    if arguments:
        event["arguments"] = arguments
    return event
