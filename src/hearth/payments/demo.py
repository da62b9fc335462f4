"""Demo money: the demo fan's payments to the demo partner, a refund and a payout.

Everything goes through the sandbox provider and the books with fixed idempotency keys,
so seeding again (every ``hearth demo`` start) replays instead of charging twice.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth.accounts.models import User
from hearth.config import Settings
from hearth.kit.clock import SystemClock
from hearth.kit.money import Money
from hearth.outbox import discard, unit_of_work
from hearth.payments import books, charges
from hearth.payments.sandbox import build_provider

# (what the fan paid for, amount in fen)
DEMO_PAYMENTS: tuple[tuple[str, int], ...] = (
    ("Lumi smart lamp, early bird", 19900),
    ("Lumi smart lamp, two-pack", 39900),
    ("Lumi motion sensor", 5990),
)
DEMO_REFUND = Money(5000, "CNY")  # part of the first payment
DEMO_PAYOUT = Money(30000, "CNY")


async def seed_payments(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, *, fan: str, partner: str
) -> None:
    """Charge the demo fan, refund part of one payment and pay the partner out, once."""
    now = SystemClock().now()  # the demo's money moves when it is seeded
    async with sessions() as session:
        fan_id = await session.scalar(select(User.id).where(User.username == fan))
        partner_id = await session.scalar(select(User.partner_id).where(User.username == partner))
    if fan_id is None or partner_id is None:
        return
    provider = build_provider(settings, sessions)
    customer = await provider.create_customer(reference=fan_id, idempotency_key="demo-customer")
    card = await provider.save_payment_method(
        customer_id=customer.id, token="4242 4242 4242 4242", idempotency_key="demo-card"
    )
    payments = []
    for number, (what, minor) in enumerate(DEMO_PAYMENTS, start=1):
        charged = await charges.charge(
            sessions,
            provider,
            customer_id=customer.id,
            method_id=card.id,
            amount=Money(minor, "CNY"),
            partner_id=partner_id,
            reference=what,
            idempotency_key=f"demo-payment-{number}",
            commission_bp=settings.commission_bp,
            now=now,
        )
        payments.append(charged.payment)
    await charges.refund(
        sessions,
        provider,
        payment_id=payments[0].id,
        idempotency_key="demo-refund-1",
        amount=DEMO_REFUND,
        now=now,
    )
    # Seeding runs before any hearth is started: no bus listens, so nothing is published.
    async with unit_of_work(sessions, discard) as session:
        await books.record_payout(
            session,
            partner_id=partner_id,
            amount=DEMO_PAYOUT,
            provider=provider.name,
            reference="demo-payout-1",
            idempotency_key="demo-payout-1",
            memo="bank transfer",
            at=now,
        )
