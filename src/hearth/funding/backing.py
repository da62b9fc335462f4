"""A backer manages their pledges: each one in full, its address and card, and saved cards.

Every query names the backer: someone else's pledge, card or address answers ``NotFound``
like a missing one. What may change when is decided by ``pledge_rules`` (pure); the
changes themselves are conditional updates on the state that was read, so a change
racing the deadline worker (a charge, a drop) or a tracking import (a shipment) either
happens before it or is refused, never half-applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts import addresses
from hearth.accounts.models import ShippingAddress, User
from hearth.errors import Conflict, InvalidInput, NotFound
from hearth.funding import pledge_rules
from hearth.funding.models import BackerCard, Campaign, CampaignTier, Order, Pledge
from hearth.funding.pledge_rules import OPEN_PLEDGES, Standing
from hearth.funding.pledges import check_shipping, own_card
from hearth.funding.receipts import Receipt, receipts_of_pledge
from hearth.funding.rules import CampaignState, OrderStatus, PledgeState, shipping_cost_of
from hearth.mall.models import Partner


@dataclass(frozen=True)
class PledgeView:
    """A pledge with everything its page shows."""

    pledge: Pledge
    campaign: Campaign
    tier: CampaignTier
    partner: Partner
    card: BackerCard
    order: Order | None
    receipts: list[Receipt] = field(default_factory=list)

    @property
    def standing(self) -> Standing:
        return Standing(
            PledgeState(self.pledge.state),
            CampaignState(self.campaign.state),
            self.pledge.retry_until,
            OrderStatus(self.order.status) if self.order is not None else None,
        )


def _views_query() -> Any:
    return (
        select(Pledge, Campaign, CampaignTier, Partner, BackerCard, Order)
        .join(Campaign, Campaign.id == Pledge.campaign_id)
        .join(CampaignTier, CampaignTier.id == Pledge.tier_id)
        .join(Partner, Partner.id == Campaign.partner_id)
        .join(BackerCard, BackerCard.id == Pledge.card_id)
        .outerjoin(Order, Order.pledge_id == Pledge.id)
    )


async def pledge_views(session: AsyncSession, *, user: User) -> list[PledgeView]:
    """Return the backer's pledges, newest first (without their receipts)."""
    rows = await session.execute(
        _views_query()
        .where(Pledge.backer_id == user.id)
        .order_by(Pledge.created_at.desc(), Pledge.id.desc())
    )
    return [PledgeView(*row) for row in rows]


async def pledge_view(session: AsyncSession, *, user: User, pledge_id: str) -> PledgeView:
    """Return one of the backer's pledges in full, with its receipts, or raise ``NotFound``."""
    row = (
        await session.execute(
            _views_query()
            .where(Pledge.id == pledge_id, Pledge.backer_id == user.id)
            # Read afresh: a change just made by a conditional update is what is shown.
            .execution_options(populate_existing=True)
        )
    ).first()
    if row is None:
        raise NotFound("No such pledge among yours.")
    pledge, campaign, tier, partner, card, order = row
    found = await receipts_of_pledge(session, user=user, pledge_id=pledge.id)
    return PledgeView(pledge, campaign, tier, partner, card, order, found)


def shipping_of(row: ShippingAddress) -> dict[str, Any]:
    """Turn a saved address into a pledge's shipping address (a region goes with the city)."""
    city = f"{row.city}, {row.region}" if row.region else row.city
    return {
        "name": row.name,
        "line1": row.line1,
        "line2": row.line2,
        "city": city if len(city) <= 60 else row.city,
        "postal_code": row.postal_code,
        "country": row.country,
        "phone": row.phone,
    }


async def change_address(
    session: AsyncSession,
    *,
    user: User,
    pledge_id: str,
    now: datetime,
    shipping: dict[str, Any] | None = None,
    address_id: str | None = None,
) -> PledgeView:
    """Ship a pledge's reward elsewhere: a typed address or one of the backer's saved ones.

    A paid pledge's order changes with it, only while the order is still paid (not shipped):
    a tracking import that got there first wins, and the change is refused."""
    if (shipping is None) == (address_id is None):
        raise InvalidInput.fields(
            [{"field": "address", "message": "pick a saved address or type one, not both"}]
        )
    if address_id is not None:
        saved = await addresses.own_address(session, user=user, address_id=address_id)
        shipping = shipping_of(saved)
    assert shipping is not None
    clean = check_shipping(shipping)
    view = await pledge_view(session, user=user, pledge_id=pledge_id)
    pledge_rules.check_address_change(view.standing, now)
    # Shipping is quoted again for the new country (refused by name where the campaign does
    # not ship); once the reward is paid for, only a country costing the same may be chosen.
    cost = shipping_cost_of(view.campaign.shipping_rates or {}, clean["country"])
    if view.order is not None and cost != view.pledge.shipping_cost:
        raise InvalidInput.fields(
            [
                {
                    "field": "country",
                    "message": "the reward is paid for, so it can only be sent to a country "
                    "whose shipping costs the same",
                }
            ]
        )
    if view.order is not None:
        moved = await session.execute(
            update(Order)
            .where(Order.id == view.order.id, Order.status == OrderStatus.PAID.value)
            .values(shipping=clean)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("The reward has just shipped, so its address can no longer change.")
    moved = await session.execute(
        update(Pledge)
        .where(Pledge.id == view.pledge.id, Pledge.state == view.pledge.state)
        .values(shipping=clean, shipping_cost=cost, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("The pledge changed meanwhile; look at it again.")
    return await pledge_view(session, user=user, pledge_id=pledge_id)


async def change_card(
    session: AsyncSession, *, user: User, pledge_id: str, card_id: str, now: datetime
) -> PledgeView:
    """Pay a pledge with another of the backer's saved cards, while it is not charged yet
    (or its failed charge may still be fixed)."""
    card = await own_card(session, user_id=user.id, card_id=card_id)
    view = await pledge_view(session, user=user, pledge_id=pledge_id)
    pledge_rules.check_card_change(view.standing, now)
    conditions: list[Any] = [Pledge.id == view.pledge.id, Pledge.state == view.pledge.state]
    if view.pledge.state == PledgeState.ACTIVE:
        # A worker charging it holds its lease: the charge uses the card it read.
        conditions.append(or_(Pledge.lease_until.is_(None), Pledge.lease_until < now))
    else:
        conditions += [Pledge.attempt == view.pledge.attempt, Pledge.retry_until > now]
    moved = await session.execute(
        update(Pledge)
        .where(*conditions)
        .values(card_id=card.id, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("The pledge is being charged right now; look at it again in a minute.")
    return await pledge_view(session, user=user, pledge_id=pledge_id)


async def remove_card(session: AsyncSession, *, user: User, card_id: str, now: datetime) -> None:
    """Stop offering a saved card; refused while an open pledge would be charged with it."""
    card = await own_card(session, user_id=user.id, card_id=card_id)
    users = await session.execute(
        select(Pledge.id, Pledge.state, Pledge.retry_until, Campaign.title)
        .join(Campaign, Campaign.id == Pledge.campaign_id)
        .where(
            Pledge.card_id == card.id,
            Pledge.state.in_([s.value for s in OPEN_PLEDGES]),
        )
        .order_by(Pledge.created_at)
    )
    for pledge_id, state, retry_until, title in users:
        if state == PledgeState.ACTIVE or (retry_until is not None and now < retry_until):
            raise pledge_rules.card_in_use(title, pledge_id)
    card.removed_at = now
    await session.flush()


async def card_uses(
    session: AsyncSession, *, user: User, now: datetime | None
) -> dict[str, list[tuple[str, str]]]:
    """Return, by card id, the open pledges each of the backer's cards would be charged
    for, as (pledge id, campaign title); a failed one only while its window is open (at
    ``now``, when given)."""
    rows = await session.execute(
        select(Pledge.card_id, Pledge.id, Pledge.state, Pledge.retry_until, Campaign.title)
        .join(Campaign, Campaign.id == Pledge.campaign_id)
        .where(
            Pledge.backer_id == user.id,
            Pledge.state.in_([s.value for s in OPEN_PLEDGES]),
        )
        .order_by(Pledge.created_at)
    )
    found: dict[str, list[tuple[str, str]]] = {}
    for card_id, pledge_id, state, retry_until, title in rows:
        if state == PledgeState.PAYMENT_FAILED and (
            retry_until is None or (now is not None and now >= retry_until)
        ):
            continue
        found.setdefault(card_id, []).append((pledge_id, title))
    return found
