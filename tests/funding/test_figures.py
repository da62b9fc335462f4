"""Money told straight: a funded campaign where one charge failed, one order was refunded in
part and one backer cancelled; its figures against a count made here, row by row."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hearth.bootstrap import Hearth
from hearth.funding import orders, outcome, pledges
from hearth.funding.figures import campaign_figures
from hearth.funding.models import Campaign, CampaignTier, Order, Pledge
from hearth.kit.money import Money
from hearth.payments.ledger import commission_on, kept_commission
from tests.funding.world import DECLINES, T0, make_world, request

END = T0 + timedelta(days=10)
RATE = 500  # basis points


async def test_pledged_collected_failed_refunded_and_payable_are_told_apart(
    hearth: Hearth,
) -> None:
    world = await make_world(hearth.sessions)
    campaign = await world.campaign(goal="100.00")
    backers = [
        await world.fan("mia"),
        await world.fan("ben"),
        await world.fan("kai", card=DECLINES),
        await world.fan("zoe"),
    ]
    async with world.sessions() as session:
        tiers = list(
            await session.scalars(
                select(CampaignTier)
                .where(CampaignTier.campaign_id == campaign.id)
                .order_by(CampaignTier.position)
            )
        )
    for n, (user, card) in enumerate(backers):
        async with world.unit() as session:
            placed, _ = await pledges.place_pledge(
                session,
                user=user,
                request=request(campaign, tiers[n % 2].id, card, f"p{n}", quantity=1 + n % 2),
                now=T0,
            )
        if user.username == "zoe":  # withdrew while live: never counted
            async with world.unit() as session:
                await pledges.cancel_pledge(
                    session, user=user, pledge_id=placed.id, now=T0 + timedelta(hours=1)
                )
    await outcome.settle(world.sessions, world.provider, world.publish, now=END, commission_bp=RATE)
    async with world.sessions() as session:
        ben_order = await session.scalar(
            select(Order)
            .join(Pledge, Pledge.id == Order.pledge_id)
            .where(Pledge.backer_id == backers[1][0].id)
        )
    assert ben_order is not None
    await orders.refund(
        world.sessions,
        world.provider,
        world.publish,
        user=world.partner,
        order_id=ben_order.id,
        amount="100.00",
        reason="scratched",
        now=END + timedelta(days=1),
    )

    async with world.sessions() as session:
        found = await session.get(Campaign, campaign.id)
        assert found is not None
        figures = (await campaign_figures(session, [found]))[campaign.id]
        every_pledge = list(
            await session.scalars(select(Pledge).where(Pledge.campaign_id == campaign.id))
        )
        every_order = list(
            await session.scalars(select(Order).where(Order.campaign_id == campaign.id))
        )

    # The count made here: each pledge and order looked at one by one.
    counted = [p for p in every_pledge if p.state != "cancelled"]
    failed = [p for p in every_pledge if p.state in ("payment_failed", "dropped")]
    assert len(counted) == 3 and len(failed) == 1 and len(every_order) == 2
    assert figures.pledged == sum(p.amount for p in counted) == 19900 + 2 * 24900 + 19900
    assert figures.backers == 3
    assert figures.collected == sum(o.amount for o in every_order) == 19900 + 2 * 24900
    assert figures.failed == failed[0].amount == 19900 and figures.failures == 1
    assert figures.retrying == 1  # still inside its retry window
    assert figures.refunded == 10000
    commission = payable = 0
    for order in every_order:
        captured = Money(order.amount, "CNY")
        taken = commission_on(captured, RATE)
        kept = kept_commission(captured, taken, Money(order.refunded, "CNY"))
        commission += kept.amount
        payable += order.amount - order.refunded - kept.amount
    assert (figures.commission, figures.payable) == (commission, payable)
    assert figures.collected - figures.refunded == figures.commission + figures.payable
