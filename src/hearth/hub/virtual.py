"""A virtual device for any spec: plausible state, obedient to its spec (pure rules).

Sensors (readable, not writable) drift within their range and step, switches and
settings stay where they were put, value lists move between their values. Set requests
are checked with the spec's own validator, so a virtual device refuses exactly what a
correct real device would, with the same codes. Events fire now and then with plausible
arguments; running an action fires the service's events named like it (``open`` fires
``lock-opened``) and ``toggle`` flips the service's ``on``. The simulator adds the I/O.
"""

from __future__ import annotations

import random
from typing import Any

from hearth.devices.compiled import CompiledProperty, CompiledSpec
from hearth.devices.spec import INT_LIMITS, Format, Property
from hearth.devices.urn import type_name
from hearth.errors import ValueRejected
from hearth.hub import protocol
from hearth.hub.protocol import ResultCode

# What an event's last word means for a "<stem>-state" value list (lock-opened: Unlocked).
_OUTCOMES = {
    "opened": ("unlocked", "open", "opened"),
    "locked": ("locked",),
    "closed": ("closed",),
    "detected": ("detected", "yes"),
}
CHANGE_CHANCE = 0.5  # a sensor's value moves on this share of ticks
EVENT_CHANCE = 0.05  # each event fires on this share of ticks
SENSOR_STEPS = 2  # a sensor moves at most this many steps per tick


def _decimals(step: float) -> int:
    text = repr(step)
    return len(text.split(".")[1]) if "." in text and "e" not in text else 0


def _snap(prop: Property, value: float) -> Any:
    low, high = _bounds(prop)
    value = min(max(value, low), high)
    if prop.range is not None and prop.range.step:
        step = float(prop.range.step)
        value = float(prop.range.min) + round((value - float(prop.range.min)) / step) * step
        value = min(max(value, low), high)
    if prop.format is Format.FLOAT:
        step = float(prop.range.step) if prop.range and prop.range.step else 0.1
        return round(value, _decimals(step) or 1)
    return int(round(value))


def _bounds(prop: Property) -> tuple[float, float]:
    if prop.range is not None:
        return float(prop.range.min), float(prop.range.max)
    if prop.format in INT_LIMITS:
        low, high = INT_LIMITS[prop.format]
        return float(max(low, 0)), float(min(high, 100))
    return 0.0, 100.0


def plausible(prop: Property, rng: random.Random) -> Any:
    """Return a value that fits ``prop``."""
    if prop.values:
        return rng.choice(prop.values).value
    if prop.format is Format.BOOL:
        return rng.random() < 0.5
    if prop.format is Format.STRING:
        return "hearth"[: prop.max_length or 6]
    low, high = _bounds(prop)
    return _snap(prop, low + (high - low) * rng.uniform(0.3, 0.7))


def drift(prop: Property, value: Any, rng: random.Random) -> Any:
    """Return the next plausible value of a sensor after ``value``."""
    if prop.values:
        return rng.choice(prop.values).value
    if prop.format is Format.BOOL:
        return not value if rng.random() < 0.3 else value
    if prop.format is Format.STRING:
        return value
    low, high = _bounds(prop)
    step = float(prop.range.step) if prop.range and prop.range.step else (high - low) / 100 or 1
    return _snap(prop, float(value) + rng.randint(-SENSOR_STEPS, SENSOR_STEPS) * step)


class VirtualDevice:
    """The behaviour of one device; feed it requests and ticks, send what it returns."""

    def __init__(
        self, spec: CompiledSpec, rng: random.Random, facts: dict[str, str] | None = None
    ) -> None:
        self.spec = spec
        self.rng = rng
        # Text the device knows about itself, by property name ("model", "serial-number").
        known = {"manufacturer": "Hearth", "model": spec.spec.model, **(facts or {})}
        self.state: dict[str, Any] = {}
        for key, entry in spec.by_key.items():
            if "report" not in entry.ops:
                continue
            fact = known.get(type_name(entry.prop.type))
            if fact is not None and entry.prop.format is Format.STRING:
                self.state[key] = fact[: entry.prop.max_length or len(fact)]
            else:
                self.state[key] = plausible(entry.prop, rng)
        self._sensors = [
            entry
            for entry in spec.by_key.values()
            if "report" in entry.ops and "write" not in entry.ops
        ]

    def readable(self) -> dict[str, Any]:
        """Return every value the device reports (its full report after connecting)."""
        return dict(self.state)

    def tick(self) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
        """Advance time: return the sensor values that changed and the events that fired."""
        changed: dict[str, Any] = {}
        for entry in self._sensors:
            if self.rng.random() < CHANGE_CHANCE:
                value = drift(entry.prop, self.state[entry.key], self.rng)
                if value != self.state[entry.key]:
                    self.state[entry.key] = changed[entry.key] = value
        events = [
            self._fire(siid, eiid)
            for (siid, eiid) in self.spec.events
            if self.rng.random() < EVENT_CHANCE
        ]
        return changed, events

    def _fire(self, siid: int, eiid: int) -> tuple[str, dict[str, Any]]:
        event = self.spec.events[siid, eiid]
        self._follow(siid, type_name(event.event.type))
        args = {key: self._value_of(key) for key in event.arguments}
        return f"{siid}.{eiid}", args

    def _follow(self, siid: int, event: str) -> None:
        """Make the service's state agree with an event: motion is seen, a lock opens."""
        negative = event.startswith("no-")
        stem = event.removeprefix("no-").split("-")[0]
        wanted = _OUTCOMES.get(event.rsplit("-", 1)[-1], ())
        for entry in self.spec.by_key.values():
            name = type_name(entry.prop.type)
            if entry.siid != siid or entry.key not in self.state or name != f"{stem}-state":
                continue
            if entry.prop.format is Format.BOOL:
                self.state[entry.key] = not negative
                continue
            for option in entry.prop.values:
                if option.description.lower() in wanted:
                    self.state[entry.key] = option.value
                    break

    def _value_of(self, key: str) -> Any:
        if key in self.state:
            return self.state[key]
        return plausible(self.spec.by_key[key].prop, self.rng)

    def write(self, props: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
        """Apply what the spec allows; return per-property results and what changed."""
        results: dict[str, dict[str, Any]] = {}
        changed: dict[str, Any] = {}
        for key, value in props.items():
            try:
                accepted = self.spec.check_key(key, value, op="write")
            except ValueRejected as err:
                results[key] = {"code": err.reason}
                continue
            results[key] = {"code": ResultCode.OK.value}
            if key not in self.state:
                continue  # write-only: it acts, but there is nothing to report
            if self.state[key] != accepted:
                changed[key] = accepted
            self.state[key] = accepted
        return results, changed

    def read(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        """Answer a read: each property's value, or why it cannot be read."""
        results: dict[str, dict[str, Any]] = {}
        for key in keys:
            entry = self.spec.by_key.get(key)
            if entry is None:
                results[key] = {"code": ResultCode.UNKNOWN.value}
            elif "read" not in entry.ops:
                results[key] = {"code": ResultCode.NOT_READABLE.value}
            else:
                results[key] = {"code": ResultCode.OK.value, "value": self._value_of(key)}
        return results

    def act(
        self, action: str, args: dict[str, Any]
    ) -> tuple[str, dict[str, Any], dict[str, Any], list[tuple[str, dict[str, Any]]]]:
        """Run an action: return its code, outputs, changed values and fired events."""
        siid, aiid = protocol.split_key(action)
        try:
            self.spec.check_action(siid, aiid, args, direction="in")
        except ValueRejected as err:
            return err.reason, {}, {}, []
        compiled = self.spec.actions[siid, aiid]
        name = type_name(compiled.action.type)
        changed: dict[str, Any] = {}
        for key, value in args.items():
            if key in self.state:
                self.state[key] = changed[key] = value
        if name == "toggle":
            self._toggle(siid, changed)
        out = {key: self._value_of(key) for key in compiled.outputs}
        stem = name.split("-")[0]
        events = [
            self._fire(s, e)
            for (s, e), event in self.spec.events.items()
            if s == siid and stem and stem in type_name(event.event.type)
        ]
        return ResultCode.OK.value, out, changed, events

    def _toggle(self, siid: int, changed: dict[str, Any]) -> None:
        for entry in self.spec.by_key.values():
            if entry.siid == siid and _is_switch(entry) and entry.key in self.state:
                self.state[entry.key] = changed[entry.key] = not self.state[entry.key]


def _is_switch(entry: CompiledProperty) -> bool:
    return entry.prop.format is Format.BOOL and type_name(entry.prop.type) == "on"
