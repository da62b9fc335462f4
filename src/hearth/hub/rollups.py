"""Rollups kept up to date: a periodic job that any number of hearth processes may run.

Raw history is written by every ingest batch; its five-minute and hourly rollups
(``hub.buckets``) are made from it by ``roll_up``, a step every ``EVERY`` seconds that
takes a span of history in whole, in SQL, and moves ``device_rollup_mark`` past it. A
batch adds to the rollups itself only the rows it writes behind the mark (late ones), so
every number is counted exactly once: before the mark, in the rollups; after it, only in
raw history. Charts read whole rollup buckets before the mark and raw rows after it
(``hub.history``).

Why a job: added up in each batch, the rollups cost four upserts per report (two keys,
two widths) and more than half of the database's work at ten thousand devices; a step
adds one row per device, key and bucket for a whole span of reports.

Exactly once, with batches in flight: on PostgreSQL a batch reads the mark holding a
shared advisory lock (``hold``) until it commits, and a step moves the mark holding the
same lock exclusively. So a step sees every row of the batches that read the old mark
(they committed before it got the lock), and every batch that commits after the step
read the new mark and adds its rows behind it itself. On SQLite, with its one writer,
both run in write transactions, one after the other. Steps are claimed: of several
processes, one runs a step while the others skip it.

A step takes at most ``SPAN`` of history and stops ``MARGIN`` short of now, so the rows
of batches still buffered are rarely late, and the exclusive lock is held for the time of
one span's aggregation (on the order of ten milliseconds per thousand devices).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db
from hearth.db import UTCDateTime
from hearth.hub import batchsql, buckets
from hearth.hub.models import RollupMark

EVERY = 15.0  # seconds between steps
MARGIN = timedelta(seconds=5)
SPAN = timedelta(seconds=60)
# Advisory lock keys (per database): the mark, shared by batches and held by a step; the
# claim of a step among processes.
LOCK = 0x72_6F_6C_6C  # "roll"
CLAIM = 0x72_6F_6C_63  # "rolc"
MARK = 1  # the mark's row


@dataclass(frozen=True)
class Rolled:
    """What ``roll_up`` did: the spans it took in (from, to), or nothing if another
    process held the claim."""

    spans: list[tuple[datetime, datetime]]
    claimed: bool = True


def _postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def mark(session: AsyncSession) -> datetime:
    """Return the time before which history is in the rollups (read only)."""
    return (await session.scalars(select(RollupMark.until).where(RollupMark.id == MARK))).one()


async def hold(session: AsyncSession) -> datetime:
    """Return the mark for a batch about to write history, which then adds its rows
    before the mark to the rollups itself; on PostgreSQL, keep the mark where it is until
    the batch commits. Call it in the batch's write transaction."""
    await _lock(session, shared=True)
    return await mark(session)


async def _lock(session: AsyncSession, *, shared: bool) -> None:
    """Hold the mark where it is until the transaction ends (PostgreSQL: shared by
    batches, exclusive for a step); on SQLite, take the one write lock with a first write.
    Locked first, read second: a read's snapshot must follow any step that moved the mark
    while this transaction waited."""
    if _postgres(session):
        function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        await session.execute(text(f"SELECT {function}(:key)"), {"key": LOCK})
    else:
        await session.execute(
            update(RollupMark).where(RollupMark.id == MARK).values(until=RollupMark.until)
        )


def _bucket(session: AsyncSession, width: timedelta) -> str:
    """SQL for the start of the epoch-aligned ``width`` bucket holding ``at``, as
    ``UTCDateTime`` stores it."""
    seconds = int(width.total_seconds())
    if _postgres(session):
        return f"date_bin('{seconds} seconds', at, TIMESTAMPTZ '1970-01-01 00:00:00+00')"
    return (
        f"strftime('%Y-%m-%d %H:%M:%S', (CAST(strftime('%s', at) AS INTEGER) / {seconds})"
        f" * {seconds}, 'unixepoch') || '.000000'"
    )


def _roll_sql(session: AsyncSession, width: timedelta) -> str:
    """Add the numbers of history in ``[:since, :until)`` to the ``width`` rollups: count,
    sum, extremes, and the last value (latest ``at``; of two at once, the larger)."""
    table = batchsql.ROLLUPS[width].name
    bucket = _bucket(session, width)
    least, greatest = ("least", "greatest") if _postgres(session) else ("min", "max")
    return (
        f"INSERT INTO {table} AS r ({', '.join(batchsql.ROLLUP_COLUMNS)}) "
        "SELECT device_id, key, bucket, count(*), sum(num), min(num), max(num), "
        "max(CASE WHEN place = 1 THEN num END), max(at) FROM ("
        f"SELECT device_id, key, at, num, {bucket} AS bucket, row_number() OVER ("
        f"PARTITION BY device_id, key, {bucket} ORDER BY at DESC, num DESC) AS place "
        "FROM device_history WHERE at >= :since AND at < :until AND num IS NOT NULL) AS h "
        # WHERE true: SQLite would otherwise read ON CONFLICT as a join's ON.
        "WHERE true GROUP BY device_id, key, bucket "
        + batchsql.ADD_TALLY.format(least=least, greatest=greatest)
    )


async def step(
    session: AsyncSession, *, until: datetime, span: timedelta = SPAN
) -> tuple[datetime, datetime] | None:
    """Take history up to ``until`` (at most ``span`` of it) into the rollups and move the
    mark; return the span, or None if the mark is already there. Run it in a write
    transaction of its own; the caller has claimed it (``roll_up``)."""
    await _lock(session, shared=False)
    since = await mark(session)
    end = min(until, since + span)
    if end <= since:
        return None
    for width in (buckets.FIVE_MINUTES, buckets.HOUR):
        statement = text(_roll_sql(session, width)).bindparams(
            bindparam("since", type_=UTCDateTime()), bindparam("until", type_=UTCDateTime())
        )
        await session.execute(statement, {"since": since, "until": end})
    await session.execute(update(RollupMark).where(RollupMark.id == MARK).values(until=end))
    return since, end


async def roll_up(
    sessions: async_sessionmaker[AsyncSession], *, until: datetime, span: timedelta = SPAN
) -> Rolled:
    """Take history up to ``until`` into the rollups, a span per transaction (each in its
    write turn, so a scene's write waits for one span at most), unless another process
    holds the claim."""
    spans: list[tuple[datetime, datetime]] = []
    while True:
        async with db.transaction(sessions, turn=db.turn(sessions)) as session:
            if _postgres(session):
                claimed = await session.scalar(
                    text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": CLAIM}
                )
                if not claimed:
                    return Rolled(spans, claimed=False)
            taken = await step(session, until=until, span=span)
        if taken is None:
            return Rolled(spans)
        spans.append(taken)
