"""Periodic upkeep any hearth process may run: every step is a conditional update, so
when several processes run it at once each change still happens exactly once.

- a device online but silent past its heartbeats is marked offline;
- a command whose deadline passed while nobody waited for it (its process died) times out;
- history older than ``history_days`` is deleted, a chunk at a time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.hub.events import CommandAnswered
from hearth.hub.models import Command, Device, DeviceState, HistoryPoint
from hearth.hub.status import CommandStatus

STATES: Table = DeviceState.__table__  # type: ignore[assignment]
ORPHAN_GRACE = timedelta(seconds=5)  # let the waiting process time its command out itself
PRUNE_CHUNK = 10_000


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
    """Delete one chunk of history older than ``days``; return how many rows went."""
    cutoff = now - timedelta(days=days)
    old = select(HistoryPoint.id).where(HistoryPoint.at < cutoff).limit(PRUNE_CHUNK)
    result = await session.execute(delete(HistoryPoint).where(HistoryPoint.id.in_(old)))
    return int(getattr(result, "rowcount", 0) or 0)
