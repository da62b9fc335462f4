"""Helpers for history tests: devices without a hearth, rows written as ingest writes them,
and rollups recomputed from raw rows by plain arithmetic (not by ``hub.buckets``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db
from hearth.hub import batchsql, rollups
from hearth.hub.models import (
    Device,
    DeviceModel,
    HistoryPoint,
    Rollup1h,
    Rollup5m,
    RollupMark,
    RollupRow,
)
from hearth.hub.store import history_row

MODEL = "test.meter.v1"
CREATED = datetime(2026, 1, 1, tzinfo=UTC)


async def add_devices(sessions: async_sessionmaker[AsyncSession], *ids: str) -> None:
    """Add a product and bare devices (history only needs them to exist)."""
    async with db.transaction(sessions) as session:
        if await session.get(DeviceModel, MODEL) is None:
            session.add(DeviceModel(id=MODEL, name=MODEL, spec={"model": MODEL}))
            await session.flush()
        session.add_all(
            Device(
                id=device_id,
                model_id=MODEL,
                secret_hash="-",
                pairing_digest=f"pairing-{device_id}",
                batch="test",
                created_at=CREATED,
                credentials_at=CREATED,
            )
            for device_id in ids
        )


def row(device_id: str, key: str, at: datetime, value: Any) -> tuple[Any, ...]:
    """One history row as ingest builds it (``HISTORY_COLUMNS`` order)."""
    return tuple(history_row(device_id, key, at, value).values())


async def write(
    sessions: async_sessionmaker[AsyncSession], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Write one batch of history rows the way ingest does, in a transaction of its own."""
    async with db.transaction(sessions) as session:
        late_before = await rollups.hold(session)
        await batchsql.insert_history(session, rows, late_before=late_before)


async def set_mark(sessions: async_sessionmaker[AsyncSession], until: datetime) -> None:
    """Put the rollups' mark at ``until`` (history before it counts as rolled up)."""
    async with db.transaction(sessions) as session:
        await session.execute(update(RollupMark).values(rolled=until, until=until))


async def roll_up(sessions: async_sessionmaker[AsyncSession], until: datetime) -> None:
    """Run the rollup job up to ``until`` in one span."""
    await rollups.roll_up(sessions, until=until, span=timedelta(days=3650))


@dataclass(frozen=True)
class Expected:
    count: int
    sum: float
    min: float
    max: float
    last: float
    last_at: datetime

    def matches(self, other: Expected) -> bool:
        """Equal, the sum to rounding (added up in another order)."""
        return (
            (self.count, self.min, self.max, self.last, self.last_at)
            == (other.count, other.min, other.max, other.last, other.last_at)
        ) and math.isclose(self.sum, other.sum, rel_tol=1e-9, abs_tol=1e-6)


Slot = tuple[str, str, datetime]


def recompute(
    raw: Sequence[tuple[str, str, datetime, float | None]], seconds: int
) -> dict[Slot, Expected]:
    """Rollups of ``seconds`` from raw (device, key, at, num) rows: the last value is the
    one with the latest time, of two at the same time the larger."""
    groups: dict[Slot, list[tuple[datetime, float]]] = {}
    for device_id, key, at, num in raw:
        if num is None:
            continue
        stamp = int(at.timestamp())  # whole seconds since the epoch, then down to the bucket
        start = datetime.fromtimestamp(stamp - stamp % seconds, UTC)
        groups.setdefault((device_id, key, start), []).append((at, num))
    return {
        slot: Expected(
            count=len(values),
            sum=sum(num for _, num in values),
            min=min(num for _, num in values),
            max=max(num for _, num in values),
            last=max(values)[1],
            last_at=max(values)[0],
        )
        for slot, values in groups.items()
    }


async def raw_rows(
    sessions: async_sessionmaker[AsyncSession],
) -> list[tuple[str, str, datetime, float | None]]:
    """Every history row as stored: device, key, time and number."""
    async with sessions() as session:
        found = await session.execute(
            select(HistoryPoint.device_id, HistoryPoint.key, HistoryPoint.at, HistoryPoint.num)
        )
        return [(r[0], r[1], r[2], r[3]) for r in found]


async def stored(sessions: async_sessionmaker[AsyncSession], seconds: int) -> dict[Slot, Expected]:
    """The rollups of ``seconds`` (300 or 3600) as the database holds them."""
    table: type[RollupRow] = Rollup5m if seconds == 300 else Rollup1h
    async with sessions() as session:
        found = await session.execute(
            select(
                table.device_id,
                table.key,
                table.start,
                table.count,
                table.sum,
                table.min,
                table.max,
                table.last,
                table.last_at,
            )
        )
        return {(r[0], r[1], r[2]): Expected(*r[3:]) for r in found}


def differences(wanted: dict[Slot, Expected], found: dict[Slot, Expected]) -> list[str]:
    """What differs between two sets of rollups, as sentences (empty when they agree)."""
    problems = [f"missing {slot}" for slot in wanted.keys() - found.keys()]
    problems += [f"extra {slot}" for slot in found.keys() - wanted.keys()]
    problems += [
        f"{slot}: {found[slot]} instead of {wanted[slot]}"
        for slot in wanted.keys() & found.keys()
        if not wanted[slot].matches(found[slot])
    ]
    return problems
