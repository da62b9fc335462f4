"""Orders and campaigns for review and question tests, written as fulfilment leaves them:
an order of a product in either channel, delivered or still on its way, and a live
campaign of a product with a backer's pledge."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hearth import db
from hearth.accounts.models import User
from hearth.funding.models import (
    BackerCard,
    Campaign,
    CampaignTier,
    Order,
    OrderItem,
    Pledge,
)
from hearth.mall.models import Product
from tests.community.world import T0, CommunityWorld


async def order(
    world: CommunityWorld,
    buyer: str,
    product: str,
    *,
    channel: str = "sale",
    delivered: bool = True,
) -> str:
    """Make ``buyer``'s paid order of one ``product`` (a name in the world), shipped and, if
    ``delivered``, delivered; return its id."""
    async with db.transaction(world.sessions) as session:
        found = await session.get(Product, world.products[product])
        assert found is not None
        row = Order(
            channel=channel,
            partner_id=found.partner_id,
            backer_id=world.people[buyer].id,
            quantity=1,
            amount=19900,
            currency="CNY",
            status="delivered" if delivered else "shipped",
            payment_id=f"pay_{buyer}_{product}",
            shipped_at=T0 - timedelta(days=5),
            delivered_at=T0 - timedelta(days=2) if delivered else None,
            created_at=T0 - timedelta(days=10),
        )
        session.add(row)
        await session.flush()
        session.add(
            OrderItem(
                order_id=row.id,
                channel=channel,
                partner_id=found.partner_id,
                product_id=found.id,
                title=found.name,
                quantity=1,
                unit_price=19900,
                amount=19900,
                currency="CNY",
                created_at=row.created_at,
            )
        )
        return row.id


async def campaign(world: CommunityWorld, product: str, *, backer: str | None = None) -> str:
    """Make a live campaign of ``product``, with a pledge of ``backer`` if named."""
    async with db.transaction(world.sessions) as session:
        found = await session.get(Product, world.products[product])
        assert found is not None
        row = Campaign(
            product_id=found.id,
            partner_id=found.partner_id,
            title=f"{product} — first run",
            goal=100000,
            currency="CNY",
            starts_at=T0 - timedelta(days=2),
            ends_at=T0 + timedelta(days=20),
            delivery_date=T0 + timedelta(days=60),
            state="live",
            created_at=T0 - timedelta(days=3),
            updated_at=T0 - timedelta(days=2),
        )
        session.add(row)
        await session.flush()
        if backer is not None:
            user = await session.scalar(select(User).where(User.username == backer))
            assert user is not None
            card = BackerCard(
                user_id=user.id, provider="sandbox", customer_id="cus", method_id="pm",
                brand="visa", last4="4242", exp_month=12, exp_year=2030, created_at=T0,
            )  # fmt: skip
            session.add(card)
            await session.flush()
            tier = CampaignTier(campaign_id=row.id, title="One", price=9900, retail_price=12900)
            session.add(tier)
            await session.flush()
            session.add(
                Pledge(
                    campaign_id=row.id, tier_id=tier.id, backer_id=user.id, holder=user.id,
                    quantity=1, amount=9900, currency="CNY", state="active", card_id=card.id,
                    idempotency_key="k", created_at=T0, updated_at=T0,
                )
            )  # fmt: skip
        return row.id
