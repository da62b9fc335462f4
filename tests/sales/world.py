"""A small world for regular-sale tests: partners with a graduated product each on sale,
and fans with a saved sandbox card and a saved address. Rows are written directly where
graduation would write them (a finished campaign and its listing)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db
from hearth.accounts import addresses
from hearth.accounts.models import User
from hearth.accounts.roles import Role
from hearth.funding import pledges
from hearth.funding.models import Campaign, StoreListing
from hearth.outbox import unit_of_work
from hearth.payments.provider import PaymentProvider
from hearth.payments.sandbox import SandboxProvider
from hearth.sales import checkout
from tests.helpers import create_account

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
VISA = "4242424242424242"
DECLINES = "4000000000009995"
COMMISSION_BP = 800


@dataclass(frozen=True)
class Fan:
    user: User
    card_id: str
    address_id: str


@dataclass
class SaleWorld:
    sessions: async_sessionmaker[AsyncSession]
    provider: SandboxProvider
    published: list[object]

    async def publish(self, *events: object) -> None:
        self.published.extend(events)

    def unit(self) -> AbstractAsyncContextManager[AsyncSession]:
        """Open a transaction that publishes its events here once committed."""
        return unit_of_work(self.sessions, self.publish)

    async def partner(self, username: str, company: str) -> User:
        async with db.transaction(self.sessions) as session:
            return await create_account(session, username, role=Role.PARTNER, company=company)

    async def listing(
        self, partner: User, name: str, *, price: int = 19900, stock: int = 10, per_order: int = 5
    ) -> str:
        """Put a product of ``partner`` on sale as graduation would; return the listing id."""
        from hearth.mall.models import Product

        async with db.transaction(self.sessions) as session:
            assert partner.partner_id is not None
            product = Product(
                partner_id=partner.partner_id,
                name=name,
                category="lighting",
                description="",
                spec_version=1,
                retail_price=price,
                currency="CNY",
                campaign_goal=100000,
                campaign_days=30,
                state="approved",
            )
            session.add(product)
            await session.flush()
            campaign = Campaign(
                product_id=product.id,
                partner_id=partner.partner_id,
                title=name,
                goal=100000,
                currency="CNY",
                starts_at=T0 - timedelta(days=60),
                ends_at=T0 - timedelta(days=30),
                delivery_date=T0 - timedelta(days=1),
                state="fulfilled",
                created_at=T0 - timedelta(days=61),
                updated_at=T0 - timedelta(days=1),
            )
            session.add(campaign)
            await session.flush()
            row = StoreListing(
                product_id=product.id,
                partner_id=partner.partner_id,
                campaign_id=campaign.id,
                price=price,
                currency="CNY",
                stock=stock,
                per_order=per_order,
                created_at=T0,
            )
            session.add(row)
            await session.flush()
            return row.id

    async def fan(self, username: str, card: str = VISA) -> Fan:
        async with unit_of_work(self.sessions, self.publish) as session:
            user = await create_account(session, username)
            address = await addresses.add_address(
                session,
                user=user,
                fields=addresses.AddressFields(
                    name=f"{username.title()} Chen",
                    line1="1 Long Street",
                    city="Shenzhen",
                    postal_code="518000",
                    country="CN",
                ),
                now=T0,
            )
        saved = await pledges.save_card(
            self.sessions, self.provider, user_id=user.id, token=card, idempotency_key="c", now=T0
        )
        return Fan(user, saved.id, address.id)

    async def check_out(
        self,
        fan: Fan,
        key: str = "k1",
        *,
        now: datetime = T0,
        provider: PaymentProvider | None = None,
    ) -> checkout.CheckoutResult:
        """Check ``fan``'s cart out with their saved address and card, once per ``key``."""
        return await checkout.checkout(
            self.sessions,
            provider or self.provider,
            self.publish,
            user=fan.user,
            address_id=fan.address_id,
            card_id=fan.card_id,
            idempotency_key=key,
            commission_bp=COMMISSION_BP,
            now=now,
        )


def make(sessions: async_sessionmaker[AsyncSession]) -> SaleWorld:
    return SaleWorld(sessions, SandboxProvider(sessions), [])
