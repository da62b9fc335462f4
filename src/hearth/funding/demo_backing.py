"""Demo pledges to manage: "Lumi Glow Lamp — travel edition" ended funded yesterday.

Five demo backers were charged (so their receipts exist) and the partner refunded part of
one order (a refund receipt); the demo fan's card was declined, so their pledge waits in
its retry window for them to fix it with another card. Seeded once, through the services,
with the clock set back; no bus runs yet, so the events recorded are discarded.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth.accounts.models import User
from hearth.config import Settings
from hearth.funding import orders, outcome, pledges
from hearth.funding.demo import _backers, _run
from hearth.funding.models import Campaign, Order
from hearth.funding.schemas import CampaignTierIn
from hearth.mall.models import Product
from hearth.mall.review import ProductState
from hearth.outbox import discard
from hearth.payments.sandbox import build_provider

TITLE = "Lumi Glow Lamp — travel edition"
DECLINING_CARD = "4000 0000 0000 9995"  # the sandbox declines its charges: insufficient funds


async def seed_backing(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    partner: str,
    reviewer: str,
    fan: str,
    now: datetime,
) -> None:
    """Run the travel edition once: funded a day before ``now``, one declined pledge."""
    async with sessions() as session:
        member = await session.scalar(select(User).where(User.username == partner))
        backer = await session.scalar(select(User).where(User.username == fan))
        approver = await session.scalar(select(User).where(User.username == reviewer))
        if member is None or backer is None or approver is None or member.partner_id is None:
            return
        if await session.scalar(select(Campaign.id).where(Campaign.title == TITLE)):
            return
        product = await session.scalar(
            select(Product).where(
                Product.partner_id == member.partner_id,
                Product.state == ProductState.APPROVED.value,
            )
        )
        if product is None:
            return
    provider = build_provider(settings, sessions)
    crowd = (await _backers(sessions, provider, backer, now))[:5]
    declining = await pledges.save_card(
        sessions,
        provider,
        user_id=backer.id,
        token=DECLINING_CARD,
        idempotency_key="demo-travel",
        now=now - timedelta(days=15),
    )
    starts = now - timedelta(days=16)
    campaign = await _run(
        sessions,
        partner=member,
        reviewer=approver,
        product_id=product.id,
        title=TITLE,
        goal="300.00",
        starts=starts,
        days=15,
        tiers=[
            CampaignTierIn(
                title="Travel pair",
                description="Two folding lamps\nA USB-C cable\nA felt pouch",
                price="129.00",
                retail_price="159.00",
                per_backer=3,
            )
        ],
        backers=[*crowd, (backer, declining)],
        quantities=[1, 2, 1, 1, 1, 2],
    )
    await outcome.settle(
        sessions, provider, discard, now=campaign.ends_at, commission_bp=settings.commission_bp
    )
    async with sessions() as session:
        first = await session.scalar(
            select(Order.id)
            .where(Order.campaign_id == campaign.id, Order.backer_id == crowd[0][0].id)
            .limit(1)
        )
    if first is not None:
        await orders.refund(
            sessions,
            provider,
            discard,
            user=member,
            order_id=first,
            amount="20.00",
            reason="The pouch was missing from the first batch.",
            now=campaign.ends_at + timedelta(hours=6),
        )
