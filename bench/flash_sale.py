"""Flash-sale benchmark: confirmed pledges per second against the raw hot-row update rate.

Starts its own PostgreSQL and Mosquitto on 127.0.0.1 and several ``hearth serve`` processes
on them (one database and one broker, as a deployment of several processes has), opens
a campaign whose tier has limited stock, and has simulated backers (each with an API token
and a saved sandbox card) pledge at once through HTTP, a bounded number of requests in
flight. Then, in the same run and on the same server, pgbench updates one hot row
(``UPDATE hot SET sold = sold + 1 WHERE id = 1 AND sold < stock``) with as many clients.

Printed: confirmed pledges/s, latency p50/p99, sold versus stock (oversold must be 0),
acknowledged pledges missing from the database (must be 0), hearth's ceiling for a trivial
authenticated request with the same client and concurrency (``GET /api/v1/me``), the raw
rate and the ratio. The load comes from ``wrk`` (the C load generator from Debian's package,
so the client is not what is measured; ``sale_load.fire``): each backer's pledge is sent
once, with its own token and idempotency key. Nothing is asserted on time; the counts
are bounded; everything runs on 127.0.0.1.

    .venv/bin/python bench/flash_sale.py [--fans 12000] [--stock 10000] [--workers 2]
                                         [--concurrency 64] [--pgbench-seconds 10]
                                         [--wrk-seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
import sale_load  # noqa: E402
from sale_load import Fired, Once, pgbench  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from hearth import db  # noqa: E402
from tests.funding.cluster import Sale, seed_sale, start_workers, tier_row  # noqa: E402
from tests.servers import run_postgres, start_mosquitto, stop_mosquitto  # noqa: E402

SHIPPING = '{"name":"Fan","line1":"1 Road","city":"Shenzhen","postal_code":"518000","country":"CN"}'


def fire(sale: Sale, urls: list[str], connections: int, seconds: int, directory: Path) -> Fired:
    """Send one pledge per backer with wrk, one wrk per hearth process, all at once."""
    pledges = [
        Once(
            token=b.token,
            key=f"bench-{n}",
            target=f"/api/v1/campaigns/{sale.campaign_id}/pledges",
            body=(
                f'{{"tier_id":"{sale.tier_id}","quantity":1,"card_id":"{b.card_id}",'
                f'"shipping":{SHIPPING}}}'
            ),
        )
        for n, b in enumerate(sale.backers)
    ]
    return sale_load.fire(
        pledges, urls, connections=connections, seconds=seconds, directory=directory, id_field="id"
    )


def ceiling(sale: Sale, urls: list[str], connections: int, seconds: int, directory: Path) -> float:
    """hearth's own ceiling: a trivial authenticated request (``GET /api/v1/me``) with
    wrk, the same connections, on every process at once. Return requests/s."""
    report = directory / "count.lua"
    report.write_text(
        "done = function(summary, latency, requests)\n"
        '  io.write(string.format("COUNT %d %d %d\\n", summary.requests, summary.duration,\n'
        "    summary.errors.status))\n"
        "end\n"
    )
    runs = []
    for number, url in enumerate(urls):
        header = f"Authorization: Bearer {sale.backers[number].token}"
        command = [
            *("wrk", "--threads", "1", "--connections", str(connections // len(urls))),
            *("--duration", f"{seconds}s", "--script", str(report), "--header", header),
            url + "/api/v1/me",
        ]
        runs.append(subprocess.Popen(command, stdout=subprocess.PIPE, text=True))
    rate = 0.0
    for run in runs:
        out = run.communicate()[0]
        match = re.search(r"^COUNT (\d+) (\d+) (\d+)$", out, re.MULTILINE)
        assert match, out
        count, micros, errors = (int(g) for g in match.groups())
        assert errors == 0, f"{errors} of {count} trivial requests failed"
        rate += count / (micros / 1e6)
    return rate


async def lost(url: str, acknowledged: list[str]) -> tuple[int, int]:
    """Return (acknowledged pledges missing, active pledges in the database)."""
    from hearth.funding.models import Pledge

    engine = db.create_engine(url, pool=False)
    try:
        async with db.session_factory(engine)() as session:
            found = set(await session.scalars(select(Pledge.id).where(Pledge.id.in_(acknowledged))))
            active = await session.scalar(
                select(func.count()).select_from(Pledge).where(Pledge.state == "active")
            )
    finally:
        await engine.dispose()
    return len(set(acknowledged) - found), int(active or 0)


async def run(args: argparse.Namespace) -> None:
    with run_postgres() as server:
        server.psql("CREATE DATABASE bench")
        url = server.url("bench")
        engine = db.create_engine(url, pool=False)
        await db.upgrade(engine)
        await engine.dispose()
        print(f"seeding {args.fans} backers and a tier of {args.stock} units ...", flush=True)
        sale = await seed_sale(url, fans=args.fans, limit=args.stock)
        directory = Path(tempfile.mkdtemp(prefix="hearth-flash-"))
        broker = start_mosquitto(directory / "mosquitto")  # one broker, as in production
        workers = start_workers(url, args.workers, directory, broker.url)
        try:
            async with httpx.AsyncClient() as http:  # warm each worker up once
                for worker in workers:
                    await http.get(f"{worker.url}/healthz")
            urls = [w.url for w in workers]
            fired = fire(sale, urls, args.concurrency, args.wrk_seconds, directory)
            trivial = ceiling(sale, urls, args.concurrency, 5, directory)
        finally:
            for worker in workers:
                worker.stop()
            stop_mosquitto(broker)
        tier = await tier_row(url, sale.tier_id)
        missing, active = await lost(url, fired.made)
        raw = pgbench(server, "bench", args.concurrency, args.pgbench_seconds)

    confirmed = len(fired.made)
    rate = confirmed / fired.window if fired.window else 0.0
    print()
    print(f"hearth workers            {args.workers} (PostgreSQL, {args.concurrency} connections)")
    print(f"pledges answered          {fired.answered} of {len(sale.backers)}")
    outcomes = f"sold out (409) {fired.refused}   other {fired.other}"
    print(f"confirmed                 {confirmed}   {outcomes}")
    print(f"confirmed pledges/s       {rate:,.0f} (to the last confirmation)")
    latency = f"{fired.p50_ms:.1f} ms / {fired.p99_ms:.1f} ms"
    print(f"latency p50 / p99         {latency} (the slower process)")
    print(
        f"sold / stock              {tier.sold} / {tier.limit}   "
        f"oversold {max(0, tier.sold - (tier.limit or 0))}"
    )
    print(f"active pledges in the db  {active} (tier counts {tier.pledges})")
    print(f"lost acknowledged         {missing}")
    what = "GET /api/v1/me: hearth's ceiling for HTTP + auth"
    print(f"trivial API requests/s    {trivial:,.0f} ({what})")
    print(f"pledges / trivial         {rate / trivial:.3f}")
    print(f"raw hot-row updates/s     {raw:,.0f} (pgbench, {args.concurrency} clients)")
    print(f"ratio hearth / raw        {rate / raw:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # 10,000 units sell in a few seconds: long enough that the rate is the processes'
    # steady pace, not their first batches' (connections opened, statements prepared).
    parser.add_argument("--fans", type=int, default=12_000)
    parser.add_argument("--stock", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    parser.add_argument("--wrk-seconds", type=int, default=60, help="the most a sale may take")
    args = parser.parse_args()
    args.fans = max(10, min(args.fans, 20_000))
    args.concurrency = max(1, min(args.concurrency, 256))
    args.pgbench_seconds = max(1, min(args.pgbench_seconds, 60))
    args.wrk_seconds = max(2, min(args.wrk_seconds, 120))
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: install Debian's wrk package (scripts/ensure-system.sh does)")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
