"""Demo crowdfunding, seeded once through the services with a clock set in the past:

- "Lumi Glow Lamp — first run" ran from draft to fulfilled: funded, every backer charged,
  orders shipped with tracking numbers, and the lamp graduated to regular sale;
- "Lumi Glow Lamp — colour edition" failed below its goal: every pledge was released;
- "Lumi Glow Mini" is live, far past its goal, for the demo fan to back;
- "Lumi Glow Lamp — studio edition" waits for the platform team's launch review;
- "Lumi Glow Lamp — nursery edition" was sent back with comments for the partner to edit.

Every launch goes through the launch review: the demo partner submits it and the demo
reviewer approves it (or sends it back), each step audited.

Seeding runs before any hearth serves it (``hearth demo`` seeds, then starts the server),
so there is no bus to tell: the events its transactions record are discarded.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db
from hearth.accounts.models import User
from hearth.config import Settings
from hearth.funding import campaigns, launches, orders, outcome, pledges
from hearth.funding.models import BackerCard, Campaign
from hearth.funding.schemas import (
    CampaignFaqIn,
    CampaignGraduateIn,
    CampaignShippingIn,
    CampaignTierIn,
    NewCampaignIn,
)
from hearth.mall.models import Product
from hearth.mall.review import ProductState
from hearth.outbox import discard, unit_of_work
from hearth.payments.provider import PaymentProvider
from hearth.payments.sandbox import build_provider

BACKERS = 14
ADDRESS = {"line1": "88 Garden Road", "city": "Shenzhen", "postal_code": "518000", "country": "CN"}


async def _backers(
    sessions: async_sessionmaker[AsyncSession],
    provider: PaymentProvider,
    fan: User,
    now: datetime,
) -> list[tuple[User, BackerCard]]:
    """Return demo backers with saved cards (they share the fan's password hash)."""
    async with db.transaction(sessions) as session:
        users = []
        for number in range(1, BACKERS + 1):
            name = f"backer{number}"
            user = await session.scalar(select(User).where(User.username == name))
            if user is None:
                user = User(
                    username=name,
                    display_name=f"Backer {number}",
                    password_hash=fan.password_hash,
                    role="fan",
                    created_at=now,
                )
                session.add(user)
            users.append(user)
    found = []
    for user in users:
        card = await pledges.save_card(
            sessions,
            provider,
            user_id=user.id,
            token="4242424242424242",
            idempotency_key="demo",
            now=now,
        )
        found.append((user, card))
    return found


async def _run(
    sessions: async_sessionmaker[AsyncSession],
    *,
    partner: User,
    reviewer: User,
    product_id: str,
    title: str,
    goal: str,
    starts: datetime,
    days: int,
    tiers: list[CampaignTierIn],
    backers: list[tuple[User, BackerCard]],
    quantities: list[int],
    **story: Any,
) -> Campaign:
    draft = NewCampaignIn(
        product_id=product_id,
        title=title,
        summary="Warm light that wakes you like the sun",
        description=story.pop(
            "description",
            "A bedside lamp with warm-to-cool white and a sunrise alarm. It joins hearth "
            "scenes the moment it is paired.",
        ),
        goal=goal,
        starts_at=starts,
        ends_at=starts + timedelta(days=days),
        delivery_date=starts + timedelta(days=days + 45),
        tiers=tiers,
        **story,
    )
    # One transaction: a hearth already serving this database never sees the campaign
    # live without its pledges (its deadline worker would settle it, failed, meanwhile).
    async with unit_of_work(sessions, discard) as session:
        made = await campaigns.create_campaign(session, user=partner, draft=draft, now=starts)
        await launches.launch(
            session, partner=partner, reviewer=reviewer, campaign_id=made.id, now=starts
        )
        view = await campaigns.view(session, user=partner, campaign_id=made.id)
        for index, ((user, card), quantity) in enumerate(zip(backers, quantities, strict=False)):
            tier = view.tiers[index % len(view.tiers)]
            await pledges.place_pledge(
                session,
                user=user,
                request=pledges.PledgeRequest(
                    made.id,
                    tier.id,
                    min(quantity, tier.per_backer),
                    card.id,
                    {"name": user.display_name, **ADDRESS},
                    f"demo-{made.id}",
                ),
                now=starts + timedelta(hours=1 + index),
            )
    return made


async def seed_funding(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    partner: str,
    reviewer: str,
    fan: str,
    now: datetime,
) -> None:
    """Run the demo campaigns once, as they would have run up to ``now``."""
    async with sessions() as session:
        member = await session.scalar(select(User).where(User.username == partner))
        staff = await session.scalar(select(User).where(User.username == reviewer))
        backer = await session.scalar(select(User).where(User.username == fan))
        if member is None or staff is None or backer is None or member.partner_id is None:
            return
        if await session.scalar(
            select(Campaign.id).where(Campaign.partner_id == member.partner_id)
        ):
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
    crowd = await _backers(sessions, provider, backer, now)
    tiers = [
        CampaignTierIn(
            title="Early bird",
            price="149.00",
            retail_price="199.00",
            limit=10,
            per_backer=2,
            early_bird=True,
        ),
        CampaignTierIn(title="Standard", price="169.00", retail_price="199.00", per_backer=5),
    ]
    common = {
        "sessions": sessions,
        "partner": member,
        "reviewer": staff,
        "product_id": product.id,
    }

    # From draft to fulfilled.
    first = await _run(
        **common,  # type: ignore[arg-type]
        title="Lumi Glow Lamp — first run",
        goal="1500.00",
        starts=now - timedelta(days=60),
        days=30,
        tiers=tiers,
        backers=crowd[:10],
        quantities=[1, 2, 1, 1, 2, 1, 3, 1, 1, 2],
    )
    await outcome.settle(
        sessions, provider, discard, now=first.ends_at, commission_bp=settings.commission_bp
    )
    async with unit_of_work(sessions, discard) as session:
        paid = await orders.partner_orders(session, user=member, campaign_id=first.id)
        text = "order_id,carrier,tracking_number\n" + "".join(
            f"{line.order.id},SF Express,SF{7_000_000_000 + n}\n" for n, line in enumerate(paid)
        )
        await orders.import_tracking(
            session, user=member, text=text, now=first.ends_at + timedelta(days=20)
        )
        await campaigns.graduate(
            session,
            user=member,
            campaign_id=first.id,
            listing=CampaignGraduateIn(price="199.00", stock=500),
            now=first.ends_at + timedelta(days=20),
        )
    await outcome.settle(
        sessions,
        provider,
        discard,
        now=first.ends_at + timedelta(days=21),
        commission_bp=settings.commission_bp,
    )

    # Below its goal at the end: every pledge released.
    failed = await _run(
        **common,  # type: ignore[arg-type]
        title="Lumi Glow Lamp — colour edition",
        goal="50000.00",
        starts=now - timedelta(days=25),
        days=20,
        tiers=tiers,
        backers=crowd[10:],
        quantities=[1, 1, 2, 1],
    )
    await outcome.settle(
        sessions, provider, discard, now=failed.ends_at, commission_bp=settings.commission_bp
    )

    # Live now, far past its goal; the demo fan has not backed it yet. Its first tier is a
    # real early bird: 40 units at the fan-day price, and it closes a week before the end.
    starts = now - timedelta(days=2)
    await _run(
        **common,  # type: ignore[arg-type]
        title="Lumi Glow Mini",
        goal="50.00",
        starts=starts,
        days=14,
        tiers=[
            CampaignTierIn(
                title="Fan day",
                price="99.00",
                retail_price="129.00",
                limit=40,
                per_backer=2,
                closes_at=starts + timedelta(days=7),
                early_bird=True,
                description="One Glow Mini, a USB-C cable and a linen lampshade.",
            ),
            CampaignTierIn(
                title="Standard",
                price="109.00",
                retail_price="129.00",
                per_backer=5,
                description="One Glow Mini and a USB-C cable.",
            ),
            CampaignTierIn(
                title="Bedroom pair",
                price="199.00",
                retail_price="258.00",
                per_backer=2,
                description=(
                    "Two Glow Minis, two cables and two lampshades:\none for each side of the bed."
                ),
            ),
        ],
        backers=crowd,
        quantities=[2, 2, 1, 2, 3, 5, 2, 2, 1, 4, 2, 2, 5, 3],
        description=(
            "A bedside lamp with warm-to-cool white and a **sunrise alarm**, now small "
            "enough for a nightstand.\n\n"
            "## What it does\n\n"
            "- wakes you with light that rises over 30 minutes\n"
            "- dims to a red glow for reading at night\n"
            "- joins hearth scenes the moment it is paired"
        ),
        risks=(
            "The Glow Mini uses the same light engine as the Glow Lamp, which we have shipped "
            "since last spring, so the design risk is small. The lampshade comes from a new "
            "linen supplier: if its first batch fails our fading test we will ship the lamps "
            "first and the shades up to four weeks later, at our cost."
        ),
        faq=[
            CampaignFaqIn(
                question="Does it need a hub?",
                answer="No. It joins your hearth home over Wi-Fi the moment you pair it.",
            ),
            CampaignFaqIn(
                question="Can I change my tier later?",
                answer=(
                    "Yes, while the campaign is live. In its last day you can raise a pledge "
                    "but not lower it if that would take the campaign below its goal."
                ),
            ),
            CampaignFaqIn(
                question="Why is shipping charged once?",
                answer="One parcel goes to each backer, however many lamps are in it.",
            ),
        ],
        shipping=[
            CampaignShippingIn(country="CN", cost="0.00"),
            CampaignShippingIn(country="HK", cost="25.00"),
            CampaignShippingIn(country="SG", cost="45.00"),
            CampaignShippingIn(country="US", cost="60.00"),
            CampaignShippingIn(country="DE", cost="60.00"),
        ],
    )
    await outcome.settle(sessions, provider, discard, now=now, commission_bp=settings.commission_bp)

    await _in_review(sessions, partner=member, reviewer=staff, product_id=product.id, now=now)


async def _in_review(
    sessions: async_sessionmaker[AsyncSession],
    *,
    partner: User,
    reviewer: User,
    product_id: str,
    now: datetime,
) -> None:
    """One launch waiting for the platform team, and one they sent back with comments."""
    for title, days, sent_back in (
        ("Lumi Glow Lamp — studio edition", 10, False),
        ("Lumi Glow Lamp — nursery edition", 20, True),
    ):
        starts = now + timedelta(days=days)
        draft = NewCampaignIn(
            product_id=product_id,
            title=title,
            summary="The sunrise lamp, made for the road" if not sent_back else "A softer glow",
            description=(
                "## Why a smaller lamp\n\n"
                "The sunrise alarm of the Glow Lamp, in a lamp that fits a bag or a shelf "
                "by a cot, **on a battery for a week**.\n\n"
                "- warm light that rises over 30 minutes\n"
                "- joins your hearth scenes the moment it is paired"
            ),
            risks=(
                "The battery pack is the one part we have not shipped before; if its "
                "certification takes longer, delivery moves by up to four weeks."
            ),
            faq=[
                CampaignFaqIn(
                    question="How long does the battery last?",
                    answer="About a week of evenings; it charges over USB-C in three hours.",
                )
            ],
            shipping=[
                CampaignShippingIn(country="CN", cost="0.00"),
                CampaignShippingIn(country="SG", cost="45.00"),
            ],
            goal="8000.00",
            starts_at=starts,
            ends_at=starts + timedelta(days=30),
            delivery_date=starts + timedelta(days=90),
            tiers=[
                CampaignTierIn(
                    title="Early bird",
                    description="One lamp, a USB-C cable and a travel pouch.",
                    price="129.00",
                    retail_price="179.00",
                    limit=100,
                    per_backer=2,
                    closes_at=starts + timedelta(days=3),
                ),
                CampaignTierIn(
                    title="Pair",
                    description="Two lamps, two cables, two pouches.",
                    price="239.00",
                    retail_price="358.00",
                    per_backer=3,
                ),
            ],
        )
        submitted = now - timedelta(hours=30 if sent_back else 5)
        async with unit_of_work(sessions, discard) as session:
            made = await campaigns.create_campaign(
                session, user=partner, draft=draft, now=submitted
            )
            await launches.submit(session, user=partner, campaign_id=made.id, now=submitted)
            if sent_back:
                await launches.send_back(
                    session,
                    user=reviewer,
                    campaign_id=made.id,
                    reason=(
                        "The early-bird tier closes after three days but the page does not "
                        "say so; please add it to the story. And the pair's retail price "
                        "should be two lamps' price."
                    ),
                    now=submitted + timedelta(hours=20),
                )
