"""Money flows that touch the provider and the books together.

Each asks the provider first, then books what the provider did in the caller's
transaction. If anything fails between the two (the process dies, the database refuses),
the caller retries with the same idempotency key: the provider replays its outcome
without moving money again, and the books post the entries once, because their keys are
derived from the provider's own ids.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hearth.kit.money import Money
from hearth.payments import books
from hearth.payments.provider import Payment, PaymentProvider, Refund


async def charge(
    session: AsyncSession,
    provider: PaymentProvider,
    *,
    customer_id: str,
    method_id: str,
    amount: Money,
    partner_id: str,
    reference: str,
    idempotency_key: str,
    commission_bp: int,
    off_session: bool = True,
) -> Payment:
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
    await books.record_capture(
        session,
        payment=payment,
        partner_id=partner_id,
        provider=provider.name,
        commission_bp=commission_bp,
        memo=f"payment for {reference}",
    )
    return payment


async def capture(
    session: AsyncSession,
    provider: PaymentProvider,
    *,
    payment_id: str,
    partner_id: str,
    idempotency_key: str,
    commission_bp: int,
    amount: Money | None = None,
) -> Payment:
    """Capture a held payment (all of it, or ``amount``) and book it for the partner."""
    payment = await provider.capture(
        payment_id=payment_id, idempotency_key=idempotency_key, amount=amount
    )
    await books.record_capture(
        session,
        payment=payment,
        partner_id=partner_id,
        provider=provider.name,
        commission_bp=commission_bp,
        memo=f"payment for {payment.reference}",
    )
    return payment


async def refund(
    session: AsyncSession,
    provider: PaymentProvider,
    *,
    payment_id: str,
    idempotency_key: str,
    amount: Money | None = None,
) -> Refund:
    """Refund all that is left of a payment, or ``amount``, and book each side's share."""
    done = await provider.refund(
        payment_id=payment_id, idempotency_key=idempotency_key, amount=amount
    )
    await books.record_refund(session, refund=done, provider=provider.name)
    return done
