"""A campaign's life from draft to fulfilled, or to failed with every hold released."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hearth import db
from hearth.funding import campaigns, orders, outcome, pledges
from hearth.funding.models import CampaignStep, Order, Pledge
from hearth.notifications.models import Notification
from hearth.payments import books
from hearth.payments.models import SandboxPayment
from tests.funding.world import DECLINES, T0, World, make_world, request

END = T0 + timedelta(days=10)


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    engine = db.create_engine(database_url)
    try:
        yield await make_world(db.session_factory(engine))
    finally:
        await engine.dispose()


async def settle(world: World, now: object) -> outcome.Settled:
    return await outcome.settle(
        world.sessions,
        world.provider,
        world.publish,
        now=now,  # type: ignore[arg-type]
        commission_bp=500,
    )


async def test_a_funded_campaign_runs_from_draft_to_fulfilled(world: World) -> None:
    campaign = await world.campaign(goal="400.00")
    view = await _view(world, campaign.id)
    early, standard = view.tiers
    mia, mia_card = await world.fan("mia")
    ben, ben_card = await world.fan("ben")
    async with world.unit() as session:
        await pledges.place_pledge(
            session, user=mia, request=request(campaign, early.id, mia_card, "k1"), now=T0
        )
        await pledges.place_pledge(
            session, user=ben, request=request(campaign, standard.id, ben_card, "k2"), now=T0
        )
    assert (await _view(world, campaign.id)).progress.percent == 112  # 448 of 400

    assert (await settle(world, END - timedelta(seconds=1))).funded == []
    done = await settle(world, END)
    assert done.funded == [campaign.id] and done.charged == 2
    assert done.fulfilling == [campaign.id]

    async with world.sessions() as session:
        paid = list(await session.scalars(select(Order).order_by(Order.amount)))
        assert [o.amount for o in paid] == [19900, 24900]
        assert not any((await books.trial_balance(session)).values())
    csv_text = "order_id,carrier,tracking_number\n" + "".join(
        f"{o.id},SF Express,SF{index:010d}\n" for index, o in enumerate(paid)
    )
    async with world.unit() as session:
        assert (
            await orders.import_tracking(session, user=world.partner, text=csv_text, now=END) == 2
        )
    assert (await settle(world, END + timedelta(hours=1))).fulfilled == [campaign.id]

    async with world.sessions() as session:
        steps = await campaigns.history(session, user=world.partner, campaign_id=campaign.id)
    assert [(s.from_state, s.to_state) for s in steps] == [
        ("draft", "submitted"),
        ("submitted", "scheduled"),
        ("scheduled", "live"),
        ("live", "funded"),
        ("funded", "fulfilling"),
        ("fulfilling", "fulfilled"),
    ]


async def test_a_campaign_below_goal_fails_and_releases_every_pledge(world: World) -> None:
    campaign = await world.campaign(goal="5000.00")
    tier = (await _view(world, campaign.id)).tiers[1]
    fans = [await world.fan(name) for name in ("mia", "ben", "kai")]
    async with world.unit() as session:
        for index, (fan, card) in enumerate(fans):
            await pledges.place_pledge(
                session, user=fan, request=request(campaign, tier.id, card, f"k{index}"), now=T0
            )
    done = await settle(world, END)
    assert done.failed == [campaign.id] and done.charged == 0
    async with world.sessions() as session:
        states = list(await session.scalars(select(Pledge.state)))
        told = await session.scalars(
            select(Notification.user_id).where(Notification.kind == "pledge_released")
        )
        payments = await session.scalar(select(func.count()).select_from(SandboxPayment))
    assert states == ["released"] * 3
    assert sorted(told) == sorted(fan.id for fan, _ in fans)
    assert payments == 0


async def test_a_declined_charge_gets_a_retry_window_then_is_dropped(world: World) -> None:
    campaign = await world.campaign(goal="100.00")
    tier = (await _view(world, campaign.id)).tiers[1]
    mia, card = await world.fan("mia", card=DECLINES)
    async with world.unit() as session:
        pledge, _ = await pledges.place_pledge(
            session, user=mia, request=request(campaign, tier.id, card, "k"), now=T0
        )
    first = await settle(world, END)
    assert (first.funded, first.payment_failed, first.fulfilling) == ([campaign.id], 1, [])
    assert (await settle(world, END + timedelta(days=2))).dropped == 0
    last = await settle(world, END + timedelta(days=3))
    assert (last.dropped, last.fulfilling) == (1, [campaign.id])
    async with world.sessions() as session:
        kinds = list(
            await session.scalars(
                select(Notification.kind)
                .where(Notification.user_id == mia.id)
                .order_by(Notification.created_at)
            )
        )
        assert (await session.get(Pledge, pledge.id)).state == "dropped"  # type: ignore[union-attr]
    assert kinds == ["campaign_funded", "payment_failed", "pledge_dropped"]


async def test_a_backer_fixes_a_failed_payment_with_another_card(world: World) -> None:
    campaign = await world.campaign(goal="100.00")
    tier = (await _view(world, campaign.id)).tiers[1]
    mia, bad = await world.fan("mia", card=DECLINES)
    async with world.unit() as session:
        pledge, _ = await pledges.place_pledge(
            session, user=mia, request=request(campaign, tier.id, bad, "k"), now=T0
        )
    await settle(world, END)
    good = await pledges.save_card(
        world.sessions,
        world.provider,
        user_id=mia.id,
        token="5555555555554444",
        idempotency_key="2",
        now=END,
    )
    order = await outcome.retry_payment(
        world.sessions,
        world.provider,
        world.publish,
        user=mia,
        pledge_id=pledge.id,
        card_id=good.id,
        commission_bp=500,
        now=END + timedelta(days=1),
    )
    assert order.amount == 24900
    assert (await settle(world, END + timedelta(days=5))).dropped == 0


async def test_several_workers_decide_and_charge_exactly_once(world: World) -> None:
    campaign = await world.campaign(goal="100.00")
    tier = (await _view(world, campaign.id)).tiers[1]
    fans = [await world.fan(f"fan{index}") for index in range(6)]
    async with world.unit() as session:
        for fan, card in fans:
            await pledges.place_pledge(
                session, user=fan, request=request(campaign, tier.id, card, "k"), now=T0
            )
    results = await asyncio.gather(*(settle(world, END) for _ in range(4)))
    assert sum(len(r.funded) for r in results) == 1
    assert sum(r.charged for r in results) == 6
    async with world.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(SandboxPayment)) == 6
        assert await session.scalar(select(func.count()).select_from(Order)) == 6
        decided = await session.scalar(
            select(func.count()).select_from(CampaignStep).where(CampaignStep.to_state == "funded")
        )
        assert decided == 1


async def _view(world: World, campaign_id: str) -> campaigns.CampaignView:
    async with world.sessions() as session:
        return await campaigns.view(session, user=world.partner, campaign_id=campaign_id)
