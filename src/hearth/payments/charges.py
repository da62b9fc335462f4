"""Money flows that touch the provider and the books together.

Each asks the provider first, with no database transaction open, then books what the
provider did in a short transaction of its own. Holding a transaction across a call to a
provider would keep its locks for a network round trip (and on SQLite, whose one writer
the sandbox also needs, it would wait on itself); so these take the session *factory*.

If anything fails between the two steps (the process dies, the database refuses), the
caller retries with the same idempotency key: the provider replays its outcome without
moving money again, and the books post the entries once, because their keys derive from
the provider's own ids. A flow that must book in the same transaction as its own rows
(a pledge marked paid) calls the provider itself, then ``books.record_capture`` (or
``record_refund``) inside that transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db
from hearth.kit.money import Money
from hearth.payments import books
from hearth.payments.provider import Payment, PaymentProvider, Refund


@dataclass(frozen=True)
class Charged:
    payment: Payment
    booked: books.PostedSet


@dataclass(frozen=True)
class Refunded:
    refund: Refund
    booked: books.PostedSet


async def charge(
    sessions: async_sessionmaker[AsyncSession],
    provider: PaymentProvider,
    *,
    customer_id: str,
    method_id: str,
    amount: Money,
    partner_id: str,
    reference: str,
    idempotency_key: str,
    commission_bp: int,
    now: datetime,
    off_session: bool = True,
) -> Charged:
    """Take ``amount`` from a saved card at once and book it for the partner."""
    payment = await provider.authorize(
        customer_id=customer_id,
        method_id=method_id,
        amount=amount,
        reference=reference,
        idempotency_key=idempotency_key,
        capture=True,
        off_session=off_session,
    )
    async with db.transaction(sessions) as session:
        booked = await books.record_capture(
            session,
            payment=payment,
            partner_id=partner_id,
            provider=provider.name,
            commission_bp=commission_bp,
            memo=f"payment for {reference}",
            at=now,
        )
    return Charged(payment, booked)


async def capture(
    sessions: async_sessionmaker[AsyncSession],
    provider: PaymentProvider,
    *,
    payment_id: str,
    partner_id: str,
    idempotency_key: str,
    commission_bp: int,
    now: datetime,
    amount: Money | None = None,
) -> Charged:
    """Capture a held payment (all of it, or ``amount``) and book it for the partner."""
    payment = await provider.capture(
        payment_id=payment_id, idempotency_key=idempotency_key, amount=amount
    )
    async with db.transaction(sessions) as session:
        booked = await books.record_capture(
            session,
            payment=payment,
            partner_id=partner_id,
            provider=provider.name,
            commission_bp=commission_bp,
            memo=f"payment for {payment.reference}",
            at=now,
        )
    return Charged(payment, booked)


async def refund(
    sessions: async_sessionmaker[AsyncSession],
    provider: PaymentProvider,
    *,
    payment_id: str,
    idempotency_key: str,
    now: datetime,
    amount: Money | None = None,
) -> Refunded:
    """Refund all that is left of a payment, or ``amount``, and book each side's share."""
    done = await provider.refund(
        payment_id=payment_id, idempotency_key=idempotency_key, amount=amount
    )
    async with db.transaction(sessions) as session:
        booked = await books.record_refund(session, refund=done, provider=provider.name, at=now)
    return Refunded(done, booked)
