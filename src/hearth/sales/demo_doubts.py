"""Demo charges in doubt: two store checkouts whose provider answer never came.

A backer pays with the sandbox's timeout card (the charge happens, its answer is lost):
one checkout two hours ago, which the demo's worker settles by asking the provider as soon
as it runs (a paid order, listed as settled on ``/platform/payments``); one ten hours ago,
seeded as if every ask since had gone unanswered, so it waits for the platform team, whose
"Ask the provider again" settles it. Seeding again adds nothing (it does not check out
again: the same key would ask the provider, and settle them).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth.accounts import addresses
from hearth.accounts.models import User
from hearth.config import Settings
from hearth.funding import pledges
from hearth.funding.models import StoreListing
from hearth.outbox import discard, unit_of_work
from hearth.payments.doubt_rules import MAX_ASKS, DoubtState
from hearth.payments.models import PaymentDoubt
from hearth.payments.sandbox import build_provider
from hearth.sales import cart, catalog, checkout
from hearth.sales.models import Checkout, Reservation

TIMES_OUT = "4000000000000408"


async def seed_doubts(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, *, backer: str, now: datetime
) -> None:
    """Seed the two checkouts in doubt (once)."""
    provider = build_provider(settings, sessions)
    async with sessions() as session:
        user = await session.scalar(select(User).where(User.username == backer))
        address = await addresses.default_address(session, user_id=user.id) if user else None
        listing = await session.scalar(select(StoreListing).order_by(StoreListing.id).limit(1))
    if user is None or address is None or listing is None:
        return
    card = await pledges.save_card(
        sessions,
        provider,
        user_id=user.id,
        token=TIMES_OUT,
        idempotency_key="demo-doubt-card",
        now=now,
    )
    for key, ago in (("demo-doubt-1", timedelta(hours=2)), ("demo-doubt-2", timedelta(hours=10))):
        async with sessions() as session:
            seeded = await session.scalar(
                select(Checkout.id).where(
                    Checkout.user_id == user.id, Checkout.idempotency_key == key
                )
            )
        if seeded is not None:
            # Checking out again with the key would ask the provider, which would settle it.
            continue
        async with unit_of_work(sessions, discard) as session:
            variant = (await catalog.ensure_variants(session, listing))[0]
            await cart.add(session, user=user, variant_id=variant.id, quantity=1, now=now - ago)
        done = await checkout.checkout(
            sessions,
            provider,
            discard,
            user=user,
            address_id=address.id,
            card_id=card.id,
            idempotency_key=key,
            commission_bp=settings.commission_bp,
            now=now - ago,
        )
        if key != "demo-doubt-2":
            continue
        # As if the provider had not answered any of the asks since.
        async with unit_of_work(sessions, discard) as session:
            await session.execute(
                update(PaymentDoubt)
                .where(
                    PaymentDoubt.subject_id.in_(
                        select(Reservation.id).where(Reservation.checkout_id == done.checkout.id)
                    ),
                    PaymentDoubt.state == DoubtState.OPEN.value,
                    PaymentDoubt.asks == 0,
                )
                .values(
                    state=DoubtState.REVIEW.value,
                    asks=MAX_ASKS,
                    answer="The provider did not answer in time.",
                    updated_at=now,
                )
            )
