"""How campaigns, pledges, orders and tickets look to clients (JSON) and pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hearth.funding.campaigns import CampaignView
from hearth.funding.models import (
    BackerCard,
    Campaign,
    CampaignTier,
    CampaignUpdate,
    Pledge,
    StoreListing,
    Ticket,
    TicketMessage,
)
from hearth.funding.orders import OrderLine
from hearth.funding.rules import time_left
from hearth.kit.money import Money


def money(amount: int, currency: str) -> dict[str, Any]:
    return Money(amount, currency).to_dict()


def tier(row: CampaignTier, currency: str, now: datetime) -> dict[str, Any]:
    remaining = None if row.limit is None else max(0, row.limit - row.sold)
    closed = (row.closes_at is not None and now >= row.closes_at) or remaining == 0
    return {
        "id": row.id,
        "title": row.title,
        "description": row.description,
        "price": money(row.price, currency),
        "retail_price": money(row.retail_price, currency),
        "limit": row.limit,
        "remaining": remaining,
        "per_backer": row.per_backer,
        "closes_at": row.closes_at,
        "early_bird": row.closes_at is not None or row.limit is not None,
        "open": not closed,
        "backers": row.pledges,
    }


def campaign(view: CampaignView, now: datetime) -> dict[str, Any]:
    c, p = view.campaign, view.progress
    return {
        "id": c.id,
        "product_id": c.product_id,
        "partner": {"id": view.partner.id, "name": view.partner.name, "slug": view.partner.slug},
        "title": c.title,
        "summary": c.summary,
        "description": c.description,
        "images": c.images,
        "state": c.state,
        "goal": money(c.goal, c.currency),
        "raised": money(p.raised, c.currency),
        "backers": p.backers,
        "percent": p.percent,
        "starts_at": c.starts_at,
        "ends_at": c.ends_at,
        "time_left": time_left(c.ends_at, now) if now >= c.starts_at else "not started",
        "delivery_date": c.delivery_date.date().isoformat(),
        "tiers": [tier(t, c.currency, now) for t in view.tiers],
    }


def update(row: CampaignUpdate) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "body": row.body,
        "backers_only": row.backers_only,
        "created_at": row.created_at,
    }


def card(row: BackerCard) -> dict[str, Any]:
    return {
        "id": row.id,
        "brand": row.brand,
        "last4": row.last4,
        "exp_month": row.exp_month,
        "exp_year": row.exp_year,
    }


def pledge(row: Pledge, campaign_row: Campaign | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": row.id,
        "campaign_id": row.campaign_id,
        "tier_id": row.tier_id,
        "quantity": row.quantity,
        "amount": money(row.amount, row.currency),
        "state": row.state,
        "card_id": row.card_id,
        "shipping": row.shipping,
        "failure": row.failure,
        "retry_until": row.retry_until,
        "created_at": row.created_at,
    }
    if campaign_row is not None:
        body["campaign_title"] = campaign_row.title
    return body


def order(line: OrderLine) -> dict[str, Any]:
    o = line.order
    return {
        "id": o.id,
        "pledge_id": o.pledge_id,
        "campaign_id": o.campaign_id,
        "campaign_title": line.campaign_title,
        "tier_title": line.tier_title,
        "quantity": o.quantity,
        "amount": money(o.amount, o.currency),
        "refunded": money(o.refunded, o.currency),
        "status": o.status,
        "carrier": o.carrier,
        "tracking_number": o.tracking_number,
        "shipping": o.shipping,
        "created_at": o.created_at,
    }


def ticket(row: Ticket, messages: list[TicketMessage] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": row.id,
        "order_id": row.order_id,
        "subject": row.subject,
        "status": row.status,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }
    if messages is not None:
        body["messages"] = [
            {"id": m.id, "from_partner": m.from_partner, "body": m.body, "at": m.at}
            for m in messages
        ]
    return body


def listing(row: StoreListing, name: str) -> dict[str, Any]:
    """A graduated product on regular sale in its partner's store."""
    return {
        "id": row.id,
        "product_id": row.product_id,
        "campaign_id": row.campaign_id,
        "name": name,
        "price": money(row.price, row.currency),
        "stock": row.stock,
    }
