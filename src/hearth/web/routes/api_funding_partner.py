"""JSON API of the crowdfunding mall for partners (campaigns, orders, refunds, tickets)
and for the platform team (every campaign, cancel)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from hearth.accounts.models import User
from hearth.accounts.roles import Capability
from hearth.errors import InvalidInput
from hearth.funding import campaigns, orders, present, tickets
from hearth.funding.campaigns import CampaignDraft
from hearth.funding.rules import CampaignState
from hearth.web.deps import CurrentUser, HearthDep, SessionDep, requires
from hearth.web.routes.api_funding import ProviderDep

router = APIRouter(tags=["funding"])
Partner = Annotated[User, Depends(requires(Capability.PARTNER_CONSOLE))]
Reviewer = Annotated[User, Depends(requires(Capability.REVIEW))]
MAX_CSV = 5_000_000


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TierIn(Strict):
    title: str = Field(max_length=80)
    description: str = Field(default="", max_length=2000)
    price: str = Field(max_length=20, examples=["199.00"])
    retail_price: str = Field(max_length=20, examples=["299.00"])
    limit: int | None = Field(default=None, description="units on offer; null is unlimited")
    per_backer: int = 5
    closes_at: datetime | None = Field(default=None, description="early-bird tiers close then")


class CampaignIn(Strict):
    title: str | None = Field(default=None, max_length=120)
    summary: str | None = Field(default=None, max_length=280)
    description: str | None = Field(default=None, max_length=20_000)
    images: list[str] | None = None
    goal: str | None = Field(default=None, max_length=20, examples=["100000.00"])
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    delivery_date: datetime | None = None
    tiers: list[TierIn] | None = None

    def draft(self) -> CampaignDraft:
        values = self.model_dump(exclude={"tiers", "product_id"})
        tiers = None if self.tiers is None else [t.model_dump() for t in self.tiers]
        return CampaignDraft(**values, tiers=tiers)


class NewCampaignIn(CampaignIn):
    product_id: str = Field(max_length=32)


class ReasonIn(Strict):
    reason: str = Field(max_length=2000)


class UpdateIn(Strict):
    title: str = Field(max_length=160)
    body: str = Field(default="", max_length=20_000)
    backers_only: bool = False


class GraduateIn(Strict):
    price: str = Field(max_length=20)
    stock: int


class RefundIn(Strict):
    amount: str | None = Field(default=None, max_length=20, description="omit for all that is left")
    reason: str = Field(default="", max_length=200)


class TrackingIn(Strict):
    csv: str = Field(max_length=MAX_CSV)


@router.post("/partner/campaigns", status_code=status.HTTP_201_CREATED)
async def create_campaign(
    body: NewCampaignIn, session: SessionDep, hearth: HearthDep, user: Partner
) -> dict[str, Any]:
    """Draft a campaign for one of your approved products."""
    now = hearth.clock.now()
    made = await campaigns.create_campaign(
        session, user=user, product_id=body.product_id, draft=body.draft(), now=now
    )
    view = await campaigns.view(session, user=user, campaign_id=made.id)
    return present.campaign(view, now)


@router.get("/partner/campaigns")
async def partner_campaigns(
    session: SessionDep, hearth: HearthDep, user: Partner
) -> list[dict[str, Any]]:
    """List your partner's campaigns, drafts included."""
    now = hearth.clock.now()
    return [present.campaign(v, now) for v in await campaigns.partner_campaigns(session, user=user)]


@router.patch("/partner/campaigns/{campaign_id}")
async def update_campaign(
    campaign_id: str, body: CampaignIn, session: SessionDep, hearth: HearthDep, user: Partner
) -> dict[str, Any]:
    """Change a draft campaign."""
    now = hearth.clock.now()
    await campaigns.update_campaign(
        session, user=user, campaign_id=campaign_id, draft=body.draft(), now=now
    )
    return present.campaign(await campaigns.view(session, user=user, campaign_id=campaign_id), now)


@router.post("/partner/campaigns/{campaign_id}/publish")
async def publish(
    campaign_id: str,
    session: SessionDep,
    hearth: HearthDep,
    user: Partner,
) -> dict[str, Any]:
    """Schedule a draft; it goes live at its start time."""
    now = hearth.clock.now()
    await campaigns.publish(session, user=user, campaign_id=campaign_id, now=now)
    return present.campaign(await campaigns.view(session, user=user, campaign_id=campaign_id), now)


@router.post("/campaigns/{campaign_id}/cancel")
async def cancel(
    campaign_id: str,
    body: ReasonIn,
    session: SessionDep,
    hearth: HearthDep,
    user: CurrentUser,
) -> dict[str, Any]:
    """Cancel a campaign (its partner's members, or the platform team); pledges are released."""
    now = hearth.clock.now()
    await campaigns.cancel(session, user=user, campaign_id=campaign_id, reason=body.reason, now=now)
    return present.campaign(await campaigns.view(session, user=user, campaign_id=campaign_id), now)


@router.get("/campaigns/{campaign_id}/history")
async def history(campaign_id: str, session: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    """Return the campaign's audited moves (its partner and the platform team)."""
    steps = await campaigns.history(session, user=user, campaign_id=campaign_id)
    return [
        {
            "from": s.from_state,
            "to": s.to_state,
            "actor_id": s.actor_id,
            "reason": s.reason,
            "at": s.at,
        }
        for s in steps
    ]


@router.post("/partner/campaigns/{campaign_id}/updates", status_code=status.HTTP_201_CREATED)
async def post_update(
    campaign_id: str,
    body: UpdateIn,
    session: SessionDep,
    hearth: HearthDep,
    user: Partner,
) -> dict[str, Any]:
    """Post news to a campaign's page (and notify its backers)."""
    row = await campaigns.post_update(
        session,
        user=user,
        campaign_id=campaign_id,
        title=body.title,
        body=body.body,
        backers_only=body.backers_only,
        now=hearth.clock.now(),
    )
    return present.update(row)


@router.post("/partner/campaigns/{campaign_id}/graduate")
async def graduate(
    campaign_id: str, body: GraduateIn, session: SessionDep, hearth: HearthDep, user: Partner
) -> dict[str, Any]:
    """Put a funded campaign's product on regular sale in your store."""
    listing = await campaigns.graduate(
        session,
        user=user,
        campaign_id=campaign_id,
        price=body.price,
        stock=body.stock,
        now=hearth.clock.now(),
    )
    return {
        "id": listing.id,
        "product_id": listing.product_id,
        "price": present.money(listing.price, listing.currency),
        "stock": listing.stock,
    }


@router.get("/partner/orders")
async def partner_orders(
    session: SessionDep,
    user: Partner,
    campaign_id: str | None = None,
    status: str | None = None,
    q: str | None = None,
) -> list[dict[str, Any]]:
    """List your partner's orders, filtered by campaign, status, or name/order id."""
    lines = await orders.partner_orders(
        session, user=user, campaign_id=campaign_id, status=status, query_text=q
    )
    return [present.order(line) for line in lines]


@router.get("/partner/orders.csv")
async def export_orders(
    session: SessionDep,
    user: Partner,
    campaign_id: str | None = None,
    status: str | None = "paid",
) -> Response:
    """Download what to ship as CSV (by default the paid orders not shipped yet)."""
    lines = await orders.partner_orders(
        session, user=user, campaign_id=campaign_id, status=status or None
    )
    return Response(
        orders.export_csv(lines),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="orders-to-ship.csv"'},
    )


@router.post("/partner/orders/tracking")
async def import_tracking(
    request: Request,
    session: SessionDep,
    hearth: HearthDep,
    user: Partner,
) -> dict[str, Any]:
    """Import tracking numbers (CSV body, or JSON {"csv": ...}); all rows or none."""
    raw = await request.body()
    if len(raw) > MAX_CSV:
        raise InvalidInput("the file is larger than 5 MB")
    text = raw.decode("utf-8", errors="replace")
    if request.headers.get("content-type", "").startswith("application/json"):
        text = TrackingIn.model_validate_json(raw).csv
    shipped = await orders.import_tracking(session, user=user, text=text, now=hearth.clock.now())
    return {"shipped": shipped}


@router.post("/partner/orders/{order_id}/refund")
async def refund(
    order_id: str,
    body: RefundIn,
    session: SessionDep,
    hearth: HearthDep,
    user: Partner,
    provider: ProviderDep,
) -> dict[str, Any]:
    """Refund all that is left of an order, or part of it; the ledger records each side."""
    await session.commit()
    order = await orders.refund(
        hearth.sessions,
        provider,
        hearth.publish,
        user=user,
        order_id=order_id,
        amount=body.amount,
        reason=body.reason,
        now=hearth.clock.now(),
    )
    return {
        "id": order.id,
        "status": order.status,
        "refunded": present.money(order.refunded, order.currency),
    }


@router.post("/partner/orders/{order_id}/delivered")
async def delivered(order_id: str, session: SessionDep, user: Partner) -> dict[str, Any]:
    """Mark a shipped order delivered."""
    order = await orders.mark_delivered(session, user=user, order_id=order_id)
    return {"id": order.id, "status": order.status}


@router.get("/partner/tickets")
async def partner_tickets(
    session: SessionDep, user: Partner, status: str | None = None
) -> list[dict[str, Any]]:
    """List your partner's customer-service tickets."""
    rows = await tickets.partner_tickets(
        session, partner_id=campaigns.partner_of(user), status=status
    )
    return [present.ticket(t) for t in rows]


@router.get("/platform/campaigns")
async def platform_campaigns(
    session: SessionDep, hearth: HearthDep, user: Reviewer, state: str | None = None
) -> list[dict[str, Any]]:
    """List every campaign, or those in one state (the platform team)."""
    try:
        states = [CampaignState(state)] if state else list(CampaignState)
    except ValueError as err:
        raise InvalidInput.fields(
            [{"field": "state", "message": f"one of {', '.join(CampaignState)}"}]
        ) from err
    now = hearth.clock.now()
    views = await campaigns.list_campaigns(
        session, sort="newest", now=now, states=states, limit=200
    )
    return [present.campaign(v, now) for v in views]
