"""A spec in plain words: what a device can do, as a product page tells a buyer.

Everything is derived from the spec, like the home app's controls (``present.py``): each
functional service becomes a heading, each property a sentence saying what it reports or
lets you set, with its unit and range or its choices, each action a thing you can ask for
and each event a thing it tells you. Services that only describe the device (its
manufacturer, serial number, identify blink) are left out: a buyer cannot do anything
with them.

``capabilities`` names what a spec's functional properties are *about* (the short name in
their type URN: ``temperature``, ``brightness``), which is what two devices must share
for one to stand in for the other in a scene.
"""

from __future__ import annotations

from dataclasses import dataclass

from hearth.devices.present import _UNIT_SYMBOLS  # one table of unit symbols
from hearth.devices.spec import NUMERIC_FORMATS, Access, Format, Property, Service, Spec
from hearth.devices.units import Unit
from hearth.devices.urn import label, type_name

# Services about the device itself rather than what it does.
INFO_SERVICES = frozenset(["device-information", "identify", "indicator-light"])
MAX_CHOICES = 8  # more choices than this are summarised as a count


@dataclass(frozen=True, slots=True)
class Sentence:
    """One thing a device does, in words: ``label`` and what it means for the owner."""

    kind: str  # "property", "action" or "event"
    label: str
    text: str


@dataclass(frozen=True, slots=True)
class Section:
    """A service in words: its heading and its sentences."""

    heading: str
    sentences: tuple[Sentence, ...]


def functional(spec: Spec) -> list[Service]:
    """Return the services that do the device's job, in the spec's order."""
    return [s for s in spec.services if type_name(s.type) not in INFO_SERVICES]


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else f"{value:,}"


def _unit(prop: Property) -> str:
    if prop.unit is None:
        return ""
    symbol = _UNIT_SYMBOLS.get(prop.unit, str(prop.unit).replace("-", " "))
    return symbol if symbol in ("%", "°C", "°F", "°") else f" {symbol}"


def describe_value(prop: Property) -> str:
    """Say what values a property takes: on/off, its choices, or its range with unit."""
    if prop.format is Format.BOOL:
        return "on or off"
    if prop.values:
        names = [o.description or str(o.value) for o in prop.values]
        if len(names) > MAX_CHOICES:
            return f"one of {len(names)} choices"
        return "one of " + ", ".join(names)
    if prop.format in NUMERIC_FORMATS and prop.range is not None:
        unit = _unit(prop)
        low, high = _number(prop.range.min), _number(prop.range.max)
        text = f"from {low}{unit} to {high}{unit}"
        step = prop.range.step
        if step is not None and step not in (0, 1):
            text += f", in steps of {_number(step)}{unit}"
        return text
    if prop.format in NUMERIC_FORMATS:
        unit = _unit(prop).strip()
        return f"a number in {unit}" if unit else "a number"
    return "text"


def describe_property(prop: Property) -> str:
    """Say what the owner can do with a property: set it, read it, be told of changes."""
    values = describe_value(prop)
    writable = prop.has(Access.WRITE)
    readable = prop.has(Access.READ) or prop.has(Access.NOTIFY)
    if writable and prop.format is Format.BOOL:
        return "switch it on or off"
    if writable and prop.unit is Unit.RGB:
        return "set it to any colour"
    if writable:
        return f"set it {values}" if values.startswith("from") else f"set it to {values}"
    if readable:
        live = " as it changes" if prop.has(Access.NOTIFY) else ""
        if prop.format is Format.BOOL:
            return f"tells you yes or no{live}"
        return f"reports it{live}: {values}"
    return values


def describe(spec: Spec) -> list[Section]:
    """Return the functional services of ``spec`` in words, in the spec's order."""
    sections: list[Section] = []
    for service in functional(spec):
        props = {p.iid: p for p in service.properties}
        sentences = [
            Sentence("property", label(p.description, p.type), describe_property(p))
            for p in service.properties
        ]
        for action in service.actions:
            inputs = [label(props[i].description, props[i].type) for i in action.in_ if i in props]
            text = "start it from the app or a scene" + (
                f", giving {', '.join(inputs)}" if inputs else ""
            )
            sentences.append(Sentence("action", label(action.description, action.type), text))
        for event in service.events:
            args = [
                label(props[i].description, props[i].type) for i in event.arguments if i in props
            ]
            text = "tells you when it happens" + (f", with {', '.join(args)}" if args else "")
            sentences.append(Sentence("event", label(event.description, event.type), text))
        if sentences:
            sections.append(Section(label(service.description, service.type), tuple(sentences)))
    return sections


def capabilities(spec: Spec) -> dict[str, str]:
    """Return what the functional properties of ``spec`` are about: short type name to label."""
    found: dict[str, str] = {}
    for service in functional(spec):
        for prop in service.properties:
            found.setdefault(type_name(prop.type), label(prop.description, prop.type))
    return found


def property_names(spec: Spec) -> dict[str, str]:
    """Return the short type name of every functional property by its key ``"siid.piid"``."""
    return {
        f"{service.iid}.{prop.iid}": type_name(prop.type)
        for service in functional(spec)
        for prop in service.properties
    }
