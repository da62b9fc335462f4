"""Invariants under any sequence of pledges, changes, cancellations, outcome and refunds:
a tier is never oversold and its counters equal its pledges; the ledger always sums to zero."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hearth import db
from hearth.errors import HearthError
from hearth.funding import orders, outcome, pledges
from hearth.funding.models import CampaignTier, Order, Pledge
from hearth.funding.rules import Progress
from hearth.payments import books
from tests.funding.world import T0, make_world, request

END = T0 + timedelta(days=10)
FANS = 4
step = st.tuples(
    st.sampled_from(["place", "change", "cancel"]),
    st.integers(0, FANS - 1),  # which fan
    st.integers(0, 1),  # which tier
    st.integers(1, 3),  # quantity
)


@given(goal=st.integers(1, 10**12), raised=st.integers(0, 10**13))
def test_percent_of_goal_is_never_negative_and_the_bar_never_passes_full(
    goal: int, raised: int
) -> None:
    progress = Progress(goal=goal, raised=raised, backers=0)
    assert progress.percent >= 0 and 0 <= progress.bar <= 100
    assert progress.funded == (progress.percent >= 100)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, max_size=14), refunds=st.lists(st.integers(1, 30000), max_size=4))
def test_tiers_never_oversell_and_the_books_always_balance(
    sqlite_template: Path, steps: list[tuple[str, int, int, int]], refunds: list[int]
) -> None:
    asyncio.run(_scenario(sqlite_template, steps, refunds))


async def _scenario(
    template: Path, steps: list[tuple[str, int, int, int]], refunds: list[int]
) -> None:
    directory = Path(tempfile.mkdtemp())
    try:
        shutil.copy(template, directory / "hearth.db")
        engine = db.create_engine(f"sqlite+aiosqlite:///{directory / 'hearth.db'}")
        try:
            world = await make_world(db.session_factory(engine))
            campaign = await world.campaign(goal="300.00")
            async with world.sessions() as session:
                tiers = list(
                    await session.scalars(
                        select(CampaignTier)
                        .where(CampaignTier.campaign_id == campaign.id)
                        .order_by(CampaignTier.position)
                    )
                )
            fans = [await world.fan(f"fan{n}") for n in range(FANS)]
            for number, (action, who, tier_index, quantity) in enumerate(steps):
                user, card = fans[who]
                now = T0 + timedelta(minutes=number)
                try:
                    async with world.unit() as session:
                        mine = await pledges.pledge_of(session, user=user, campaign_id=campaign.id)
                        live = mine is not None and mine.holder is not None
                        if action == "place":
                            req = request(
                                campaign, tiers[tier_index].id, card, f"k{number}", quantity
                            )
                            await pledges.place_pledge(session, user=user, request=req, now=now)
                        elif action == "change" and mine is not None and live:
                            await pledges.change_pledge(
                                session,
                                user=user,
                                pledge_id=mine.id,
                                tier_id=tiers[tier_index].id,
                                quantity=quantity,
                                now=now,
                            )
                        elif action == "cancel" and mine is not None and live:
                            await pledges.cancel_pledge(
                                session, user=user, pledge_id=mine.id, now=now
                            )
                except HearthError:
                    pass  # refused moves change nothing; the invariants below say so
                await _check_tiers(world.sessions, campaign.id)
            await outcome.settle(
                world.sessions, world.provider, world.publish, now=END, commission_bp=500
            )
            async with world.sessions() as session:
                paid = list(await session.scalars(select(Order)))
            for index, amount in enumerate(refunds):
                if not paid:
                    break
                try:
                    await orders.refund(
                        world.sessions,
                        world.provider,
                        world.publish,
                        user=world.partner,
                        order_id=paid[index % len(paid)].id,
                        amount=f"{amount / 100:.2f}",
                        reason="test",
                        now=END,
                    )
                except HearthError:
                    pass
            async with world.sessions() as session:
                assert not any((await books.trial_balance(session)).values())
                for order in await session.scalars(select(Order)):
                    assert 0 <= order.refunded <= order.amount
        finally:
            await engine.dispose()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


async def _check_tiers(sessions: object, campaign_id: str) -> None:
    async with sessions() as session:  # type: ignore[operator]
        for tier in await session.scalars(
            select(CampaignTier).where(CampaignTier.campaign_id == campaign_id)
        ):
            counted = (
                await session.execute(
                    select(
                        func.coalesce(func.sum(Pledge.quantity), 0),
                        func.coalesce(func.sum(Pledge.amount), 0),
                        func.count(),
                    ).where(Pledge.tier_id == tier.id, Pledge.holder.is_not(None))
                )
            ).one()
            assert (tier.sold, tier.pledged, tier.pledges) == tuple(counted)
            assert tier.limit is None or 0 <= tier.sold <= tier.limit
