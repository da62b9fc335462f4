"""A pledge charge whose answer never came is settled by asking the provider: the pledge is
neither charged again nor dropped meanwhile, a charge books its order once, a decline says
why and leaves the backer time to pay. On SQLite and PostgreSQL, with several workers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from hearth import db
from hearth.accounts.models import User
from hearth.errors import Conflict, ProviderTimeout
from hearth.funding import campaigns, outcome, pledges
from hearth.funding.models import BackerCard, Campaign, Order, Pledge
from hearth.funding.rules import DOUBT_GRACE, RETRY_WINDOW
from hearth.notifications.models import Notification
from hearth.payments.doubt_rules import ASK_AFTER, DoubtState
from hearth.payments.models import PaymentDoubt, SandboxPayment
from hearth.payments.provider import PaymentProvider
from tests.funding.world import DECLINES, T0, World, make_world, request
from tests.payments.doubtful import LateAnswers

END = T0 + timedelta(days=10)
TIMES_OUT = "4000000000000408"  # the sandbox charges, then its answer times out
VISA = "4242424242424242"


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    engine = db.create_engine(database_url)
    try:
        yield await make_world(db.session_factory(engine))
    finally:
        await engine.dispose()


async def settle(
    world: World, now: datetime, provider: PaymentProvider | None = None
) -> outcome.Settled:
    return await outcome.settle(
        world.sessions, provider or world.provider, world.publish, now=now, commission_bp=500
    )


async def _pledge(world: World, campaign: Campaign, fan: User, card: BackerCard) -> Pledge:
    async with world.sessions() as session:
        view = await campaigns.view(session, user=world.partner, campaign_id=campaign.id)
    async with world.unit() as session:
        pledge, _ = await pledges.place_pledge(
            session,
            user=fan,
            request=request(campaign, view.tiers[1].id, card, f"k-{fan.username}"),
            now=T0,
        )
    return pledge


async def _state(world: World, pledge_id: str) -> Pledge:
    async with world.sessions() as session:
        return await session.get_one(Pledge, pledge_id)


async def _payments(world: World, pledge_id: str) -> int:
    async with world.sessions() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(SandboxPayment)
                .where(SandboxPayment.reference == pledge_id, SandboxPayment.captured > 0)
            )
            or 0
        )


async def _pay_now(world: World, user: User, pledge_id: str, card_id: str, now: datetime) -> Order:
    return await outcome.retry_payment(
        world.sessions,
        world.provider,
        world.publish,
        user=user,
        pledge_id=pledge_id,
        card_id=card_id,
        commission_bp=500,
        now=now,
    )


async def test_a_deadline_charge_that_timed_out_is_asked_about_and_booked_once(
    world: World,
) -> None:
    campaign = await world.campaign(goal="100.00")
    mia, card = await world.fan("mia", card=TIMES_OUT)
    pledge = await _pledge(world, campaign, mia, card)

    first = await settle(world, END)
    assert (first.charged, first.in_doubt) == (0, 1)
    # The next rounds before the first ask neither charge it again nor move the campaign on.
    again = await settle(world, END + timedelta(seconds=30))
    assert (again.charged, again.fulfilling) == (0, [])
    assert (await _state(world, pledge.id)).state == "active"

    done = await settle(world, END + ASK_AFTER[0])

    assert done.doubts_settled == 1 and done.fulfilling == [campaign.id]
    row = await _state(world, pledge.id)
    assert row.state == "charged" and row.payment_id is not None
    assert await _payments(world, pledge.id) == 1
    async with world.sessions() as session:
        order = await session.scalar(select(Order).where(Order.pledge_id == pledge.id))
        assert order is not None and order.payment_id == row.payment_id


async def test_a_pay_now_that_timed_out_is_not_charged_twice_nor_dropped_when_the_window_ends(
    world: World,
) -> None:
    campaign = await world.campaign(goal="100.00")
    mia, bad = await world.fan("mia", card=DECLINES)
    pledge = await _pledge(world, campaign, mia, bad)
    assert (await settle(world, END)).payment_failed == 1
    slow = await pledges.save_card(
        world.sessions,
        world.provider,
        user_id=mia.id,
        token=TIMES_OUT,
        idempotency_key="2",
        now=END,
    )

    with pytest.raises(ProviderTimeout):
        await _pay_now(world, mia, pledge.id, slow.id, END + timedelta(days=2))
    with pytest.raises(Conflict, match="still being confirmed"):
        await _pay_now(world, mia, pledge.id, slow.id, END + timedelta(days=2, minutes=1))

    # Asked only once the window has ended: the pledge waited, and is paid, not dropped.
    last = await settle(world, END + RETRY_WINDOW + timedelta(hours=1))

    assert (last.doubts_settled, last.dropped) == (1, 0)
    assert (await _state(world, pledge.id)).state == "charged"
    assert await _payments(world, pledge.id) == 1


async def test_a_refused_pay_now_whose_answer_was_lost_leaves_the_backer_time_to_pay(
    world: World,
) -> None:
    campaign = await world.campaign(goal="100.00")
    mia, bad = await world.fan("mia", card=DECLINES)
    pledge = await _pledge(world, campaign, mia, bad)
    await settle(world, END)
    late = LateAnswers(world.provider)
    with pytest.raises(ProviderTimeout):
        await outcome.retry_payment(
            world.sessions,
            late,
            world.publish,
            user=mia,
            pledge_id=pledge.id,
            card_id=bad.id,
            commission_bp=500,
            now=END + timedelta(days=2),
        )

    after_window = END + RETRY_WINDOW + timedelta(hours=1)
    done = await settle(world, after_window, late)

    assert (done.doubts_settled, done.dropped) == (1, 0)
    row = await _state(world, pledge.id)
    assert row.state == "payment_failed" and "not enough money" in row.failure
    assert row.retry_until == after_window + DOUBT_GRACE
    async with world.sessions() as session:
        titles = list(
            await session.scalars(
                select(Notification.title).where(
                    Notification.user_id == mia.id, Notification.kind == "payment_failed"
                )
            )
        )
    assert any("did not go through" in t for t in titles)
    good = await pledges.save_card(
        world.sessions, world.provider, user_id=mia.id, token=VISA, idempotency_key="3", now=END
    )
    order = await _pay_now(world, mia, pledge.id, good.id, after_window + timedelta(hours=1))
    assert order.pledge_id == pledge.id


async def test_several_workers_settle_each_pledge_in_doubt_once(world: World) -> None:
    campaign = await world.campaign(goal="100.00")
    fans = [await world.fan(f"fan{n}", card=TIMES_OUT) for n in range(4)]
    made = [await _pledge(world, campaign, fan, card) for fan, card in fans]
    assert (await settle(world, END)).in_doubt == 4

    rounds = await asyncio.gather(*(settle(world, END + ASK_AFTER[0]) for _ in range(3)))

    assert sum(r.doubts_settled for r in rounds) == 4
    for pledge in made:
        assert (await _state(world, pledge.id)).state == "charged"
        assert await _payments(world, pledge.id) == 1
    async with world.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Order)) == 4
        states = set(await session.scalars(select(PaymentDoubt.state)))
    assert states == {DoubtState.SETTLED.value}
