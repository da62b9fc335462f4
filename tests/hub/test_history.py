"""Device history that scales: rollups kept exact, charts read from them, and old history
let go on schedule (whole days on PostgreSQL, claimed by one of several workers)."""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from hearth import db
from hearth.hub import batchsql, buckets, history, partitions, rollups, upkeep
from hearth.hub.models import HistoryPoint, Rollup1h, Rollup5m
from tests.conftest import _databases
from tests.hub.history_rows import (
    add_devices,
    differences,
    raw_rows,
    recompute,
    roll_up,
    row,
    set_mark,
    stored,
    write,
)
from tests.servers import Postgres

T0 = datetime(2026, 3, 1, 7, 50, tzinfo=UTC)
DEVICES = ("dev_a", "dev_b")
KEYS = ("2.1", "2.2")


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    made = db.create_engine(database_url, pool=False)
    try:
        yield made
    finally:
        await made.dispose()


@pytest.fixture
async def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    made = db.session_factory(engine)
    await add_devices(made, *DEVICES)
    return made


# -- the pure part --------------------------------------------------------------------------


def test_rollup_rows_name_each_column_of_the_rollup_tables() -> None:
    for table in (Rollup5m, Rollup1h):
        assert tuple(c.name for c in table.__table__.columns) == batchsql.ROLLUP_COLUMNS


moments = st.integers(min_value=0, max_value=3 * 86_400 * 10**6).map(
    lambda us: T0 + timedelta(microseconds=us)
)


@given(since=moments, length=st.integers(min_value=1, max_value=3 * 86_400 * 10**6))
def test_a_range_is_covered_by_aligned_rollups_inside_and_raw_rows_only_at_its_edges(
    since: datetime, length: int
) -> None:
    until = since + timedelta(microseconds=length)
    for width in (*buckets.WIDTHS, None):
        parts = buckets.cover(since, until, width)
        assert parts[0].since == since and parts[-1].until == until
        assert all(a.until == b.since for a, b in zip(parts, parts[1:], strict=False))
        for part in parts:
            assert part.since < part.until
            if part.width is not None:
                assert buckets.bucket_start(part.since, part.width) == part.since
                assert buckets.bucket_start(part.until, part.width) == part.until
            elif width is not None:  # raw rows only where no five-minute bucket fits whole
                five = buckets.FIVE_MINUTES
                first = buckets.bucket_start(part.since - timedelta(microseconds=1), five) + five
                assert first + five > part.until
        if width is not None:
            rolled = [p for p in parts if p.width is not None]
            assert all(p.width is not None and p.width <= width for p in rolled)


def test_the_rollup_job_takes_in_whole_five_minute_buckets_closed_a_margin_ago() -> None:
    assert rollups.due(T0 + timedelta(minutes=5, seconds=4)) == T0  # 07:55 closed 4 s ago
    assert rollups.due(T0 + timedelta(minutes=5, seconds=5)) == T0 + timedelta(minutes=5)
    assert rollups.due(T0 + timedelta(minutes=9)) == T0 + timedelta(minutes=5)


def test_the_rollup_width_is_the_coarsest_no_wider_than_the_buckets_asked_for() -> None:
    assert buckets.width_for(timedelta(minutes=1)) is None  # an hour's chart: raw rows
    assert buckets.width_for(timedelta(minutes=10)) == buckets.FIVE_MINUTES  # a day's
    assert buckets.width_for(timedelta(hours=1)) == buckets.HOUR  # a week's
    assert buckets.width_for(timedelta(hours=18)) == buckets.HOUR  # 90 days in 120 points


# -- rollups equal a recomputation from raw rows --------------------------------------------

values = st.one_of(
    st.integers(min_value=-1000, max_value=1000),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.text(max_size=3),  # not a number: kept raw, never rolled up
)
# Whole seconds make reports at the same instant likely; microseconds make them arrive in
# every order around bucket edges.
times = st.one_of(
    st.integers(min_value=0, max_value=3 * 3600).map(lambda s: T0 + timedelta(seconds=s)),
    st.integers(min_value=0, max_value=3 * 3600 * 10**6).map(
        lambda us: T0 + timedelta(microseconds=us)
    ),
)
reports = st.lists(
    st.tuples(st.sampled_from(DEVICES), st.sampled_from(KEYS), times, values),
    min_size=1,
    max_size=40,
)


async def _clear(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with db.transaction(sessions) as session:
        for table in (HistoryPoint, Rollup5m, Rollup1h):
            await session.execute(delete(table))


@hypothesis_settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(reported=reports, data=st.data())
def test_rollups_equal_a_recomputation_from_raw_rows_whatever_the_order_and_batches(
    database_url: str, reported: list[tuple[str, str, datetime, Any]], data: st.DataObject
) -> None:
    """Reports arrive shuffled, in several batches, each in its own transaction; the
    rollup job runs between them up to any time, so some rows arrive behind its mark (the
    batch adds those) and the others wait for it."""
    order = data.draw(st.permutations(reported))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(order)), max_size=4)))
    batches = [order[a:b] for a, b in zip([0, *cuts], [*cuts, len(order)], strict=True)]
    first_mark = data.draw(times)
    steps = [data.draw(st.none() | times) for _ in batches]

    async def example() -> list[str]:
        engine = db.create_engine(database_url, pool=False)
        sessions = db.session_factory(engine)
        try:
            await _ensure_devices(sessions)
            await _clear(sessions)
            await set_mark(sessions, first_mark)
            for batch, until in zip(batches, steps, strict=True):
                if batch:
                    await write(sessions, [row(*report) for report in batch])
                if until is not None:
                    await roll_up(sessions, until)
            await roll_up(sessions, T0 + timedelta(hours=4))
            raw = await raw_rows(sessions)
            assert len(raw) == len(reported)
            return differences(recompute(raw, 300), await stored(sessions, 300)) + differences(
                recompute(raw, 3600), await stored(sessions, 3600)
            )
        finally:
            await engine.dispose()

    assert asyncio.run(example()) == []


async def _ensure_devices(sessions: async_sessionmaker[AsyncSession]) -> None:
    from hearth.hub.models import Device

    async with sessions() as session:
        if await session.get(Device, DEVICES[0]) is not None:
            return
    await add_devices(sessions, *DEVICES)


# -- charts read the rollups ----------------------------------------------------------------


def _old_way(
    raw: list[tuple[datetime, float]], since: datetime, until: datetime, points: int
) -> list[tuple[datetime, float, float, float, int]]:
    """Buckets aggregated from raw values, as charts were drawn before rollups."""
    width = (until - since) / points
    held: dict[int, list[float]] = {}
    for at, num in raw:
        if since <= at < until:
            held.setdefault((at - since) // width, []).append(num)
    return [
        (since + i * width, sum(v) / len(v), min(v), max(v), len(v))
        for i, v in sorted(held.items())
    ]


def _points(found: list[history.Point]) -> list[tuple[datetime, float, float, float, int]]:
    return [(p.at, p.value, p.min or 0.0, p.max or 0.0, p.count) for p in found]


def _close(
    a: list[tuple[datetime, float, float, float, int]],
    b: list[tuple[datetime, float, float, float, int]],
) -> bool:
    return len(a) == len(b) and all(
        (x[0], x[2], x[3], x[4]) == (y[0], y[2], y[3], y[4]) and abs(x[1] - y[1]) < 1e-9
        for x, y in zip(a, b, strict=True)
    )


async def _minutely(
    sessions: async_sessionmaker[AsyncSession], days: int
) -> list[tuple[datetime, float]]:
    """A reading of "2.1" every minute (with some jitter) for ``days`` days, in hourly batches."""
    rng = random.Random(7)
    values: list[tuple[datetime, float]] = []
    for minute in range(days * 1440):
        values.append(
            (T0 + timedelta(minutes=minute, seconds=rng.uniform(0, 59)), rng.uniform(15, 30))
        )
    for start in range(0, len(values), 60):
        await write(
            sessions, [row(DEVICES[0], "2.1", at, v) for at, v in values[start : start + 60]]
        )
    return values


async def test_day_and_week_charts_from_rollups_equal_the_buckets_of_raw_rows(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    values = await _minutely(sessions, days=8)
    since = T0.replace(minute=0) + timedelta(hours=1)
    cases = [(since, since + timedelta(days=1), 144), (since, since + timedelta(days=7), 168)]
    async with sessions() as session:
        for start, end, points in cases:
            found = await history.read(
                session, device_id=DEVICES[0], key="2.1", since=start, until=end, points=points
            )
            assert _close(_points(found), _old_way(values, start, end, points))


@pytest.mark.parametrize("taken_in", [None, timedelta(hours=20, minutes=2, seconds=30)])
async def test_a_chart_off_the_bucket_edges_counts_exactly_the_values_in_its_range(
    sessions: async_sessionmaker[AsyncSession], taken_in: timedelta | None
) -> None:
    """Every value in rollups (``None``: written behind the job's mark), or the job's mark
    in the middle of the range, off any bucket's edge: what is after it is read raw."""
    since = T0 + timedelta(hours=5, minutes=7, seconds=13)
    until = since + timedelta(days=1, hours=7, minutes=31)
    if taken_in is not None:
        await set_mark(sessions, T0)
    values = await _minutely(sessions, days=3)
    if taken_in is not None:
        await roll_up(sessions, since + taken_in)
        async with sessions() as session:
            rolled = await session.scalar(select(func.sum(Rollup5m.count)))
        assert rolled == len([at for at, _ in values if at < since + taken_in])
    inside = [v for at, v in values if since <= at < until]
    async with sessions() as session:
        for points in (50, 144, 300):
            found = await history.read(
                session, device_id=DEVICES[0], key="2.1", since=since, until=until, points=points
            )
            assert sum(p.count for p in found) == len(inside)
            assert min(p.min or 0.0 for p in found) == min(inside)
            assert max(p.max or 0.0 for p in found) == max(inside)
            assert abs(sum(p.value * p.count for p in found) - sum(inside)) < 1e-6


async def test_long_charts_still_show_what_retention_took_from_raw_history(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    values = await _minutely(sessions, days=2)
    since, until = T0.replace(minute=0), T0.replace(minute=0) + timedelta(days=2)
    async with sessions() as session:
        before = await history.read(
            session, device_id=DEVICES[0], key="2.1", since=since, until=until, points=48
        )
    async with db.transaction(sessions) as session:
        await session.execute(delete(HistoryPoint))
    async with sessions() as session:
        after = await history.read(
            session, device_id=DEVICES[0], key="2.1", since=since, until=until, points=48
        )
        hour = await history.read(
            session,
            device_id=DEVICES[0],
            key="2.1",
            since=since,
            until=since + timedelta(hours=1),
            points=60,
        )
    assert after == before
    assert sum(p.count for p in after) == len([at for at, _ in values if since <= at < until])
    assert hour == []  # an hour's chart is drawn from raw rows, and they are gone


async def test_values_that_are_not_numbers_and_sparse_numbers_come_back_as_they_were(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    rows = [row(DEVICES[0], "2.2", T0 + timedelta(hours=h), v) for h, v in enumerate("abc")]
    rows += [row(DEVICES[0], "2.1", T0 + timedelta(hours=h), 20 + h) for h in range(3)]
    await write(sessions, rows)
    async with sessions() as session:
        words = await history.read(
            session,
            device_id=DEVICES[0],
            key="2.2",
            since=T0 - timedelta(hours=11),
            until=T0 + timedelta(hours=13),
            points=2,
        )
        numbers = await history.read(
            session,
            device_id=DEVICES[0],
            key="2.1",
            since=T0,
            until=T0 + timedelta(days=1),
            points=24,
        )
    assert [p.value for p in words] == ["a", "c"]  # each bucket's last value
    assert [(p.at, p.value) for p in numbers] == [
        (T0 + timedelta(hours=h), 20 + h) for h in range(3)
    ]


async def test_rollups_stay_exact_while_batches_and_the_rollup_job_run_at_once(
    database_url: str,
) -> None:
    """Writers (each on a connection of its own) write reports stamped just before now
    while two processes' jobs keep taking history in up to now: however their
    transactions interleave, every value is counted once."""
    engines = [db.create_engine(database_url, pool=False) for _ in range(5)]
    factories = [db.session_factory(e) for e in engines]
    await add_devices(factories[0], *DEVICES)
    await set_mark(factories[0], T0)
    clock = [T0]
    rng = random.Random(11)
    writing = True

    async def writer(sessions: async_sessionmaker[AsyncSession], device_id: str) -> None:
        for _ in range(40):
            clock[0] += timedelta(milliseconds=rng.randint(1, 400))
            batch = [
                row(device_id, key, clock[0] - timedelta(milliseconds=rng.randint(0, 900)), n)
                for n in range(rng.randint(1, 5))
                for key in KEYS
            ]
            await write(sessions, batch)

    async def job(sessions: async_sessionmaker[AsyncSession]) -> None:
        while writing:
            await rollups.roll_up(sessions, until=clock[0], span=timedelta(milliseconds=700))
            await asyncio.sleep(0)

    try:
        jobs = [asyncio.create_task(job(s)) for s in factories[3:]]
        await asyncio.gather(*(writer(s, d) for s, d in zip(factories, DEVICES * 2, strict=False)))
        writing = False
        await asyncio.gather(*jobs)
        await roll_up(factories[0], clock[0] + timedelta(seconds=1))
        raw = await raw_rows(factories[0])
        problems = differences(recompute(raw, 300), await stored(factories[0], 300))
        problems += differences(recompute(raw, 3600), await stored(factories[0], 3600))
    finally:
        for engine in engines:
            await engine.dispose()
    assert len(raw) > 300
    assert problems == [], "\n".join(problems[:4])


async def test_the_job_puts_a_value_from_a_bucket_s_last_instant_in_that_bucket(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """SQLite's clock functions round fractions of a second: 07:54:59.9995 is not 07:55."""
    await set_mark(sessions, T0)
    at = T0 + timedelta(minutes=5, microseconds=-500)
    await write(sessions, [row(DEVICES[0], "2.1", at, 7)])
    await roll_up(sessions, T0 + timedelta(minutes=10))
    assert set(await stored(sessions, 300)) == {(DEVICES[0], "2.1", T0)}


async def test_a_span_drawn_by_a_pass_that_died_is_taken_in_by_the_next_exactly_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """The line is drawn, then the process dies; batches go on, some of their rows behind
    the new line (they add those themselves); the next pass takes the span in."""
    await set_mark(sessions, T0)
    await write(sessions, [row(DEVICES[0], "2.1", T0 + timedelta(seconds=s), s) for s in (10, 50)])
    async with db.transaction(sessions) as session:
        assert await rollups._draw(session, until=T0 + timedelta(minutes=1), span=timedelta(days=1))
    late = [row(DEVICES[0], "2.1", T0 + timedelta(seconds=s), s) for s in (20, 70)]
    await write(sessions, late)
    rolled = await rollups.roll_up(sessions, until=T0 + timedelta(minutes=2))
    assert rolled.spans == [
        (T0, T0 + timedelta(minutes=1)),
        (T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)),
    ]
    raw = await raw_rows(sessions)
    assert differences(recompute(raw, 300), await stored(sessions, 300)) == []
    assert differences(recompute(raw, 3600), await stored(sessions, 3600)) == []
    async with sessions() as session:
        assert await rollups.rolled(session) == T0 + timedelta(minutes=2)


# -- retention ------------------------------------------------------------------------------

RETENTION = upkeep.Retention(history_days=3, rollup_5m_days=6, rollup_1h_days=10)


async def _count(sessions: async_sessionmaker[AsyncSession], table: Any) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_retention_lets_raw_history_go_first_then_five_minute_then_hourly_rollups(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A day passes at a time; each day brings readings and one upkeep pass."""
    start = datetime(2026, 3, 1, tzinfo=UTC)
    for day in range(14):
        morning = start + timedelta(days=day, hours=11)
        await upkeep.keep_history(sessions, now=morning, retention=RETENTION)
        await write(
            sessions,
            [
                row(DEVICES[0], "2.1", morning + timedelta(hours=1, minutes=m), m)
                for m in range(0, 120, 10)
            ],
        )
    now = start + timedelta(days=13, hours=15)
    async with sessions() as session:
        days_raw = {at.date() for at in await session.scalars(select(HistoryPoint.at))}
        days_5m = {at.date() for at in await session.scalars(select(Rollup5m.start))}
        days_1h = {at.date() for at in await session.scalars(select(Rollup1h.start))}
        chart = await history.read(
            session,
            device_id=DEVICES[0],
            key="2.1",
            since=now - timedelta(days=30),
            until=now,
            points=90,
        )
    last = (start + timedelta(days=13)).date()

    def kept(days: int) -> set[date]:
        return {last - timedelta(days=d) for d in range(days + 1)}

    # The last pass ran at 11:00, before that day's readings: the day ``days`` back is
    # younger than the cutoff, on SQLite row by row and on PostgreSQL as a whole day.
    assert days_raw == kept(RETENTION.history_days)
    assert days_5m == kept(RETENTION.rollup_5m_days)
    assert days_1h == kept(RETENTION.rollup_1h_days)
    assert sum(p.count for p in chart) == 12 * len(days_1h)


@pytest.fixture
async def pg_sessions(postgres_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on a fresh PostgreSQL database (partitions exist only there)."""
    engine = db.create_engine(postgres_url, pool=False)
    try:
        made = db.session_factory(engine)
        await add_devices(made, *DEVICES)
        yield made
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_on_postgresql_upkeep_makes_the_coming_days_partitions_and_drops_old_days_whole(
    pg_sessions: async_sessionmaker[AsyncSession],
) -> None:
    sessions = pg_sessions
    start = datetime(2030, 6, 1, 12, tzinfo=UTC)  # far from the migration's own partitions
    for day in range(8):
        await upkeep.keep_history(sessions, now=start + timedelta(days=day), retention=RETENTION)
    async with sessions() as session:
        days = [d for d in await partitions.days(session) if d.year == 2030]
    first = (start + timedelta(days=7 - RETENTION.history_days)).date()
    assert days == [
        first + timedelta(days=n) for n in range(RETENTION.history_days + 1 + partitions.AHEAD_DAYS)
    ]


@pytest.mark.postgres
async def test_on_postgresql_a_row_with_no_days_partition_is_kept_and_moved_into_it_later(
    pg_sessions: async_sessionmaker[AsyncSession],
) -> None:
    sessions = pg_sessions
    future = datetime(2031, 1, 1, 8, tzinfo=UTC)
    await write(sessions, [row(DEVICES[0], "2.1", future, 21.5)])
    async with sessions() as session:
        place = await session.scalar(text("SELECT tableoid::regclass::text FROM device_history"))
    assert place == partitions.DEFAULT
    kept = await upkeep.keep_history(sessions, now=future - timedelta(days=1), retention=RETENTION)
    assert kept.moved == 1 and partitions.name_of(future.date()) in kept.created
    async with sessions() as session:
        place = await session.scalar(text("SELECT tableoid::regclass::text FROM device_history"))
        found = await history.read(
            session,
            device_id=DEVICES[0],
            key="2.1",
            since=future - timedelta(hours=1),
            until=future + timedelta(hours=1),
        )
    assert place == partitions.name_of(future.date())
    assert [p.value for p in found] == [21.5]


# -- several workers against one PostgreSQL -------------------------------------------------


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database (this test needs real concurrency)."""
    server: Postgres = request.getfixturevalue("postgres")
    template: str = request.getfixturevalue("postgres_template")
    name = f"test_{os.getpid()}_{next(_databases)}"
    server.psql(f"CREATE DATABASE {name} TEMPLATE {template}")
    yield server.url(name)
    server.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def _worker(
    sessions: async_sessionmaker[AsyncSession], barrier: asyncio.Barrier, now: datetime
) -> upkeep.Kept:
    """One process's upkeep pass, started together with the others'."""
    await barrier.wait()
    return await upkeep.keep_history(sessions, now=now, retention=RETENTION)


@pytest.mark.postgres
async def test_each_partition_is_made_and_dropped_once_by_one_of_several_concurrent_workers(
    postgres_url: str,
) -> None:
    workers = 4
    engines = [db.create_engine(postgres_url, pool=False) for _ in range(workers)]
    factories = [db.session_factory(e) for e in engines]
    start = datetime(2030, 1, 1, 6, tzinfo=UTC)
    created: list[str] = []
    dropped: list[str] = []
    try:
        for day in range(10):
            barrier = asyncio.Barrier(workers)
            passes = (_worker(s, barrier, start + timedelta(days=day)) for s in factories)
            for kept in await asyncio.gather(*passes):
                created += kept.created
                dropped += kept.dropped
        async with factories[0]() as session:
            left = [d for d in await partitions.days(session) if d.year == 2030]
    finally:
        for engine in engines:
            await engine.dispose()
    made_days = [start.date() + timedelta(days=n) for n in range(10 + partitions.AHEAD_DAYS)]
    assert sorted(created) == sorted(partitions.name_of(d) for d in made_days)
    assert len(set(created)) == len(created)  # nobody made a partition twice
    assert len(set(dropped)) == len(dropped)
    ours = [name for name in dropped if name in {partitions.name_of(d) for d in made_days}]
    assert sorted(ours) == sorted(partitions.name_of(d) for d in made_days if d not in left)
    assert left == made_days[-(RETENTION.history_days + 1 + partitions.AHEAD_DAYS) :]
