"""Pledge services: save a card, pledge to a tier, change or cancel while the campaign is live.

A pledge saves the backer's card with the provider and takes units from the tier; no money
moves until the campaign ends funded (``hearth.funding.outcome``). Units are taken with one
conditional ``UPDATE`` on the tier row (``sold + n <= limit``), so a limited tier cannot be
oversold by any number of concurrent workers; a backer has at most one counted pledge per
campaign (a unique key), and a pledge sent again with the same idempotency key returns the
first one instead of pledging twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db
from hearth.accounts.models import User
from hearth.errors import Conflict, IdempotencyKeyReused, InvalidInput, NotFound
from hearth.funding import events
from hearth.funding.models import BackerCard, Campaign, CampaignTier, Pledge
from hearth.funding.rules import (
    UNLAUNCHED,
    CampaignState,
    PledgeState,
    Progress,
    Tier,
    Window,
    check_lowering,
    check_pledging_open,
    check_quantity,
    shipping_cost_of,
)
from hearth.funding.schemas import PledgeShippingIn, parse
from hearth.outbox import record
from hearth.payments.provider import PaymentProvider


@dataclass(frozen=True)
class PledgeRequest:
    campaign_id: str
    tier_id: str
    quantity: int
    card_id: str
    shipping: dict[str, Any]
    idempotency_key: str


async def save_card(
    sessions: async_sessionmaker[AsyncSession],
    provider: PaymentProvider,
    *,
    user_id: str,
    token: str,
    idempotency_key: str,
    now: datetime,
) -> BackerCard:
    """Check and save a card with the provider (the backer is present), then remember it."""
    if not 1 <= len(idempotency_key) <= 120:
        raise InvalidInput.fields([{"field": "idempotency_key", "message": "1-120 characters"}])
    # The provider's own idempotency keeps one customer per user, whichever worker asks.
    customer = await provider.create_customer(
        reference=user_id, idempotency_key=f"customer:{user_id}"
    )
    method = await provider.save_payment_method(
        customer_id=customer.id, token=token, idempotency_key=f"card:{user_id}:{idempotency_key}"
    )
    async with db.transaction(sessions) as session:
        existing = await session.scalar(
            select(BackerCard).where(
                BackerCard.user_id == user_id, BackerCard.method_id == method.id
            )
        )
        if existing is not None:
            existing.removed_at = None  # saved again: offered again
            return existing
        card = BackerCard(
            user_id=user_id,
            provider=provider.name,
            customer_id=customer.id,
            method_id=method.id,
            brand=method.brand,
            last4=method.last4,
            exp_month=method.exp_month,
            exp_year=method.exp_year,
            created_at=now,
        )
        session.add(card)
    return card


async def cards(session: AsyncSession, *, user: User) -> list[BackerCard]:
    """Return the user's saved cards (not the removed ones), newest first."""
    query = select(BackerCard).where(BackerCard.user_id == user.id, BackerCard.removed_at.is_(None))
    return list(await session.scalars(query.order_by(BackerCard.created_at.desc())))


async def own_card(session: AsyncSession, *, user_id: str, card_id: str) -> BackerCard:
    """Return one of the user's saved cards, or raise ``NotFound`` (a removed card too)."""
    card = await session.get(BackerCard, card_id)
    if card is None or card.user_id != user_id or card.removed_at is not None:
        raise NotFound("No such card among yours.")
    return card


def check_shipping(shipping: dict[str, Any]) -> dict[str, str]:
    """Return a clean shipping address or raise naming every bad field."""
    return parse(PledgeShippingIn, shipping, where="shipping").model_dump()


def tier_of(row: CampaignTier) -> Tier:
    return Tier(row.id, row.price, row.limit, row.sold, row.per_backer, row.closes_at)


async def window_of(session: AsyncSession, campaign: Campaign) -> Window:
    raised = await session.scalar(
        select(func.coalesce(func.sum(CampaignTier.pledged), 0)).where(
            CampaignTier.campaign_id == campaign.id
        )
    )
    return Window(
        CampaignState(campaign.state),
        campaign.starts_at,
        campaign.ends_at,
        campaign.goal,
        int(raised or 0),
    )


async def replay(session: AsyncSession, *, user: User, request: PledgeRequest) -> Pledge | None:
    """Return the pledge an earlier request with this key made, if any; refuse a changed one."""
    earlier = await session.scalar(
        select(Pledge).where(
            Pledge.backer_id == user.id, Pledge.idempotency_key == request.idempotency_key
        )
    )
    if earlier is None:
        return None
    same = (earlier.campaign_id, earlier.tier_id, earlier.card_id) == (
        request.campaign_id,
        request.tier_id,
        request.card_id,
    )
    if not same:
        raise IdempotencyKeyReused(request.idempotency_key)
    return earlier


async def prepare(
    session: AsyncSession, *, user: User, request: PledgeRequest, now: datetime
) -> tuple[Campaign, CampaignTier, dict[str, str]]:
    """Check everything about a new pledge that does not need the tier's lock."""
    if not 1 <= len(request.idempotency_key) <= 200:
        raise InvalidInput.fields([{"field": "idempotency_key", "message": "1-200 characters"}])
    shipping = check_shipping(request.shipping)
    campaign = await session.get(Campaign, request.campaign_id)
    if campaign is None or campaign.state in UNLAUNCHED:
        raise NotFound("no such campaign")
    check_pledging_open(
        Window(CampaignState(campaign.state), campaign.starts_at, campaign.ends_at, 0, 0), now
    )
    tier = await session.get(CampaignTier, request.tier_id)
    if tier is None or tier.campaign_id != campaign.id:
        raise NotFound("no such tier in this campaign")
    check_quantity(tier_of(tier), request.quantity)
    await own_card(session, user_id=user.id, card_id=request.card_id)
    holding = await session.scalar(
        select(Pledge.id).where(Pledge.campaign_id == campaign.id, Pledge.holder == user.id)
    )
    if holding is not None:
        raise Conflict(f"you already back this campaign (pledge {holding}); change that pledge")
    return campaign, tier, shipping


def take_statement(tier_id: str, quantity: int, amount: int, pledges: int, now: datetime) -> Any:
    """The conditional update that takes units from a tier only if they are there."""
    conditions: list[Any] = [CampaignTier.id == tier_id]
    if quantity > 0:
        conditions += [
            or_(CampaignTier.limit.is_(None), CampaignTier.sold + quantity <= CampaignTier.limit),
            or_(CampaignTier.closes_at.is_(None), CampaignTier.closes_at > now),
        ]
    return (
        update(CampaignTier)
        .where(*conditions)
        .values(
            sold=CampaignTier.sold + quantity,
            pledged=CampaignTier.pledged + amount,
            pledges=CampaignTier.pledges + pledges,
        )
        .execution_options(synchronize_session=False)
    )


async def take_units(
    session: AsyncSession,
    *,
    tier: CampaignTier,
    quantity: int,
    amount: int,
    pledges: int,
    now: datetime,
) -> None:
    """Take (or give back, when negative) units of a tier; refuse what is not there."""
    result = await session.execute(take_statement(tier.id, quantity, amount, pledges, now))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await session.refresh(tier)
        left = tier_of(tier).remaining()
        if tier.closes_at is not None and now >= tier.closes_at:
            raise Conflict(f"the tier {tier.title!r} closed on {tier.closes_at:%Y-%m-%d}")
        raise Conflict(
            f"only {left} of {tier.title!r} left" if left else f"{tier.title!r} is sold out",
            detail=[{"field": "quantity", "message": f"{left or 0} left"}],
        )


async def place_pledge(
    session: AsyncSession, *, user: User, request: PledgeRequest, now: datetime
) -> tuple[Pledge, bool]:
    """Pledge to a tier; return the pledge and whether it is new (False: a replayed key)."""
    earlier = await replay(session, user=user, request=request)
    if earlier is not None:
        return earlier, False
    campaign, tier, shipping = await prepare(session, user=user, request=request, now=now)
    amount = tier.price * request.quantity  # counts towards the goal; shipping does not
    carriage = shipping_cost_of(campaign.shipping_rates or {}, shipping["country"])
    pledge = Pledge(
        campaign_id=campaign.id,
        tier_id=tier.id,
        backer_id=user.id,
        holder=user.id,
        quantity=request.quantity,
        amount=amount,
        currency=campaign.currency,
        state=PledgeState.ACTIVE.value,
        card_id=request.card_id,
        shipping=shipping,
        shipping_cost=carriage,
        idempotency_key=request.idempotency_key,
        attempt=1,
        created_at=now,
        updated_at=now,
    )
    session.add(pledge)
    try:
        await session.flush()
    except IntegrityError as err:
        raise Conflict("a pledge with this key or for this campaign was made meanwhile") from err
    # The hot row last, so its lock is held for the shortest time before commit.
    await take_units(
        session, tier=tier, quantity=request.quantity, amount=amount, pledges=1, now=now
    )
    await emit_progress(session, campaign_id=campaign.id)
    return pledge, True


async def emit_progress(session: AsyncSession, *, campaign_id: str) -> Progress:
    """Queue the campaign's new totals for live pages; return them."""
    rows = list(
        await session.execute(
            select(
                CampaignTier.id,
                CampaignTier.limit,
                CampaignTier.sold,
                CampaignTier.pledged,
                CampaignTier.pledges,
            ).where(CampaignTier.campaign_id == campaign_id)
        )
    )
    goal = await session.scalar(select(Campaign.goal).where(Campaign.id == campaign_id))
    progress = Progress(int(goal or 0), sum(r.pledged for r in rows), sum(r.pledges for r in rows))
    remaining = {r.id: (None if r.limit is None else max(0, r.limit - r.sold)) for r in rows}
    record(
        session,
        events.CampaignProgressed(
            campaign_id, progress.raised, progress.backers, progress.percent, remaining
        ),
    )
    return progress


async def own_pledge(session: AsyncSession, *, user: User, pledge_id: str) -> Pledge:
    """Return one of the user's pledges, or raise ``NotFound``."""
    pledge = await session.get(Pledge, pledge_id)
    if pledge is None or pledge.backer_id != user.id:
        raise NotFound("no such pledge")
    return pledge


async def change_pledge(
    session: AsyncSession,
    *,
    user: User,
    pledge_id: str,
    tier_id: str | None,
    quantity: int | None,
    now: datetime,
) -> Pledge:
    """Move a live pledge to another tier and/or quantity, within the deadline rules."""
    pledge = await own_pledge(session, user=user, pledge_id=pledge_id)
    if pledge.state != PledgeState.ACTIVE:
        raise Conflict(f"a {pledge.state} pledge cannot be changed")
    campaign = await session.get(Campaign, pledge.campaign_id)
    assert campaign is not None
    old_tier = await session.get(CampaignTier, pledge.tier_id)
    new_tier = await session.get(CampaignTier, tier_id or pledge.tier_id)
    assert old_tier is not None
    if new_tier is None or new_tier.campaign_id != campaign.id:
        raise NotFound("no such tier in this campaign")
    new_quantity = pledge.quantity if quantity is None else quantity
    check_quantity(tier_of(new_tier), new_quantity)
    new_amount = new_tier.price * new_quantity
    check_lowering(await window_of(session, campaign), now, decrease=pledge.amount - new_amount)
    if new_tier.id == old_tier.id:
        await take_units(
            session,
            tier=new_tier,
            quantity=new_quantity - pledge.quantity,
            amount=new_amount - pledge.amount,
            pledges=0,
            now=now,
        )
    else:
        # Two tier rows: always in id order, so two changes in opposite directions
        # cannot deadlock.
        moves = {
            old_tier.id: (old_tier, -pledge.quantity, -pledge.amount, -1),
            new_tier.id: (new_tier, new_quantity, new_amount, 1),
        }
        for key in sorted(moves):
            tier, units, money, count = moves[key]
            await take_units(
                session, tier=tier, quantity=units, amount=money, pledges=count, now=now
            )
    pledge.tier_id, pledge.quantity, pledge.amount = new_tier.id, new_quantity, new_amount
    pledge.updated_at = now
    await session.flush()
    await emit_progress(session, campaign_id=campaign.id)
    return pledge


async def cancel_pledge(
    session: AsyncSession, *, user: User, pledge_id: str, now: datetime
) -> Pledge:
    """Withdraw a live pledge, within the deadline rules; its units go back to the tier."""
    pledge = await own_pledge(session, user=user, pledge_id=pledge_id)
    if pledge.state != PledgeState.ACTIVE:
        raise Conflict(f"a {pledge.state} pledge cannot be cancelled")
    campaign = await session.get(Campaign, pledge.campaign_id)
    tier = await session.get(CampaignTier, pledge.tier_id)
    assert campaign is not None and tier is not None
    check_lowering(await window_of(session, campaign), now, decrease=pledge.amount)
    await take_units(
        session, tier=tier, quantity=-pledge.quantity, amount=-pledge.amount, pledges=-1, now=now
    )
    pledge.state, pledge.holder, pledge.updated_at = PledgeState.CANCELLED.value, None, now
    await session.flush()
    await emit_progress(session, campaign_id=campaign.id)
    return pledge


async def my_pledges(
    session: AsyncSession, *, user: User
) -> list[tuple[Pledge, Campaign, CampaignTier]]:
    """Return the user's pledges with their campaigns and tiers, newest first."""
    query = (
        select(Pledge, Campaign, CampaignTier)
        .join(Campaign, Campaign.id == Pledge.campaign_id)
        .join(CampaignTier, CampaignTier.id == Pledge.tier_id)
        .where(Pledge.backer_id == user.id)
        .order_by(Pledge.created_at.desc(), Pledge.id.desc())
    )
    return [(r[0], r[1], r[2]) for r in await session.execute(query)]


async def pledge_of(session: AsyncSession, *, user: User, campaign_id: str) -> Pledge | None:
    """Return the user's counted pledge in a campaign, if any."""
    query = select(Pledge).where(
        and_(Pledge.campaign_id == campaign_id, Pledge.backer_id == user.id)
    )
    found = list(await session.scalars(query.order_by(Pledge.created_at.desc())))
    return next((p for p in found if p.holder is not None), found[0] if found else None)
