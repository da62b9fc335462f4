"""Periodic upkeep any hearth process may run: every step is a conditional update, so
when several processes run it at once each change still happens exactly once.

- a device online but silent past its heartbeats is marked offline;
- a command whose deadline passed while nobody waited for it (its process died) times out;
- history is kept (``keep_history``): on PostgreSQL, the partitions of the coming days are
  made and days older than ``history_days`` dropped whole, each step claimed by one
  process (``hub.partitions``); on SQLite, older rows are deleted a chunk at a time; on
  both, rollups older than their own ages are deleted a chunk at a time. Deleting is
  idempotent, so processes that delete at once only share the work.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import Table, bindparam, delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db
from hearth.db import UTCDateTime
from hearth.hub import batchsql, buckets, partitions
from hearth.hub.events import CommandAnswered
from hearth.hub.models import Command, Device, DeviceState, HistoryPoint
from hearth.hub.status import CommandStatus

STATES: Table = DeviceState.__table__  # type: ignore[assignment]
ORPHAN_GRACE = timedelta(seconds=5)  # let the waiting process time its command out itself
PRUNE_CHUNK = 10_000
# Chunks one pass deletes at most per table, each in its own transaction (SQLite's write
# lock is let go between them): a million rows, more than a busy day of a small fleet.
PRUNE_CHUNKS = 100


@dataclass(frozen=True)
class Retention:
    """How long device history is kept: raw rows, five-minute and hourly rollups (days)."""

    history_days: int
    rollup_5m_days: int
    rollup_1h_days: int


@dataclass
class Kept:
    """What one pass of ``keep_history`` did."""

    created: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    moved: int = 0
    raw_deleted: int = 0
    rollups_deleted: int = 0


async def mark_silent_offline(session: AsyncSession, *, now: datetime) -> list[dict[str, object]]:
    """Mark online devices whose heartbeats stopped as offline; return the updates."""
    gone = await session.execute(
        update(STATES)
        .where(STATES.c.online.is_(True), STATES.c.stale_at < now)
        .values(online=False, stale_at=None, availability_at=now)
        .returning(STATES.c.device_id)
    )
    ids = [row[0] for row in gone]
    if not ids:
        return []
    homes = dict(
        (row[0], row[1])
        for row in await session.execute(
            select(Device.id, Device.home_id).where(Device.id.in_(ids))
        )
    )
    return [
        {
            "kind": "offline",
            "device_id": device_id,
            "home_id": homes.get(device_id),
            "at": now.isoformat(),
        }
        for device_id in sorted(ids)
    ]


async def time_out_orphans(session: AsyncSession, *, now: datetime) -> list[CommandAnswered]:
    """Time out commands past their deadline that no process finished."""
    rows = await session.execute(
        update(Command)
        .where(
            Command.status.in_([CommandStatus.SENT.value, CommandStatus.WAITING.value]),
            Command.deadline < now - ORPHAN_GRACE,
        )
        .values(status=CommandStatus.TIMED_OUT.value)
        .returning(Command.id, Command.device_id)
    )
    return [CommandAnswered(row[0], row[1], CommandStatus.TIMED_OUT.value) for row in rows]


async def prune_history(session: AsyncSession, *, now: datetime, days: int) -> int:
    """Delete one chunk of history older than ``days``; return how many rows went (the
    unpartitioned table: SQLite's)."""
    cutoff = now - timedelta(days=days)
    old = select(HistoryPoint.id).where(HistoryPoint.at < cutoff).limit(PRUNE_CHUNK)
    result = await session.execute(delete(HistoryPoint).where(HistoryPoint.id.in_(old)))
    return int(getattr(result, "rowcount", 0) or 0)


async def prune_rollups(
    session: AsyncSession, *, width: timedelta, now: datetime, days: int
) -> int:
    """Delete one chunk of ``width`` rollups that began more than ``days`` ago; return how
    many rows went."""
    name = batchsql.ROLLUPS[width].name
    # Rows are picked by their physical address (rowid, ctid), not by their three-column
    # key: a delete that matches keys costs PostgreSQL 20 µs a row, this one a tenth.
    address = "rowid" if session.get_bind().dialect.name == "sqlite" else "ctid"
    old = f"SELECT {address} FROM {name} WHERE start < :cutoff LIMIT :chunk"
    match = f"rowid IN ({old})" if address == "rowid" else f"ctid = ANY(ARRAY({old}))"
    statement = text(f"DELETE FROM {name} WHERE {match}").bindparams(
        bindparam("cutoff", type_=UTCDateTime()), chunk=PRUNE_CHUNK
    )
    result = await session.execute(statement, {"cutoff": now - timedelta(days=days)})
    return int(getattr(result, "rowcount", 0) or 0)


async def keep_history(
    sessions: async_sessionmaker[AsyncSession], *, now: datetime, retention: Retention
) -> Kept:
    """Make and drop history partitions (PostgreSQL) or delete old rows (SQLite), then
    delete old rollups; each step in a transaction of its own, taking its write turn."""
    kept = Kept()
    async with db.transaction(sessions, turn=db.turn(sessions)) as session:
        partitioned = session.get_bind().dialect.name == "postgresql"
        if partitioned:
            made = await partitions.create_ahead(session, now=now)
            kept.created, kept.moved = made.created, made.moved
    if partitioned:
        async with db.transaction(sessions, turn=db.turn(sessions)) as session:
            gone = await partitions.drop_expired(session, now=now, days_kept=retention.history_days)
            kept.dropped, kept.raw_deleted = gone.dropped, gone.deleted
    else:
        kept.raw_deleted = await _in_chunks(
            sessions, partial(prune_history, now=now, days=retention.history_days)
        )
    for width, days in (
        (buckets.FIVE_MINUTES, retention.rollup_5m_days),
        (buckets.HOUR, retention.rollup_1h_days),
    ):
        kept.rollups_deleted += await _in_chunks(
            sessions, partial(prune_rollups, width=width, now=now, days=days)
        )
    return kept


async def _in_chunks(
    sessions: async_sessionmaker[AsyncSession],
    prune: Callable[[AsyncSession], Awaitable[int]],
) -> int:
    """Run a chunked delete until a chunk comes back short (or ``PRUNE_CHUNKS`` ran)."""
    total = 0
    for _ in range(PRUNE_CHUNKS):
        async with db.transaction(sessions, turn=db.turn(sessions)) as session:
            gone = await prune(session)
        total += gone
        if gone < PRUNE_CHUNK:
            break
    return total
