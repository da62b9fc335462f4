"""What one device report costs ingest in CPU: hearth's and the database's, in process.

``bench/ingest.py`` measures rates with a broker and devices sharing the cores; this one
takes them out to see what a report costs hearth itself. On 127.0.0.1, with what it needs
started and stopped here (a throw-away PostgreSQL, the test suite's ``run_postgres``, or
a SQLite file), migrated by hearth with ``--devices`` sensors minted and paired:

1. *baseline*: ``--reports`` reports (two properties each, the devices in turn) decoded
   and checked by ``Ingest.receive``, nothing written;
2. *ingest*: the same reports received and written in batches of ``--batch`` by
   ``Ingest.flush``, as the worker does under load.

It prints hearth's CPU per report both ways (``time.process_time``), the database
server's (its processes' CPU time from ``/proc``, PostgreSQL only), the rate, and the
ratio of ingest's CPU to the baseline's. No profiler: it distorts these figures.

    .venv/bin/python bench/ingest_cost.py [--db postgresql|sqlite] [--devices 10000]
        [--reports 100000] [--batch 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ingest import prepare  # noqa: E402

from hearth import db  # noqa: E402
from hearth.bus import EventBus  # noqa: E402
from hearth.config import Settings  # noqa: E402
from hearth.hub.catalog import SpecCache  # noqa: E402
from hearth.hub.ingest import Ingest  # noqa: E402
from hearth.hub.protocol import Up, up_topic  # noqa: E402
from hearth.hub.simulator import read_fleet  # noqa: E402
from hearth.kit.clock import SystemClock  # noqa: E402
from hearth.kit.heap import tune_collector  # noqa: E402
from hearth.outbox import discard  # noqa: E402
from tests.servers import run_postgres  # noqa: E402

SECRET = "bench-secret-key-long-enough-for-hmac-signing-0123456789"


def _server_seconds(data_dir: Path | None) -> float:
    """CPU seconds used so far by the PostgreSQL server in ``data_dir`` and its children."""
    if data_dir is None:
        return 0.0
    postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
    ticks = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(pid) == postmaster or int(fields[1]) == postmaster:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


async def measure(url: str, work: Path, args: argparse.Namespace, pg_data: Path | None) -> None:
    settings = Settings(data_dir=work / "var", database_url=url, secret_key=SECRET)
    fleet = work / "fleet.csv"
    await prepare(settings, args.devices, fleet)
    topics = [up_topic(unit.device_id, Up.REPORT) for unit in read_fleet(fleet)]
    tune_collector()  # as the worker does
    engine = db.create_engine(url)
    sessions = db.session_factory(engine)
    ingest = Ingest(
        sessions=sessions,
        clock=SystemClock(),
        bus=EventBus(),
        publish=discard,
        link=None,
        specs=SpecCache(sessions),
        max_batch=args.batch * 2,  # flushed here, by hand
    )
    sent = [0] * len(topics)

    def feed(count: int, take: Callable[[str, bytes], None]) -> None:
        for n in range(count):
            device = n % len(topics)
            sent[device] += 1
            seq = sent[device]
            take(
                topics[device],
                b'{"boot":1,"seq":%d,"props":{"2.1":%.1f,"2.2":%d}}'
                % (seq, 15 + seq % 200 / 10, 30 + seq % 60),
            )

    try:
        feed(len(topics), ingest.receive)  # each device looked up once, first
        looker = ingest._looker  # noqa: SLF001 - the lookups of the first reports
        if looker is not None:
            await looker
        await ingest.flush()

        started = time.process_time()
        feed(args.reports, ingest.receive)
        baseline = (time.process_time() - started) / args.reports
        ingest._items.clear()  # noqa: SLF001 - the baseline's reports are not written

        server, cpu, wall = _server_seconds(pg_data), time.process_time(), time.perf_counter()
        done = 0
        while done < args.reports:
            feed(min(args.batch, args.reports - done), ingest.receive)
            done += args.batch
            await ingest.flush()
        wall = time.perf_counter() - wall
        cpu = (time.process_time() - cpu) / args.reports
        server = (_server_seconds(pg_data) - server) / args.reports
    finally:
        await engine.dispose()
    print(
        f"\n== {args.db}: {args.devices:,} devices, {args.reports:,} reports, batch {args.batch:,}"
    )
    print(
        f"  baseline, decoded and checked only    {baseline * 1e6:8.1f} µs of hearth's CPU a report"
    )
    print(f"  ingest, written in batches            {cpu * 1e6:8.1f} µs of hearth's CPU a report")
    if pg_data is not None:
        print(f"  PostgreSQL server                     {server * 1e6:8.1f} µs of its CPU a report")
    print(f"  rate, one process                     {args.reports / wall:8,.0f} reports/s")
    print(f"  ingest / baseline (hearth's CPU)      {cpu / baseline:8.1f}×")
    print(f"  applied                               {ingest.applied:8,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hearth-bench-cost-") as tmp:
        work = Path(tmp)
        if args.db == "sqlite":
            asyncio.run(measure(f"sqlite+aiosqlite:///{work}/hearth.db", work, args, None))
            return
        with run_postgres() as postgres:
            postgres.psql("CREATE DATABASE bench")
            data = postgres.directory / "data"
            asyncio.run(measure(postgres.url("bench"), work, args, data))


if __name__ == "__main__":
    main()
