"""Device history benchmark: charts and retention over millions of rows, rollups against
raw rows.

One run per database, on 127.0.0.1, with what it needs started and stopped here: a fresh
SQLite file in a temporary directory, or a throw-away PostgreSQL (the test suite's
``run_postgres``), migrated by hearth.

1. *seed*: ``--rows`` history rows from ``--devices`` devices × ``--keys`` numeric
   properties over ``--days`` days up to now, written in time order through the ingest's
   own ``batchsql.insert_history`` (``COPY`` on PostgreSQL, ``executemany`` on SQLite, in
   transactions of ``--chunk`` rows), which also adds them to the rollups as ingest does.
   ``--busy`` devices report every property every minute or so (40% of the rows; their
   charts are the ones read), the others share the rest (about hourly at 10M rows). On
   PostgreSQL the day partitions upkeep would have made are made first.
2. *charts*: ``--reads`` reads of each chart of a random busy device and property through
   ``history.read``, the way the device page asks (hour: 60 points, day: 144, week: 168,
   90 days: 360), each in a session of its own; and the same reads the way charts were
   drawn before rollups (``history.read_raw``, aggregating raw rows in the database), each
   right after the new one of the same device. On PostgreSQL, ``VACUUM (ANALYZE)`` runs
   first, as autovacuum would have by then.
3. *retention*: ``--passes`` upkeep passes (``upkeep.keep_history``), each a day later
   than the last, so that each lets one more day of raw rows go (making a partition ahead
   and dropping one on PostgreSQL), each followed by a pass that lets that day's
   five-minute rollups go (new work, no old way); then as many days deleted the old way: in chunks
   (``upkeep.prune_history`` until a chunk comes back short) on SQLite, where that is
   still the way, and on PostgreSQL with one ``DELETE`` of the day's time range (cheaper
   than the old chunks, which chose rows by id).

It prints the seeding rate and, for each chart and for retention, p50 and p95 in ms both
ways and the ratio of the old p95 to the new. No timed asserts.

    .venv/bin/python bench/history.py [--db sqlite|postgresql|both] [--rows 10000000]
        [--devices 1000] [--keys 3] [--days 92] [--busy 10] [--reads 40] [--passes 5]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402
from rich.progress import (  # noqa: E402
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from sqlalchemy import delete, func, insert, select, text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker  # noqa: E402

from hearth import db  # noqa: E402
from hearth.hub import batchsql, history, partitions, rollups, upkeep  # noqa: E402
from hearth.hub.models import Device, DeviceModel, HistoryPoint, Rollup1h, Rollup5m  # noqa: E402
from hearth.kit.clock import SystemClock  # noqa: E402
from tests.servers import run_postgres  # noqa: E402

MODEL = "bench.meter.v1"
CHARTS = (  # name, range, points: as the device page asks, and a quarter
    ("hour", timedelta(hours=1), 60),
    ("day", timedelta(days=1), 144),
    ("week", timedelta(days=7), 168),
    ("90 days", timedelta(days=90), 360),
)
BUSY_SHARE = 0.4


@dataclass
class Series:
    """One device's property: when it reports and around which value."""

    device_id: str
    key: str
    every: float  # seconds
    next_at: float  # seconds since the start
    base: float


def fleet(rows: int, devices: int, keys: int, days: int, busy: int) -> list[Series]:
    """The devices' properties, paced so that together they report about ``rows`` values."""
    rng = random.Random(11)
    span = days * 86_400
    busy_every = span / (BUSY_SHARE * rows / (busy * keys))
    calm_every = span / ((1 - BUSY_SHARE) * rows / ((devices - busy) * keys))
    series = []
    for n in range(devices):
        every = busy_every if n < busy else calm_every
        for k in range(keys):
            series.append(
                Series(
                    f"dev_bench{n:05d}",
                    f"2.{k + 1}",
                    every,
                    rng.uniform(0, every),
                    rng.uniform(5, 40),
                )
            )
    return series


def readings(series: list[Series], start: datetime, days: int) -> Iterator[list[tuple[Any, ...]]]:
    """Every reading in time order, an hour at a time, as history rows."""
    rng = random.Random(5)
    dumps = orjson.dumps
    for hour in range(days * 24):
        end = (hour + 1) * 3600.0
        batch: list[tuple[Any, ...]] = []
        for s in series:
            t = s.next_at
            while t < end:
                num = round(s.base + 4.0 * rng.random(), 2)
                batch.append(
                    (s.device_id, s.key, start + timedelta(seconds=t), num, dumps(num).decode())
                )
                t += s.every * (0.9 + 0.2 * rng.random())
            s.next_at = t
        yield batch


async def seed(
    sessions: async_sessionmaker[AsyncSession],
    args: argparse.Namespace,
    start: datetime,
    end: datetime,
) -> tuple[int, float, list[Series]]:
    """Write the fleet's history as ingest would; return rows written, seconds, the series."""
    series = fleet(args.rows, args.devices, args.keys, args.days, args.busy)
    async with db.transaction(sessions) as session:
        session.add(DeviceModel(id=MODEL, name=MODEL, spec={"model": MODEL}))
        await session.flush()
        await session.execute(
            insert(Device),
            [
                {
                    "id": f"dev_bench{n:05d}",
                    "model_id": MODEL,
                    "secret_hash": "-",
                    "pairing_digest": f"bench-{n}",
                    "batch": "bench",
                    "created_at": start,
                    "credentials_at": start,
                }
                for n in range(args.devices)
            ],
        )
        if session.get_bind().dialect.name == "postgresql":
            have = set(await partitions.days(session))
            day = start.date()
            while day <= end.date():
                if day not in have:
                    await partitions.create(session, day)
                day += timedelta(days=1)
    written = 0
    started = time.perf_counter()
    pending: list[tuple[Any, ...]] = []
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns) as progress:
        task = progress.add_task("seeding history", total=args.rows)

        async def flush() -> None:
            nonlocal written, pending
            async with db.transaction(sessions) as session:
                late_before = await rollups.hold(session)  # all of it: the past
                await batchsql.insert_history(session, pending, late_before=late_before)
            written += len(pending)
            progress.update(task, completed=written)
            pending = []

        for batch in readings(series, start, args.days):
            pending.extend(batch)
            if len(pending) >= args.chunk:
                await flush()
        if pending:
            await flush()
    return written, time.perf_counter() - started, series


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


async def _timed(work: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await work()
    return time.perf_counter() - started


Reader = Callable[..., Awaitable[list[history.Point]]]


async def _chart(
    sessions: async_sessionmaker[AsyncSession],
    reader: Reader,
    s: Series,
    end: datetime,
    length: timedelta,
    points: int,
) -> None:
    async with sessions() as session:
        await reader(
            session, device_id=s.device_id, key=s.key, since=end - length, until=end, points=points
        )


async def charts(
    sessions: async_sessionmaker[AsyncSession],
    series: list[Series],
    end: datetime,
    reads: int,
    busy_devices: int,
) -> dict[str, dict[str, list[float]]]:
    """Time each chart ``reads`` times from rollups and the old way, on busy devices."""
    busy = [s for s in series if s.device_id < f"dev_bench{busy_devices:05d}"]
    timings: dict[str, dict[str, list[float]]] = {}
    ways: tuple[tuple[str, Reader], ...] = (("new", history.read), ("old", history.read_raw))
    rng = random.Random(3)
    for name, length, points in CHARTS:
        samples: dict[str, list[float]] = {way: [] for way, _ in ways}
        for n in range(reads + 2):
            chosen = rng.choice(busy)
            for way, reader in ways:  # one after the other, so both meet the same machine
                took = await _timed(partial(_chart, sessions, reader, chosen, end, length, points))
                if n >= 2:  # the first two warm caches and the pool
                    samples[way].append(took)
        timings[name] = samples
    return timings


async def retention(
    sessions: async_sessionmaker[AsyncSession], end: datetime, days: int, passes: int
) -> dict[str, dict[str, list[float]]]:
    """Time upkeep passes that each let a day of raw history go, then a day of five-minute
    rollups; then as many days of raw history deleted the old way."""
    raw_only = upkeep.Retention(days - 1, 730, 730)
    with_rollups = upkeep.Retention(days - 1, days - 1, 730)
    raw: list[float] = []
    rolled: list[float] = []
    for i in range(passes):
        now = end + timedelta(days=i)
        raw.append(
            await _timed(partial(upkeep.keep_history, sessions, now=now, retention=raw_only))
        )
        rolled.append(
            await _timed(partial(upkeep.keep_history, sessions, now=now, retention=with_rollups))
        )

    async def old_way(now: datetime) -> None:
        async with sessions() as session:
            dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            # The cheapest way to delete a day row by row: one statement on its time range
            # (the old chunks chose ids, which a partitioned table would look up in every
            # partition; the old table had one index).
            cutoff = now - timedelta(days=raw_only.history_days)
            async with db.transaction(sessions) as session:
                await session.execute(
                    delete(HistoryPoint).where(
                        HistoryPoint.at >= cutoff - timedelta(days=1), HistoryPoint.at < cutoff
                    )
                )
            return
        while True:  # the old chunks, as SQLite still deletes
            async with db.transaction(sessions) as session:
                gone = await upkeep.prune_history(session, now=now, days=raw_only.history_days)
            if gone < upkeep.PRUNE_CHUNK:
                return

    old = [await _timed(partial(old_way, end + timedelta(days=passes + i))) for i in range(passes)]
    return {"raw": {"new": raw, "old": old}, "rollups": {"new": rolled, "old": []}}


async def run_one(url: str, label: str, args: argparse.Namespace) -> None:
    engine = (
        db.create_engine(url, pool=False) if url.startswith("sqlite") else db.create_engine(url)
    )
    await db.upgrade(engine)
    sessions = db.session_factory(engine)
    end = SystemClock().now().replace(second=0, microsecond=0)
    start = end - timedelta(days=args.days)
    try:
        written, seconds, series = await seed(sessions, args, start, end)
        async with sessions() as session:
            fives = await session.scalar(select(func.count()).select_from(Rollup5m))
            hours = await session.scalar(select(func.count()).select_from(Rollup1h))
        if not url.startswith("sqlite"):
            # What autovacuum would have done by the time anyone reads: without it, its run
            # on the freshly loaded tables lands in the middle of the timings.
            async with engine.connect() as conn:
                autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.execute(text("VACUUM (ANALYZE)"))
        timings = await charts(sessions, series, end, args.reads, args.busy)
        kept = await retention(sessions, end, args.days, args.passes)
    finally:
        await engine.dispose()
    busy = series[0]
    calm = series[-1]
    print(
        f"\n{label}: {written:,} history rows, {args.devices:,} devices × {args.keys} properties "
        f"over {args.days} days ({args.busy} busy devices every {busy.every:.0f} s, the rest "
        f"every {calm.every / 60:.0f} min); rollups: {fives:,} five-minute, {hours:,} hourly"
    )
    print(f"  seeded in {seconds:.0f} s ({written / seconds:,.0f} rows/s, rollups included)")
    print(f"  {'':28}{'p50 ms':>9}{'p95 ms':>9}{'old p50':>10}{'old p95':>10}{'old/new p95':>13}")
    rows = [(f"{name} chart ({points} points)", timings[name]) for name, _, points in CHARTS]
    rows.append(("retention: raw, a day", kept["raw"]))
    rows.append(("retention: 5-min rollups", kept["rollups"]))
    for name, found in rows:
        new50, new95 = _ms(found["new"])
        if not found["old"]:
            print(f"  {name:28}{new50:9.1f}{new95:9.1f}{'—':>10}{'—':>10}{'—':>13}")
            continue
        old50, old95 = _ms(found["old"])
        print(
            f"  {name:28}{new50:9.1f}{new95:9.1f}{old50:10.1f}{old95:10.1f}{old95 / new95:12.1f}×"
        )
    print(f"  ({args.reads} reads of each chart, {args.passes} retention passes each way)")


async def run(args: argparse.Namespace) -> None:
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            await run_one(f"sqlite+aiosqlite:///{Path(tmp) / 'hearth.db'}", "SQLite", args)
    if args.db in ("postgresql", "both"):
        with run_postgres() as server:
            server.psql("CREATE DATABASE bench")
            await run_one(server.url("bench"), "PostgreSQL", args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--keys", type=int, default=3)
    parser.add_argument("--days", type=int, default=92)
    parser.add_argument("--busy", type=int, default=10)
    parser.add_argument("--reads", type=int, default=40)
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--chunk", type=int, default=100_000, help="rows per seeding transaction")
    args = parser.parse_args()
    if not 0 < args.busy < args.devices or args.days < 91 or args.rows < args.devices * args.keys:
        parser.error("need 0 < --busy < --devices, --days of at least 91 and a row per property")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
