"""Refunds of one order racing each other on both databases, and refunds the provider refuses.

Each racer has its own engine (its own connections), so the database sees truly concurrent
transactions, as it would from several hearth processes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db
from hearth.bootstrap import Hearth
from hearth.errors import InvalidInput
from hearth.funding import orders, outcome, pledges
from hearth.funding.models import CampaignTier, Order, OrderRefund
from hearth.kit.money import Money
from hearth.payments.sandbox import SandboxProvider
from tests.funding.world import T0, World, make_world, request

END = T0 + timedelta(days=10)
RACERS = 4


@pytest.fixture
async def racers(database_url: str) -> AsyncIterator[list[async_sessionmaker[AsyncSession]]]:
    """Session factories on separate engines, one per racing partner."""
    engines = [db.create_engine(database_url, pool=False) for _ in range(RACERS)]
    try:
        yield [db.session_factory(engine) for engine in engines]
    finally:
        for engine in engines:
            await engine.dispose()


async def paid_order(hearth: Hearth) -> tuple[World, Order]:
    """A funded campaign's one paid order of ¥199.00."""
    world = await make_world(hearth.sessions)
    campaign = await world.campaign(goal="100.00")
    user, card = await world.fan("mia")
    async with world.unit() as session:
        tier = await session.scalar(
            select(CampaignTier)
            .where(CampaignTier.campaign_id == campaign.id)
            .order_by(CampaignTier.position)
        )
        assert tier is not None
        await pledges.place_pledge(
            session, user=user, request=request(campaign, tier.id, card, "pledge"), now=T0
        )
    await outcome.settle(world.sessions, world.provider, world.publish, now=END, commission_bp=500)
    async with world.sessions() as session:
        order = await session.scalar(select(Order))
    assert order is not None and order.amount == 19900
    return world, order


async def refund(
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    order_id: str,
    amount: str | None,
) -> Order:
    return await orders.refund(
        sessions,
        SandboxProvider(sessions),
        world.publish,
        user=world.partner,
        order_id=order_id,
        amount=amount,
        reason="scratched",
        now=END,
    )


async def states(hearth: Hearth) -> list[str]:
    async with hearth.sessions() as session:
        return sorted(await session.scalars(select(OrderRefund.state)))


async def test_racing_refunds_of_one_order_never_pass_the_check_together(
    hearth: Hearth, racers: list[async_sessionmaker[AsyncSession]]
) -> None:
    world, order = await paid_order(hearth)

    async def attempt(sessions: async_sessionmaker[AsyncSession]) -> str:
        try:
            await refund(world, sessions, order.id, "60.00")
        except InvalidInput as refused:
            return str(refused.detail)
        return "done"

    results = await asyncio.gather(*(attempt(sessions) for sessions in racers))

    # Three of ¥60.00 fit in ¥199.00; hearth's own check refuses the fourth, naming what is
    # left, before the provider is asked.
    assert sorted(results) == [
        "[{'field': 'amount', 'message': 'more than zero and at most ¥19.00'}]",
        "done",
        "done",
        "done",
    ]
    assert await states(hearth) == ["done"] * 3
    rest = await refund(world, hearth.sessions, order.id, None)
    assert (rest.refunded, rest.status) == (19900, "refunded")


async def test_a_refund_the_provider_refuses_is_failed_and_frees_its_amount(
    hearth: Hearth,
) -> None:
    world, order = await paid_order(hearth)
    assert order.payment_id is not None
    # ¥150.00 went back at the provider without hearth: it refuses a full refund now.
    await world.provider.refund(
        payment_id=order.payment_id, idempotency_key="elsewhere", amount=Money(15000, "CNY")
    )

    with pytest.raises(InvalidInput):
        await refund(world, hearth.sessions, order.id, None)

    assert await states(hearth) == ["failed"]
    done = await refund(world, hearth.sessions, order.id, "49.00")
    assert done.refunded == 4900
    assert await states(hearth) == ["done", "failed"]
