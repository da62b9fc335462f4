"""A device's history as its page charts it: read through the device cloud's history
(``hub.history``), shaped by the home app's chart rules (``homes.charts``).

- Lines and steps read ``history.read``: raw values for the hour, five-minute rollups for
  the day, hourly ones for the week and month, each bucket with its mean, minimum and
  maximum (a 90-day chart reads about 2,200 rows whatever the device reported).
- Timelines read the raw changes (``history.changes``): when a switch went on is what a
  timeline says, and a rollup only knows how often it was reported on.
- Events read raw rows, counted per bucket where there are more than the chart's points.
- Energy reads the meter's rollups at the bar's width (an hour at most) and turns the
  highest reading of each bar into what it counted.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.errors import InvalidInput
from hearth.homes import charts, reading
from hearth.homes import service as homes_service
from hearth.homes.board import spec_of
from hearth.homes.charts import Chart, Drawing, LinePoint, Span
from hearth.hub import history

HOUR = timedelta(hours=1)


async def device_chart(
    session: AsyncSession,
    *,
    user: User,
    device_id: str,
    key: str,
    span: Span,
    until: datetime,
) -> Chart:
    """Return the chart of one property or event of a device of the user's homes over
    ``span`` ending at ``until``, with times for the home's zone."""
    view = await reading.device_view(session, user=user, device_id=device_id)
    chartable = charts.find(spec_of(view.model), key)
    if chartable is None:
        raise InvalidInput.fields(
            [{"field": "key", "message": f"This device has no value or event {key!r} to chart."}]
        )
    assert view.device.home_id is not None  # device_view answers only for a home's device
    zone_name = await homes_service.home_zone(session, view.device.home_id)
    since, until = charts.window(span, until)
    base = Chart(chartable, span, since, until, zone_name)
    if chartable.drawing is Drawing.TIMELINE:
        return await _timeline(session, device_id, base)
    if chartable.drawing is Drawing.EVENTS:
        return await _events(session, device_id, base)
    if chartable.drawing is Drawing.ENERGY:
        return await _energy(session, device_id, base)
    return await _line(session, device_id, base)


def _number(value: object) -> float | None:
    if isinstance(value, bool | int | float):
        return float(value)
    return None


async def _line(session: AsyncSession, device_id: str, base: Chart) -> Chart:
    chartable, since, until = base.chartable, base.since, base.until
    shape = charts.SPANS[base.span]
    found = await history.read(
        session,
        device_id=device_id,
        key=chartable.key,
        since=since,
        until=until,
        points=shape.points,
    )
    aggregated = any(p.min is not None for p in found)
    points = [LinePoint(p.at, _number(p.value), p.min, p.max) for p in found]
    _, before = await history.last_before(session, device_id=device_id, key=chartable.key, at=since)
    if chartable.drawing is Drawing.STEP:
        # A set value holds until it is changed: from the one set before the range, to now.
        points = charts.carried(points, before=before, since=since, until=until)
    else:
        points = charts.with_gaps(points, gap=charts.gap_after(base.span), since=since, until=until)
    seen = [v for p in points for v in (p.value, p.min, p.max) if v is not None]
    return replace(
        base,
        y=charts.y_range(chartable, seen),
        bucket=(until - since) / shape.points if aggregated else None,
        points=tuple(points),
    )


async def _timeline(session: AsyncSession, device_id: str, base: Chart) -> Chart:
    chartable = base.chartable
    got = await history.changes(
        session, device_id=device_id, key=chartable.key, since=base.since, until=base.until
    )
    before = got.before
    if before is None and got.before_num is not None:
        before = charts.as_value(chartable, got.before_num)
    made = charts.segments(
        chartable, got.changes, before=before, since=base.since, until=base.until
    )
    return replace(base, segments=tuple(made), truncated=got.truncated)


async def _events(session: AsyncSession, device_id: str, base: Chart) -> Chart:
    points = charts.SPANS[base.span].points
    found = await history.read_raw(
        session,
        device_id=device_id,
        key=base.chartable.key,
        since=base.since,
        until=base.until,
        points=points,
    )
    gathered = any(p.count > 1 for p in found)
    return replace(
        base,
        marks=tuple(charts.Mark(p.at, p.count) for p in found),
        bucket=(base.until - base.since) / points if gathered else None,
    )


async def _energy(session: AsyncSession, device_id: str, base: Chart) -> Chart:
    key = base.chartable.key
    starts = charts.bar_starts(base.span, base.since, base.until, ZoneInfo(base.time_zone))
    first = starts[0]
    width = min(charts.SPANS[base.span].bar, HOUR)
    count = math.ceil((base.until - first) / width)
    found = await history.read(
        session,
        device_id=device_id,
        key=key,
        since=first,
        until=first + count * width,
        points=count,
    )
    readings = []
    for point in found:
        value = _number(point.value)
        if value is not None:
            low = point.min if point.min is not None else value
            high = point.max if point.max is not None else value
            readings.append((point.at, low, high))
    _, before = await history.last_before(session, device_id=device_id, key=key, at=first)
    made = charts.bars(readings, starts, until=base.until, before=before)
    return replace(
        base,
        y=charts.y_range(base.chartable, [b.value for b in made]),
        bars=tuple(made),
        total=sum(b.value for b in made),
    )
