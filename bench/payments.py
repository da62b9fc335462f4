"""Payments benchmark: sandbox charges booked in the ledger, against raw row updates.

Starts its own PostgreSQL on 127.0.0.1 (as the tests do), then runs several worker
processes, each with concurrent tasks, and measures per second:

- raw: ``UPDATE`` of one hot row, one transaction each (the ceiling for a flash sale);
- post: ledger entry sets posted (three entries each, idempotency key checked);
- charge: full charges: sandbox authorize-and-capture, then the capture booked;
- retry storm: every task retries one pledge with one idempotency key; exactly one
  payment must exist afterwards.

It prints figures and ratios; nothing here asserts a time. The counts are bounded.

    .venv/bin/python bench/payments.py [--ops 2000] [--workers 2] [--tasks 8] [--latency-ms 0]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select, text  # noqa: E402

from hearth import db  # noqa: E402
from hearth.kit.clock import SystemClock  # noqa: E402
from hearth.kit.money import Money  # noqa: E402
from hearth.payments import books, charges  # noqa: E402
from hearth.payments.ledger import AccountKey, Entry, Reason  # noqa: E402
from hearth.payments.models import SandboxPayment  # noqa: E402
from hearth.payments.sandbox import SandboxProvider  # noqa: E402
from tests.servers import run_postgres  # noqa: E402


async def _worker(
    kind: str,
    url: str,
    worker: int,
    ops: int,
    tasks: int,
    latency: float,
    customer: str,
    method: str,
    start_at: float,
) -> tuple[int, float, float]:
    engine = db.create_engine(url)
    await asyncio.gather(*(db.ping(engine) for _ in range(tasks)))  # connections ready
    sessions = db.session_factory(engine)
    provider = SandboxProvider(sessions, latency=latency)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(ops):
        queue.put_nowait(number)
    done = 0

    async def one(number: int) -> None:
        key = f"{kind}-{worker}-{number}"
        if kind == "raw":
            async with engine.begin() as conn:
                await conn.execute(text("UPDATE bench_counter SET n = n + 1 WHERE id = 1"))
        elif kind == "post":
            async with db.transaction(sessions) as session:
                await books.post(
                    session,
                    entries=[
                        Entry(AccountKey.clearing("sandbox"), Money(1000, "CNY")),
                        Entry(AccountKey.payable(f"ptn_{number % 50}"), Money(-950, "CNY")),
                        Entry(AccountKey.commission(), Money(-50, "CNY")),
                    ],
                    reason=Reason.ADJUSTMENT,
                    reference=key,
                    idempotency_key=key,
                    at=SystemClock().now(),
                )
        else:
            if kind == "storm":  # every call is a retry of the same pledge
                key = "storm-pledge"
            await charges.charge(
                sessions,
                provider,
                customer_id=customer,
                method_id=method,
                amount=Money(19900, "CNY"),
                partner_id=f"ptn_{number % 50}" if kind == "charge" else "ptn_storm",
                reference=key,
                idempotency_key=key,
                commission_bp=500,
                now=SystemClock().now(),
            )

    async def drain() -> None:
        nonlocal done
        while not queue.empty():
            await one(queue.get_nowait())
            done += 1

    await asyncio.sleep(max(0.0, start_at - time.time()))  # every worker starts together
    started = time.time()
    await asyncio.gather(*(drain() for _ in range(tasks)))
    finished = time.time()
    await engine.dispose()
    return done, started, finished


def run_worker(*args: object) -> tuple[int, float, float]:
    return asyncio.run(_worker(*args))  # type: ignore[arg-type]


def measure(kind: str, url: str, args: argparse.Namespace, card: tuple[str, str]) -> float:
    per_worker = args.ops // args.workers
    start_at = time.time() + 3.0  # time for every process to import and connect
    with ProcessPoolExecutor(args.workers) as pool:
        futures = [
            pool.submit(
                run_worker,
                kind,
                url,
                w,
                per_worker,
                args.tasks,
                args.latency_ms / 1000,
                *card,
                start_at,
            )
            for w in range(args.workers)
        ]
        results = [f.result() for f in futures]
    total = sum(done for done, _, _ in results)
    elapsed = max(end for _, _, end in results) - min(begin for _, begin, _ in results)
    rate = total / elapsed
    print(f"  {kind:<7} {total:>6} ops in {elapsed:6.2f}s = {rate:8.0f}/s")
    return rate


async def prepare(url: str) -> tuple[str, str]:
    engine = db.create_engine(url, pool=False)
    await db.upgrade(engine)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE bench_counter (id int primary key, n bigint)"))
        await conn.execute(text("INSERT INTO bench_counter VALUES (1, 0)"))
    sandbox = SandboxProvider(db.session_factory(engine))
    customer = await sandbox.create_customer(reference="usr_bench", idempotency_key="bench-c")
    card = await sandbox.save_payment_method(
        customer_id=customer.id, token="4242424242424242", idempotency_key="bench-m"
    )
    await engine.dispose()
    return customer.id, card.id


async def verify(url: str) -> tuple[int, dict[str, int], int]:
    engine = db.create_engine(url, pool=False)
    async with db.session_factory(engine)() as session:
        storm = await session.scalar(
            select(func.count())
            .select_from(SandboxPayment)
            .where(SandboxPayment.reference.like("storm-%"))
        )
        sums = await books.trial_balance(session)
        payments = await session.scalar(select(func.count()).select_from(SandboxPayment))
    await engine.dispose()
    return int(storm or 0), sums, int(payments or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=2000, help="operations per measurement")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--tasks", type=int, default=8, help="concurrent tasks per worker")
    parser.add_argument("--latency-ms", type=int, default=0, help="sandbox latency per call")
    args = parser.parse_args()
    args.ops = max(args.workers, min(args.ops, 20_000))  # bounded, whatever is asked
    with run_postgres() as server:
        server.psql("CREATE DATABASE bench")
        url = server.url("bench")
        card = asyncio.run(prepare(url))
        print(
            f"PostgreSQL on 127.0.0.1 (fsync off), {args.workers} workers × {args.tasks} "
            f"tasks, sandbox latency {args.latency_ms} ms"
        )
        raw = measure("raw", url, args, card)
        post = measure("post", url, args, card)
        charge = measure("charge", url, args, card)
        storm_rate = measure("storm", url, args, card)
        storm, sums, payments = asyncio.run(verify(url))
    print("ratios against the raw single-row update rate:")
    print(f"  ledger posts  {post / raw:5.2f}")
    print(f"  charges       {charge / raw:5.2f}")
    print(f"  retry storm   {storm_rate / raw:5.2f}")
    print(f"retry storm of {args.ops} calls with one key made {storm} payment(s)")
    expected = args.ops // args.workers * args.workers + 1
    print(f"payments made in total: {payments} (expected {expected})")
    print(f"books balance: {'yes' if not any(sums.values()) else f'NO {sums}'}")


if __name__ == "__main__":
    main()
