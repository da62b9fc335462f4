"""A small world for community tests: a partner with an approved product, a rival company
with its own, the platform team, and fans. Products are written directly as approval
leaves them."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db
from hearth.accounts.models import User
from hearth.accounts.roles import Role
from hearth.bootstrap import Hearth
from hearth.mall.models import Product
from hearth.outbox import unit_of_work
from tests.helpers import create_account

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@dataclass
class CommunityWorld:
    sessions: async_sessionmaker[AsyncSession]
    published: list[object] = field(default_factory=list)
    people: dict[str, User] = field(default_factory=dict)
    products: dict[str, str] = field(default_factory=dict)

    async def publish(self, *events: object) -> None:
        self.published.extend(events)

    def unit(self) -> AbstractAsyncContextManager[AsyncSession]:
        """Open a transaction that publishes its events here once committed."""
        return unit_of_work(self.sessions, self.publish)

    async def person(self, name: str, role: Role = Role.FAN, company: str | None = None) -> User:
        async with db.transaction(self.sessions) as session:
            user = await create_account(session, name, role=role, company=company)
        self.people[name] = user
        return user

    async def product(self, owner: User, name: str, *, model: str = "hearth.light.v1") -> str:
        assert owner.partner_id is not None
        async with db.transaction(self.sessions) as session:
            row = Product(
                partner_id=owner.partner_id,
                name=name,
                category="lighting",
                description=f"{name}, for tests.",
                spec={"model": model},
                spec_version=1,
                retail_price=19900,
                currency="CNY",
                campaign_goal=100000,
                campaign_days=30,
                state="approved",
            )
            session.add(row)
            await session.flush()
            self.products[name] = row.id
            return row.id


async def build(hearth: Hearth) -> CommunityWorld:
    """Make the partner Lumi (member ``leo``) with the lamp, the rival Nova (``rita``) with a
    vacuum, the reviewer ``ada``, and the fans ``mia``, ``tom`` and ``kai``."""
    world = CommunityWorld(hearth.sessions)
    leo = await world.person("leo", Role.PARTNER, "Lumi")
    rita = await world.person("rita", Role.PARTNER, "Nova")
    await world.person("ada", Role.REVIEWER)
    for fan in ("mia", "tom", "kai"):
        await world.person(fan)
    await world.product(leo, "Glow Lamp")
    await world.product(rita, "Nova Vacuum", model="hearth.vacuum.v1")
    return world
