"""A small world for crowdfunding tests: a partner with an approved product, fans with
saved sandbox cards, a reviewer of the platform team, and campaigns drafted and launched
through the services (submitted by the partner, approved by the reviewer)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db
from hearth.accounts.models import User
from hearth.accounts.roles import Role
from hearth.funding import campaigns, launches, pledges
from hearth.funding.models import BackerCard, Campaign
from hearth.funding.schemas import NewCampaignIn
from hearth.mall.models import Product
from hearth.outbox import unit_of_work
from hearth.payments.sandbox import SandboxProvider
from tests.helpers import create_account

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
VISA = "4242424242424242"
DECLINES = "4000000000009995"
ADDRESS = {
    "name": "Mia Chen",
    "line1": "1 Long Street",
    "city": "Shenzhen",
    "postal_code": "518000",
    "country": "cn",
}


@dataclass
class World:
    sessions: async_sessionmaker[AsyncSession]
    provider: SandboxProvider
    partner: User
    product_id: str
    reviewer: User
    published: list[object] = field(default_factory=list)

    async def publish(self, *events: object) -> None:
        """Keep what the world's units of work publish, for tests to look at."""
        self.published.extend(events)

    def unit(self) -> AbstractAsyncContextManager[AsyncSession]:
        """Open a transaction that publishes its events here once committed."""
        return unit_of_work(self.sessions, self.publish)

    async def user(self, username: str, role: Role = Role.FAN, company: str | None = None) -> User:
        async with db.transaction(self.sessions) as session:
            return await create_account(session, username, role=role, company=company)

    async def fan(self, username: str, card: str = VISA) -> tuple[User, BackerCard]:
        user = await self.user(username)
        saved = await pledges.save_card(
            self.sessions,
            self.provider,
            user_id=user.id,
            token=card,
            idempotency_key="first",
            now=T0,
        )
        return user, saved

    async def campaign(
        self,
        *,
        goal: str = "1000.00",
        tiers: list[dict[str, Any]] | None = None,
        days: int = 10,
        publish: bool = True,
    ) -> Campaign:
        draft = NewCampaignIn.model_validate(
            dict(
                product_id=self.product_id,
                title="Lumi Air 2",
                summary="A quiet purifier",
                goal=goal,
                starts_at=T0,
                ends_at=T0 + timedelta(days=days),
                delivery_date=T0 + timedelta(days=days + 60),
                tiers=tiers
                or [
                    {
                        "title": "Early bird",
                        "price": "199.00",
                        "retail_price": "299.00",
                        "limit": 3,
                    },
                    {"title": "Standard", "price": "249.00", "retail_price": "299.00"},
                ],
            )
        )
        async with self.unit() as session:
            made = await campaigns.create_campaign(session, user=self.partner, draft=draft, now=T0)
            if publish:
                await launches.launch(
                    session,
                    partner=self.partner,
                    reviewer=self.reviewer,
                    campaign_id=made.id,
                    now=T0,
                )
        return made


async def make_world(
    sessions: async_sessionmaker[AsyncSession], company: str = "Lumi Labs"
) -> World:
    async with db.transaction(sessions) as session:
        partner = await create_account(
            session, company.split()[0].lower() + "-leo", role=Role.PARTNER, company=company
        )
        product = Product(
            partner_id=partner.partner_id,
            name="Lumi Air 2",
            category="climate",
            description="A purifier",
            spec_version=1,
            retail_price=29900,
            currency="CNY",
            campaign_goal=100000,
            campaign_days=30,
            state="approved",
        )
        session.add(product)
        await session.flush()
        reviewer = await create_account(
            session, company.split()[0].lower() + "-ada", role=Role.REVIEWER
        )
    return World(sessions, SandboxProvider(sessions), partner, product.id, reviewer)


def request(
    campaign: Campaign, tier_id: str, card: BackerCard, key: str, quantity: int = 1
) -> pledges.PledgeRequest:
    return pledges.PledgeRequest(
        campaign_id=campaign.id,
        tier_id=tier_id,
        quantity=quantity,
        card_id=card.id,
        shipping=ADDRESS,
        idempotency_key=key,
    )
