"""The crowdfunding pages: the Store tab, campaign pages with live progress, pledging, the
fan's orders and tickets, and the partner's and platform's campaign and order views.

Forms post back here; a refused form re-renders its page with the problem named.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sse_starlette.sse import EventSourceResponse

from hearth.accounts.models import User
from hearth.accounts.roles import Capability
from hearth.errors import HearthError, InvalidInput
from hearth.funding import campaigns, orders, outcome, pledges, present, tickets
from hearth.funding.campaigns import CampaignDraft
from hearth.funding.events import CampaignProgressed
from hearth.funding.models import Campaign
from hearth.funding.rules import FINAL_HOURS, CampaignState, OrderStatus
from hearth.mall.models import Product
from hearth.mall.review import ProductState
from hearth.outbox import unit_of_work
from hearth.web.deps import CurrentUser, HearthDep, SessionDep, requires
from hearth.web.routes.api_funding import ProviderDep
from hearth.web.templating import render

router = APIRouter(include_in_schema=False)
Partner = Annotated[User, Depends(requires(Capability.PARTNER_CONSOLE))]
Reviewer = Annotated[User, Depends(requires(Capability.REVIEW))]
SORTS = {"ending": "Ending soon", "backed": "Most backed", "newest": "Newest"}


def _back(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


@router.get("/store")
async def store(
    request: Request,
    session: SessionDep,
    hearth: HearthDep,
    user: CurrentUser,
    sort: str = "ending",
) -> Response:
    sort = sort if sort in SORTS else "ending"
    now = hearth.clock.now()
    views = await campaigns.list_campaigns(session, sort=sort, now=now)  # type: ignore[arg-type]
    return render(
        request,
        "funding/store.html",
        user=user,
        active="store",
        views=[present.campaign(v, now) for v in views],
        sort=sort,
        sorts=SORTS,
    )


async def _campaign_page(
    request: Request,
    session: Any,
    hearth: Any,
    user: User,
    campaign_id: str,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    now = hearth.clock.now()
    view = await campaigns.view(session, user=user, campaign_id=campaign_id)
    mine = await pledges.pledge_of(session, user=user, campaign_id=campaign_id)
    return render(
        request,
        "funding/campaign.html",
        user=user,
        active="store",
        c=present.campaign(view, now),
        mine=present.pledge(mine) if mine is not None else None,
        cards=[present.card(c) for c in await pledges.cards(session, user=user)],
        updates=await campaigns.updates(session, user=user, campaign_id=campaign_id),
        final_hours=FINAL_HOURS,
        error=error,
        status_code=status_code,
    )


@router.get("/campaigns/{campaign_id}")
async def campaign_page(
    request: Request, campaign_id: str, session: SessionDep, hearth: HearthDep, user: CurrentUser
) -> Response:
    return await _campaign_page(request, session, hearth, user, campaign_id)


@router.get("/campaigns/{campaign_id}/live")
async def campaign_live(
    campaign_id: str, hearth: HearthDep, user: CurrentUser
) -> EventSourceResponse:
    """Stream the campaign's progress as it changes (from any hearth process)."""

    async def stream() -> AsyncIterator[dict[str, str]]:
        async with hearth.bus.listen() as queue:
            while True:
                event = await queue.get()
                if isinstance(event, CampaignProgressed) and event.campaign_id == campaign_id:
                    yield {"event": "progress", "data": json.dumps(event.__dict__)}

    return EventSourceResponse(stream(), ping=15)


@router.post("/campaigns/{campaign_id}/pledge")
async def pledge_submit(
    request: Request,
    campaign_id: str,
    session: SessionDep,
    hearth: HearthDep,
    user: CurrentUser,
    provider: ProviderDep,
    tier_id: Annotated[str, Form(max_length=32)],
    idempotency_key: Annotated[str, Form(max_length=200)],
    quantity: Annotated[int, Form(ge=1, le=1000)] = 1,
    card_id: Annotated[str, Form(max_length=32)] = "",
    card_number: Annotated[str, Form(max_length=32)] = "",
    name: Annotated[str, Form(max_length=80)] = "",
    line1: Annotated[str, Form(max_length=120)] = "",
    line2: Annotated[str, Form(max_length=120)] = "",
    city: Annotated[str, Form(max_length=60)] = "",
    postal_code: Annotated[str, Form(max_length=16)] = "",
    country: Annotated[str, Form(max_length=2)] = "",
    phone: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    await session.commit()  # no transaction stays open across the provider call
    try:
        if card_number.strip():
            card = await pledges.save_card(
                hearth.sessions,
                provider,
                user_id=user.id,
                token=card_number,
                idempotency_key=f"form:{idempotency_key}",
                now=hearth.clock.now(),
            )
            card_id = card.id
        if not card_id:
            raise InvalidInput.fields([{"field": "card", "message": "pick a card or add one"}])
        shipping = dict(
            name=name,
            line1=line1,
            line2=line2,
            city=city,
            postal_code=postal_code,
            country=country,
            phone=phone,
        )
        request_ = pledges.PledgeRequest(
            campaign_id, tier_id, quantity, card_id, shipping, idempotency_key
        )
        async with unit_of_work(hearth.sessions, hearth.publish) as own:
            await pledges.place_pledge(own, user=user, request=request_, now=hearth.clock.now())
    except HearthError as err:
        async with hearth.sessions() as fresh:
            return await _campaign_page(
                request, fresh, hearth, user, campaign_id, error=err.message, status_code=err.status
            )
    return _back("/orders?pledged=1")


@router.post("/pledges/{pledge_id}/change")
async def pledge_change(
    request: Request,
    pledge_id: str,
    session: SessionDep,
    hearth: HearthDep,
    user: CurrentUser,
    quantity: Annotated[int, Form(ge=1, le=1000)],
    tier_id: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    pledge = await pledges.change_pledge(
        session,
        user=user,
        pledge_id=pledge_id,
        tier_id=tier_id or None,
        quantity=quantity,
        now=hearth.clock.now(),
    )
    return _back(f"/campaigns/{pledge.campaign_id}")


@router.post("/pledges/{pledge_id}/cancel")
async def pledge_cancel(
    pledge_id: str, session: SessionDep, hearth: HearthDep, user: CurrentUser
) -> Response:
    pledge = await pledges.cancel_pledge(
        session, user=user, pledge_id=pledge_id, now=hearth.clock.now()
    )
    return _back(f"/campaigns/{pledge.campaign_id}")


@router.get("/pledges/{pledge_id}")
async def pledge_page(
    request: Request, pledge_id: str, session: SessionDep, user: CurrentUser
) -> Response:
    pledge = await pledges.own_pledge(session, user=user, pledge_id=pledge_id)
    campaign = await session.get(Campaign, pledge.campaign_id)
    return render(
        request,
        "funding/pledge.html",
        user=user,
        active="store",
        p=present.pledge(pledge, campaign),
        cards=[present.card(c) for c in await pledges.cards(session, user=user)],
    )


@router.post("/pledges/{pledge_id}/retry")
async def pledge_retry(
    pledge_id: str,
    session: SessionDep,
    hearth: HearthDep,
    user: CurrentUser,
    provider: ProviderDep,
    card_id: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    await session.commit()
    order = await outcome.retry_payment(
        hearth.sessions,
        provider,
        hearth.publish,
        user=user,
        pledge_id=pledge_id,
        card_id=card_id or None,
        commission_bp=hearth.settings.commission_bp,
        now=hearth.clock.now(),
    )
    return _back(f"/orders/{order.id}")


@router.get("/orders")
async def orders_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    mine = await pledges.my_pledges(session, user=user)
    return render(
        request,
        "funding/orders.html",
        user=user,
        active="store",
        pledges=[(present.pledge(p, c), t.title) for p, c, t in mine],
        orders=[present.order(line) for line in await orders.backer_orders(session, user=user)],
        pledged=request.query_params.get("pledged") == "1",
    )


@router.get("/orders/{order_id}")
async def order_page(
    request: Request, order_id: str, session: SessionDep, user: CurrentUser
) -> Response:
    line = await orders.backer_order(session, user=user, order_id=order_id)
    mine = [t for t in await tickets.backer_tickets(session, user=user) if t.order_id == order_id]
    return render(
        request,
        "funding/order.html",
        user=user,
        active="store",
        o=present.order(line),
        tickets=[present.ticket(t) for t in mine],
    )


@router.post("/orders/{order_id}/tickets")
async def ticket_open(
    order_id: str,
    session: SessionDep,
    hearth: HearthDep,
    user: CurrentUser,
    subject: Annotated[str, Form(max_length=160)],
    body: Annotated[str, Form(max_length=10_000)],
) -> Response:
    ticket = await tickets.open_ticket(
        session, user=user, order_id=order_id, subject=subject, body=body, now=hearth.clock.now()
    )
    return _back(f"/tickets/{ticket.id}")


@router.get("/tickets/{ticket_id}")
async def ticket_page(
    request: Request, ticket_id: str, session: SessionDep, user: CurrentUser
) -> Response:
    ticket, messages = await tickets.get_ticket(session, user=user, ticket_id=ticket_id)
    return render(
        request,
        "funding/ticket.html",
        user=user,
        active="partner" if user.partner_id == ticket.partner_id else "store",
        t=present.ticket(ticket, messages),
    )


@router.post("/tickets/{ticket_id}/reply")
async def ticket_reply(
    ticket_id: str,
    session: SessionDep,
    hearth: HearthDep,
    user: CurrentUser,
    body: Annotated[str, Form(max_length=10_000)],
    close: Annotated[str, Form()] = "",
) -> Response:
    if body.strip():
        await tickets.reply(
            session, user=user, ticket_id=ticket_id, body=body, now=hearth.clock.now()
        )
    if close:
        await tickets.set_status(
            session, user=user, ticket_id=ticket_id, status="closed", now=hearth.clock.now()
        )
    return _back(f"/tickets/{ticket_id}")


# -- partners -----------------------------------------------------------------------------


async def _approved_products(session: Any, partner_id: str) -> list[Product]:
    query = select(Product).where(
        Product.partner_id == partner_id, Product.state == ProductState.APPROVED.value
    )
    return list(await session.scalars(query.order_by(Product.name)))


@router.get("/partner/campaigns")
async def partner_campaigns(
    request: Request,
    session: SessionDep,
    hearth: HearthDep,
    user: Partner,
    error: str | None = None,
) -> Response:
    now = hearth.clock.now()
    views = await campaigns.partner_campaigns(session, user=user)
    return render(
        request,
        "funding/partner_campaigns.html",
        user=user,
        active="partner",
        views=[present.campaign(v, now) for v in views],
        products=await _approved_products(session, campaigns.partner_of(user)),
        tickets=[
            present.ticket(t)
            for t in await tickets.partner_tickets(session, partner_id=campaigns.partner_of(user))
        ],
        error=error,
        values={},
    )


def _day(text: str, field: str, *, end: bool = False) -> datetime:
    try:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError as err:
        raise InvalidInput.fields([{"field": field, "message": "a date, YYYY-MM-DD"}]) from err
    return datetime.combine(day.date(), time(23, 59) if end else time(0, 0), tzinfo=UTC)


@router.post("/partner/campaigns")
async def partner_campaign_create(
    request: Request,
    session: SessionDep,
    hearth: HearthDep,
    user: Partner,
    product_id: Annotated[str, Form(max_length=32)],
    title: Annotated[str, Form(max_length=120)],
    goal: Annotated[str, Form(max_length=20)],
    starts_on: Annotated[str, Form(max_length=10)],
    ends_on: Annotated[str, Form(max_length=10)],
    delivery_on: Annotated[str, Form(max_length=10)],
    tier_title: Annotated[list[str], Form()],
    tier_price: Annotated[list[str], Form()],
    tier_retail: Annotated[list[str], Form()],
    tier_limit: Annotated[list[str], Form()],
    summary: Annotated[str, Form(max_length=280)] = "",
    description: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    now = hearth.clock.now()
    tiers = [
        {"title": t, "price": p, "retail_price": r or p, "limit": lim or None}
        for t, p, r, lim in zip(tier_title, tier_price, tier_retail, tier_limit, strict=False)
        if t.strip() or p.strip()
    ]
    try:
        draft = CampaignDraft(
            title=title,
            summary=summary,
            description=description,
            goal=goal,
            starts_at=_day(starts_on, "starts_on"),
            ends_at=_day(ends_on, "ends_on", end=True),
            delivery_date=_day(delivery_on, "delivery_on"),
            tiers=tiers,  # type: ignore[arg-type]
        )
        async with session.begin_nested():
            made = await campaigns.create_campaign(
                session, user=user, product_id=product_id, draft=draft, now=now
            )
    except HearthError as err:
        views = await campaigns.partner_campaigns(session, user=user)
        return render(
            request,
            "funding/partner_campaigns.html",
            user=user,
            active="partner",
            views=[present.campaign(v, now) for v in views],
            products=await _approved_products(session, campaigns.partner_of(user)),
            tickets=[],
            error=err.message,
            values=await request.form(),
            status_code=err.status,
        )
    return _back(f"/partner/campaigns/{made.id}")


@router.get("/partner/campaigns/{campaign_id}")
async def partner_campaign(
    request: Request, campaign_id: str, session: SessionDep, hearth: HearthDep, user: Partner
) -> Response:
    now = hearth.clock.now()
    await campaigns.own_campaign(session, user=user, campaign_id=campaign_id)
    view = await campaigns.view(session, user=user, campaign_id=campaign_id)
    return render(
        request,
        "funding/partner_campaign.html",
        user=user,
        active="partner",
        c=present.campaign(view, now),
        steps=await campaigns.history(session, user=user, campaign_id=campaign_id),
        updates=await campaigns.updates(session, user=user, campaign_id=campaign_id),
        graduable=view.campaign.state
        in (CampaignState.FUNDED, CampaignState.FULFILLING, CampaignState.FULFILLED),
    )


@router.post("/partner/campaigns/{campaign_id}/{action}")
async def partner_campaign_action(
    request: Request,
    campaign_id: str,
    action: str,
    session: SessionDep,
    hearth: HearthDep,
    user: Partner,
) -> Response:
    form = await request.form()
    now = hearth.clock.now()
    text = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    if action == "publish":
        await campaigns.publish(session, user=user, campaign_id=campaign_id, now=now)
    elif action == "cancel":
        await campaigns.cancel(
            session, user=user, campaign_id=campaign_id, reason=text.get("reason", ""), now=now
        )
    elif action == "updates":
        await campaigns.post_update(
            session,
            user=user,
            campaign_id=campaign_id,
            title=text.get("title", ""),
            body=text.get("body", ""),
            backers_only=bool(text.get("backers_only")),
            now=now,
        )
    elif action == "graduate":
        try:
            stock = int(text.get("stock", ""))
        except ValueError as err:
            raise InvalidInput.fields([{"field": "stock", "message": "a whole number"}]) from err
        await campaigns.graduate(
            session,
            user=user,
            campaign_id=campaign_id,
            price=text.get("price", ""),
            stock=stock,
            now=now,
        )
    else:
        raise InvalidInput(f"unknown action {action!r}")
    return _back(f"/partner/campaigns/{campaign_id}")


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
        orders=[present.order(line) for line in lines],
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
    hearth: HearthDep,
    user: Partner,
    file: UploadFile | None = None,
    text: Annotated[str, Form(max_length=5_000_000)] = "",
) -> Response:
    if file is not None and file.filename:
        text = (await file.read(5_000_001)).decode("utf-8", errors="replace")
    try:
        async with session.begin_nested():
            shipped = await orders.import_tracking(
                session, user=user, text=text, now=hearth.clock.now()
            )
    except InvalidInput as err:
        lines = await orders.partner_orders(session, user=user)
        return render(
            request,
            "funding/partner_orders.html",
            user=user,
            active="partner",
            orders=[present.order(line) for line in lines],
            views=await campaigns.partner_campaigns(session, user=user),
            statuses=list(OrderStatus),
            filters={"campaign_id": "", "status": "", "q": ""},
            problems=err.detail or [{"line": 1, "message": err.message}],
            imported=None,
            status_code=422,
        )
    return _back(f"/partner/orders?imported={shipped}")


@router.post("/partner/orders/{order_id}/refund")
async def partner_refund(
    order_id: str,
    session: SessionDep,
    hearth: HearthDep,
    user: Partner,
    provider: ProviderDep,
    amount: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    await session.commit()
    await orders.refund(
        hearth.sessions,
        provider,
        hearth.publish,
        user=user,
        order_id=order_id,
        amount=amount or None,
        reason=reason,
        now=hearth.clock.now(),
    )
    return _back("/partner/orders")


@router.get("/platform/campaigns")
async def platform_campaigns(
    request: Request, session: SessionDep, hearth: HearthDep, user: Reviewer, state: str = ""
) -> Response:
    now = hearth.clock.now()
    states = (
        [CampaignState(state)]
        if state in CampaignState.__members__.values()
        else list(CampaignState)
    )
    views = await campaigns.list_campaigns(
        session, sort="newest", now=now, states=states, limit=200
    )
    return render(
        request,
        "funding/platform_campaigns.html",
        user=user,
        active="platform",
        views=[present.campaign(v, now) for v in views],
        states=list(CampaignState),
        state=state,
    )


@router.post("/platform/campaigns/{campaign_id}/cancel")
async def platform_cancel(
    campaign_id: str,
    session: SessionDep,
    hearth: HearthDep,
    user: Reviewer,
    reason: Annotated[str, Form(max_length=2000)],
) -> Response:
    await campaigns.cancel(
        session, user=user, campaign_id=campaign_id, reason=reason, now=hearth.clock.now()
    )
    return _back("/platform/campaigns")


async def store_listings(session: Any, *, partner_id: str) -> list[dict[str, Any]]:
    """Return a partner's graduated products on regular sale, for the store page."""
    rows = await campaigns.listings(session, partner_id=partner_id)
    return [present.listing(row, name) for row, name in rows]


async def store_campaigns(session: Any, *, partner_id: str, now: datetime) -> list[dict[str, Any]]:
    """Return a partner's published campaigns as the store page's include shows them."""
    shown = [s for s in CampaignState if s not in (CampaignState.DRAFT, CampaignState.CANCELLED)]
    views = await campaigns.list_campaigns(
        session, sort="newest", now=now, partner_id=partner_id, states=shown
    )
    return [present.campaign(v, now) for v in views]
