"""JSON API of the crowdfunding mall for partners: their campaigns, updates, graduation,
orders and their fulfilment, refunds and tickets; and cancelling a campaign, which its
partner and the platform team may both do."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import Response

from hearth.accounts.models import User
from hearth.accounts.roles import Capability
from hearth.errors import InvalidInput, InvalidTransition, NotFound
from hearth.funding import campaigns, launches, orders, tickets
from hearth.funding.deps import ProviderDep
from hearth.funding.figures import campaign_figures
from hearth.funding.rules import OrderStatus, TicketStatus
from hearth.funding.schemas import (
    CampaignCancelIn,
    CampaignFiguresOut,
    CampaignGraduateIn,
    CampaignIn,
    CampaignOut,
    CampaignStepOut,
    CampaignUpdateIn,
    CampaignUpdateOut,
    FundingMoneyOut,
    FundingOrderOut,
    FundingOrderStatusOut,
    FundingTicketOut,
    GraduationOut,
    NewCampaignIn,
    OrderRefundIn,
    OrderRefundOut,
    TrackingImportIn,
    TrackingImportOut,
)
from hearth.web.deps import CurrentUser, HearthDep, NowDep, SessionDep, requires
from hearth.web.openapi import answers

router = APIRouter(tags=["funding"])
# An order's status, or empty for any: the contract lists what the service accepts.
StatusFilter = Annotated[
    str | None, Query(max_length=20, json_schema_extra={"enum": ["", *OrderStatus]})
]
Partner = Annotated[User, Depends(requires(Capability.PARTNER_CONSOLE))]
MAX_CSV = 5_000_000


@router.post("/partner/campaigns", status_code=status.HTTP_201_CREATED, responses=answers(NotFound))
async def create_campaign(
    body: NewCampaignIn, session: SessionDep, user: Partner, now: NowDep
) -> CampaignOut:
    """Draft a campaign for one of your approved products."""
    made = await campaigns.create_campaign(session, user=user, draft=body, now=now)
    return CampaignOut.of(await campaigns.view(session, user=user, campaign_id=made.id), now)


@router.get("/partner/campaigns")
async def partner_campaigns(session: SessionDep, user: Partner, now: NowDep) -> list[CampaignOut]:
    """List your partner's campaigns, drafts included."""
    return CampaignOut.many(await campaigns.partner_campaigns(session, user=user), now)


@router.patch("/partner/campaigns/{campaign_id}", responses=answers(InvalidTransition))
async def update_campaign(
    campaign_id: str, body: CampaignIn, session: SessionDep, user: Partner, now: NowDep
) -> CampaignOut:
    """Change a draft campaign."""
    await campaigns.update_campaign(
        session, user=user, campaign_id=campaign_id, draft=body, now=now
    )
    return CampaignOut.of(await campaigns.view(session, user=user, campaign_id=campaign_id), now)


@router.post(
    "/partner/campaigns/{campaign_id}/submit",
    responses=answers(InvalidTransition),
)
async def submit(campaign_id: str, session: SessionDep, user: Partner, now: NowDep) -> CampaignOut:
    """Submit a draft (or a launch sent back and edited) to the platform team for review."""
    await launches.submit(session, user=user, campaign_id=campaign_id, now=now)
    return CampaignOut.of(await campaigns.view(session, user=user, campaign_id=campaign_id), now)


@router.post("/partner/campaigns/{campaign_id}/retract", responses=answers(InvalidTransition))
async def retract(campaign_id: str, session: SessionDep, user: Partner, now: NowDep) -> CampaignOut:
    """Take a submitted launch back to draft before the platform team decides."""
    await launches.retract(session, user=user, campaign_id=campaign_id, now=now)
    return CampaignOut.of(await campaigns.view(session, user=user, campaign_id=campaign_id), now)


@router.post("/campaigns/{campaign_id}/cancel", responses=answers(InvalidTransition))
async def cancel(
    campaign_id: str, body: CampaignCancelIn, session: SessionDep, user: CurrentUser, now: NowDep
) -> CampaignOut:
    """Cancel a campaign (its partner's members, or the platform team); pledges are released."""
    await campaigns.cancel(session, user=user, campaign_id=campaign_id, cancellation=body, now=now)
    return CampaignOut.of(await campaigns.view(session, user=user, campaign_id=campaign_id), now)


@router.get("/campaigns/{campaign_id}/history")
async def history(
    campaign_id: str, session: SessionDep, user: CurrentUser
) -> list[CampaignStepOut]:
    """Return the campaign's audited moves (its partner and the platform team)."""
    steps = await campaigns.history(session, user=user, campaign_id=campaign_id)
    return [CampaignStepOut.of(s) for s in steps]


@router.get("/campaigns/{campaign_id}/figures")
async def figures(campaign_id: str, session: SessionDep, user: CurrentUser) -> CampaignFiguresOut:
    """Return the campaign's money told apart: pledged, collected, failed, refunded, payable
    (its partner and the platform team)."""
    campaign = await campaigns.insider_campaign(session, user=user, campaign_id=campaign_id)
    found = await campaign_figures(session, [campaign])
    return CampaignFiguresOut.of(found[campaign.id])


@router.post("/partner/campaigns/{campaign_id}/updates", status_code=status.HTTP_201_CREATED)
async def post_update(
    campaign_id: str, body: CampaignUpdateIn, session: SessionDep, user: Partner, now: NowDep
) -> CampaignUpdateOut:
    """Post news to a campaign's page (and notify its backers)."""
    row = await campaigns.post_update(
        session, user=user, campaign_id=campaign_id, update=body, now=now
    )
    return CampaignUpdateOut.of(row)


@router.post("/partner/campaigns/{campaign_id}/graduate", responses=answers(InvalidTransition))
async def graduate(
    campaign_id: str, body: CampaignGraduateIn, session: SessionDep, user: Partner, now: NowDep
) -> GraduationOut:
    """Put a funded campaign's product on regular sale in your store."""
    listing = await campaigns.graduate(
        session, user=user, campaign_id=campaign_id, listing=body, now=now
    )
    return GraduationOut.of(listing)


@router.get("/partner/orders")
async def partner_orders(
    session: SessionDep,
    user: Partner,
    campaign_id: Annotated[str | None, Query(max_length=40)] = None,
    status: StatusFilter = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> list[FundingOrderOut]:
    """List your partner's orders, filtered by campaign, status, or name/order id."""
    lines = await orders.partner_orders(
        session, user=user, campaign_id=campaign_id, status=status, query_text=q
    )
    return [FundingOrderOut.of(line) for line in lines]


@router.get(
    "/partner/orders.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "one row per order"}},
)
async def export_orders(
    session: SessionDep,
    user: Partner,
    campaign_id: Annotated[str | None, Query(max_length=40)] = None,
    status: StatusFilter = "paid",
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


@router.post("/partner/orders/tracking", responses=answers(InvalidInput))
async def import_tracking(
    request: Request, session: SessionDep, user: Partner, now: NowDep
) -> TrackingImportOut:
    """Import tracking numbers (CSV body, or JSON {"csv": ...}); all rows or none."""
    raw = await request.body()
    if len(raw) > MAX_CSV:
        raise InvalidInput("the file is larger than 5 MB")
    text = raw.decode("utf-8", errors="replace")
    if request.headers.get("content-type", "").startswith("application/json"):
        text = TrackingImportIn.model_validate_json(raw).csv
    shipped = await orders.import_tracking(session, user=user, text=text, now=now)
    return TrackingImportOut(shipped=shipped)


@router.post("/partner/orders/{order_id}/refund")
async def refund(
    order_id: str,
    body: OrderRefundIn,
    session: SessionDep,
    hearth: HearthDep,
    user: Partner,
    now: NowDep,
    provider: ProviderDep,
) -> OrderRefundOut:
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
        now=now,
    )
    return OrderRefundOut(
        id=order.id,
        status=order.status,
        refunded=FundingMoneyOut.of(order.refunded, order.currency),
    )


@router.post("/partner/orders/{order_id}/delivered")
async def delivered(
    order_id: str, session: SessionDep, user: Partner, now: NowDep
) -> FundingOrderStatusOut:
    """Mark a shipped order delivered (its return window opens now)."""
    order = await orders.mark_delivered(session, user=user, order_id=order_id, now=now)
    return FundingOrderStatusOut(id=order.id, status=order.status)


@router.get("/partner/tickets")
async def partner_tickets(
    session: SessionDep, user: Partner, status: TicketStatus | None = None
) -> list[FundingTicketOut]:
    """List your partner's customer-service tickets."""
    rows = await tickets.partner_tickets(
        session, partner_id=campaigns.partner_of(user), status=status
    )
    return [FundingTicketOut.of(t) for t in rows]
