"""Receipts: one for every charge of an order and one for every refund of it, whichever
channel the order came through (a funded pledge, or a store's regular sale).

A receipt is read from what the money left behind, never written apart from it: the order
a charge made (its amount, the provider's payment id, when, the card that paid) and each
refund the provider did (``order_refunds`` in state ``done``, with the provider's refund
id), with the order's lines (``order_items``: a tier's reward, or a product's variant),
the partner's store and, for a pledge, its campaign and tier. A removed card keeps its
row, so its brand and last four still show. So every charge and refund has its receipt,
old ones included, and a receipt can never disagree with the books.

A receipt's id is the id of what it is for: the order's for its charge (``ord_…``), the
refund's for a refund (``orf_…``). Receipts are their buyer's alone: anyone else's, the
selling partner's members included, answer ``NotFound`` like a missing one.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    OrderItem,
    OrderRefund,
)
from hearth.funding.rules import Channel
from hearth.kit.money import Money
from hearth.mall.models import Partner

ReceiptKind = Literal["charge", "refund"]


@dataclass(frozen=True)
class ReceiptLine:
    """One thing a receipt is for: a reward or a product, how many, what it cost."""

    title: str
    variant: str
    quantity: int
    amount: Money

    @property
    def text(self) -> str:
        """Say the line in a few words ("2 × Lumi Lamp (Red)")."""
        return f"{self.quantity} × {self.title}" + (f" ({self.variant})" if self.variant else "")


@dataclass(frozen=True)
class Receipt:
    """What a receipt says: who paid whom, for what, how much, with which card, when."""

    id: str
    kind: ReceiptKind
    channel: Channel
    order_id: str
    pledge_id: str | None  # crowdfunding only
    payer: str
    partner_name: str
    store_slug: str
    campaign_id: str | None  # crowdfunding only
    campaign_title: str  # "" for a store order
    tier_title: str  # "" for a store order
    quantity: int
    lines: tuple[ReceiptLine, ...]
    shipping: Money  # what the charge took for shipping, beyond its lines
    amount: Money
    card_brand: str  # "" where the order never named its card
    card_last4: str
    reference: str  # the provider's payment id, or its refund id
    at: datetime
    reason: str = ""  # why a refund was made, as the partner said

    @property
    def title(self) -> str:
        return "Payment receipt" if self.kind == "charge" else "Refund receipt"

    @property
    def subject(self) -> str:
        """Return what the receipt is about: the campaign, or the store's order."""
        return self.campaign_title or f"Order from {self.partner_name}"

    @property
    def card(self) -> str:
        """Say which card paid ("Visa ending 4242"), or that the order does not say."""
        if not self.card_last4:
            return "the card that paid"
        return f"{self.card_brand.title()} ending {self.card_last4}"


def _base() -> Any:
    return (
        select(Order, BackerCard, Partner, Campaign.title, CampaignTier.title)
        .outerjoin(BackerCard, BackerCard.id == Order.card_id)
        .join(Partner, Partner.id == Order.partner_id)
        .outerjoin(Campaign, Campaign.id == Order.campaign_id)
        .outerjoin(CampaignTier, CampaignTier.id == Order.tier_id)
    )


def _lines(items: Sequence[OrderItem]) -> tuple[ReceiptLine, ...]:
    return tuple(
        ReceiptLine(i.title, i.variant, i.quantity, Money(i.amount, i.currency)) for i in items
    )


def _receipts(
    user: User, row: Any, items: Sequence[OrderItem], refunds: Sequence[OrderRefund]
) -> list[Receipt]:
    order, card, partner, campaign_title, tier_title = row
    lines = _lines(items)
    shipping = order.amount - sum(line.amount.amount for line in lines) if lines else 0
    common: dict[str, Any] = {
        "channel": Channel(order.channel),
        "order_id": order.id,
        "pledge_id": order.pledge_id,
        "payer": user.display_name or user.username,
        "partner_name": partner.name,
        "store_slug": partner.slug,
        "campaign_id": order.campaign_id,
        "campaign_title": campaign_title or "",
        "tier_title": tier_title or "",
        "quantity": order.quantity,
        "lines": lines,
        "shipping": Money(max(0, shipping), order.currency),
        "card_brand": card.brand if card is not None else "",
        "card_last4": card.last4 if card is not None else "",
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
    items: dict[str, list[OrderItem]] = {}
    refunds: dict[str, list[OrderRefund]] = {}
    for start in range(0, len(order_ids), 500):
        chunk = order_ids[start : start + 500]
        for item in await session.scalars(
            select(OrderItem)
            .where(OrderItem.order_id.in_(chunk))
            .order_by(OrderItem.order_id, OrderItem.id)
        ):
            items.setdefault(item.order_id, []).append(item)
        for refund in await session.scalars(
            select(OrderRefund)
            .where(OrderRefund.order_id.in_(chunk), OrderRefund.state == "done")
            .order_by(OrderRefund.created_at, OrderRefund.id)
        ):
            refunds.setdefault(refund.order_id, []).append(refund)
    found = [
        r
        for row in rows
        for r in _receipts(user, row, items.get(row[0].id, []), refunds.get(row[0].id, []))
    ]
    return sorted(found, key=lambda r: (r.at, r.id), reverse=True)


async def receipts(
    session: AsyncSession, *, user: User, order_id: str | None = None
) -> list[Receipt]:
    """Return the buyer's receipts of both channels (of one order, if named), newest first."""
    query = _base()
    if order_id is not None:
        query = query.where(Order.id == order_id)
    return await _gather(session, user, query)


async def receipts_of_order(session: AsyncSession, *, user: User, order_id: str) -> list[Receipt]:
    """Return the receipts of one of the buyer's orders, newest first, or raise
    ``NotFound`` if the order is not theirs."""
    found = await receipts(session, user=user, order_id=order_id)
    if not found:  # every order has its charge's receipt, so none means not theirs
        raise NotFound("No such order among yours.")
    return found


async def receipts_of_pledge(session: AsyncSession, *, user: User, pledge_id: str) -> list[Receipt]:
    """Return the receipts of one of the backer's pledges, newest first."""
    return await _gather(session, user, _base().where(Order.pledge_id == pledge_id))


async def receipt(session: AsyncSession, *, user: User, receipt_id: str) -> Receipt:
    """Return one of the buyer's receipts, or raise ``NotFound``."""
    order_id = receipt_id
    if receipt_id.startswith("orf_"):
        refund = await session.get(OrderRefund, receipt_id)
        order_id = refund.order_id if refund is not None and refund.state == "done" else ""
    for found in await receipts(session, user=user, order_id=order_id) if order_id else []:
        if found.id == receipt_id:
            return found
    raise NotFound("No such receipt among yours.")
