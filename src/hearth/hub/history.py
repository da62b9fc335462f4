"""Reading device history: raw points, or one point per time bucket (downsampled).

Numbers (and booleans, as 0/1) are averaged per bucket with their minimum and maximum;
other values keep the bucket's last one. Events are listed as they happened.

Buckets of five minutes or more (a day's chart and longer) come from the rollups
(``hub.buckets``): the hourly ones for buckets of an hour or more, the five-minute ones
below, and finer rollups or raw rows only at the edges of the range, so a 90-day chart
reads about 2,200 hourly rows whatever the device reported; what the rollup job has not
taken in yet (``hub.rollups``, the last minute or so) is read raw. Narrower buckets (an hour's
chart), values that are not numbers and events are read from the raw rows. Raw history
is kept ``history_days``, the rollups longer (``hub.upkeep.keep_history``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.errors import InvalidInput
from hearth.hub import buckets, rollups
from hearth.hub.models import HistoryPoint, Rollup1h, Rollup5m, RollupRow

ROLLUP_TABLES: dict[timedelta, type[RollupRow]] = {
    buckets.FIVE_MINUTES: Rollup5m,
    buckets.HOUR: Rollup1h,
}

MAX_RAW = 5000
MAX_POINTS = 2000


@dataclass(frozen=True)
class Point:
    """One raw value, or a bucket: its start, mean (or last value), min, max and count."""

    at: datetime
    value: Any
    min: float | None = None
    max: float | None = None
    count: int = 1


def _seconds_since(session: AsyncSession, since: datetime) -> ColumnElement[float]:
    if session.get_bind().dialect.name == "sqlite":
        start = since.replace(tzinfo=None).isoformat(sep=" ")
        # julianday() is a double of ~2.5 million days, good to ~20 µs: nudge by 100 µs so
        # a point exactly on a bucket's start is not rounded into the bucket before.
        days = func.julianday(HistoryPoint.at) - func.julianday(literal(start))
        return days * 86400.0 + 0.0001
    return cast(func.extract("epoch", HistoryPoint.at), Float) - literal(since.timestamp())


async def read(
    session: AsyncSession,
    *,
    device_id: str,
    key: str,
    since: datetime,
    until: datetime,
    points: int | None = None,
) -> list[Point]:
    """Return ``key``'s history in ``[since, until)``, downsampled to ``points`` buckets."""
    if since >= until:
        raise InvalidInput.fields([{"field": "since", "message": "must be before 'until'"}])
    if points is not None and not 1 <= points <= MAX_POINTS:
        raise InvalidInput.fields([{"field": "points", "message": f"1-{MAX_POINTS}"}])
    if points is not None and not key.startswith("e:"):
        rollup = buckets.width_for((until - since) / points)
        if rollup is not None:
            found = await _from_rollups(session, device_id, key, since, until, points, rollup)
            if found is not None:
                return found
    return await read_raw(
        session, device_id=device_id, key=key, since=since, until=until, points=points
    )


async def read_raw(
    session: AsyncSession,
    *,
    device_id: str,
    key: str,
    since: datetime,
    until: datetime,
    points: int | None = None,
) -> list[Point]:
    """Return ``read``'s answer from raw rows alone (every chart before rollups, and what
    ``bench/history.py`` measures rollups against); the caller has checked the range."""
    window = (
        HistoryPoint.device_id == device_id,
        HistoryPoint.key == key,
        HistoryPoint.at >= since,
        HistoryPoint.at < until,
    )
    count = int(await session.scalar(select(func.count()).where(*window)) or 0)
    if points is None or count <= points:
        if count > MAX_RAW:
            raise InvalidInput(
                f"{count} points in this range; ask for at most {MAX_POINTS} 'points'"
            )
        rows = await session.execute(
            select(HistoryPoint.at, HistoryPoint.value).where(*window).order_by(HistoryPoint.at)
        )
        return [Point(row.at, json.loads(row.value)) for row in rows]
    width = (until - since).total_seconds() / points
    bucket = cast(func.floor(_seconds_since(session, since) / width), Float).label("bucket")
    numeric = await session.scalar(
        select(func.count()).where(*window, HistoryPoint.num.is_not(None))
    )
    if numeric:
        grouped = await session.execute(
            select(
                bucket,
                func.avg(HistoryPoint.num),
                func.min(HistoryPoint.num),
                func.max(HistoryPoint.num),
                func.count(),
            )
            .where(*window, HistoryPoint.num.is_not(None))
            .group_by(bucket)
            .order_by(bucket)
        )
        return [
            Point(since + timedelta(seconds=int(row[0]) * width), row[1], row[2], row[3], row[4])
            for row in grouped
        ]
    last: dict[int, Point] = {}
    values = await session.execute(
        select(HistoryPoint.at, HistoryPoint.value).where(*window).order_by(HistoryPoint.at)
    )
    for at, value in values:
        index = int((at - since).total_seconds() // width)
        held = last.get(index)
        last[index] = Point(
            since + timedelta(seconds=index * width),
            json.loads(value),
            count=(held.count + 1) if held else 1,
        )
    return [last[i] for i in sorted(last)]


def _part(device_id: str, key: str, part: buckets.Part) -> Select[*tuple[Any, ...]]:
    """One part of a range: rollup rows, or raw numbers as rollups of one value (start,
    count, sum, min, max)."""
    if part.width is None:
        raw = HistoryPoint
        num = raw.num
        return select(raw.at, literal(1), num, num, num).where(
            raw.device_id == device_id,
            raw.key == key,
            raw.at >= part.since,
            raw.at < part.until,
            num.is_not(None),
        )
    table = ROLLUP_TABLES[part.width]
    return select(table.start, table.count, table.sum, table.min, table.max).where(
        table.device_id == device_id,
        table.key == key,
        table.start >= part.since,
        table.start < part.until,
    )


async def _from_rollups(
    session: AsyncSession,
    device_id: str,
    key: str,
    since: datetime,
    until: datetime,
    points: int,
    width: timedelta,
) -> list[Point] | None:
    """Return ``points`` buckets drawn from the rollups (``width`` ones in the middle of the
    range), the raw points if there are no more of them, or None if the rollups hold
    nothing of this key here (not a number, or nothing reported)."""
    # Whole buckets before the rollups' mark hold exactly the values reported in them
    # (the job may move the mark meanwhile: it only adds to buckets the mark is in); the
    # rest comes from raw rows.
    rolled = min(until, await rollups.rolled(session))
    covered = buckets.cover(since, rolled, width)
    if rolled < until:
        covered.append(buckets.Part(None, max(since, rolled), until))
    parts = [_part(device_id, key, part) for part in covered]
    rows = await session.execute(parts[0] if len(parts) == 1 else union_all(*parts))
    gathered = buckets.Buckets(since, (until - since) / points)
    for row in rows:
        gathered.add(*row)
    total = gathered.total
    if not total:
        return None
    if total <= points:
        # As few values as points asked for: the values themselves, while raw history
        # still holds them all.
        values = await session.execute(
            select(HistoryPoint.at, HistoryPoint.value)
            .where(
                HistoryPoint.device_id == device_id,
                HistoryPoint.key == key,
                HistoryPoint.at >= since,
                HistoryPoint.at < until,
            )
            .order_by(HistoryPoint.at)
            .limit(points + 1)
        )
        raw = [Point(row.at, json.loads(row.value)) for row in values]
        if len(raw) == total:
            return raw
    return [Point(at, sum_ / count, low, high, count) for at, count, sum_, low, high in gathered]


@dataclass(frozen=True)
class Changes:
    """A value's changes in a range: the value in force when it starts (``before``, None if
    unknown; where only the rollups still know it, ``before_num`` alone), then each moment
    it changed, in time order."""

    before: Any
    before_num: float | None
    changes: list[tuple[datetime, Any]]
    truncated: bool = False


async def last_before(
    session: AsyncSession, *, device_id: str, key: str, at: datetime
) -> tuple[Any, float | None]:
    """Return the value ``key`` held just before ``at``: the last raw value, or where raw
    history no longer has one, the last number of the hourly rollups (None, None if
    neither knows)."""
    raw = await session.scalar(
        select(HistoryPoint.value)
        .where(HistoryPoint.device_id == device_id, HistoryPoint.key == key, HistoryPoint.at < at)
        .order_by(HistoryPoint.at.desc())
        .limit(1)
    )
    if raw is not None:
        value = json.loads(raw)
        kind = type(value)
        return value, float(value) if kind is int or kind is float or kind is bool else None
    rolled = await session.scalar(
        select(Rollup1h.last)
        .where(Rollup1h.device_id == device_id, Rollup1h.key == key, Rollup1h.start < at)
        .order_by(Rollup1h.start.desc())
        .limit(1)
    )
    return (None, None) if rolled is None else (None, float(rolled))


async def changes(
    session: AsyncSession,
    *,
    device_id: str,
    key: str,
    since: datetime,
    until: datetime,
    limit: int = MAX_POINTS,
) -> Changes:
    """Return ``key``'s changes of value in ``[since, until)`` from raw rows, at most
    ``limit`` of them (``truncated`` when there were more), for timelines.

    On/off and modes are drawn from their raw changes, not the rollups: a rollup says how
    often a switch was reported on, not when it went on or off. Only the rows where the
    value differs from the one before are returned (a window function in the database),
    so a switch reported every minute and toggled twice a day sends back a few rows; the
    scan costs one index range of the key's rows, as a raw line chart does. Where raw
    history no longer reaches (older than ``history_days``), the value in force comes from
    the hourly rollups' last number (``before_num``; the caller knows the property's type)."""
    if since >= until:
        raise InvalidInput.fields([{"field": "since", "message": "must be before 'until'"}])
    previous = (
        func.lag(HistoryPoint.value)
        .over(order_by=(HistoryPoint.at, HistoryPoint.id))
        .label("previous")
    )
    ordered = (
        select(HistoryPoint.at, HistoryPoint.value, previous)
        .where(
            HistoryPoint.device_id == device_id,
            HistoryPoint.key == key,
            HistoryPoint.at >= since,
            HistoryPoint.at < until,
        )
        .subquery()
    )
    rows = await session.execute(
        select(ordered.c.at, ordered.c.value)
        .where(or_(ordered.c.previous.is_(None), ordered.c.previous != ordered.c.value))
        .order_by(ordered.c.at)
        .limit(limit + 1)
    )
    found = [(at, json.loads(value)) for at, value in rows]
    before, before_num = await last_before(session, device_id=device_id, key=key, at=since)
    return Changes(before, before_num, found[:limit], truncated=len(found) > limit)


async def forget(session: AsyncSession, *, device_id: str) -> None:
    """Delete a device's history and its rollups."""
    await session.execute(delete(HistoryPoint).where(HistoryPoint.device_id == device_id))
    for table in ROLLUP_TABLES.values():
        await session.execute(delete(table).where(table.device_id == device_id))
