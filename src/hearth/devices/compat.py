"""Spec versions: a new version may add, never remove or change.

Devices in the field keep running the old firmware and apps keep sending what the old
spec allowed, so everything the old version had must mean the same in the new one.
Allowed: new services, properties, actions, events; a new access (``notify`` added); new
value-list entries; edited descriptions. Everything else is a change and is refused.
"""

from __future__ import annotations

from collections.abc import Iterator

from hearth.devices.issues import Issue, pointer
from hearth.devices.spec import Action, Event, Property, Service, Spec
from hearth.errors import SpecIncompatible


def compatibility_issues(old: Spec, new: Spec) -> list[Issue]:
    """Return each removal or change from ``old`` to ``new`` (pointers into ``old``)."""
    issues: list[Issue] = []
    if new.model != old.model:
        issues.append(Issue("/model", "changed", f"model {old.model} became {new.model}"))
    if new.version <= old.version:
        issues.append(
            Issue("/version", "version_not_newer", f"{new.version} is not after {old.version}")
        )
    new_services = {s.iid: s for s in new.services}
    for si, service in enumerate(old.services):
        at = pointer("services", si)
        other = new_services.get(service.iid)
        if other is None:
            issues.append(Issue(at, "removed", f"service {service.iid} was removed"))
            continue
        issues.extend(_service(service, other, at))
    return issues


def check_compatible(old: Spec, new: Spec) -> None:
    """Raise ``SpecIncompatible`` listing every removal and change if ``new`` breaks ``old``."""
    issues = compatibility_issues(old, new)
    if issues:
        raise SpecIncompatible(
            f"version {new.version} of {new.model} is not compatible with version "
            f"{old.version}: {len(issues)} removal(s) or change(s)",
            issues=[i.as_dict() for i in issues],
        )


def _service(old: Service, new: Service, at: str) -> Iterator[Issue]:
    if old.type != new.type:
        yield Issue(f"{at}/type", "changed", f"service {old.iid} type changed to {new.type}")
    name = f"{old.iid}"
    props = {p.iid: p for p in new.properties}
    for i, prop in enumerate(old.properties):
        other = props.get(prop.iid)
        where = f"{at}/properties/{i}"
        if other is None:
            yield Issue(where, "removed", f"property {name}.{prop.iid} was removed")
        else:
            yield from _property(prop, other, where, f"{name}.{prop.iid}")
    actions = {a.iid: a for a in new.actions}
    for i, action in enumerate(old.actions):
        found = actions.get(action.iid)
        where = f"{at}/actions/{i}"
        if found is None:
            yield Issue(where, "removed", f"action {name}.{action.iid} was removed")
        else:
            yield from _action(action, found, where, f"{name}.{action.iid}")
    events = {e.iid: e for e in new.events}
    for i, event in enumerate(old.events):
        found_event = events.get(event.iid)
        where = f"{at}/events/{i}"
        if found_event is None:
            yield Issue(where, "removed", f"event {name}.{event.iid} was removed")
        else:
            yield from _event(event, found_event, where, f"{name}.{event.iid}")


def _property(old: Property, new: Property, at: str, name: str) -> Iterator[Issue]:
    for field in ("type", "format", "unit", "range", "max_length"):
        if getattr(old, field) != getattr(new, field):
            yield Issue(
                f"{at}/{field}",
                "changed",
                f"property {name} {field} changed from {getattr(old, field)!r} "
                f"to {getattr(new, field)!r}",
            )
    for access in old.access:
        if access not in new.access:
            yield Issue(f"{at}/access", "removed", f"property {name} lost {access} access")
    new_values = {(type(o.value), o.value) for o in new.values}
    for i, option in enumerate(old.values):
        if (type(option.value), option.value) not in new_values:
            yield Issue(
                f"{at}/values/{i}", "removed", f"property {name} value {option.value!r} removed"
            )
    # A property that had no value list must not gain one: that would forbid old values.
    if new.values and not old.values:
        yield Issue(f"{at}/values", "changed", f"property {name} gained a value list")


def _action(old: Action, new: Action, at: str, name: str) -> Iterator[Issue]:
    for field, alias in (("type", "type"), ("in_", "in"), ("out", "out")):
        if getattr(old, field) != getattr(new, field):
            yield Issue(f"{at}/{alias}", "changed", f"action {name} {alias} changed")


def _event(old: Event, new: Event, at: str, name: str) -> Iterator[Issue]:
    for field in ("type", "arguments"):
        if getattr(old, field) != getattr(new, field):
            yield Issue(f"{at}/{field}", "changed", f"event {name} {field} changed")
