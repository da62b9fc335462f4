"""Device history on PostgreSQL: one partition of ``device_history`` per day (UTC).

The table is partitioned by range of ``at`` (``PARTITION BY RANGE (at)``), one partition
per day named ``device_history_YYYYMMDD``, and a default partition that takes any row no
day's partition holds yet, so nothing is lost whatever time a row carries (a hearth whose
clock is off, a test's frozen clock, a day whose partition is not made yet). Upkeep
(``hub.upkeep.keep_history``) makes today's and the next ``AHEAD_DAYS`` days' partitions
before rows arrive for them, and drops a day's partition once all of it is older than
``history_days``: a whole day goes at the cost of one statement, where deleting its rows
cost minutes of I/O, dead rows and vacuum.

Any number of hearth processes run this upkeep against one database. Each step runs in a
transaction of its own that first claims ``pg_try_advisory_xact_lock(LOCK)``: the one
process that gets it looks at the partitions that exist (seeing what an earlier holder
committed) and makes or drops what is missing or due; the others skip the step. Without
the claim, two processes could both find a day missing and both create it (``CREATE
TABLE IF NOT EXISTS`` is no help: it checks before the other's commit, and the loser
fails on the catalog's unique index), or move the same rows twice.

A new day's partition is made as a table of its own with a check of its range, filled
with any rows of that day the default partition holds, then attached. Attaching takes a
SHARE UPDATE EXCLUSIVE lock on the parent, which neither ingest's ``COPY`` nor reads wait
for (``CREATE TABLE ... PARTITION OF`` would take ACCESS EXCLUSIVE), and an exclusive lock
on the default partition, taken first so that no row can slip into it for that day in
between. Dropping a partition needs ACCESS EXCLUSIVE on the parent for an instant. Every
step waits at most ``LOCK_TIMEOUT`` for its locks, so a long read cannot queue ingest up
behind it; a step that gives up is tried again at the next pass, days ahead of need.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

PARENT = "device_history"
DEFAULT = f"{PARENT}_default"
AHEAD_DAYS = 3
# pg_try_advisory_xact_lock's key for partition upkeep; advisory locks are per database.
LOCK = 0x68_69_73_74  # "hist"
LOCK_TIMEOUT = "1s"
_DAY = re.compile(rf"^{PARENT}_(\d{{8}})$")


def name_of(day: date) -> str:
    """Return the name of the partition holding ``day``."""
    return f"{PARENT}_{day:%Y%m%d}"


def day_of(name: str) -> date | None:
    """Return the day a partition's name says it holds, or None for any other table."""
    found = _DAY.match(name)
    return datetime.strptime(found[1], "%Y%m%d").replace(tzinfo=UTC).date() if found else None


def bounds(day: date) -> tuple[datetime, datetime]:
    """Return the start of ``day`` (UTC) and of the next."""
    start = datetime.combine(day, time(), tzinfo=UTC)
    return start, start + timedelta(days=1)


def _literal(at: datetime) -> str:
    return f"'{at.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}+00'"


@dataclass
class Step:
    """What one partition step did: whether it held the claim, the partitions it made or
    dropped, the rows it moved out of the default partition into a new day's, and the
    default partition's rows it deleted as too old."""

    claimed: bool
    created: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    moved: int = 0
    deleted: int = 0


async def is_partitioned(session: AsyncSession) -> bool:
    """Whether ``device_history`` is a partitioned table here (PostgreSQL, migrated)."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    found = await session.scalar(
        text(
            "SELECT count(*) FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.relname = :name AND pg_table_is_visible(c.oid)"
        ),
        {"name": PARENT},
    )
    return bool(found)


async def days(session: AsyncSession) -> list[date]:
    """Return the days that have a partition, oldest first."""
    names = await session.scalars(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = CAST(:parent AS regclass)"
        ),
        {"parent": PARENT},
    )
    return sorted(day for day in map(day_of, names) if day is not None)


async def _claim(session: AsyncSession) -> bool:
    claimed = await session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": LOCK})
    if claimed:
        await session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    return bool(claimed)


async def create_ahead(session: AsyncSession, *, now: datetime, ahead: int = AHEAD_DAYS) -> Step:
    """Make the partitions of today and the next ``ahead`` days that do not exist yet, if
    this transaction wins the claim; the caller commits."""
    if not await _claim(session):
        return Step(claimed=False)
    have = set(await days(session))
    today = now.astimezone(UTC).date()
    step = Step(claimed=True)
    for offset in range(ahead + 1):
        day = today + timedelta(days=offset)
        if day in have:
            continue
        step.moved += await create(session, day)
        step.created.append(name_of(day))
    return step


async def create(session: AsyncSession, day: date) -> int:
    """Make ``day``'s partition, moving its rows out of the default partition; return how
    many moved. The caller holds the claim (or is the migration)."""
    name = name_of(day)
    start, end = bounds(day)
    since, until = _literal(start), _literal(end)
    await session.execute(text(f"LOCK TABLE {DEFAULT} IN ACCESS EXCLUSIVE MODE"))
    await session.execute(text(f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS)"))
    # The check lets ATTACH skip scanning the new table for rows outside its range.
    check = f"CHECK (at >= {since} AND at < {until})"
    await session.execute(text(f"ALTER TABLE {name} ADD CONSTRAINT ck_{name}_at {check}"))
    moved = await session.execute(
        text(
            f"WITH moved AS (DELETE FROM {DEFAULT} WHERE at >= {since} AND at < {until} "
            f"RETURNING *) INSERT INTO {name} SELECT * FROM moved"
        )
    )
    await session.execute(
        text(f"ALTER TABLE {PARENT} ATTACH PARTITION {name} FOR VALUES FROM ({since}) TO ({until})")
    )
    return int(getattr(moved, "rowcount", 0) or 0)


async def drop_expired(session: AsyncSession, *, now: datetime, days_kept: int) -> Step:
    """Drop the partitions whose whole day is older than ``days_kept`` days, and delete the
    default partition's rows that old, if this transaction wins the claim."""
    if not await _claim(session):
        return Step(claimed=False)
    cutoff = now - timedelta(days=days_kept)
    step = Step(claimed=True)
    for day in await days(session):
        if bounds(day)[1] > cutoff:
            break
        await session.execute(text(f"DROP TABLE {name_of(day)}"))
        step.dropped.append(name_of(day))
    gone = await session.execute(text(f"DELETE FROM {DEFAULT} WHERE at < {_literal(cutoff)}"))
    step.deleted = int(getattr(gone, "rowcount", 0) or 0)
    return step
