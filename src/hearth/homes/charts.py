"""How the home app charts a device's history, derived from its spec, without I/O.

A property is drawn the way a person thinks of it (in the spirit of Home Assistant's
history and Apple Home):

- a **line** for a reading the device measures (temperature, power, humidity): the y-axis
  fits the readings (with the property's unit), and a gap in the readings is a gap;
- **steps** for a value someone sets (brightness, colour temperature, a fan's level, a
  timer): it holds until the next change, on the property's whole range (brightness 1-100 %
  on 0-100 %);
- a **timeline** for on/off and modes (a bool, a value list): a band per state, named by
  the spec's value list ("Open", "Closed", "Night");
- **events** as marks at their moments (counted per bucket on long ranges);
- **energy** for a meter counting up (kWh, Wh): bars of what was used per five minutes,
  hour or day of the home's zone, and the range's total.

Every chart spans its whole range (``Span``), from its start to now, whatever the data.
``chartables`` lists what a device's page offers; the rest turns what the device cloud
read (``hub.history``) into what the chart draws: ``y_range``, ``with_gaps``,
``segments``, ``bars``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from hearth.devices.present import value_label
from hearth.devices.spec import NUMERIC_FORMATS, Access, Format, Property, Spec
from hearth.devices.units import Unit
from hearth.devices.urn import label, type_name
from hearth.homes.cards import event_label, unit_symbol

# Services about the unit itself (its maker, firmware): never charted.
_INFO = frozenset(["device-information", "identify"])
# Value lists that are levels of one quantity (a fan's gears): steps with named levels.
_LEVELS = frozenset(["fan-level", "speed-level", "gear", "level"])
_ENERGY = frozenset([Unit.WATT_HOUR, Unit.KILOWATT_HOUR])


class Drawing(StrEnum):
    """How a chart draws its property."""

    LINE = "line"
    STEP = "step"
    TIMELINE = "timeline"
    EVENTS = "events"
    ENERGY = "energy"


class Span(StrEnum):
    """The ranges a chart offers, each ending now."""

    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class SpanShape:
    """How long a span is, how many buckets its line is drawn in, and its energy bars."""

    length: timedelta
    points: int
    bar: timedelta  # one energy bar: five minutes, an hour, or a day of the home's zone


SPANS: dict[Span, SpanShape] = {
    # The hour's line from raw values (one-minute buckets where there are more), the
    # day's from five-minute rollups, the week's and month's from hourly ones.
    Span.HOUR: SpanShape(timedelta(hours=1), 60, timedelta(minutes=5)),
    Span.DAY: SpanShape(timedelta(days=1), 144, timedelta(hours=1)),
    Span.WEEK: SpanShape(timedelta(days=7), 168, timedelta(days=1)),
    Span.MONTH: SpanShape(timedelta(days=30), 180, timedelta(days=1)),
}
DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class State:
    """One value of a timeline or of named levels, and what it is called."""

    value: Any
    label: str


@dataclass(frozen=True, slots=True)
class Chartable:
    """A property or event a device's page can chart, and how."""

    key: str  # "2.1", or "e:2.1" for an event
    label: str
    drawing: Drawing
    unit: str = ""  # as people write it: "°C", "%", "kWh"
    minimum: float | None = None  # the spec's range
    maximum: float | None = None
    states: tuple[State, ...] = ()  # a timeline's states, or a step chart's named levels
    integer: bool = False


def _key(siid: int, iid: int) -> str:
    return f"{siid}.{iid}"


def drawing_for(prop: Property) -> Drawing | None:
    """Return how ``prop`` is charted, or None when it has no chart (text, colour)."""
    if prop.format is Format.BOOL:
        return Drawing.TIMELINE
    if prop.format not in NUMERIC_FORMATS or prop.unit is Unit.RGB:
        return None
    if prop.values:
        return Drawing.STEP if type_name(prop.type) in _LEVELS else Drawing.TIMELINE
    if prop.unit in _ENERGY:
        return Drawing.ENERGY
    return Drawing.STEP if Access.WRITE in prop.access else Drawing.LINE


def _states(prop: Property) -> tuple[State, ...]:
    if prop.format is Format.BOOL:
        return tuple(State(v, value_label(prop, v)) for v in (False, True))
    return tuple(State(o.value, o.description or str(o.value)) for o in prop.values)


def chartable(siid: int, prop: Property) -> Chartable | None:
    """Return the chart of one property, or None if it has none or is never reported."""
    drawing = drawing_for(prop)
    readable = Access.READ in prop.access or Access.NOTIFY in prop.access
    if drawing is None or not readable:
        return None
    rng = prop.range
    return Chartable(
        key=_key(siid, prop.iid),
        label=label(prop.description, prop.type),
        drawing=drawing,
        unit=unit_symbol(prop),
        minimum=rng.min if rng else None,
        maximum=rng.max if rng else None,
        states=_states(prop),
        integer=prop.format is not Format.FLOAT,
    )


def chartables(spec: Spec) -> list[Chartable]:
    """Return everything a device's page can chart: its properties, then its events."""
    found: list[Chartable] = []
    events: list[Chartable] = []
    for service in spec.services:
        if type_name(service.type) in _INFO:
            continue
        for prop in service.properties:
            made = chartable(service.iid, prop)
            if made is not None:
                found.append(made)
        for event in service.events:
            key = _key(service.iid, event.iid)
            events.append(Chartable(f"e:{key}", event_label(spec, key), Drawing.EVENTS))
    return found + events


def find(spec: Spec, key: str) -> Chartable | None:
    """Return the chart of ``key`` ("2.1" or "e:2.1") in ``spec``, or None."""
    return next((c for c in chartables(spec) if c.key == key), None)


def window(span: Span, until: datetime) -> tuple[datetime, datetime]:
    """Return the range a chart of ``span`` ending at ``until`` covers."""
    return until - SPANS[span].length, until


# -- the y-axis ---------------------------------------------------------------------------


def _nice_step(rough: float) -> float:
    """Return 1, 2, 2.5 or 5 times a power of ten, the first at least ``rough``."""
    power = 10.0 ** math.floor(math.log10(rough))
    return next(f * power for f in (1.0, 2.0, 2.5, 5.0, 10.0) if f * power >= rough * 0.999999)


def y_range(chart: Chartable, values: Iterable[float]) -> tuple[float, float] | None:
    """Return the y-axis of a line, step or energy chart holding ``values``, or None
    for timelines and events (they have none).

    Percentages span 0-100 %. A set value spans the spec's range (from 0 when its range
    starts near 0: brightness 1-100 on 0-100). A reading spans its values, rounded out to
    even ticks, from 0 for a quantity that starts at 0 (power) when its values are near
    it, never less than ten steps of the property wide, and never beyond the spec's range.
    Energy bars start at 0."""
    if chart.drawing in (Drawing.TIMELINE, Drawing.EVENTS):
        return None
    seen = [v for v in values if v is not None and math.isfinite(v)]
    if chart.drawing is Drawing.STEP and chart.states:
        levels = [float(s.value) for s in chart.states]
        return min(levels) - 0.5, max(levels) + 0.5
    if chart.unit == "%" and chart.drawing is not Drawing.ENERGY:
        return min([0.0, *seen]), max([100.0, *seen])
    low_spec, high_spec = chart.minimum, chart.maximum
    if chart.drawing is Drawing.STEP and low_spec is not None and high_spec is not None:
        low = 0.0 if 0 <= low_spec <= 0.1 * high_spec else float(low_spec)
        return min([low, *seen]), max([float(high_spec), *seen])
    if chart.drawing is Drawing.ENERGY:
        top = max(seen, default=0.0)
        return 0.0, _nice_top(top)
    if not seen:
        if low_spec is not None and high_spec is not None:
            return float(low_spec), float(high_spec)
        return 0.0, 1.0
    low, high = min(seen), max(seen)
    if low >= 0 and (low_spec is None or low_spec >= 0) and low <= 0.25 * high:
        low = 0.0
    resolution = 1.0 if chart.integer else 0.1
    least = max(10 * resolution, abs(high) * 0.02)
    if high - low < least:
        middle = (high + low) / 2
        low, high = middle - least / 2, middle + least / 2
    step = _nice_step((high - low) / 4)
    low = math.floor(low / step) * step
    high = math.ceil(high / step) * step
    if high == max(seen):
        high += step
    if low == min(seen) and low != 0:
        low -= step
    if low_spec is not None:
        low = max(low, float(low_spec))
    if high_spec is not None:
        high = min(high, float(high_spec))
    return low, high


def _nice_top(top: float) -> float:
    if top <= 0:
        return 1.0
    step = _nice_step(top / 4)
    return math.ceil(top * 1.05 / step) * step


# -- lines and steps ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinePoint:
    """A value on a line or step chart, with the bucket's extremes when it stands for
    several; a value of None breaks the line (a gap)."""

    at: datetime
    value: float | None
    min: float | None = None
    max: float | None = None


def gap_after(span: Span) -> timedelta:
    """Return how long without a value breaks a line: three of its buckets, at least half
    an hour (a sensor that reports only changes may stay quiet that long)."""
    shape = SPANS[span]
    return max(3 * shape.length / shape.points, timedelta(minutes=30))


def with_gaps(
    points: Sequence[LinePoint], *, gap: timedelta, since: datetime, until: datetime
) -> list[LinePoint]:
    """Return ``points`` with a break (a point of None) wherever two are more than ``gap``
    apart, and after the last when it is older than ``gap`` (the device fell silent)."""
    drawn: list[LinePoint] = []
    for point in points:
        if drawn and point.at - drawn[-1].at > gap:
            drawn.append(LinePoint(drawn[-1].at + gap, None))
        drawn.append(point)
    if drawn and until - drawn[-1].at > gap and drawn[-1].value is not None:
        drawn.append(LinePoint(drawn[-1].at + gap, None))
    return [p for p in drawn if since <= p.at <= until]


def carried(
    points: Sequence[LinePoint], *, before: float | None, since: datetime, until: datetime
) -> list[LinePoint]:
    """Return a step chart's points: the value set before the range held from its start,
    and the last value held until its end (a set value stays until it is changed)."""
    drawn = list(points)
    if before is not None and (not drawn or drawn[0].at > since):
        drawn.insert(0, LinePoint(since, before))
    if drawn and drawn[-1].value is not None and drawn[-1].at < until:
        drawn.append(LinePoint(until, drawn[-1].value))
    return drawn


# -- timelines ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of time in one state."""

    start: datetime
    end: datetime
    value: Any
    label: str


def state_label(chart: Chartable, value: Any) -> str:
    """Return the name of a timeline's state: from the spec's value list, else the value."""
    for state in chart.states:
        if state.value == value and type(state.value) is type(value):
            return state.label
    if isinstance(value, bool):
        return "On" if value else "Off"
    return str(value)


def as_value(chart: Chartable, num: float) -> Any:
    """Return a stored number (a rollup's) as the property's own value: True, 2, 21.5."""
    if chart.states and isinstance(chart.states[0].value, bool):
        return num != 0
    if chart.integer and float(num).is_integer():
        return int(num)
    return num


def segments(
    chart: Chartable,
    changes: Sequence[tuple[datetime, Any]],
    *,
    before: Any,
    since: datetime,
    until: datetime,
) -> list[Segment]:
    """Return a timeline's segments: ``before`` (the state when the range starts, None if
    unknown) until the first change, each change until the next, the last until ``until``;
    consecutive changes to the same state are one segment."""
    found: list[Segment] = []
    moments = [(since, before)] if before is not None else []
    moments += [(at, value) for at, value in changes if since <= at < until]
    for index, (at, value) in enumerate(moments):
        end = moments[index + 1][0] if index + 1 < len(moments) else until
        if found and found[-1].value == value and type(found[-1].value) is type(value):
            last = found[-1]
            found[-1] = Segment(last.start, end, last.value, last.label)
        elif end > at:
            found.append(Segment(at, end, value, state_label(chart, value)))
    return found


# -- energy ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bar:
    """What was used in one stretch of time."""

    start: datetime
    end: datetime
    value: float


def bar_starts(span: Span, since: datetime, until: datetime, zone: tzinfo) -> list[datetime]:
    """Return the start of each energy bar of ``span`` in ``[since, until)``: five minutes
    or hours of the clock, or days of the home's zone (from its midnight, whatever the day's
    length), the first bar starting where the bar holding ``since`` does."""
    width = SPANS[span].bar
    if width < DAY:
        epoch = datetime(1970, 1, 1, tzinfo=since.tzinfo)
        first = epoch + ((since - epoch) // width) * width
        return [first + i * width for i in range(math.ceil((until - first) / width))]
    local = since.astimezone(zone)
    day = local.date()
    starts: list[datetime] = []
    while True:
        # In UTC: arithmetic between two times of one zone ignores its clock changes.
        midnight = datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
        if midnight >= until:
            return starts
        starts.append(midnight)
        day += DAY


def bars(
    readings: Sequence[tuple[datetime, float, float]],
    starts: Sequence[datetime],
    *,
    until: datetime,
    before: float | None,
) -> list[Bar]:
    """Return what a meter counted in each bar from its readings (time, lowest, highest).

    A meter only counts up, so a bar used its highest reading less the highest before it
    (``before``: the reading in force when the range starts); a meter that started again
    from 0 (a reset, a new device) counts from its lowest reading in that bar."""
    ends = [*starts[1:], until]
    held: dict[int, list[float]] = {}
    index = 0
    for at, low, high in sorted(readings):
        while index + 1 < len(starts) and at >= starts[index + 1]:
            index += 1
        if not starts or at < starts[0]:
            continue
        seen = held.get(index)
        if seen is None:
            held[index] = [low, high]
        else:
            seen[0], seen[1] = min(seen[0], low), max(seen[1], high)
    made: list[Bar] = []
    previous = before
    for i, start in enumerate(starts):
        seen = held.get(i)
        used = 0.0
        if seen is not None:
            low, high = seen
            used = high - previous if previous is not None and high >= previous else high - low
            previous = high
        made.append(Bar(start, ends[i], max(0.0, used)))
    return made


# -- a chart, as read ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mark:
    """An event on a chart: its moment, or the start of a bucket and how many it holds."""

    at: datetime
    count: int = 1


@dataclass(frozen=True)
class Chart:
    """What one chart draws: its range, its axis and its data, by how it is drawn."""

    chartable: Chartable
    span: Span
    since: datetime
    until: datetime
    time_zone: str
    y: tuple[float, float] | None = None
    bucket: timedelta | None = None  # the width points stand for, None for single values
    points: tuple[LinePoint, ...] = ()
    segments: tuple[Segment, ...] = ()
    marks: tuple[Mark, ...] = ()
    bars: tuple[Bar, ...] = ()
    total: float | None = None
    truncated: bool = False
