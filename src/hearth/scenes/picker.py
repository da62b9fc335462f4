"""What the scene builder offers and how rules read: pickers fed by the home's specs.

``home_choices`` lists a home's devices with what each one can be watched for or told
to do, labelled from its spec, for the builder's pickers (nobody types an id or a key).
``describe_*`` turn triggers, conditions, actions and causes into short sentences for
lists and the execution log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.devices.compiled import CompiledSpec
from hearth.devices.present import present, value_label
from hearth.devices.spec import NUMERIC_FORMATS, Format
from hearth.hub.models import Device, DeviceModel
from hearth.scenes.service import spec_of

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class DeviceLabel:
    name: str
    spec: CompiledSpec


async def home_devices(session: AsyncSession, *, home_id: str) -> dict[str, DeviceLabel]:
    """Return the home's devices with a name to show and their compiled spec."""
    rows = await session.execute(
        select(Device.id, DeviceModel)
        .join(DeviceModel, DeviceModel.id == Device.model_id)
        .where(Device.home_id == home_id)
        .order_by(Device.bound_at, Device.id)
    )
    found = [(device_id, model) for device_id, model in rows]
    counts: dict[str, int] = {}
    for _, model in found:
        counts[model.name] = counts.get(model.name, 0) + 1
    return {
        device_id: DeviceLabel(
            model.name if counts[model.name] == 1 else f"{model.name} · {device_id[-4:]}",
            spec_of(model),
        )
        for device_id, model in found
    }


def _property(spec: CompiledSpec, key: str, label: str) -> dict[str, Any]:
    entry = spec.by_key[key]
    prop = entry.prop
    item: dict[str, Any] = {
        "key": key,
        "label": label,
        "format": prop.format.value,
        "watch": "report" in entry.ops,
        "write": "write" in entry.ops,
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
        props = [_property(spec, key, labels.get(("property", key), key)) for key in spec.by_key]
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
                "name": device.name,
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
        return device.name if device is not None else "a removed device"

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
            return f"{what} between {value} and {self.value(device_id, key, item.get('upper'))}"
        return f"{what} {op} {value}"

    def trigger(self, item: Mapping[str, Any]) -> str:
        """Describe one trigger as stored."""
        kind = item["kind"]
        if kind == "property":
            return self._comparison(item)
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
