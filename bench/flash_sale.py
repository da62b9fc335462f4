"""Flash-sale benchmark: confirmed pledges per second against the raw hot-row update rate.

Starts its own PostgreSQL on 127.0.0.1 and several ``hearth serve`` processes on it, opens
a campaign whose tier has limited stock, and has simulated backers (each with an API token
and a saved sandbox card) pledge at once through HTTP, a bounded number of requests in
flight. Then, in the same run and on the same server, pgbench updates one hot row
(``UPDATE hot SET sold = sold + 1 WHERE id = 1 AND sold < stock``) with as many clients.

Printed: confirmed pledges/s, latency p50/p99, sold versus stock (oversold must be 0),
acknowledged pledges missing from the database (must be 0), hearth's ceiling for a trivial
authenticated request with the same client and concurrency (``GET /api/v1/me``), the raw
rate and the ratio. The load comes from a lean keep-alive client (``bench/rawhttp.py``).
Nothing is asserted on time; the counts are bounded; everything runs on 127.0.0.1.

    .venv/bin/python bench/flash_sale.py [--fans 1500] [--stock 1000] [--workers 2]
                                         [--concurrency 64] [--pgbench-seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
from rawhttp import Connection  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from hearth import db  # noqa: E402
from tests.funding.cluster import (  # noqa: E402
    ADDRESS,
    Sale,
    seed_sale,
    start_workers,
    tier_row,
)
from tests.servers import Postgres, run_postgres  # noqa: E402


async def fire(
    sale: Sale, urls: list[str], concurrency: int
) -> tuple[list[tuple[float, int, str]], float, float]:
    """Send one pledge per backer, ``concurrency`` at a time.

    Return each answer's (latency, status, pledge id), the whole time, and the time until
    the last confirmation (after it only refusals are left)."""
    results: list[tuple[float, int, str]] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(len(sale.backers)):
        queue.put_nowait(number)
    last_confirmed = [0.0]

    async def sender(connection: Connection) -> None:
        try:
            while not queue.empty():
                number = queue.get_nowait()
                backer = sale.backers[number]
                body = {
                    "tier_id": sale.tier_id,
                    "quantity": 1,
                    "card_id": backer.card_id,
                    "shipping": ADDRESS,
                }
                headers = {
                    "Authorization": f"Bearer {backer.token}",
                    "Idempotency-Key": f"bench-{number}",
                }
                path = f"/api/v1/campaigns/{sale.campaign_id}/pledges"
                started = time.perf_counter()
                status, answer = await connection.request("POST", path, headers=headers, body=body)
                elapsed = time.perf_counter() - started
                pledge_id = answer.get("id", "") if status == 201 else ""
                results.append((elapsed, status, pledge_id))
                if status == 201:
                    last_confirmed[0] = time.perf_counter()
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(sender(Connection(urls[n % len(urls)])) for n in range(concurrency)))
    total = time.perf_counter() - started
    return results, total, last_confirmed[0] - started


async def ceiling(sale: Sale, urls: list[str], concurrency: int) -> tuple[float, float]:
    """hearth's own ceiling: one trivial authenticated request (``GET /api/v1/me``) per
    backer, with the same client and concurrency. Return (requests/s, p50 ms)."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(len(sale.backers)):
        queue.put_nowait(number)
    latencies: list[float] = []

    async def sender(connection: Connection) -> None:
        try:
            while not queue.empty():
                number = queue.get_nowait()
                headers = {"Authorization": f"Bearer {sale.backers[number].token}"}
                started = time.perf_counter()
                status, _ = await connection.request("GET", "/api/v1/me", headers=headers)
                latencies.append((time.perf_counter() - started) * 1000)
                assert status == 200, status
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(sender(Connection(urls[n % len(urls)])) for n in range(concurrency)))
    total = time.perf_counter() - started
    return len(latencies) / total, statistics.median(latencies)


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


def pgbench(server: Postgres, database: str, clients: int, seconds: int) -> float:
    """Return the raw single-row conditional update rate (transactions per second)."""
    server.psql(
        "CREATE TABLE hot (id int PRIMARY KEY, sold int NOT NULL, stock int NOT NULL);"
        "INSERT INTO hot VALUES (1, 0, 2000000000);",
        database,
    )
    script = Path(tempfile.mkdtemp()) / "hot.sql"
    script.write_text("UPDATE hot SET sold = sold + 1 WHERE id = 1 AND sold < stock;\n")
    out = subprocess.run(
        [
            str(server.bin_dir / "pgbench"),
            "-n",
            "-h",
            "127.0.0.1",
            "-p",
            str(server.port),
            "-U",
            "postgres",
            "-c",
            str(clients),
            "-j",
            "2",
            "-T",
            str(seconds),
            "-f",
            str(script),
            database,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    match = re.search(r"tps = ([\d.]+)", out)
    assert match, out
    return float(match.group(1))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run(args: argparse.Namespace) -> None:
    with run_postgres() as server:
        server.psql("CREATE DATABASE bench")
        url = server.url("bench")
        engine = db.create_engine(url, pool=False)
        await db.upgrade(engine)
        await engine.dispose()
        print(f"seeding {args.fans} backers and a tier of {args.stock} units ...", flush=True)
        sale = await seed_sale(url, fans=args.fans, limit=args.stock)
        workers = start_workers(url, args.workers, Path(tempfile.mkdtemp(prefix="hearth-flash-")))
        try:
            async with httpx.AsyncClient() as http:  # warm each worker up once
                for worker in workers:
                    await http.get(f"{worker.url}/healthz")
            results, total, window = await fire(sale, [w.url for w in workers], args.concurrency)
            trivial, trivial_p50 = await ceiling(sale, [w.url for w in workers], args.concurrency)
        finally:
            for worker in workers:
                worker.stop()
        confirmed = [r for r in results if r[1] == 201]
        refused = [r for r in results if r[1] == 409]
        errors = [r for r in results if r[1] not in (201, 409)]
        tier = await tier_row(url, sale.tier_id)
        missing, active = await lost(url, [r[2] for r in confirmed])
        raw = pgbench(server, "bench", args.concurrency, args.pgbench_seconds)

    rate = len(confirmed) / window if window else 0.0
    latencies = [r[0] * 1000 for r in confirmed]
    print()
    print(f"hearth workers            {args.workers} (PostgreSQL, concurrency {args.concurrency})")
    print(f"pledges sent              {len(results)} in {total:.2f} s")
    print(
        f"confirmed                 {len(confirmed)}   "
        f"sold out (409) {len(refused)}   other {len(errors)}"
    )
    print(f"confirmed pledges/s       {rate:,.0f}")
    if latencies:
        print(
            f"latency p50 / p99         {statistics.median(latencies):.1f} ms / "
            f"{percentile(latencies, 0.99):.1f} ms"
        )
    print(
        f"sold / stock              {tier.sold} / {tier.limit}   "
        f"oversold {max(0, tier.sold - (tier.limit or 0))}"
    )
    print(f"active pledges in the db  {active} (tier counts {tier.pledges})")
    print(f"lost acknowledged         {missing}")
    print(
        f"trivial API requests/s    {trivial:,.0f} (GET /api/v1/me, p50 {trivial_p50:.1f} ms: "
        "hearth's ceiling for HTTP + auth)"
    )
    print(f"pledges / trivial         {rate / trivial:.3f}")
    print(f"raw hot-row updates/s     {raw:,.0f} (pgbench, {args.concurrency} clients)")
    print(f"ratio hearth / raw        {rate / raw:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fans", type=int, default=1500)
    parser.add_argument("--stock", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    args = parser.parse_args()
    args.fans = max(10, min(args.fans, 20_000))
    args.concurrency = max(1, min(args.concurrency, 256))
    args.pgbench_seconds = max(1, min(args.pgbench_seconds, 60))
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
