"""What the home app shows of a device, derived from its spec and state, without I/O.

``card`` sums a device up for the home view (its most telling state, its main switch,
its battery); ``controls`` lays out the device page: one widget per property and action,
from the spec's UI hints.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hearth.devices.present import UiHint, main_switch, primary_state, ui_hint, value_label
from hearth.devices.spec import NUMERIC_FORMATS, Access, Format, Property, Spec
from hearth.devices.urn import label, type_name

# Services whose values are about the unit itself; shown last on a device page.
_INFO = frozenset(["device-information", "identify"])


@dataclass(frozen=True)
class Card:
    """A device on the home view."""

    device_id: str
    name: str
    online: bool
    favourite: bool
    room_id: str | None
    state_label: str  # "21.5 °C", "On", "Locked", or "" when nothing is known yet
    state_key: str | None  # the property the state label shows, for live updates
    switch_key: str | None  # "2.1" of the main switch, when there is one
    switch_on: bool | None
    battery: int | None
    offline_since: datetime | None = None  # offline: since when (None: never connected)

    @property
    def known(self) -> bool:
        """Whether the card's state is known (a value was reported or confirmed)."""
        return bool(self.state_label)


@dataclass(frozen=True)
class Option:
    value: Any
    label: str


@dataclass(frozen=True)
class Widget:
    """One control on a device page (a property) or one input of an action's form."""

    key: str
    label: str
    hint: UiHint
    value: Any = None
    value_label: str = ""
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    options: tuple[Option, ...] = ()
    numeric: bool = False
    integer: bool = False
    chartable: bool = False
    max_length: int | None = None

    @property
    def known(self) -> bool:
        """Whether the device has told its value (unknown values are drawn as unknown)."""
        return self.value is not None


@dataclass(frozen=True)
class ActionForm:
    key: str
    label: str
    inputs: tuple[Widget, ...] = ()


@dataclass(frozen=True)
class Section:
    """The controls of one service."""

    title: str
    widgets: tuple[Widget, ...] = ()
    actions: tuple[ActionForm, ...] = ()
    events: tuple[tuple[str, str], ...] = field(default=())  # (key, label)


def _key(siid: int, iid: int) -> str:
    return f"{siid}.{iid}"


def _prop(spec: Spec, key: str) -> Property | None:
    siid, _, piid = key.partition(".")
    for service in spec.services:
        if str(service.iid) == siid:
            return next((p for p in service.properties if str(p.iid) == piid), None)
    return None


def _battery(spec: Spec, reported: dict[str, Any]) -> int | None:
    for service in spec.services:
        for prop in service.properties:
            if type_name(prop.type) == "battery-level":
                value = reported.get(_key(service.iid, prop.iid))
                if isinstance(value, bool) or not isinstance(value, int | float):
                    return None
                return int(value) if math.isfinite(value) else None
    return None


def card(
    spec: Spec,
    reported: dict[str, Any],
    *,
    device_id: str,
    name: str,
    online: bool,
    favourite: bool = False,
    room_id: str | None = None,
    availability_at: datetime | None = None,
) -> Card:
    """Sum a device up for the home view."""
    switch = main_switch(spec)
    switch_key = _key(*switch) if switch else None
    primary = primary_state(spec)
    state_key = _key(*primary) if primary else switch_key
    state_label = ""
    if state_key is not None and state_key in reported:
        prop = _prop(spec, state_key)
        if prop is not None:
            state_label = value_label(prop, reported[state_key])
    switch_value = reported.get(switch_key) if switch_key else None
    if switch_value is False:  # a switched-off lamp is "Off", not "40 %"
        state_label = "Off"
    return Card(
        device_id=device_id,
        name=name,
        online=online,
        favourite=favourite,
        room_id=room_id,
        state_label=state_label,
        state_key=state_key,
        switch_key=switch_key,
        switch_on=switch_value if isinstance(switch_value, bool) else None,
        battery=_battery(spec, reported),
        offline_since=None if online else availability_at,
    )


def unit_symbol(prop: Property) -> str:
    """Return the unit as people write it ("°C", "%"), or "" without a unit."""
    shown = value_label(prop, 0)
    return shown[2:] if prop.unit and shown.startswith("0 ") else ""


def widget(siid: int, prop: Property, reported: dict[str, Any]) -> Widget:
    """Return the control for one property, with its current value."""
    key = _key(siid, prop.iid)
    value = reported.get(key)
    numeric = prop.format in NUMERIC_FORMATS
    rng = prop.range
    step: float | None = None
    if numeric:  # a float without a step of its own moves freely; an integer by one
        step = rng.step if rng and rng.step else (None if prop.format is Format.FLOAT else 1)
    readable = Access.NOTIFY in prop.access or Access.READ in prop.access
    return Widget(
        key=key,
        label=label(prop.description, prop.type),
        hint=ui_hint(prop),
        value=value,
        value_label=value_label(prop, value) if value is not None else "",
        unit="" if prop.unit and prop.unit.value == "rgb" else unit_symbol(prop),
        minimum=rng.min if rng else None,
        maximum=rng.max if rng else None,
        step=step,
        options=tuple(Option(o.value, o.description or str(o.value)) for o in prop.values),
        numeric=numeric,
        integer=numeric and prop.format is not Format.FLOAT,
        chartable=numeric and not prop.values and readable,
        max_length=prop.max_length,
    )


def _input(siid: int, prop: Property) -> Widget:
    """An action input is always editable, whatever the property's own access says."""
    base = widget(siid, prop, {})
    hint = base.hint
    if hint is UiHint.READONLY:
        if prop.values:
            hint = UiHint.SELECT
        elif base.numeric:
            hint = UiHint.NUMBER
        elif prop.format is Format.BOOL:
            hint = UiHint.TOGGLE
        else:
            hint = UiHint.TEXT
    return Widget(**{**base.__dict__, "hint": hint})


def controls(spec: Spec, reported: dict[str, Any]) -> list[Section]:
    """Lay out a device page: the services that do the job first, the unit's details last."""
    sections: list[Section] = []
    for service in sorted(spec.services, key=lambda s: type_name(s.type) in _INFO):
        props = {p.iid: p for p in service.properties}
        actions = tuple(
            ActionForm(
                _key(service.iid, a.iid),
                label(a.description, a.type),
                tuple(_input(service.iid, props[i]) for i in a.in_ if i in props),
            )
            for a in service.actions
        )
        events = tuple(
            (_key(service.iid, e.iid), label(e.description, e.type)) for e in service.events
        )
        sections.append(
            Section(
                title=label(service.description, service.type),
                widgets=tuple(widget(service.iid, p, reported) for p in service.properties),
                actions=actions,
                events=events,
            )
        )
    return sections


def event_label(spec: Spec, key: str) -> str:
    """Return the label of event ``"siid.eiid"``, or the key itself if the spec lacks it."""
    siid, _, eiid = key.partition(".")
    for service in spec.services:
        if str(service.iid) == siid:
            for event in service.events:
                if str(event.iid) == eiid:
                    return label(event.description, event.type)
    return key
