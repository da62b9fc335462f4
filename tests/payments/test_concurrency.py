"""Races on a real PostgreSQL: several workers, one idempotency key, one charge.

Each racer has its own engine (its own connections), or is a whole separate process, so
the database sees truly concurrent transactions.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db
from hearth.bootstrap import Hearth
from hearth.errors import Conflict, InvalidInput
from hearth.kit.clock import utcnow
from hearth.kit.money import Money
from hearth.payments import books, charges
from hearth.payments.ledger import AccountKey, Entry, Reason
from hearth.payments.models import LedgerEntrySet, SandboxPayment, SandboxRefund
from hearth.payments.provider import PaymentMethod
from hearth.payments.sandbox import SandboxProvider
from tests.servers import Postgres

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]
RACERS = 8


_numbers = itertools.count()


@pytest.fixture
def database_url(postgres: Postgres, postgres_template: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database: these races need real concurrency."""
    name = f"race_{os.getpid()}_{next(_numbers)}"
    postgres.psql(f"CREATE DATABASE {name} TEMPLATE {postgres_template}")
    yield postgres.url(name)
    postgres.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
async def workers(database_url: str) -> AsyncIterator[list[async_sessionmaker[AsyncSession]]]:
    """Session factories on separate engines, one per racing worker."""
    engines = [db.create_engine(database_url, pool=False) for _ in range(RACERS)]
    try:
        yield [db.session_factory(engine) for engine in engines]
    finally:
        for engine in engines:
            await engine.dispose()


async def saved_visa(hearth: Hearth) -> PaymentMethod:
    sandbox = SandboxProvider(hearth.sessions)
    customer = await sandbox.create_customer(reference="usr_mia", idempotency_key="cus")
    return await sandbox.save_payment_method(
        customer_id=customer.id, token="4242424242424242", idempotency_key="pm"
    )


async def count(hearth: Hearth, table: type[object]) -> int:
    async with hearth.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_racing_retries_with_one_key_charge_once(
    hearth: Hearth, workers: list[async_sessionmaker[AsyncSession]]
) -> None:
    card = await saved_visa(hearth)
    results = await asyncio.gather(
        *(
            SandboxProvider(sessions).authorize(
                customer_id=card.customer_id,
                method_id=card.id,
                amount=Money(19900, "CNY"),
                reference="flash-sale",
                idempotency_key="pledge-42",
                capture=True,
            )
            for sessions in workers
        )
    )
    assert len({payment.id for payment in results}) == 1
    assert await count(hearth, SandboxPayment) == 1


async def test_racing_processes_with_one_key_charge_once(hearth: Hearth, database_url: str) -> None:
    card = await saved_visa(hearth)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = ["race", database_url, card.customer_id, card.id, "pledge-7"]
    racers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "tests/payments/worker.py"),
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=env,
        )
        for _ in range(4)
    ]
    try:
        for racer in racers:  # every process is connected and waiting
            assert racer.stdout is not None
            line = await asyncio.wait_for(racer.stdout.readline(), 60)
            assert line.strip() == b"ready"
        for racer in racers:
            assert racer.stdin is not None
            racer.stdin.write(b"go\n")
        await asyncio.gather(*(racer.stdin.drain() for racer in racers if racer.stdin))
        outputs = await asyncio.wait_for(
            asyncio.gather(*(racer.communicate() for racer in racers)), 60
        )
    finally:
        for racer in racers:
            if racer.returncode is None:
                racer.kill()
                await racer.wait()
    answers = [json.loads(out.strip().splitlines()[-1]) for out, _err in outputs]
    assert all("id" in answer for answer in answers), outputs
    assert len({answer["id"] for answer in answers}) == 1
    assert await count(hearth, SandboxPayment) == 1


async def test_racing_posts_with_one_key_book_once(
    hearth: Hearth, workers: list[async_sessionmaker[AsyncSession]]
) -> None:
    entries = [
        Entry(AccountKey.commission(), Money(5, "CNY")),
        Entry(AccountKey.payable("ptn_lumi"), Money(-5, "CNY")),
    ]

    async def post(sessions: async_sessionmaker[AsyncSession]) -> str:
        async with db.transaction(sessions) as session:
            posted = await books.post(
                session,
                entries=entries,
                reason=Reason.ADJUSTMENT,
                reference="r",
                idempotency_key="once",
                at=utcnow(),
            )
            return posted.id

    ids = await asyncio.gather(*(post(sessions) for sessions in workers))
    assert len(set(ids)) == 1
    assert await count(hearth, LedgerEntrySet) == 1


async def test_racing_payouts_never_pay_more_than_is_owed(
    hearth: Hearth, workers: list[async_sessionmaker[AsyncSession]]
) -> None:
    card = await saved_visa(hearth)
    sandbox = SandboxProvider(hearth.sessions)
    await charges.charge(
        hearth.sessions,
        sandbox,
        customer_id=card.customer_id,
        method_id=card.id,
        amount=Money(10000, "CNY"),
        partner_id="ptn_lumi",
        reference="p",
        idempotency_key="p",
        commission_bp=0,
        now=utcnow(),
    )

    async def payout(index: int, sessions: async_sessionmaker[AsyncSession]) -> bool:
        try:
            async with db.transaction(sessions) as session:
                await books.record_payout(
                    session,
                    partner_id="ptn_lumi",
                    amount=Money(3000, "CNY"),
                    provider="sandbox",
                    reference=f"payout-{index}",
                    idempotency_key=f"payout-{index}",
                    at=utcnow(),
                )
        except Conflict:
            return False
        return True

    paid = await asyncio.gather(*(payout(i, s) for i, s in enumerate(workers)))
    assert sum(paid) == 3  # 3 × 30.00 fit in 100.00; the other racers were refused
    async with hearth.sessions() as session:
        owed = await books.balance(session, account=AccountKey.payable("ptn_lumi"), currency="CNY")
    assert owed == Money(-1000, "CNY")


async def test_racing_partial_refunds_never_refund_more_than_was_captured(
    hearth: Hearth, workers: list[async_sessionmaker[AsyncSession]]
) -> None:
    card = await saved_visa(hearth)
    sandbox = SandboxProvider(hearth.sessions)
    payment = (
        await charges.charge(
            hearth.sessions,
            sandbox,
            customer_id=card.customer_id,
            method_id=card.id,
            amount=Money(1000, "CNY"),
            partner_id="ptn_lumi",
            reference="p",
            idempotency_key="p",
            commission_bp=700,
            now=utcnow(),
        )
    ).payment

    async def refund(index: int, sessions: async_sessionmaker[AsyncSession]) -> bool:
        try:
            await charges.refund(
                sessions,
                SandboxProvider(sessions),
                payment_id=payment.id,
                idempotency_key=f"r-{index}",
                amount=Money(333, "CNY"),
                now=utcnow(),
            )
        except InvalidInput:  # the refunds that no longer fit are refused
            return False
        return True

    done = await asyncio.gather(*(refund(i, s) for i, s in enumerate(workers)))
    assert sum(done) == 3
    assert await count(hearth, SandboxRefund) == 3
    async with hearth.sessions() as session:
        assert not any((await books.trial_balance(session)).values())
        commission = await books.balance(session, account=AccountKey.commission(), currency="CNY")
        payable = await books.balance(
            session, account=AccountKey.payable("ptn_lumi"), currency="CNY"
        )
    # Commission 0.70; each booking must see the refunds booked before it: the platform
    # keeps 70, then floor(70 × 667/1000) = 46, 23, and after 9.99 refunded floor(0.07) = 0.
    # Bookings that raced past each other would give back 24 twice and end at -0.01.
    assert commission == Money(0, "CNY")
    assert payable == Money(-1, "CNY")
