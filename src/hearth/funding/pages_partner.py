"""The crowdfunding pages of a partner's console: campaigns (the form for a new one or an
edit of a draft, a preview of its public page, submitting the launch for review, cancel,
post updates, graduate to regular sale) and orders (filter, import tracking, refund).

The campaign form takes times in the partner's own zone (the one chosen on their account
page, else their browser's) and stores them in UTC. A refused campaign, launch or
tracking file re-renders its page with the problems named and every field kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.accounts.roles import Capability
from hearth.errors import Conflict, HearthError, InvalidInput, InvalidTransition
from hearth.funding import campaigns, launches, orders, tickets
from hearth.funding.deps import ProviderDep
from hearth.funding.figures import campaign_figures
from hearth.funding.pages import actor_names, back, preview_page
from hearth.funding.rules import EDITABLE, MAX_TIERS, CampaignState, OrderStatus
from hearth.funding.schemas import (
    FAQ_CELLS,
    MAX_FAQ,
    MAX_SHIPPING_RATES,
    SHIPPING_CELLS,
    TIER_CELLS,
    CampaignActionForm,
    CampaignCancelIn,
    CampaignFiguresOut,
    CampaignForm,
    CampaignOut,
    CampaignUpdateIn,
    FundingOrderOut,
    FundingTicketOut,
    OrderRefundForm,
    filled,
    local_input,
    parse,
)
from hearth.kit.money import Money
from hearth.mall.models import Product
from hearth.mall.pages_partner import field_errors
from hearth.mall.review import ProductState
from hearth.web.deps import HearthDep, NowDep, SessionDep, requires
from hearth.web.templating import render
from hearth.web.timefmt import viewer_zone

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
    request: Request, session: SessionDep, user: Partner, now: NowDep
) -> Response:
    views = await campaigns.partner_campaigns(session, user=user)
    found = await campaign_figures(session, [v.campaign for v in views])
    return render(
        request,
        "funding/partner_campaigns.html",
        user=user,
        active="partner",
        views=CampaignOut.many(views, now),
        figures={i: CampaignFiguresOut.of(f) for i, f in found.items()},
        products=await _approved_products(session, campaigns.partner_of(user)),
        tickets=[
            FundingTicketOut.of(t)
            for t in await tickets.partner_tickets(session, partner_id=campaigns.partner_of(user))
        ],
    )


def _with_blank(
    rows: list[dict[str, str]], cells: Sequence[str], most: int
) -> list[dict[str, str]]:
    """Return the rows typed in, and one blank row to fill without JavaScript."""
    shown = filled(rows)
    if len(shown) < most:
        shown = [*shown, dict.fromkeys(cells, "")]
    return shown


def _form_page(
    request: Request,
    user: User,
    *,
    products: list[Product],
    values: dict[str, Any],
    rows: list[dict[str, str]],
    faq: list[dict[str, str]],
    shipping: list[dict[str, str]],
    campaign: CampaignOut | None = None,
    error: HearthError | None = None,
) -> Response:
    """Render the campaign form: new (``products`` to choose from) or an edit of ``campaign``,
    with the fields as given and a refused save's problems named."""
    return render(
        request,
        "funding/partner_campaign_form.html",
        user=user,
        active="partner",
        campaign=campaign,
        products=products,
        values=values,
        rows=_with_blank(rows, TIER_CELLS, MAX_TIERS),
        faq=_with_blank(faq, FAQ_CELLS, MAX_FAQ),
        shipping=_with_blank(shipping, SHIPPING_CELLS, MAX_SHIPPING_RATES),
        max_tiers=MAX_TIERS,
        max_faq=MAX_FAQ,
        max_shipping=MAX_SHIPPING_RATES,
        zone=getattr(viewer_zone(request), "key", "UTC"),
        error=error.sentence if error else None,
        problems=field_errors(error) if error else {},
        status_code=error.status if error else 200,
    )


def _values_of(form: CampaignForm) -> dict[str, Any]:
    return form.model_dump(include=set(CampaignForm.model_fields) - set(_ROW_FIELDS))


_ROW_FIELDS = ["then", *(f"tier_{c}" for c in TIER_CELLS)] + [
    *(f"faq_{c}" for c in FAQ_CELLS),
    *(f"shipping_{c}" for c in SHIPPING_CELLS),
]


def _refused(
    request: Request,
    user: User,
    form: CampaignForm,
    err: HearthError,
    *,
    products: list[Product],
    campaign: CampaignOut | None = None,
) -> Response:
    """Show the form again as it was sent, with what was wrong named."""
    return _form_page(
        request,
        user,
        products=products,
        values=_values_of(form),
        rows=form.rows(),
        faq=form.faq_rows(),
        shipping=form.shipping_rows(),
        campaign=campaign,
        error=err,
    )


def _saved(campaign_id: str, form: CampaignForm) -> Response:
    """Go where the partner asked once the draft is saved: its preview, or its page."""
    if form.then == "preview":
        return back(f"/partner/campaigns/{campaign_id}/preview")
    return back(f"/partner/campaigns/{campaign_id}?saved=1")


@router.get("/partner/campaigns/new")
async def partner_campaign_new(
    request: Request, session: SessionDep, user: Partner, product_id: str = ""
) -> Response:
    products = await _approved_products(session, campaigns.partner_of(user))
    chosen = next((p for p in products if p.id == product_id), products[0] if products else None)
    values: dict[str, Any] = {"product_id": chosen.id if chosen else ""}
    if chosen is not None:
        values |= {
            "title": chosen.name,
            "description": chosen.description,
            "goal": Money(chosen.campaign_goal, chosen.currency).decimal_string(),
        }
    return _form_page(request, user, products=products, values=values, rows=[], faq=[], shipping=[])


@router.post("/partner/campaigns")
async def partner_campaign_create(
    request: Request,
    form: Annotated[CampaignForm, Form()],
    session: SessionDep,
    user: Partner,
    now: NowDep,
) -> Response:
    try:
        draft = form.campaign(viewer_zone(request))
        async with session.begin_nested():
            made = await campaigns.create_campaign(session, user=user, draft=draft, now=now)
    except HearthError as err:
        products = await _approved_products(session, campaigns.partner_of(user))
        return _refused(request, user, form, err, products=products)
    return _saved(made.id, form)


async def _own_view(
    session: AsyncSession, user: User, campaign_id: str, now: datetime
) -> campaigns.CampaignView:
    await campaigns.own_campaign(session, user=user, campaign_id=campaign_id)
    return await campaigns.view(session, user=user, campaign_id=campaign_id)


@router.get("/partner/campaigns/{campaign_id}/edit")
async def partner_campaign_edit(
    request: Request, campaign_id: str, session: SessionDep, user: Partner, now: NowDep
) -> Response:
    view = await _own_view(session, user, campaign_id, now)
    c, zone = view.campaign, viewer_zone(request)
    values = {
        "title": c.title,
        "summary": c.summary,
        "description": c.description,
        "risks": c.risks or "",
        "goal": Money(c.goal, c.currency).decimal_string(),
        "starts_at": local_input(c.starts_at, zone),
        "ends_at": local_input(c.ends_at, zone),
        "delivery_on": local_input(c.delivery_date, zone)[:10],
    }
    rows = [
        {
            "title": t.title,
            "description": t.description,
            "price": Money(t.price, c.currency).decimal_string(),
            "retail": Money(t.retail_price, c.currency).decimal_string(),
            "limit": "" if t.limit is None else str(t.limit),
            "per_backer": str(t.per_backer),
            "closes": local_input(t.closes_at, zone),
            "early_bird": "yes" if t.early_bird else "",
        }
        for t in view.tiers
    ]
    faq = [{"question": f["question"], "answer": f["answer"]} for f in c.faq or []]
    shipping = [
        {"country": country, "cost": Money(cost, c.currency).decimal_string()}
        for country, cost in sorted((c.shipping_rates or {}).items())
    ]
    return _form_page(
        request,
        user,
        products=[],
        values=values,
        rows=rows,
        faq=faq,
        shipping=shipping,
        campaign=CampaignOut.of(view, now),
    )


@router.post("/partner/campaigns/{campaign_id}/edit")
async def partner_campaign_save(
    request: Request,
    campaign_id: str,
    form: Annotated[CampaignForm, Form()],
    session: SessionDep,
    user: Partner,
    now: NowDep,
) -> Response:
    try:
        changes = form.changes(viewer_zone(request))
        async with session.begin_nested():
            await campaigns.update_campaign(
                session, user=user, campaign_id=campaign_id, draft=changes, now=now
            )
    except HearthError as err:
        view = await _own_view(session, user, campaign_id, now)
        return _refused(request, user, form, err, products=[], campaign=CampaignOut.of(view, now))
    return _saved(campaign_id, form)


@router.get("/partner/campaigns/{campaign_id}/preview")
async def partner_campaign_preview(
    request: Request, campaign_id: str, session: SessionDep, user: Partner, now: NowDep
) -> Response:
    await campaigns.own_campaign(session, user=user, campaign_id=campaign_id)
    return await preview_page(
        request, session, user, campaign_id, now, back_to=f"/partner/campaigns/{campaign_id}"
    )


async def _campaign_page(
    request: Request,
    session: AsyncSession,
    user: User,
    campaign_id: str,
    now: datetime,
    *,
    error: HearthError | None = None,
) -> Response:
    view = await _own_view(session, user, campaign_id, now)
    found = await campaign_figures(session, [view.campaign])
    steps = await campaigns.history(session, user=user, campaign_id=campaign_id)
    return render(
        request,
        "funding/partner_campaign.html",
        user=user,
        active="partner",
        c=CampaignOut.of(view, now),
        figures=CampaignFiguresOut.of(found[campaign_id]),
        steps=steps,
        actors=await actor_names(session, steps),
        sent_back=next((s for s in reversed(steps) if s.to_state == CampaignState.SENT_BACK), None),
        updates=await campaigns.updates(session, user=user, campaign_id=campaign_id),
        editable=view.campaign.state in EDITABLE,
        graduable=view.campaign.state
        in (CampaignState.FUNDED, CampaignState.FULFILLING, CampaignState.FULFILLED),
        saved=request.query_params.get("saved"),
        error=error.sentence if error else None,
        status_code=error.status if error else 200,
    )


@router.get("/partner/campaigns/{campaign_id}")
async def partner_campaign(
    request: Request, campaign_id: str, session: SessionDep, user: Partner, now: NowDep
) -> Response:
    return await _campaign_page(request, session, user, campaign_id, now)


@router.post("/partner/campaigns/{campaign_id}/{action}")
async def partner_campaign_action(
    request: Request,
    campaign_id: str,
    action: str,
    form: Annotated[CampaignActionForm, Form()],
    session: SessionDep,
    user: Partner,
    now: NowDep,
) -> Response:
    try:
        async with session.begin_nested():
            await _act(session, user, campaign_id, action, form, now)
    except (InvalidInput, Conflict, InvalidTransition) as err:
        return await _campaign_page(request, session, user, campaign_id, now, error=err)
    return back(f"/partner/campaigns/{campaign_id}")


async def _act(
    session: AsyncSession,
    user: User,
    campaign_id: str,
    action: str,
    form: CampaignActionForm,
    now: datetime,
) -> None:
    if action == "submit":
        await launches.submit(session, user=user, campaign_id=campaign_id, now=now)
    elif action == "retract":
        await launches.retract(session, user=user, campaign_id=campaign_id, now=now)
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
