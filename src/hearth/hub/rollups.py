"""Rollups kept up to date: a periodic job that any number of hearth processes may run.

Raw history is written by every ingest batch; its five-minute and hourly rollups
(``hub.buckets``) are made from it by ``roll_up``, looking every ``EVERY`` seconds, a span
of history at a time taken in whole, in SQL. A batch adds to the rollups itself only the
rows it writes behind the job's line (late ones), so every number is counted exactly
once. Charts read whole rollup buckets before ``rolled`` and raw rows after it
(``hub.history``).

Why a job: added up in each batch, the rollups cost four upserts per report (two keys,
two widths), more than half of the database's work at ten thousand devices; a span adds
one row per device, key and bucket for all the reports in it.

The mark (``RollupMark``, one row) and each span, in two steps:

1. *Draw the line* (``_draw``): holding an exclusive advisory lock, move ``until`` from
   the end of the last span to the new one's end and note the highest history id so far
   (``through_id``). Batches read ``until`` holding the same lock shared, until they
   commit (``hold``), so when the line is drawn every batch that read the old line has
   committed, and every later batch reads the new one, gets higher ids (ids are handed
   out in order), and adds its rows from before the new line itself. Drawing waits for
   the batches under way and holds the next ones back only for that instant (and only
   when there is a span to draw).
2. *Take the span in* (``_take_in``): add up history from ``rolled`` to ``until`` with
   ids up to ``through_id`` (exactly the rows no batch added) into the rollups, and move
   ``rolled`` to ``until``, in one transaction. Ingest goes on meanwhile: rollup rows a
   late batch adds to at the same time are added to in turn, sums being sums. If the
   process dies between the steps, the next pass takes the span in.

On SQLite, with its one writer, both steps run in one write transaction. Passes are
claimed: of several processes, one runs a step while the others skip it.

The job takes in whole five-minute buckets (``due``): the span ends at the last bucket
boundary at least ``MARGIN`` before now, so the rows of batches still buffered are rarely
late, and each five-minute rollup row is written once, an hourly one twelve times. A span
is at most ``SPAN`` long (catching up after a stop).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from prometheus_client import Gauge
from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db
from hearth.db import UTCDateTime
from hearth.hub import batchsql, buckets
from hearth.hub.models import HistoryPoint, RollupMark

LAG = Gauge(
    "hearth_history_rollup_lag_seconds",
    "How far behind now the rollups of device history are (raw rows are read after them)",
)
EVERY = 15.0  # seconds between passes
MARGIN = timedelta(seconds=5)
SPAN = timedelta(hours=1)
# Advisory lock keys (per database): the line, shared by batches and held to draw it;
# the claim of a pass among processes.
LOCK = 0x72_6F_6C_6C  # "roll"
CLAIM = 0x72_6F_6C_63  # "rolc"
MARK = 1  # the mark's row
SEQUENCE = "device_history_id_seq"  # PostgreSQL: where history ids come from


def due(now: datetime) -> datetime:
    """Return where the job's next span ends: the last five-minute boundary at least
    ``MARGIN`` before ``now``."""
    return buckets.bucket_start(now - MARGIN, buckets.FIVE_MINUTES)


@dataclass(frozen=True)
class Rolled:
    """What ``roll_up`` did: the spans it took in (from, to), or nothing if another
    process held the claim."""

    spans: list[tuple[datetime, datetime]]
    claimed: bool = True


def _postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def rolled(session: AsyncSession) -> datetime:
    """Return the time before which every reported number is in the rollups."""
    found = await session.scalars(select(RollupMark.rolled).where(RollupMark.id == MARK))
    return found.one()


async def hold(session: AsyncSession) -> datetime:
    """Return the line for a batch about to write history: it adds its rows from before
    the line to the rollups itself. The line stays where it is until the batch commits.
    Call it in the batch's write transaction, before it writes history."""
    await _lock(session, shared=True)
    found = await session.scalars(select(RollupMark.until).where(RollupMark.id == MARK))
    return found.one()


async def _lock(session: AsyncSession, *, shared: bool) -> None:
    """Keep the line where it is until the transaction ends (PostgreSQL: shared by
    batches, exclusive to draw it); on SQLite, take the one write lock by a first write.
    Locked first, read second: a read's snapshot must follow a line drawn meanwhile."""
    if _postgres(session):
        function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        await session.execute(text(f"SELECT {function}(:key)"), {"key": LOCK})
    else:
        await session.execute(
            update(RollupMark).where(RollupMark.id == MARK).values(until=RollupMark.until)
        )


async def _claimed(session: AsyncSession) -> bool:
    """Claim this pass's step for this process (PostgreSQL; SQLite runs one at a time)."""
    if not _postgres(session):
        return True
    return bool(
        await session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": CLAIM})
    )


async def _draw(session: AsyncSession, *, until: datetime, span: timedelta) -> bool:
    """Draw the line of the next span, ending at ``until`` or ``span`` after the last;
    return False if there is nothing to draw (or a span is still to take in)."""
    line = await session.scalar(select(RollupMark.until).where(RollupMark.id == MARK))
    if line is None or min(until, line + span) <= line:
        return False  # nothing to draw: batches need not wait
    await _lock(session, shared=False)
    mark = (
        await session.scalars(select(RollupMark).where(RollupMark.id == MARK).with_for_update())
    ).one()
    end = min(until, mark.until + span)
    if mark.rolled < mark.until or end <= mark.until:
        return False
    if _postgres(session):
        last = f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {SEQUENCE}"
        through = await session.scalar(text(last))
    else:
        through = await session.scalar(select(func.max(HistoryPoint.id)))
    mark.until, mark.through_id = end, int(through or 0)
    await session.flush()
    return True


def _bucket(session: AsyncSession, width: timedelta) -> str:
    """SQL for the start of the epoch-aligned ``width`` bucket holding ``at``, as
    ``UTCDateTime`` stores it. SQLite's clock functions round fractions of a second (a
    value at 08:34:59.9995 would fall in 08:35's bucket), so its whole seconds are cut
    from the stored text first."""
    seconds = int(width.total_seconds())
    if _postgres(session):
        return f"date_bin('{seconds} seconds', at, TIMESTAMPTZ '1970-01-01 00:00:00+00')"
    return (
        f"strftime('%Y-%m-%d %H:%M:%S', (CAST(strftime('%s', substr(at, 1, 19)) AS INTEGER)"
        f" / {seconds})"
        f" * {seconds}, 'unixepoch') || '.000000'"
    )


def _add_sql(session: AsyncSession, width: timedelta) -> str:
    """Add the numbers of history in ``[:since, :until)`` with ids up to ``:through`` to
    the ``width`` rollups: count, sum, extremes, and the last value (latest ``at``; of two
    at once, the larger). In key order, as batches add, so the two never wait for each
    other's rows in opposite orders."""
    table = batchsql.ROLLUPS[width].name
    bucket = _bucket(session, width)
    least, greatest = ("least", "greatest") if _postgres(session) else ("min", "max")
    return (
        f"INSERT INTO {table} AS r ({', '.join(batchsql.ROLLUP_COLUMNS)}) "
        "SELECT device_id, key, bucket, count(*), sum(num), min(num), max(num), "
        "max(CASE WHEN place = 1 THEN num END), max(at) FROM ("
        f"SELECT device_id, key, at, num, {bucket} AS bucket, row_number() OVER ("
        f"PARTITION BY device_id, key, {bucket} ORDER BY at DESC, num DESC) AS place "
        "FROM device_history WHERE at >= :since AND at < :until AND id <= :through "
        "AND num IS NOT NULL) AS h "
        # WHERE true: SQLite would otherwise read ON CONFLICT as a join's ON.
        "WHERE true GROUP BY device_id, key, bucket ORDER BY device_id, key, bucket "
        + batchsql.ADD_TALLY.format(least=least, greatest=greatest)
    )


async def _take_in(session: AsyncSession) -> tuple[datetime, datetime] | None:
    """Add the span between ``rolled`` and ``until`` to the rollups and move ``rolled``;
    return the span, or None if there is none."""
    mark = (
        await session.scalars(select(RollupMark).where(RollupMark.id == MARK).with_for_update())
    ).one()
    if mark.rolled >= mark.until:
        return None
    span = (mark.rolled, mark.until)
    for width in (buckets.FIVE_MINUTES, buckets.HOUR):
        statement = text(_add_sql(session, width)).bindparams(
            bindparam("since", type_=UTCDateTime()), bindparam("until", type_=UTCDateTime())
        )
        await session.execute(
            statement, {"since": span[0], "until": span[1], "through": mark.through_id}
        )
    mark.rolled = mark.until
    await session.flush()
    return span


async def roll_up(
    sessions: async_sessionmaker[AsyncSession], *, until: datetime, span: timedelta = SPAN
) -> Rolled:
    """Take history up to ``until`` into the rollups, a span at a time, each step in a
    transaction of its own taking its write turn; skip what another process claimed."""
    spans: list[tuple[datetime, datetime]] = []
    while True:
        async with db.transaction(sessions, turn=db.turn(sessions)) as session:
            if not await _claimed(session):
                return Rolled(spans, claimed=False)
            taken = await _take_in(session)  # a span drawn by a pass that died
            if taken is None:
                if not await _draw(session, until=until, span=span):
                    return Rolled(spans)
                if not _postgres(session):  # one writer: nobody comes in between
                    taken = await _take_in(session)
        if taken is None:
            async with db.transaction(sessions, turn=db.turn(sessions)) as session:
                if not await _claimed(session):
                    return Rolled(spans, claimed=False)
                taken = await _take_in(session)
        if taken is not None:
            spans.append(taken)
