"""What the scene builder offers and how rules read: pickers fed by the home's specs.

``home_devices`` names a home's devices as the home does (the name and room given to each,
else the model's name) and ``choices`` lists what each one can be watched for or told to
do, labelled from its spec, for the builder's pickers (nobody types an id or a key): only
properties a person can set for actions, and for triggers and conditions only those that
change (not the device-information service, nor read-only text such as a serial number).
``Describer`` turns triggers, conditions, actions, causes and each step's outcome into
sentences for lists, the execution log and the result of a tap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.devices.compiled import CompiledSpec
from hearth.devices.present import present, value_label
from hearth.devices.spec import NUMERIC_FORMATS, Access, Format
from hearth.devices.urn import type_name
from hearth.homes.models import DevicePlacement, Room
from hearth.hub.models import Device, DeviceModel, DeviceState
from hearth.scenes.service import spec_of

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Services that say what a device is, not what it does: nothing there is worth watching.
INFO_SERVICES = frozenset({"device-information"})
# How each comparison reads, after the property's name ("Temperature is above 30 °C").
OP_WORDS = {
    "changes": "changes",
    "=": "is",
    "!=": "is not",
    "<": "is below",
    "<=": "is at most",
    ">": "is above",
    ">=": "is at least",
    "between": "is between",
}
# What a device's refusal of one value means, after the property's name.
REFUSALS = {
    "unknown": "is not something it knows",
    "not_readable": "cannot be read",
    "not_writable": "cannot be set",
    "wrong_type": "was sent a value of the wrong kind",
    "not_integer": "takes whole numbers only",
    "out_of_range": "was sent a value outside its range",
    "off_step": "was sent a value between its steps",
    "not_in_list": "was sent a value it does not offer",
    "too_long": "was sent text that is too long",
    "bad_arguments": "was given inputs it does not take",
    "busy": "cannot do it now: the device is busy",
    "device_error": "failed on the device",
}
ANSWER_SECONDS = 5


@dataclass(frozen=True)
class DeviceLabel:
    name: str
    spec: CompiledSpec
    room: str | None = None
    values: Mapping[str, Any] | None = None  # what it last reported

    @property
    def label(self) -> str:
        """The name and room, as the pickers list it: "Desk lamp · Study"."""
        return f"{self.name} · {self.room}" if self.room else self.name


async def home_devices(
    session: AsyncSession, *, home_id: str, with_values: bool = False
) -> dict[str, DeviceLabel]:
    """Return the home's devices with the name the home gave each (else the model's, told
    apart by the end of its id when two share it), its room, its compiled spec and, with
    ``with_values``, what it last reported."""
    placed = DevicePlacement.device_id == Device.id
    placed &= DevicePlacement.home_id == home_id  # a placement made in another home is stale
    query = (
        select(Device.id, DeviceModel, DevicePlacement.name, Room.name)
        .join(DeviceModel, DeviceModel.id == Device.model_id)
        .outerjoin(DevicePlacement, placed)
        .outerjoin(Room, Room.id == DevicePlacement.room_id)
        .where(Device.home_id == home_id)
        .order_by(Room.id.is_(None), Room.position, Room.name, Device.bound_at, Device.id)
    )
    found = [
        (device_id, model, name, room)
        for device_id, model, name, room in await session.execute(query)
    ]
    values: dict[str, Any] = {}
    if with_values and found:
        rows = await session.execute(
            select(DeviceState.device_id, DeviceState.reported).where(
                DeviceState.device_id.in_([f[0] for f in found])
            )
        )
        values = {device_id: dict(reported or {}) for device_id, reported in rows}
    shown = [
        (device_id, model, given or model.name, room) for device_id, model, given, room in found
    ]
    counts: dict[tuple[str, str | None], int] = {}
    for _, _, name, room in shown:
        counts[(name, room)] = counts.get((name, room), 0) + 1
    return {
        device_id: DeviceLabel(
            name if counts[(name, room)] == 1 else f"{name} · {device_id[-4:]}",
            spec_of(model),
            room,
            values.get(device_id),
        )
        for device_id, model, name, room in shown
    }


def watchable(spec: CompiledSpec, key: str) -> bool:
    """Tell whether a property is worth a trigger or a condition: the device reports it,
    it is not about what the device is (manufacturer, model, serial, firmware), and it is
    not read-only text, which never changes."""
    entry = spec.by_key[key]
    if "report" not in entry.ops:
        return False
    service = next((s for s in spec.spec.services if s.iid == entry.siid), None)
    if service is not None and type_name(service.type) in INFO_SERVICES:
        return False
    prop = entry.prop
    return not (
        prop.format is Format.STRING and Access.WRITE not in prop.access and not prop.values
    )


def _property(spec: CompiledSpec, key: str, label: str, current: Any = None) -> dict[str, Any]:
    entry = spec.by_key[key]
    prop = entry.prop
    item: dict[str, Any] = {
        "key": key,
        "label": label,
        "format": prop.format.value,
        "watch": watchable(spec, key),
        "write": "write" in entry.ops,
        "current": current,
        "numeric": prop.format in NUMERIC_FORMATS,
        "bool": prop.format is Format.BOOL,
        "values": [{"value": o.value, "label": o.description or str(o.value)} for o in prop.values],
        "unit": value_label(prop, "").strip() if prop.unit else "",
    }
    if prop.range is not None:
        item["range"] = {"min": prop.range.min, "max": prop.range.max, "step": prop.range.step}
    return item


def choices(devices: Mapping[str, DeviceLabel]) -> list[dict[str, Any]]:
    """Return the pickers' data: per device, its properties, actions and events."""
    result = []
    for device_id, device in devices.items():
        spec = device.spec
        labels = {(c.kind, c.key): c.label for c in present(spec.spec).controls}
        now = device.values or {}
        props = [
            _property(spec, key, labels.get(("property", key), key), now.get(key))
            for key in spec.by_key
        ]
        actions = [
            {
                "key": f"{a.siid}.{a.aiid}",
                "label": labels.get(("action", f"{a.siid}.{a.aiid}"), ""),
                "inputs": [_property(spec, k, labels.get(("property", k), k)) for k in a.inputs],
            }
            for a in spec.actions.values()
        ]
        events = [
            {
                "key": f"{e.siid}.{e.eiid}",
                "label": labels.get(("event", f"{e.siid}.{e.eiid}"), ""),
                "args": [_property(spec, k, labels.get(("property", k), k)) for k in e.arguments],
            }
            for e in spec.events.values()
        ]
        result.append(
            {
                "id": device_id,
                "name": device.label,
                "room": device.room,
                "properties": props,
                "actions": actions,
                "events": events,
            }
        )
    return result


class Describer:
    """Words for rules, using the home's device names and spec labels."""

    def __init__(self, devices: Mapping[str, DeviceLabel], names: Mapping[str, str]) -> None:
        self.devices = devices
        self.names = names  # scene and automation ids → names
        self._labels: dict[str, dict[tuple[str, str], str]] = {}

    def _label(self, device_id: str, kind: str, key: str) -> str:
        device = self.devices.get(device_id)
        if device is None:
            return key
        labels = self._labels.get(device_id)
        if labels is None:
            labels = {(c.kind, c.key): c.label for c in present(device.spec.spec).controls}
            self._labels[device_id] = labels
        return labels.get((kind, key), key)

    def device(self, device_id: str) -> str:
        device = self.devices.get(device_id)
        return device.label if device is not None else "a removed device"

    def value(self, device_id: str, key: str, value: Any) -> str:
        device = self.devices.get(device_id)
        entry = device.spec.by_key.get(key) if device is not None else None
        return value_label(entry.prop, value) if entry is not None else str(value)

    def _comparison(self, item: Mapping[str, Any]) -> str:
        device_id, key, op = item["device_id"], item["key"], item.get("op", "changes")
        what = f"{self.device(device_id)} · {self._label(device_id, 'property', key)}"
        if op == "changes":
            return f"{what} changes"
        value = self.value(device_id, key, item.get("value"))
        if op == "between":
            upper = self.value(device_id, key, item.get("upper"))
            return f"{what} is between {value} and {upper}"
        return f"{what} {OP_WORDS.get(op, op)} {value}"

    def trigger(self, item: Mapping[str, Any]) -> str:
        """Describe one trigger as stored."""
        kind = item["kind"]
        if kind == "property":
            held = item.get("for_minutes")
            return self._comparison(item) + (f" for {_minutes(held)}" if held else "")
        if kind == "event":
            label = self._label(item["device_id"], "event", item["event"])
            args = ", ".join(
                f"{self._label(item['device_id'], 'property', k)} = "
                f"{self.value(item['device_id'], k, v)}"
                for k, v in item.get("args", {}).items()
            )
            return f"{self.device(item['device_id'])}: {label}" + (f" ({args})" if args else "")
        if kind == "availability":
            return f"{self.device(item['device_id'])} goes {item['to']}"
        if kind == "schedule":
            if item.get("cron"):
                return f"On schedule {item['cron']}"
            days = ", ".join(DAYS[d] for d in item.get("days", []))
            return f"{days} at {', '.join(item.get('times', []))}"
        offset = item.get("offset_minutes", 0)
        when = "" if not offset else f"{abs(offset)} min {'before' if offset < 0 else 'after'} "
        return f"{when}{item['event']}".capitalize()

    def condition(self, item: Mapping[str, Any]) -> str:
        """Describe one condition."""
        if item["kind"] == "property":
            return self._comparison(item)
        if item["kind"] == "time":
            return f"between {item['after']} and {item['before']}"
        return "on " + ", ".join(DAYS[d] for d in item.get("days", []))

    def action(self, item: Mapping[str, Any]) -> str:
        """Describe one action."""
        kind = item["kind"]
        if kind == "set":
            device_id = item["device_id"]
            parts = [
                f"{self._label(device_id, 'property', k)} to {self.value(device_id, k, v)}"
                for k, v in item["props"].items()
            ]
            return f"Set {self.device(device_id)} · {', '.join(parts)}"
        if kind == "action":
            label = self._label(item["device_id"], "action", item["action"])
            return f"{self.device(item['device_id'])}: {label}"
        if kind == "delay":
            return f"Wait {item['seconds']:g} s"
        if kind == "scene":
            return f"Run scene {self.names.get(item['scene_id'], 'a removed scene')}"
        if kind == "automation":
            verb = "Enable" if item["enabled"] else "Disable"
            return f"{verb} {self.names.get(item['automation_id'], 'a removed automation')}"
        return f"Notify the home: {item['title']}"

    def cause(self, cause: Mapping[str, Any], triggers: list[Mapping[str, Any]]) -> str:
        """Describe why a run started, with the values that made it."""
        kind = cause.get("kind")
        if kind == "manual":
            return f"Run by {cause.get('by', 'a member')}"
        if kind == "run":
            return "Run by an automation"
        index = cause.get("index", 0)
        base = self.trigger(triggers[index]) if index < len(triggers) else kind or "?"
        if kind == "property":
            device_id, key = cause["device_id"], cause["key"]
            before = cause.get("before")
            was = "" if before is None else f"{self.value(device_id, key, before)} → "
            return f"{base}: {was}{self.value(device_id, key, cause['value'])}"
        return str(base)

    def step(self, step: Mapping[str, Any], action: Mapping[str, Any] | None) -> str:
        """Say in a sentence what one step of a run did."""
        status, code = step.get("status"), step.get("code")
        device_id = (action or {}).get("device_id") or step.get("device_id") or ""
        device = self.device(device_id) if device_id else "The device"
        kind = step.get("kind")
        if status == "ok":
            if kind == "delay":
                return f"Waited {_seconds((action or {}).get('seconds', 0))}."
            if kind in ("set", "action"):
                return "Done: the device confirmed it."
            if kind == "notify" and isinstance(step.get("people"), int):
                people = step["people"]
                return (
                    "Sent to the one person in the home."
                    if people == 1
                    else f"Sent to the {people} people in the home."
                )
            return sentence(step.get("detail", "Done"))
        if code == "offline":
            return f"Not sent: {device} is offline."
        if code == "timed_out":
            return (
                f"No answer from {device} within {ANSWER_SECONDS} seconds: "
                "it may still carry it out."
            )
        if code == "gone" and kind in ("set", "action"):
            return "Not sent: the device is no longer in this home."
        if code == "gone":
            return sentence(step.get("detail", "It no longer exists"))
        if code == "not_sent":
            return "Not sent: hearth could not reach the devices' broker."
        if code == "refused":
            refusals = step.get("refusals") or {}
            parts = [
                f"{self._label(device_id, 'property', key) if key else 'the command'} "
                f"{REFUSALS.get(why, f'was refused ({why})')}"
                for key, why in refusals.items()
            ]
            return f"Refused by {device}: " + ("; ".join(parts) or "it said no") + "."
        return sentence(step.get("detail", "Failed"))

    def pending(self, action: Mapping[str, Any], *, current: bool, resume_at: str = "") -> str:
        """Say what a step not carried out yet is waiting for."""
        if action.get("kind") == "delay" and current:
            return f"Waiting {_seconds(action.get('seconds', 0))}."
        return "Under way…" if current else "Waiting for its turn."


@dataclass(frozen=True)
class StepTold:
    """One action of a run as a person reads it: what it is, and what became of it."""

    index: int
    action: str
    status: str  # ok, failed, current (under way) or pending (not reached yet)
    message: str


@dataclass(frozen=True)
class RunTold:
    """A run as a person reads it: one sentence for the whole, one per action."""

    summary: str
    settled: bool
    steps: tuple[StepTold, ...]


ACTIVE_STATUSES = frozenset({"queued", "running", "waiting"})


def tell_run(describe: Describer, run: Any) -> RunTold:
    """Tell a run (a ``SceneRun``) in words: each action's outcome and the whole's."""
    actions: list[Mapping[str, Any]] = list(run.actions or [])
    done = {step["index"]: step for step in run.steps or []}
    active = run.status in ACTIVE_STATUSES
    told: list[StepTold] = []
    for index, action in enumerate(actions):
        what = describe.action(action)
        step = done.get(index)
        if step is not None:
            message = describe.step(step, action)
            if step.get("kind") == "delay" and run.status == "waiting" and index == max(done):
                message = describe.pending(action, current=True)
                told.append(StepTold(index, what, "current", message))
                continue
            told.append(
                StepTold(index, what, "ok" if step["status"] == "ok" else "failed", message)
            )
        elif active:
            current = index == (max(done) + 1 if done else 0) and run.status == "running"
            told.append(
                StepTold(
                    index,
                    what,
                    "current" if current else "pending",
                    describe.pending(action, current=current),
                )
            )
        else:
            told.append(StepTold(index, what, "pending", "Not carried out."))
    failed = sum(1 for step in told if step.status == "failed")
    total = len(actions)
    status, reason = run.status, run.reason or ""
    if status == "running":
        summary = f"Running: {len(done)} of {total} action{'s' if total != 1 else ''} done."
    elif status == "waiting":
        summary = "Waiting before its next action."
    elif status == "queued":
        summary = "Waiting for an earlier run to finish."
    elif status == "succeeded":
        summary = "Done." if total == 1 else f"Done: all {total} actions carried out."
    elif status == "failed" and failed:
        summary = (
            "It failed." if total == 1 else f"{failed} of {total} actions failed; the others ran."
        )
        if failed == total and total > 1:
            summary = f"Every action failed ({total} of {total})."
    elif status == "not_met":
        summary = "Did not run: its conditions did not hold."
    elif status in ("skipped", "cancelled", "stopped", "failed"):
        summary = f"{status.replace('_', ' ').capitalize()}: {reason}" if reason else status
        summary = sentence(summary)
    else:
        summary = sentence(status)
    return RunTold(summary, not active, tuple(told))


def sentence(text: str) -> str:
    """Return ``text`` as a sentence: capitalised, ending with a full stop."""
    text = str(text).strip() or "Done"
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


def _seconds(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        return _minutes(int(seconds // 60))
    return f"{seconds:g} second{'s' if seconds != 1 else ''}"


def _minutes(minutes: int) -> str:
    if minutes >= 60 and minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
