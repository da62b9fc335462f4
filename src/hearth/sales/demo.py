"""Demo regular sale, seeded once after the crowdfunding demo:

- a second store, Ember Audio, whose speaker graduated from a finished campaign (written as
  graduation would leave it) and sells in two colours;
- Lumi Labs' graduated lamp sells in a second colour, with a per-order limit;
- the demo fan and a backer bought from both stores through checkout: orders paid, shipped,
  delivered, returned and refunded, one return waiting for the store and one declined;
- the demo fan has both stores' products in the cart, one at an older price.

Everything after the rows graduation would write goes through the services, with a clock
set in the past; the events the transactions record are discarded (no bus runs yet).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth.accounts import addresses
from hearth.accounts.models import User
from hearth.accounts.roles import Role
from hearth.config import Settings
from hearth.funding import orders, pledges
from hearth.funding.models import Campaign, StoreListing
from hearth.mall import partners
from hearth.mall.models import Product
from hearth.outbox import discard, unit_of_work
from hearth.payments.sandbox import build_provider
from hearth.sales import cart, catalog, checkout, returns
from hearth.sales.models import CartLine

STORE = "Ember Audio"


async def _listing_of(session: AsyncSession, partner_id: str) -> StoreListing | None:
    found: StoreListing | None = await session.scalar(
        select(StoreListing).where(StoreListing.partner_id == partner_id).limit(1)
    )
    return found


async def _second_store(session: AsyncSession, fan: User, now: datetime) -> User:
    """Found Ember Audio with a member and a graduated speaker on sale."""
    company = await partners.join_or_found(session, name=STORE)
    company.description = "Small speakers that sound bigger than they are."
    member = await session.scalar(select(User).where(User.username == "ember"))
    if member is None:
        member = User(
            username="ember",
            display_name="Eli Ember",
            password_hash=fan.password_hash,
            role=Role.PARTNER.value,
            partner_id=company.id,
            created_at=now,
        )
        session.add(member)
    product = Product(
        partner_id=company.id,
        name="Ember Mini Speaker",
        category="audio",
        description="A palm-sized speaker for the kitchen shelf.",
        spec_version=1,
        retail_price=29900,
        currency="CNY",
        campaign_goal=200000,
        campaign_days=30,
        state="approved",
    )
    session.add(product)
    await session.flush()
    campaign = Campaign(
        product_id=product.id,
        partner_id=company.id,
        title="Ember Mini Speaker",
        summary="A palm-sized speaker",
        goal=200000,
        currency="CNY",
        starts_at=now - timedelta(days=120),
        ends_at=now - timedelta(days=90),
        delivery_date=now - timedelta(days=40),
        state="fulfilled",
        created_at=now - timedelta(days=121),
        updated_at=now - timedelta(days=40),
        decided_at=now - timedelta(days=90),
    )
    session.add(campaign)
    await session.flush()
    session.add(
        StoreListing(
            product_id=product.id,
            partner_id=company.id,
            campaign_id=campaign.id,
            price=24900,
            currency="CNY",
            stock=0,
            per_order=3,
            created_at=now - timedelta(days=30),
        )
    )
    await session.flush()
    return member


async def _buy(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    user: User,
    items: list[tuple[str, int]],
    key: str,
    now: datetime,
) -> list[str]:
    """Put ``items`` (variant, quantity) in the cart and check out; return the order ids."""
    async with unit_of_work(sessions, discard) as session:
        for variant_id, quantity in items:
            await cart.add(session, user=user, variant_id=variant_id, quantity=quantity, now=now)
        address = await addresses.default_address(session, user_id=user.id)
        assert address is not None
        card = (await pledges.cards(session, user=user))[0]
    done = await checkout.checkout(
        sessions,
        build_provider(settings, sessions),
        discard,
        user=user,
        address_id=address.id,
        card_id=card.id,
        idempotency_key=key,
        commission_bp=settings.commission_bp,
        now=now,
    )
    return [s.order_id for s in done.stores if s.order_id]


async def seed_sales(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, *, fan: str, now: datetime
) -> None:
    """Seed the demo's regular sale (once: nothing is added if Ember Audio sells already)."""
    provider = build_provider(settings, sessions)
    async with unit_of_work(sessions, discard) as session:
        mia = await session.scalar(select(User).where(User.username == fan))
        backer = await session.scalar(select(User).where(User.username == "backer1"))
        leo = await session.scalar(select(User).where(User.username == "partner"))
        if mia is None or backer is None or leo is None or leo.partner_id is None:
            return
        existing = await partners.join_or_found(session, name=STORE)
        if await _listing_of(session, existing.id) is not None:
            return
        lamp = await _listing_of(session, leo.partner_id)
        if lamp is None:
            return
        ember = await _second_store(session, mia, now)
        speaker = await _listing_of(session, existing.id)
        assert speaker is not None
        # Variants: the lamp gains a colour; the speaker sells in two.
        await catalog.change_listing(session, user=leo, listing_id=lamp.id, price=None, per_order=4)
        await catalog.add_variant(
            session, user=leo, listing_id=lamp.id, name="Warm white", stock=60, now=now
        )
        (default,) = await catalog.ensure_variants(session, speaker)
        await catalog.change_variant(
            session,
            user=ember,
            listing_id=speaker.id,
            variant_id=default.id,
            name="Charcoal",
            stock=80,
            now=now,
        )
        await catalog.add_variant(
            session, user=ember, listing_id=speaker.id, name="Sand", stock=3, now=now
        )
        for person in (mia, backer):
            if await addresses.default_address(session, user_id=person.id) is None:
                await addresses.add_address(
                    session,
                    user=person,
                    fields=addresses.AddressFields(
                        name=person.display_name or person.username,
                        line1="88 Garden Road",
                        city="Shenzhen",
                        postal_code="518000",
                        country="CN",
                    ),
                    now=now,
                )
        lamp_variants = await catalog.ensure_variants(session, lamp)
        speaker_variants = await catalog.ensure_variants(session, speaker)
    for person in (mia, backer):
        await pledges.save_card(
            sessions,
            provider,
            user_id=person.id,
            token="4242424242424242",
            idempotency_key="demo-sale-card",
            now=now,
        )
    lamp_a, speaker_a = lamp_variants[0].id, speaker_variants[0].id
    speaker_b = speaker_variants[1].id
    at = now - timedelta(days=30)
    # Orders in every state, from both stores.
    delivered = await _buy(sessions, settings, mia, [(lamp_a, 1), (speaker_a, 1)], "d1", at)
    returned = await _buy(sessions, settings, backer, [(speaker_b, 1)], "d2", at)
    declined = await _buy(sessions, settings, backer, [(lamp_a, 2)], "d3", at)
    shipped = await _buy(sessions, settings, mia, [(speaker_a, 2)], "d4", now - timedelta(days=3))
    await _buy(sessions, settings, mia, [(lamp_variants[1].id, 1)], "d5", now - timedelta(hours=5))
    async with unit_of_work(sessions, discard) as session:
        for member in (leo, ember):
            mine = {line.order.id for line in await orders.partner_orders(session, user=member)}
            ship = [o for o in [*delivered, *returned, *declined, *shipped] if o in mine]
            text = "order_id,carrier,tracking_number\n" + "".join(
                f"{o},SF Express,SF80{n:08d}\n" for n, o in enumerate(ship)
            )
            await orders.import_tracking(
                session, user=member, text=text, now=at + timedelta(days=2)
            )
            for o in ship:
                if o not in shipped:
                    await orders.mark_delivered(
                        session, user=member, order_id=o, now=now - timedelta(days=5)
                    )
        # The fan waits on one return; the backer has one accepted and one declined.
        await returns.request(
            session,
            user=mia,
            order_id=delivered[1],
            reason="The light is lovely but too warm for my desk.",
            idempotency_key="demo-return-1",
            now=now - timedelta(days=2),
        )
        first = await returns.request(
            session,
            user=backer,
            order_id=returned[0],
            reason="Sand does not match my shelf.",
            idempotency_key="demo-return-2",
            now=now - timedelta(days=4),
        )
        second = await returns.request(
            session,
            user=backer,
            order_id=declined[0],
            reason="I bought two by mistake.",
            idempotency_key="demo-return-3",
            now=now - timedelta(days=4),
        )
        await returns.decline(
            session,
            user=leo,
            return_id=second.row.id,
            answer="Both lamps were opened and used; we can take back unopened ones.",
            now=now - timedelta(days=3),
        )
    await returns.accept(
        sessions,
        provider,
        discard,
        user=ember,
        return_id=first.row.id,
        idempotency_key="demo-accept",
        now=now - timedelta(days=3),
    )
    # The fan's cart: a lamp and a speaker, the lamp put there before its price fell.
    async with unit_of_work(sessions, discard) as session:
        await cart.add(session, user=mia, variant_id=lamp_a, quantity=1, now=now)
        await cart.add(session, user=mia, variant_id=speaker_b, quantity=1, now=now)
        line = await session.scalar(
            select(CartLine).where(CartLine.user_id == mia.id, CartLine.variant_id == lamp_a)
        )
        assert line is not None
        line.price_seen = lamp.price + 2000
        await session.flush()
