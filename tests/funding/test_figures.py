"""Money told straight: a funded campaign where one charge failed, one order was refunded in
part and one backer cancelled; its figures against a count made here, row by row."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hearth.bootstrap import Hearth
from hearth.funding import campaigns, launches, orders, outcome, pledges
from hearth.funding.figures import campaign_figures
from hearth.funding.models import Campaign, CampaignTier, Order, Pledge
from hearth.funding.rules import CampaignState
from hearth.funding.schemas import CampaignIn, CampaignOut, CampaignShippingIn
from hearth.kit.money import Money
from hearth.payments.ledger import commission_on, kept_commission
from tests.funding.world import ADDRESS, DECLINES, T0, make_world, request

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


async def test_a_funded_campaigns_raised_leaves_out_dropped_pledges_and_refunds_wherever_shown(
    hearth: Hearth,
) -> None:
    world = await make_world(hearth.sessions)
    campaign = await world.campaign(goal="100.00", publish=False)
    async with world.unit() as session:
        shipping = [CampaignShippingIn(country=ADDRESS["country"], cost="20.00")]
        await campaigns.update_campaign(
            session,
            user=world.partner,
            campaign_id=campaign.id,
            draft=CampaignIn(shipping=shipping),
            now=T0,
        )
        await launches.launch(
            session, partner=world.partner, reviewer=world.reviewer, campaign_id=campaign.id, now=T0
        )
    backers = [
        await world.fan("mia"),
        await world.fan("ben"),
        await world.fan("kai", card=DECLINES),
    ]
    async with world.sessions() as session:
        tier = await session.scalar(
            select(CampaignTier)
            .where(CampaignTier.campaign_id == campaign.id)
            .order_by(CampaignTier.position)
        )
    assert tier is not None
    for n, (user, card) in enumerate(backers):
        async with world.unit() as session:
            await pledges.place_pledge(
                session, user=user, request=request(campaign, tier.id, card, f"r{n}"), now=T0
            )
    await outcome.settle(world.sessions, world.provider, world.publish, now=END, commission_bp=RATE)
    async with world.sessions() as session:
        ordered = {
            o.pledge_id: o
            for o in await session.scalars(select(Order).where(Order.campaign_id == campaign.id))
        }
        by_backer = {
            p.backer_id: p
            for p in await session.scalars(select(Pledge).where(Pledge.campaign_id == campaign.id))
        }
    mia_order = ordered[by_backer[backers[0][0].id].id]
    ben_order = ordered[by_backer[backers[1][0].id].id]
    for order, amount in ((mia_order, None), (ben_order, "50.00")):
        await orders.refund(
            world.sessions,
            world.provider,
            world.publish,
            user=world.partner,
            order_id=order.id,
            amount=amount,
            reason="returned",
            now=END + timedelta(days=1),
        )
    # Kai's retry window passes: the pledge is dropped.
    await outcome.settle(
        world.sessions,
        world.provider,
        world.publish,
        now=END + timedelta(days=4),
        commission_bp=RATE,
    )

    price = by_backer[backers[0][0].id].amount
    async with world.sessions() as session:
        found = await session.get(Campaign, campaign.id)
        assert found is not None
        figures = (await campaign_figures(session, [found], books=False))[campaign.id]
        shown = await campaigns.view(session, user=None, campaign_id=campaign.id)
        stored = await session.scalar(
            select(Pledge.state).where(Pledge.backer_id == backers[2][0].id)
        )
    assert stored == "dropped"
    assert (figures.pledged, figures.backers) == (3 * price, 3)
    assert mia_order.amount == price + 2000  # the reward and its shipping
    # Mia's order came back in full (shipping too: no more than her pledge comes off), Ben's
    # in part, Kai's never was: one backer and half a reward stand.
    assert figures.raised == price - 5000 and figures.standing == 1
    assert (shown.progress.raised, shown.progress.backers) == (price - 5000, 1)
    told = CampaignOut.of(shown, END + timedelta(days=4))
    assert told.raised.amount == price - 5000 and "less refunds" in told.raised_counts
    async with world.sessions() as session:
        listed = await campaigns.list_campaigns(
            session, now=END, states=[CampaignState(found.state)]
        )
    assert [v.progress.raised for v in listed] == [price - 5000]


async def test_a_failed_campaign_still_tells_what_was_pledged_and_that_nothing_was_collected(
    hearth: Hearth,
) -> None:
    world = await make_world(hearth.sessions)
    campaign = await world.campaign(goal="5000.00")
    for n, name in enumerate(("mia", "ben")):
        user, card = await world.fan(name)
        async with world.unit() as session:
            tier = await session.scalar(
                select(CampaignTier.id).where(
                    CampaignTier.campaign_id == campaign.id, CampaignTier.position == 1
                )
            )
            assert tier is not None
            await pledges.place_pledge(
                session, user=user, request=request(campaign, tier, card, f"f{n}"), now=T0
            )
    await outcome.settle(world.sessions, world.provider, world.publish, now=END, commission_bp=RATE)
    async with world.sessions() as session:
        found = await session.get(Campaign, campaign.id)
        assert found is not None and found.state == "failed"
        figures = (await campaign_figures(session, [found]))[campaign.id]
        shown = await campaigns.view(session, user=None, campaign_id=campaign.id)
        states = set(
            await session.scalars(select(Pledge.state).where(Pledge.campaign_id == campaign.id))
        )
    assert states == {"released"}
    assert (figures.pledged, figures.backers) == (2 * 24900, 2)
    assert (figures.collected, figures.failed, figures.payable) == (0, 0, 0)
    assert (shown.progress.raised, shown.progress.backers) == (2 * 24900, 2)
    assert "nothing was charged" in CampaignOut.of(shown, END).raised_counts
