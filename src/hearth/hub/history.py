"""Reading device history: raw points, or one point per time bucket (downsampled).

Numbers (and booleans, as 0/1) are averaged per bucket in the database with their
minimum and maximum; other values keep the bucket's last one. Events are listed as they
happened. History older than ``history_days`` is pruned by ``hub.upkeep``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Float, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.errors import InvalidInput
from hearth.hub.models import HistoryPoint

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
        buckets = await session.execute(
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
            for row in buckets
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
