"""The crowdfunding pages of fans: the Store tab, campaign pages with live progress,
pledging, their pledges, orders and tickets (which the partner's members answer here too).

Forms post back here; a refused pledge re-renders its campaign page with the problem named.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sse_starlette.sse import EventSourceResponse

from hearth.accounts import addresses
from hearth.accounts.models import User
from hearth.errors import HearthError, InvalidInput
from hearth.funding import campaigns, orders, pledges, receipts, tickets
from hearth.funding.deps import ProviderDep
from hearth.funding.events import CampaignProgressed
from hearth.funding.models import Campaign, CampaignStep
from hearth.funding.rules import FINAL_HOURS, PUBLIC_STATES, CampaignState, TicketStatus
from hearth.funding.schemas import (
    BackerCardOut,
    BackerPledgeOut,
    CampaignOut,
    FundingOrderOut,
    FundingTicketForm,
    FundingTicketMessageIn,
    FundingTicketOut,
    FundingTicketReplyForm,
    FundingTicketThreadOut,
    PledgeChangeForm,
    PledgeForm,
    PledgeOut,
    StoreListingOut,
)
from hearth.funding.schemas_backing import ReceiptOut
from hearth.kit.money import SYMBOLS, exponent_of
from hearth.outbox import unit_of_work
from hearth.web.deps import CurrentUser, HearthDep, NowDep, OptionalUser, SessionDep
from hearth.web.templating import render

router = APIRouter(include_in_schema=False)
SORTS: dict[campaigns.Sort, str] = {
    "ending": "Ending soon",
    "backed": "Most backed",
    "newest": "Newest",
}


def back(url: str) -> Response:
    """Send the browser on to ``url`` after a form (303: the next request is a GET)."""
    return RedirectResponse(url, status_code=303)


@router.get("/store")
async def store(
    request: Request, session: SessionDep, user: OptionalUser, now: NowDep, sort: str = "ending"
) -> Response:
    chosen: campaigns.Sort = next((known for known in SORTS if known == sort), "ending")
    views = await campaigns.list_campaigns(session, sort=chosen, now=now)
    return render(
        request,
        "funding/store.html",
        user=user,
        active="store",
        views=CampaignOut.many(views, now),
        sort=chosen,
        sorts=SORTS,
    )


async def _campaign_page(
    request: Request,
    session: AsyncSession,
    user: User | None,
    campaign_id: str,
    now: datetime,
    *,
    error: str | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
    template: str = "funding/campaign.html",
    **extra: Any,
) -> Response:
    """Render a campaign to anyone who may see it; the pledge form only to someone signed in
    (anyone else is offered to sign in and come back)."""
    view = await campaigns.view(session, user=user, campaign_id=campaign_id)
    mine = (
        None
        if user is None
        else await pledges.pledge_of(session, user=user, campaign_id=campaign_id)
    )
    saved = None if user is None else await addresses.default_address(session, user_id=user.id)
    shown = CampaignOut.of(view, now)
    rates = {r.country: r.cost.amount for r in shown.shipping}
    return render(
        request,
        template,
        **extra,
        saved_address=saved,
        # The shipping country the form starts on: the saved address's, if the campaign ships there.
        ship_country=saved.country
        if saved is not None and (not rates or saved.country in rates)
        else "",
        user=user,
        active="store",
        c=shown,
        money_prefix=money_prefix(view.campaign.currency),
        money_exponent=exponent_of(view.campaign.currency),
        rates_json=json.dumps(rates),
        mine=PledgeOut.of(mine) if mine is not None else None,
        cards=[]
        if user is None
        else [BackerCardOut.of(c) for c in await pledges.cards(session, user=user)],
        updates=await campaigns.updates(session, user=user, campaign_id=campaign_id),
        final_hours=FINAL_HOURS,
        path=request.url.path,
        error=error,
        values=values or {},
        status_code=status_code,
    )


def money_prefix(currency: str) -> str:
    """Return what an amount of ``currency`` is written after, as ``Money.format`` writes it."""
    symbol = SYMBOLS.get(currency)
    return symbol if symbol is not None else f"{currency} "


async def preview_page(
    request: Request,
    session: AsyncSession,
    user: User,
    campaign_id: str,
    now: datetime,
    *,
    back_to: str,
    **extra: Any,
) -> Response:
    """Render a campaign's public page as fans will see it, under a banner saying it is a
    preview (for its partner's members and the platform team, before it launches)."""
    return await _campaign_page(
        request,
        session,
        user,
        campaign_id,
        now,
        template="funding/preview.html",
        back_to=back_to,
        **extra,
    )


async def actor_names(session: AsyncSession, steps: Sequence[CampaignStep]) -> dict[str, str]:
    """Return the display names of the people who made a campaign's steps, by id."""
    ids = {s.actor_id for s in steps if s.actor_id}
    if not ids:
        return {}
    rows = await session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {user_id: name for user_id, name in rows}


@router.get("/campaigns/{campaign_id}")
async def campaign_page(
    request: Request, campaign_id: str, session: SessionDep, user: OptionalUser, now: NowDep
) -> Response:
    return await _campaign_page(request, session, user, campaign_id, now)


@router.get("/campaigns/{campaign_id}/live")
async def campaign_live(
    campaign_id: str, session: SessionDep, hearth: HearthDep, user: OptionalUser
) -> EventSourceResponse:
    """Stream the progress of a campaign the user may see as it changes (from any process)."""
    await campaigns.visible(session, user=user, campaign_id=campaign_id)

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
    form: Annotated[PledgeForm, Form()],
    session: SessionDep,
    hearth: HearthDep,
    user: CurrentUser,
    now: NowDep,
    provider: ProviderDep,
) -> Response:
    await session.commit()  # no transaction stays open across the provider call
    try:
        card_id = form.card_id
        if form.card_number.strip():
            card = await pledges.save_card(
                hearth.sessions,
                provider,
                user_id=user.id,
                token=form.card_number,
                idempotency_key=f"form:{form.idempotency_key}",
                now=now,
            )
            card_id = card.id
        if not card_id:
            raise InvalidInput.fields([{"field": "card", "message": "pick a card or add one"}])
        pledge_request = pledges.PledgeRequest(
            campaign_id, form.tier_id, form.quantity, card_id, form.shipping(), form.idempotency_key
        )
        async with unit_of_work(hearth.sessions, hearth.publish) as own:
            await pledges.place_pledge(own, user=user, request=pledge_request, now=now)
    except HearthError as err:
        async with hearth.sessions() as fresh:
            # The form comes back as it was typed, the card number too (never stored).
            return await _campaign_page(
                request,
                fresh,
                user,
                campaign_id,
                now,
                error=err.sentence,
                values=form.model_dump(exclude={"idempotency_key"}),
                status_code=err.status,
            )
    return back("/orders?pledged=1")


@router.post("/pledges/{pledge_id}/change")
async def pledge_change(
    pledge_id: str,
    form: Annotated[PledgeChangeForm, Form()],
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
) -> Response:
    pledge = await pledges.change_pledge(
        session,
        user=user,
        pledge_id=pledge_id,
        tier_id=form.tier_id or None,
        quantity=form.quantity,
        now=now,
    )
    return back(f"/campaigns/{pledge.campaign_id}")


@router.post("/pledges/{pledge_id}/cancel")
async def pledge_cancel(
    pledge_id: str, session: SessionDep, user: CurrentUser, now: NowDep
) -> Response:
    pledge = await pledges.cancel_pledge(session, user=user, pledge_id=pledge_id, now=now)
    return back(f"/campaigns/{pledge.campaign_id}")


@router.get("/orders")
async def orders_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    mine = await pledges.my_pledges(session, user=user)
    return render(
        request,
        "funding/orders.html",
        user=user,
        active="store",
        pledges=[(BackerPledgeOut.of_campaign(p, c), t.title) for p, c, t in mine],
        orders=[
            FundingOrderOut.of(line) for line in await orders.backer_orders(session, user=user)
        ],
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
        o=FundingOrderOut.of(line),
        tickets=[FundingTicketOut.of(t) for t in mine],
        receipts=[
            ReceiptOut.of(r) for r in await receipts.receipts(session, user=user, order_id=order_id)
        ],
    )


@router.post("/orders/{order_id}/tickets")
async def ticket_open(
    order_id: str,
    form: Annotated[FundingTicketForm, Form()],
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
) -> Response:
    ticket = await tickets.open_ticket(session, user=user, order_id=order_id, ticket=form, now=now)
    return back(f"/tickets/{ticket.id}")


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
        t=FundingTicketThreadOut.of_thread(ticket, messages),
    )


@router.post("/tickets/{ticket_id}/reply")
async def ticket_reply(
    ticket_id: str,
    form: Annotated[FundingTicketReplyForm, Form()],
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
) -> Response:
    if form.body.strip():
        message = FundingTicketMessageIn(body=form.body)
        await tickets.reply(session, user=user, ticket_id=ticket_id, message=message, now=now)
    if form.close:
        await tickets.set_status(
            session, user=user, ticket_id=ticket_id, target=TicketStatus.CLOSED, now=now
        )
    return back(f"/tickets/{ticket_id}")


# -- for the partner's store page (hearth.mall) -------------------------------------------


async def store_listings(session: AsyncSession, *, partner_id: str) -> list[StoreListingOut]:
    """Return a partner's graduated products on regular sale, for the store page."""
    rows = await campaigns.listings(session, partner_id=partner_id)
    return [StoreListingOut.of(row, name) for row, name in rows]


async def store_campaigns(
    session: AsyncSession, *, partner_id: str, now: datetime
) -> list[CampaignOut]:
    """Return a partner's published campaigns as the store page's include shows them."""
    shown = [s for s in PUBLIC_STATES if s != CampaignState.CANCELLED]  # launched ones only
    views = await campaigns.list_campaigns(
        session, sort="newest", now=now, partner_id=partner_id, states=shown
    )
    return CampaignOut.many(views, now)


async def product_panel(session: AsyncSession, *, product_id: str, now: datetime) -> dict[str, Any]:
    """Context for a partner's product page: the product's campaigns, newest first."""
    query = (
        select(Campaign)
        .where(Campaign.product_id == product_id)
        .order_by(Campaign.created_at.desc(), Campaign.id.desc())
    )
    return {"funding_product_campaigns": list(await session.scalars(query))}


async def store_panel(session: AsyncSession, *, partner_id: str, now: datetime) -> dict[str, Any]:
    """Context for a partner's store page: its campaigns and its products on regular sale."""
    return {
        "funding_campaigns": await store_campaigns(session, partner_id=partner_id, now=now),
        "funding_listings": await store_listings(session, partner_id=partner_id),
    }
