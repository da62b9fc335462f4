"""Receipts: one for every charge of a pledge and one for every refund of its order.

A receipt is read from what the money left behind, never written apart from it: the order
a charge made (its amount, the provider's payment id, when) and each refund the provider
did (``order_refunds`` in state ``done``, with the provider's refund id), with the card
that paid (a removed card keeps its row, so its brand and last four still show), the
partner's store and the campaign and tier. So every charge and refund has its receipt,
old ones included, and a receipt can never disagree with the books.

A receipt's id is the id of what it is for: the order's for its charge (``ord_…``), the
refund's for a refund (``orf_…``). Receipts are their backer's alone; anyone else's answer
``NotFound`` like a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.errors import NotFound
from hearth.funding.models import (
    BackerCard,
    Campaign,
    CampaignTier,
    Order,
    OrderRefund,
    Pledge,
)
from hearth.kit.money import Money
from hearth.mall.models import Partner

ReceiptKind = Literal["charge", "refund"]


@dataclass(frozen=True)
class Receipt:
    """What a receipt says: who paid whom, for what, how much, with which card, when."""

    id: str
    kind: ReceiptKind
    order_id: str
    pledge_id: str
    payer: str
    partner_name: str
    store_slug: str
    campaign_id: str
    campaign_title: str
    tier_title: str
    quantity: int
    amount: Money
    card_brand: str
    card_last4: str
    reference: str  # the provider's payment id, or its refund id
    at: datetime
    reason: str = ""  # why a refund was made, as the partner said

    @property
    def title(self) -> str:
        return "Payment receipt" if self.kind == "charge" else "Refund receipt"


def _base() -> Any:
    return (
        select(Order, Pledge, BackerCard, Campaign.title, CampaignTier.title, Partner)
        .join(Pledge, Pledge.id == Order.pledge_id)
        .join(BackerCard, BackerCard.id == Pledge.card_id)
        .join(Campaign, Campaign.id == Order.campaign_id)
        .join(CampaignTier, CampaignTier.id == Order.tier_id)
        .join(Partner, Partner.id == Order.partner_id)
    )


def _receipts(user: User, row: Any, refunds: list[OrderRefund]) -> list[Receipt]:
    order, pledge, card, campaign_title, tier_title, partner = row
    common = {
        "order_id": order.id,
        "pledge_id": pledge.id,
        "payer": user.display_name or user.username,
        "partner_name": partner.name,
        "store_slug": partner.slug,
        "campaign_id": order.campaign_id,
        "campaign_title": campaign_title,
        "tier_title": tier_title,
        "quantity": order.quantity,
        "card_brand": card.brand,
        "card_last4": card.last4,
    }
    found = [
        Receipt(
            id=order.id,
            kind="charge",
            amount=Money(order.amount, order.currency),
            reference=order.payment_id,
            at=order.created_at,
            **common,
        )
    ]
    found += [
        Receipt(
            id=refund.id,
            kind="refund",
            amount=Money(refund.amount, order.currency),
            reference=refund.provider_refund_id or "",
            at=refund.created_at,
            reason=refund.reason,
            **common,
        )
        for refund in refunds
    ]
    return found


async def _gather(session: AsyncSession, user: User, query: Any) -> list[Receipt]:
    rows = list(await session.execute(query.where(Order.backer_id == user.id)))
    order_ids = [row[0].id for row in rows]
    refunds: dict[str, list[OrderRefund]] = {}
    if order_ids:
        done = await session.scalars(
            select(OrderRefund)
            .where(OrderRefund.order_id.in_(order_ids), OrderRefund.state == "done")
            .order_by(OrderRefund.created_at, OrderRefund.id)
        )
        for refund in done:
            refunds.setdefault(refund.order_id, []).append(refund)
    found = [r for row in rows for r in _receipts(user, row, refunds.get(row[0].id, []))]
    return sorted(found, key=lambda r: (r.at, r.id), reverse=True)


async def receipts(
    session: AsyncSession, *, user: User, order_id: str | None = None
) -> list[Receipt]:
    """Return the backer's receipts (of one order, if named), newest first."""
    query = _base()
    if order_id is not None:
        query = query.where(Order.id == order_id)
    return await _gather(session, user, query)


async def receipts_of_pledge(session: AsyncSession, *, user: User, pledge_id: str) -> list[Receipt]:
    """Return the receipts of one of the backer's pledges, newest first."""
    return await _gather(session, user, _base().where(Order.pledge_id == pledge_id))


async def receipt(session: AsyncSession, *, user: User, receipt_id: str) -> Receipt:
    """Return one of the backer's receipts, or raise ``NotFound``."""
    order_id = receipt_id
    if receipt_id.startswith("orf_"):
        refund = await session.get(OrderRefund, receipt_id)
        order_id = refund.order_id if refund is not None and refund.state == "done" else ""
    for found in await receipts(session, user=user, order_id=order_id) if order_id else []:
        if found.id == receipt_id:
            return found
    raise NotFound("No such receipt among yours.")
