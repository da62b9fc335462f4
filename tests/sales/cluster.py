"""A regular sale on a real PostgreSQL: one partner's product on sale with limited stock,
and many fans, each with an API token, a saved sandbox card, a saved address and the
product in their cart. Used by the concurrent-checkout test and bench/checkout.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hearth import db
from hearth.accounts import service as accounts
from hearth.accounts.models import ShippingAddress, User
from hearth.accounts.roles import Role
from hearth.funding import pledges
from hearth.funding.models import Campaign, StoreListing
from hearth.kit.clock import utcnow
from hearth.mall.models import Product
from hearth.outbox import discard, unit_of_work
from hearth.payments.sandbox import SandboxProvider
from hearth.sales.models import CartLine, SaleVariant
from tests.helpers import create_account

PASSWORD = "a-long-enough-password"


@dataclass(frozen=True)
class Buyer:
    token: str
    card_id: str
    address_id: str


@dataclass(frozen=True)
class Shop:
    listing_id: str
    variant_id: str
    stock: int
    buyers: list[Buyer]


async def seed_shop(url: str, *, fans: int, stock: int) -> Shop:
    """Put a product on sale with ``stock`` units and give ``fans`` buyers one in their cart."""
    engine = db.create_engine(url)
    sessions = db.session_factory(engine)
    now = utcnow()
    try:
        async with unit_of_work(sessions, discard) as session:
            leo = await create_account(
                session, "leo", role=Role.PARTNER, company="Lumi Labs", password=PASSWORD
            )
            assert leo.partner_id is not None
            first = await accounts.create_user(
                session, now=datetime.now(UTC), username="fan0", password=PASSWORD
            )
            product = Product(
                partner_id=leo.partner_id,
                name="Lumi Band",
                category="health",
                description="",
                spec_version=1,
                retail_price=19900,
                currency="CNY",
                campaign_goal=100000,
                campaign_days=30,
                state="approved",
            )
            session.add(product)
            await session.flush()
            campaign = Campaign(
                product_id=product.id,
                partner_id=leo.partner_id,
                title="Lumi Band",
                goal=100000,
                currency="CNY",
                starts_at=now - timedelta(days=60),
                ends_at=now - timedelta(days=30),
                delivery_date=now - timedelta(days=1),
                state="fulfilled",
                created_at=now,
                updated_at=now,
            )
            session.add(campaign)
            await session.flush()
            listing = StoreListing(
                product_id=product.id,
                partner_id=leo.partner_id,
                campaign_id=campaign.id,
                price=9900,
                currency="CNY",
                stock=stock,
                per_order=1,
                created_at=now,
            )
            session.add(listing)
            await session.flush()
            variant = SaleVariant(
                listing_id=listing.id,
                name="Standard",
                position=0,
                stock=stock,
                created_at=now,
                updated_at=now,
            )
            session.add(variant)
            users = [first]
            for number in range(1, fans):  # one password hash for all: argon2 is slow on purpose
                user = User(
                    username=f"fan{number}",
                    display_name=f"Fan {number}",
                    password_hash=first.password_hash,
                    role="fan",
                    created_at=now,
                )
                session.add(user)
                users.append(user)
            await session.flush()
            tokens = [
                (await accounts.create_token(session, user=u, name="sale", now=now))[1]
                for u in users
            ]
            addresses = []
            for user in users:
                address = ShippingAddress(
                    user_id=user.id,
                    name=user.display_name or user.username,
                    line1="1 Road",
                    city="Shenzhen",
                    postal_code="518000",
                    country="CN",
                    is_default=True,
                    created_at=now,
                    updated_at=now,
                )
                session.add(address)
                session.add(
                    CartLine(
                        user_id=user.id,
                        variant_id=variant.id,
                        quantity=1,
                        price_seen=9900,
                        added_at=now,
                        updated_at=now,
                    )
                )
                addresses.append(address)
            await session.flush()
            listing_id, variant_id = listing.id, variant.id
            address_ids = [a.id for a in addresses]
        provider = SandboxProvider(sessions)
        buyers = []
        for user, token, address_id in zip(users, tokens, address_ids, strict=True):
            card = await pledges.save_card(
                sessions,
                provider,
                user_id=user.id,
                token="4242424242424242",
                idempotency_key="c",
                now=now,
            )
            buyers.append(Buyer(token, card.id, address_id))
        return Shop(listing_id, variant_id, stock, buyers)
    finally:
        await engine.dispose()
