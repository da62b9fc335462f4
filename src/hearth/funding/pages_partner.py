"""The crowdfunding pages of a partner's console: campaigns (draft, publish, cancel, post
updates, graduate to regular sale) and orders (filter, import tracking, refund).

A refused campaign or tracking file re-renders its page with the problems named.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.accounts.roles import Capability
from hearth.errors import HearthError, InvalidInput
from hearth.funding import campaigns, orders, tickets
from hearth.funding.deps import ProviderDep
from hearth.funding.pages import back
from hearth.funding.rules import CampaignState, OrderStatus
from hearth.funding.schemas import (
    CampaignActionForm,
    CampaignCancelIn,
    CampaignForm,
    CampaignOut,
    CampaignUpdateIn,
    FundingOrderOut,
    FundingTicketOut,
    OrderRefundForm,
    parse,
)
from hearth.mall.models import Product
from hearth.mall.review import ProductState
from hearth.web.deps import HearthDep, NowDep, SessionDep, requires
from hearth.web.templating import render

router = APIRouter(include_in_schema=False)
Partner = Annotated[User, Depends(requires(Capability.PARTNER_CONSOLE))]
MAX_CSV = 5_000_000


async def _approved_products(session: AsyncSession, partner_id: str) -> list[Product]:
    query = select(Product).where(
        Product.partner_id == partner_id, Product.state == ProductState.APPROVED.value
    )
    return list(await session.scalars(query.order_by(Product.name)))


@router.get("/partner/campaigns")
async def partner_campaigns(
    request: Request, session: SessionDep, user: Partner, now: NowDep, error: str | None = None
) -> Response:
    views = await campaigns.partner_campaigns(session, user=user)
    return render(
        request,
        "funding/partner_campaigns.html",
        user=user,
        active="partner",
        views=CampaignOut.many(views, now),
        products=await _approved_products(session, campaigns.partner_of(user)),
        tickets=[
            FundingTicketOut.of(t)
            for t in await tickets.partner_tickets(session, partner_id=campaigns.partner_of(user))
        ],
        error=error,
        values={},
    )


@router.post("/partner/campaigns")
async def partner_campaign_create(
    request: Request,
    form: Annotated[CampaignForm, Form()],
    session: SessionDep,
    user: Partner,
    now: NowDep,
) -> Response:
    try:
        draft = form.campaign()
        async with session.begin_nested():
            made = await campaigns.create_campaign(session, user=user, draft=draft, now=now)
    except HearthError as err:
        views = await campaigns.partner_campaigns(session, user=user)
        return render(
            request,
            "funding/partner_campaigns.html",
            user=user,
            active="partner",
            views=CampaignOut.many(views, now),
            products=await _approved_products(session, campaigns.partner_of(user)),
            tickets=[],
            error=err.sentence,
            values=await request.form(),
            status_code=err.status,
        )
    return back(f"/partner/campaigns/{made.id}")


@router.get("/partner/campaigns/{campaign_id}")
async def partner_campaign(
    request: Request, campaign_id: str, session: SessionDep, user: Partner, now: NowDep
) -> Response:
    await campaigns.own_campaign(session, user=user, campaign_id=campaign_id)
    view = await campaigns.view(session, user=user, campaign_id=campaign_id)
    return render(
        request,
        "funding/partner_campaign.html",
        user=user,
        active="partner",
        c=CampaignOut.of(view, now),
        steps=await campaigns.history(session, user=user, campaign_id=campaign_id),
        updates=await campaigns.updates(session, user=user, campaign_id=campaign_id),
        graduable=view.campaign.state
        in (CampaignState.FUNDED, CampaignState.FULFILLING, CampaignState.FULFILLED),
    )


@router.post("/partner/campaigns/{campaign_id}/{action}")
async def partner_campaign_action(
    campaign_id: str,
    action: str,
    form: Annotated[CampaignActionForm, Form()],
    session: SessionDep,
    user: Partner,
    now: NowDep,
) -> Response:
    if action == "publish":
        await campaigns.publish(session, user=user, campaign_id=campaign_id, now=now)
    elif action == "cancel":
        cancellation = parse(CampaignCancelIn, {"reason": form.reason})
        await campaigns.cancel(
            session, user=user, campaign_id=campaign_id, cancellation=cancellation, now=now
        )
    elif action == "updates":
        update = parse(CampaignUpdateIn, form.model_dump(include={"title", "body", "backers_only"}))
        await campaigns.post_update(
            session, user=user, campaign_id=campaign_id, update=update, now=now
        )
    elif action == "graduate":
        await campaigns.graduate(
            session, user=user, campaign_id=campaign_id, listing=form.listing(), now=now
        )
    else:
        raise InvalidInput(f"unknown action {action!r}")
    return back(f"/partner/campaigns/{campaign_id}")


@router.get("/partner/orders")
async def partner_orders(
    request: Request,
    session: SessionDep,
    user: Partner,
    campaign_id: str = "",
    status: str = "",
    q: str = "",
) -> Response:
    lines = await orders.partner_orders(
        session, user=user, campaign_id=campaign_id or None, status=status or None, query_text=q
    )
    return render(
        request,
        "funding/partner_orders.html",
        user=user,
        active="partner",
        orders=[FundingOrderOut.of(line) for line in lines],
        views=await campaigns.partner_campaigns(session, user=user),
        statuses=list(OrderStatus),
        filters={"campaign_id": campaign_id, "status": status, "q": q},
        problems=None,
        imported=request.query_params.get("imported"),
    )


@router.post("/partner/orders/tracking")
async def partner_tracking(
    request: Request,
    session: SessionDep,
    user: Partner,
    now: NowDep,
    file: UploadFile | None = None,
    text: Annotated[str, Form(max_length=MAX_CSV)] = "",
) -> Response:
    if file is not None and file.filename:
        text = (await file.read(MAX_CSV + 1)).decode("utf-8", errors="replace")
    try:
        async with session.begin_nested():
            shipped = await orders.import_tracking(session, user=user, text=text, now=now)
    except InvalidInput as err:
        lines = await orders.partner_orders(session, user=user)
        return render(
            request,
            "funding/partner_orders.html",
            user=user,
            active="partner",
            orders=[FundingOrderOut.of(line) for line in lines],
            views=await campaigns.partner_campaigns(session, user=user),
            statuses=list(OrderStatus),
            filters={"campaign_id": "", "status": "", "q": ""},
            problems=err.detail or [{"line": 1, "message": err.sentence}],
            imported=None,
            status_code=422,
        )
    return back(f"/partner/orders?imported={shipped}")


@router.post("/partner/orders/{order_id}/refund")
async def partner_refund(
    order_id: str,
    form: Annotated[OrderRefundForm, Form()],
    session: SessionDep,
    hearth: HearthDep,
    user: Partner,
    now: NowDep,
    provider: ProviderDep,
) -> Response:
    await session.commit()
    await orders.refund(
        hearth.sessions,
        provider,
        hearth.publish,
        user=user,
        order_id=order_id,
        amount=form.amount or None,
        reason=form.reason,
        now=now,
    )
    return back("/partner/orders")


@router.post("/partner/orders/{order_id}/delivered")
async def partner_delivered(
    order_id: str, session: SessionDep, user: Partner, now: NowDep
) -> Response:
    """Mark a shipped order delivered (a store order's return window opens)."""
    await orders.mark_delivered(session, user=user, order_id=order_id, now=now)
    return back("/partner/orders")
