"""An acknowledged charge survives ``kill -9`` of the process that made it."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from sqlalchemy import select

from hearth import db
from hearth.kit.clock import utcnow
from hearth.kit.money import Money
from hearth.payments import books, charges
from hearth.payments.ledger import Reason
from hearth.payments.models import SandboxPayment
from hearth.payments.sandbox import SandboxProvider

ROOT = Path(__file__).resolve().parents[2]
ACKS = 15


async def test_acknowledged_charges_survive_sigkill(database_url: str) -> None:
    engine = db.create_engine(database_url, pool=False)
    sessions = db.session_factory(engine)
    try:
        sandbox = SandboxProvider(sessions)
        customer = await sandbox.create_customer(reference="usr_mia", idempotency_key="c")
        card = await sandbox.save_payment_method(
            customer_id=customer.id, token="4242424242424242", idempotency_key="m"
        )
        worker = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "tests/payments/worker.py"),
            "ack",
            database_url,
            "ptn_lumi",
            customer.id,
            card.id,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        acked: list[tuple[str, str]] = []
        try:
            assert worker.stdout is not None
            while len(acked) < ACKS:
                line = (await asyncio.wait_for(worker.stdout.readline(), 60)).decode()
                assert line.startswith("ACK "), line
                payment_id, set_id = line.split()[1:]
                acked.append((payment_id, set_id))
        finally:
            # No goodbye: the process dies wherever it is, likely inside the next charge.
            worker.send_signal(signal.SIGKILL)
            await worker.wait()
        assert worker.returncode == -signal.SIGKILL

        async with sessions() as session:
            for payment_id, set_id in acked:
                booked = await books.entry_set(session, entry_set_id=set_id)
                assert (booked.reason, booked.reference) == (Reason.CAPTURE, payment_id)
                assert await session.get(SandboxPayment, payment_id) is not None
            # Whatever the kill interrupted was rolled back whole: the books still balance.
            assert not any((await books.trial_balance(session)).values())
            references = await session.scalars(select(SandboxPayment.reference))
            last = max(int(reference.split("-")[1]) for reference in references)
        # The charge the kill may have cut between provider and books is retried with its
        # key, as the pledge flow would: afterwards every payment is booked exactly once.
        await charges.charge(
            sessions,
            sandbox,
            customer_id=customer.id,
            method_id=card.id,
            amount=Money(100 + last, "CNY"),
            partner_id="ptn_lumi",
            reference=f"pledge-{last}",
            idempotency_key=f"crash-{last}",
            commission_bp=500,
            now=utcnow(),
        )
        async with sessions() as session:
            for payment_id in await session.scalars(select(SandboxPayment.id)):
                booked_sets = await books.entry_sets_for(session, reference=payment_id)
                assert [b.reason for b in booked_sets] == [Reason.CAPTURE], payment_id
    finally:
        await engine.dispose()
