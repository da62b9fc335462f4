"""Checkout benchmark: store orders per second against the raw hot-row update rate.

Starts its own PostgreSQL and Mosquitto on 127.0.0.1 and several ``hearth serve`` processes
on them, puts a product on sale with limited stock, and gives many fans (each with an API
token, a saved sandbox card, a saved address and the product in the cart) one checkout each
through HTTP, all at once, a bounded number in flight. Then, in the same run and on the same
server, pgbench updates one hot row (``UPDATE hot SET sold = sold + 1 WHERE id = 1 AND sold <
stock``) with as many clients: the raw rate a checkout's stock update could reach.

Printed: orders/s, latency p50/p99, sold versus stock taken (oversold must be 0), stock
below zero (none), acknowledged orders missing from the database (must be 0), the raw rate
and the ratio. The load comes from ``wrk`` (``sale_load.fire``: each fan's checkout sent once, with
its own token and idempotency key). Nothing is asserted on time; the counts and the
time are bounded; everything runs on 127.0.0.1, and what the run starts it stops by PID.

    .venv/bin/python bench/checkout.py [--fans 3000] [--stock 2000] [--workers 2]
                                       [--concurrency 64] [--pgbench-seconds 10]
                                       [--wrk-seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
import sale_load  # noqa: E402
from sale_load import Fired, Once, pgbench  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from hearth import db  # noqa: E402
from tests.funding.cluster import start_workers  # noqa: E402
from tests.sales.cluster import Shop, seed_shop  # noqa: E402
from tests.servers import run_postgres, start_mosquitto, stop_mosquitto  # noqa: E402


def fire(shop: Shop, urls: list[str], connections: int, seconds: int, directory: Path) -> Fired:
    """Send one checkout per fan with wrk, one wrk per hearth process, all at once."""
    checkouts = [
        Once(
            token=b.token,
            key=f"bench-{n}",
            target="/api/v1/checkout",
            body=f'{{"address_id":"{b.address_id}","card_id":"{b.card_id}"}}',
        )
        for n, b in enumerate(shop.buyers)
    ]
    return sale_load.fire(
        checkouts,
        urls,
        connections=connections,
        seconds=seconds,
        directory=directory,
        id_field="order_id",
    )


@dataclass
class Counted:
    left: int
    listing_stock: int
    sold: int
    missing: int


async def count(url: str, shop: Shop, acknowledged: list[str]) -> Counted:
    from hearth.funding.models import Order, OrderItem, StoreListing
    from hearth.sales.models import SaleVariant

    engine = db.create_engine(url, pool=False)
    try:
        async with db.session_factory(engine)() as session:
            left = await session.scalar(
                select(SaleVariant.stock).where(SaleVariant.id == shop.variant_id)
            )
            listing = await session.get(StoreListing, shop.listing_id)
            sold = await session.scalar(
                select(func.coalesce(func.sum(OrderItem.quantity), 0)).where(
                    OrderItem.variant_id == shop.variant_id
                )
            )
            found = set()
            for start in range(0, len(acknowledged), 1000):
                chunk = acknowledged[start : start + 1000]
                found |= set(await session.scalars(select(Order.id).where(Order.id.in_(chunk))))
    finally:
        await engine.dispose()
    assert listing is not None
    return Counted(int(left or 0), listing.stock, int(sold or 0), len(set(acknowledged) - found))


async def run(args: argparse.Namespace) -> None:
    with run_postgres() as server:
        server.psql("CREATE DATABASE bench")
        url = server.url("bench")
        engine = db.create_engine(url, pool=False)
        await db.upgrade(engine)
        await engine.dispose()
        print(f"seeding {args.fans} fans and a product with {args.stock} units ...", flush=True)
        shop = await seed_shop(url, fans=args.fans, stock=args.stock)
        directory = Path(tempfile.mkdtemp(prefix="hearth-checkout-"))
        broker = start_mosquitto(directory / "mosquitto")
        workers = start_workers(url, args.workers, directory, broker.url)
        try:
            async with httpx.AsyncClient() as http:  # warm each worker up once
                for worker in workers:
                    await http.get(f"{worker.url}/healthz")
            fired = fire(
                shop, [w.url for w in workers], args.concurrency, args.wrk_seconds, directory
            )
        finally:
            for worker in workers:
                worker.stop()
            stop_mosquitto(broker)
        counted = await count(url, shop, fired.made)
        raw = pgbench(server, "bench", args.concurrency, args.pgbench_seconds)

    paid = len(fired.made)
    rate = paid / fired.window if fired.window else 0.0
    taken = shop.stock - counted.left
    print()
    print(f"hearth workers            {args.workers} (PostgreSQL, {args.concurrency} connections)")
    print(f"checkouts answered        {fired.answered} of {len(shop.buyers)}")
    print(
        f"paid orders               {paid}   sold out (409) {fired.refused}   other {fired.other}"
    )
    print(f"orders/s                  {rate:,.0f} (to the last paid order)")
    print(f"latency p50 / p99         {fired.p50_ms:.1f} ms / {fired.p99_ms:.1f} ms")
    print(f"sold / stock taken        {counted.sold} / {taken} of {shop.stock}")
    print(f"oversold                  {max(0, counted.sold - shop.stock)}")
    print(f"stock left (listing)      {counted.left} ({counted.listing_stock})")
    print(f"lost acknowledged orders  {counted.missing}")
    print(f"raw hot-row updates/s     {raw:,.0f} (pgbench, {args.concurrency} clients)")
    print(f"ratio hearth / raw        {rate / raw:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fans", type=int, default=3_000)
    parser.add_argument("--stock", type=int, default=2_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    parser.add_argument("--wrk-seconds", type=int, default=60, help="the most the sale may take")
    args = parser.parse_args()
    args.fans = max(10, min(args.fans, 20_000))
    args.stock = max(1, min(args.stock, args.fans))
    args.workers = max(1, min(args.workers, 8))
    args.concurrency = max(args.workers, min(args.concurrency, 256))
    args.pgbench_seconds = max(1, min(args.pgbench_seconds, 60))
    args.wrk_seconds = max(2, min(args.wrk_seconds, 120))
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: install Debian's wrk package (scripts/ensure-system.sh does)")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
