"""Rollups of device history: the pure part (no database).

Every number a device reports (and every boolean, as 0/1) is also kept per device, key and
time bucket at two widths, five minutes and an hour, in the spirit of Home Assistant's
short- and long-term statistics: how many values, their sum (so the mean), minimum,
maximum, and the last one (the value with the latest ``at``; of two at the same instant,
the larger, so that any order of arrival gives the same rollup). Buckets are aligned to
the Unix epoch, so a bucket of one width is made of whole buckets of the finer one.

``fold`` turns a batch of history rows into one ``Tally`` per bucket (what an ingest
batch adds to the rollup tables for its rows behind the rollup job's line, ``hub.rollups``;
the job adds up the rest in SQL the same way); ``Tally.merge`` is the same
addition the tables' upsert does (``batchsql.add_rollups``). ``cover`` splits a time
range into the coarsest rollups that fit inside it, finer ones at its edges and raw rows
for what is left, so a chart read from rollups counts exactly the values in its range;
``Buckets`` gathers what those parts hold into the buckets a chart asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FIVE_MINUTES = timedelta(minutes=5)
HOUR = timedelta(hours=1)
WIDTHS = (HOUR, FIVE_MINUTES)  # coarsest first
PER_HOUR = HOUR // FIVE_MINUTES


def bucket_start(at: datetime, width: timedelta) -> datetime:
    """Return the start of the ``width`` bucket holding ``at`` (epoch-aligned, exact)."""
    return EPOCH + ((at - EPOCH) // width) * width


def _ceil(at: datetime, width: timedelta) -> datetime:
    start = bucket_start(at, width)
    return start if start == at else start + width


@dataclass(slots=True)
class Tally:
    """What one bucket holds: count, sum, min, max, and the last value with its time."""

    count: int
    sum: float
    min: float
    max: float
    last: float
    last_at: datetime

    def add(self, num: float, at: datetime) -> None:
        """Count one more value in."""
        self.count += 1
        self.sum += num
        if num < self.min:
            self.min = num
        if num > self.max:
            self.max = num
        if at > self.last_at or (at == self.last_at and num > self.last):
            self.last, self.last_at = num, at

    def merge(self, other: Tally) -> None:
        """Count another tally of the same bucket in (what the tables' upsert does)."""
        self.count += other.count
        self.sum += other.sum
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)
        if (other.last_at, other.last) > (self.last_at, self.last):
            self.last, self.last_at = other.last, other.last_at


Rollup = dict[tuple[str, str, datetime], Tally]


def fold(rows: Iterable[tuple[Any, ...]]) -> tuple[Rollup, Rollup]:
    """Return the five-minute and hourly tallies of history rows, keyed by device, key and
    bucket start; rows are in ``batchsql.HISTORY_COLUMNS`` order (device_id, key, at, num,
    value) and only those with a number count."""
    fine: dict[tuple[str, str, int], Tally] = {}
    held_in = fine.get  # the ingest's hottest loop after building the rows themselves
    for device_id, key, at, num, _value in rows:
        if num is None:
            continue
        slot = (device_id, key, (at - EPOCH) // FIVE_MINUTES)
        held = held_in(slot)
        if held is None:
            fine[slot] = Tally(1, num, num, num, num, at)
        else:
            held.add(num, at)
    five: Rollup = {}
    hourly: Rollup = {}
    for (device_id, key, index), tally in fine.items():
        five[(device_id, key, EPOCH + index * FIVE_MINUTES)] = tally
        hour = (device_id, key, EPOCH + (index // PER_HOUR) * HOUR)
        held = hourly.get(hour)
        if held is None:
            hourly[hour] = Tally(
                tally.count, tally.sum, tally.min, tally.max, tally.last, tally.last_at
            )
        else:
            held.merge(tally)
    return five, hourly


def width_for(bucket: timedelta) -> timedelta | None:
    """Return the rollup width to draw buckets of ``bucket`` from, or None for raw rows:
    the coarsest rollup no wider than the buckets asked for."""
    for width in WIDTHS:
        if bucket >= width:
            return width
    return None


@dataclass(frozen=True, slots=True)
class Part:
    """A piece of a time range read from one source: a rollup width, or raw rows (None)."""

    width: timedelta | None
    since: datetime
    until: datetime


def cover(since: datetime, until: datetime, width: timedelta | None) -> list[Part]:
    """Split ``[since, until)`` into whole buckets of ``width`` and, at the edges, whole
    buckets of the finer widths, then raw rows for what no bucket fits."""
    if since >= until:
        return []
    if width is None:
        return [Part(None, since, until)]
    finer = WIDTHS[WIDTHS.index(width) + 1] if width != WIDTHS[-1] else None
    first, last = _ceil(since, width), bucket_start(until, width)
    if first >= last:
        return cover(since, until, finer)
    return [*cover(since, first, finer), Part(width, first, last), *cover(last, until, finer)]


class Buckets:
    """Tallies gathered into a chart's buckets of ``width`` from ``since``: count, sum,
    minimum and maximum (a chart shows no last value).

    A value or rollup counts in the bucket holding its time (a rollup's: its start), so a
    rollup that straddles two of the chart's buckets counts whole in the first."""

    def __init__(self, since: datetime, width: timedelta) -> None:
        self.since = since
        self.width = width
        self._held: dict[int, list[float]] = {}

    def add(self, at: datetime, count: int, total: float, low: float, high: float) -> None:
        """Count a rollup (or one value: a count of 1) into the bucket holding ``at``."""
        index = (at - self.since) // self.width
        held = self._held.get(index)
        if held is None:
            self._held[index] = [count, total, low, high]
            return
        held[0] += count
        held[1] += total
        if low < held[2]:
            held[2] = low
        if high > held[3]:
            held[3] = high

    @property
    def total(self) -> int:
        return int(sum(held[0] for held in self._held.values()))

    def __iter__(self) -> Iterator[tuple[datetime, int, float, float, float]]:
        """Yield each bucket's start, count, sum, minimum and maximum, in time order."""
        for index in sorted(self._held):
            count, total, low, high = self._held[index]
            yield self.since + index * self.width, int(count), total, low, high
