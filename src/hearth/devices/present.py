"""What people see of a spec: labels, a UI hint per control, the card's switch and state.

Everything here is derived from the spec, so every product, built-in or imported, gets a
usable control page without hand-written UI. Hints are advice for the home app:

``toggle``   a writable on/off value
``slider``   a writable number with a range of at most ``SLIDER_MAX_STEPS`` steps
``select``   a writable value with a value list
``number``   any other writable number
``text``     a writable string
``color``    a writable 24-bit RGB colour (unit ``rgb``)
``button``   an action
``readonly`` a value that cannot be written
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hearth.devices.spec import NUMERIC_FORMATS, Access, Format, Property, Service, Spec
from hearth.devices.units import Unit
from hearth.devices.urn import label, type_name

# A range with more positions than this is easier to type than to drag.
SLIDER_MAX_STEPS = 10_000
# Services that describe the device rather than what it does; never the card's content.
_INFO_SERVICES = frozenset(["device-information", "identify", "indicator-light"])
# Property names worth a device card, most telling first.
PRIMARY_NAMES = (
    "status",
    "temperature",
    "relative-humidity",
    "pm2.5-density",
    "motion-state",
    "contact-state",
    "lock-state",
    "door-state",
    "electric-power",
    "current-position",
    "target-position",
    "brightness",
    "fan-level",
    "mode",
    "target-temperature",
    "illumination",
    "battery-level",
)
_PRIMARY_RANK = {name: rank for rank, name in enumerate(PRIMARY_NAMES)}


class UiHint(StrEnum):
    """How the home app should present a property or action."""

    TOGGLE = "toggle"
    SLIDER = "slider"
    SELECT = "select"
    NUMBER = "number"
    TEXT = "text"
    COLOR = "color"
    BUTTON = "button"
    READONLY = "readonly"


def ui_hint(prop: Property) -> UiHint:
    """Return the control that fits ``prop``."""
    if Access.WRITE not in prop.access:
        return UiHint.READONLY
    if prop.format is Format.BOOL:
        return UiHint.TOGGLE
    if prop.values:
        return UiHint.SELECT
    if prop.format is Format.STRING:
        return UiHint.TEXT
    if prop.unit is Unit.RGB:
        return UiHint.COLOR
    rng = prop.range
    if rng is not None and prop.format in NUMERIC_FORMATS:
        step = rng.step or (1 if prop.format is not Format.FLOAT else 0)
        if step and (rng.max - rng.min) / step <= SLIDER_MAX_STEPS:
            return UiHint.SLIDER
    return UiHint.NUMBER


@dataclass(frozen=True, slots=True)
class Control:
    """One property, action or event as the home app shows it."""

    siid: int
    iid: int
    kind: str  # "property", "action" or "event"
    label: str
    hint: UiHint | None  # None for events: they are shown, not operated
    service_label: str

    @property
    def key(self) -> str:
        """Return the protocol's name for it, ``"siid.iid"``."""
        return f"{self.siid}.{self.iid}"


@dataclass(frozen=True, slots=True)
class Presentation:
    """The derived UI metadata of a spec."""

    controls: tuple[Control, ...]
    main_switch: tuple[int, int] | None  # (siid, piid) of the on/off property
    primary: tuple[int, int] | None  # (siid, piid) of the state a device card shows

    def control(self, kind: str, siid: int, iid: int) -> Control | None:
        """Return the control for one property, action or event, or None."""
        return next(
            (c for c in self.controls if (c.kind, c.siid, c.iid) == (kind, siid, iid)), None
        )


def present(spec: Spec) -> Presentation:
    """Derive labels, hints, the main switch and the primary state of ``spec``."""
    controls: list[Control] = []
    for service in spec.services:
        heading = label(service.description, service.type)
        for prop in service.properties:
            text = label(prop.description, prop.type)
            controls.append(
                Control(service.iid, prop.iid, "property", text, ui_hint(prop), heading)
            )
        for action in service.actions:
            text = label(action.description, action.type)
            controls.append(
                Control(service.iid, action.iid, "action", text, UiHint.BUTTON, heading)
            )
        for event in service.events:
            text = label(event.description, event.type)
            controls.append(Control(service.iid, event.iid, "event", text, None, heading))
    return Presentation(tuple(controls), main_switch(spec), primary_state(spec))


def _functional(spec: Spec) -> list[Service]:
    """Return the services that do the device's job, the one named like its category first."""
    services = [s for s in spec.services if type_name(s.type) not in _INFO_SERVICES]
    return sorted(services, key=lambda s: type_name(s.type) != spec.category)


def main_switch(spec: Spec) -> tuple[int, int] | None:
    """Return ``(siid, piid)`` of the writable ``on`` property that powers the device."""
    for service in _functional(spec):
        for prop in service.properties:
            if (
                type_name(prop.type) == "on"
                and prop.format is Format.BOOL
                and Access.WRITE in prop.access
            ):
                return service.iid, prop.iid
    return None


def primary_state(spec: Spec) -> tuple[int, int] | None:
    """Return ``(siid, piid)`` of the readable property that best sums the device up."""
    best: tuple[int, int] | None = None
    best_rank = len(PRIMARY_NAMES)
    for service in _functional(spec):
        for prop in service.properties:
            rank = _PRIMARY_RANK.get(type_name(prop.type), best_rank)
            readable = Access.READ in prop.access or Access.NOTIFY in prop.access
            if readable and rank < best_rank:
                best, best_rank = (service.iid, prop.iid), rank
    return best


def value_label(prop: Property, value: object) -> str:
    """Return how to show ``value``: its value-list description, else the value and unit."""
    for option in prop.values:
        if option.value == value and type(option.value) is type(value) and option.description:
            return option.description
    if prop.format is Format.BOOL and isinstance(value, bool):
        return "On" if value else "Off"
    unit = f" {_UNIT_SYMBOLS.get(prop.unit, prop.unit)}" if prop.unit else ""
    return f"{value}{unit}"


_UNIT_SYMBOLS: dict[Unit | None, str] = {
    Unit.PERCENTAGE: "%",
    Unit.CELSIUS: "°C",
    Unit.FAHRENHEIT: "°F",
    Unit.KELVIN: "K",
    Unit.SECONDS: "s",
    Unit.MINUTES: "min",
    Unit.HOURS: "h",
    Unit.WATT: "W",
    Unit.KILOWATT_HOUR: "kWh",
    Unit.VOLT: "V",
    Unit.AMPERE: "A",
    Unit.LUX: "lx",
    Unit.ARCDEGREES: "°",
}
