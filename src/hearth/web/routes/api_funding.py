"""JSON API of the crowdfunding mall for fans: campaigns, cards, pledges, orders, tickets.

Routes that call the payment provider end the request's own transaction first: a provider
call is a network round trip and must never hold database locks (see docs/payments.md).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from hearth.accounts.models import User
from hearth.funding import campaigns, flash, orders, outcome, pledges, present, tickets
from hearth.funding.models import Campaign
from hearth.mall import partners
from hearth.payments.provider import PaymentProvider, build_provider
from hearth.web.deps import CurrentUser, HearthDep, SessionDep, current_user, optional_user

router = APIRouter(tags=["funding"])


async def payment_provider(hearth: HearthDep) -> PaymentProvider:
    return build_provider(hearth.settings, hearth.sessions, clock=hearth.clock)


ProviderDep = Annotated[PaymentProvider, Depends(payment_provider)]
IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=200)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CardIn(Strict):
    token: str = Field(min_length=1, max_length=64, description="from the provider's card form")


class Address(Strict):
    name: str = Field(max_length=80)
    line1: str = Field(max_length=120)
    line2: str = Field(default="", max_length=120)
    city: str = Field(max_length=60)
    postal_code: str = Field(max_length=16)
    country: str = Field(max_length=2, description="ISO 3166 two-letter code")
    phone: str = Field(default="", max_length=32)


class PledgeIn(Strict):
    tier_id: str = Field(max_length=32)
    quantity: int = Field(default=1, ge=1, le=1000)
    card_id: str = Field(max_length=32)
    shipping: Address


class PledgeChangeIn(Strict):
    tier_id: str | None = Field(default=None, max_length=32)
    quantity: int | None = Field(default=None, ge=1, le=1000)


class RetryIn(Strict):
    card_id: str | None = Field(default=None, max_length=32)


class TicketIn(Strict):
    subject: str = Field(max_length=160)
    body: str = Field(max_length=10_000)


class MessageIn(Strict):
    body: str = Field(max_length=10_000)


class StatusIn(Strict):
    status: str = Field(max_length=12)


@router.get("/campaigns")
async def list_campaigns(
    session: SessionDep,
    hearth: HearthDep,
    user: CurrentUser,
    sort: Literal["ending", "backed", "newest"] = "ending",
) -> list[dict[str, Any]]:
    """List live campaigns: ending soon, most backed, or newest."""
    now = hearth.clock.now()
    views = await campaigns.list_campaigns(session, sort=sort, now=now)
    return [present.campaign(v, now) for v in views]


@router.get("/stores/{slug}/listings")
async def store_listings(slug: str, session: SessionDep) -> list[dict[str, Any]]:
    """List a store's products on regular sale after their campaign (public)."""
    partner, _ = await partners.store(session, slug=slug)
    rows = await campaigns.listings(session, partner_id=partner.id)
    return [present.listing(row, name) for row, name in rows]


@router.get("/campaigns/{campaign_id}")
async def get_campaign(
    campaign_id: str, session: SessionDep, hearth: HearthDep, user: CurrentUser
) -> dict[str, Any]:
    """Return a campaign with its tiers and progress."""
    view = await campaigns.view(session, user=user, campaign_id=campaign_id)
    body = present.campaign(view, hearth.clock.now())
    mine = await pledges.pledge_of(session, user=user, campaign_id=campaign_id)
    body["my_pledge"] = present.pledge(mine) if mine is not None else None
    return body


@router.get("/campaigns/{campaign_id}/updates")
async def campaign_updates(
    campaign_id: str, session: SessionDep, user: CurrentUser
) -> list[dict[str, Any]]:
    """Return the partner's updates the caller may read."""
    rows = await campaigns.updates(session, user=user, campaign_id=campaign_id)
    return [present.update(r) for r in rows]


@router.post("/cards", status_code=status.HTTP_201_CREATED)
async def save_card(
    body: CardIn,
    session: SessionDep,
    hearth: HearthDep,
    user: CurrentUser,
    provider: ProviderDep,
    key: IdempotencyKey,
) -> dict[str, Any]:
    """Save a card with the payment provider for pledges (nothing is charged)."""
    user_id = user.id
    await session.commit()
    card = await pledges.save_card(
        hearth.sessions,
        provider,
        user_id=user_id,
        token=body.token,
        idempotency_key=key,
        now=hearth.clock.now(),
    )
    return present.card(card)


@router.get("/cards")
async def list_cards(session: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    """Return the caller's saved cards."""
    return [present.card(c) for c in await pledges.cards(session, user=user)]


async def pledger(request: Request, session: SessionDep) -> User | str:
    """Who pledges. On PostgreSQL a bearer token is handed on as it is, to be checked by
    the pledge's batch in one query for all of its pledges (a flash sale would otherwise
    pay a transaction per request just for that); otherwise the signed-in user."""
    authorization = request.headers.get("authorization", "")
    if authorization and session.get_bind().dialect.name == "postgresql":
        scheme, _, secret = authorization.partition(" ")
        if scheme.lower() == "bearer" and secret.strip():
            return secret.strip()
    return await current_user(await optional_user(request, session))


@router.post("/campaigns/{campaign_id}/pledges", status_code=status.HTTP_201_CREATED)
async def place_pledge(
    campaign_id: str,
    body: PledgeIn,
    request: Request,
    response: Response,
    session: SessionDep,
    hearth: HearthDep,
    caller: Annotated[User | str, Depends(pledger)],
    key: IdempotencyKey,
) -> dict[str, Any]:
    """Pledge to a tier; the same Idempotency-Key returns the first pledge (200).

    The answer comes once the pledge is committed. On PostgreSQL, concurrent pledges for
    one tier share a transaction (``hearth.funding.flash``), which also checks their API
    tokens."""
    pledge_request = pledges.PledgeRequest(
        campaign_id=campaign_id,
        tier_id=body.tier_id,
        quantity=body.quantity,
        card_id=body.card_id,
        shipping=body.shipping.model_dump(),
        idempotency_key=key,
    )
    if isinstance(caller, str):
        batcher = flash.batcher_for(hearth, request.app.state)
        shown, new = await batcher.place(token=caller, request=pledge_request)
    elif session.get_bind().dialect.name == "postgresql":
        await session.commit()
        batcher = flash.batcher_for(hearth, request.app.state)
        shown, new = await batcher.place(user=caller, request=pledge_request)
    else:
        pledge, new = await pledges.place_pledge(
            session, user=caller, request=pledge_request, now=hearth.clock.now()
        )
        shown = present.pledge(pledge)
    if not new:
        response.status_code = status.HTTP_200_OK
    return shown


@router.get("/pledges")
async def my_pledges(session: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    """Return the caller's pledges, newest first."""
    rows = await pledges.my_pledges(session, user=user)
    return [present.pledge(p, c) for p, c, _t in rows]


@router.get("/pledges/{pledge_id}")
async def get_pledge(pledge_id: str, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    """Return one of the caller's pledges."""
    pledge = await pledges.own_pledge(session, user=user, pledge_id=pledge_id)
    return present.pledge(pledge, await session.get(Campaign, pledge.campaign_id))


@router.patch("/pledges/{pledge_id}")
async def change_pledge(
    pledge_id: str,
    body: PledgeChangeIn,
    session: SessionDep,
    hearth: HearthDep,
    user: CurrentUser,
) -> dict[str, Any]:
    """Change tier or quantity while the campaign is live (see the deadline rules)."""
    pledge = await pledges.change_pledge(
        session,
        user=user,
        pledge_id=pledge_id,
        tier_id=body.tier_id,
        quantity=body.quantity,
        now=hearth.clock.now(),
    )
    return present.pledge(pledge)


@router.delete("/pledges/{pledge_id}")
async def cancel_pledge(
    pledge_id: str,
    session: SessionDep,
    hearth: HearthDep,
    user: CurrentUser,
) -> dict[str, Any]:
    """Withdraw a pledge while the campaign is live (see the deadline rules)."""
    pledge = await pledges.cancel_pledge(
        session, user=user, pledge_id=pledge_id, now=hearth.clock.now()
    )
    return present.pledge(pledge)


@router.post("/pledges/{pledge_id}/retry")
async def retry_payment(
    pledge_id: str,
    body: RetryIn,
    session: SessionDep,
    hearth: HearthDep,
    user: CurrentUser,
    provider: ProviderDep,
) -> dict[str, Any]:
    """Pay a pledge whose charge failed, with the backer present (optionally another card)."""
    await session.commit()
    order = await outcome.retry_payment(
        hearth.sessions,
        provider,
        hearth.publish,
        user=user,
        pledge_id=pledge_id,
        card_id=body.card_id,
        commission_bp=hearth.settings.commission_bp,
        now=hearth.clock.now(),
    )
    return {"order_id": order.id, "status": order.status}


@router.get("/orders")
async def my_orders(session: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    """Return the caller's orders with their status and tracking."""
    return [present.order(line) for line in await orders.backer_orders(session, user=user)]


@router.get("/orders/{order_id}")
async def my_order(order_id: str, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    """Return one of the caller's orders."""
    return present.order(await orders.backer_order(session, user=user, order_id=order_id))


@router.post("/orders/{order_id}/tickets", status_code=status.HTTP_201_CREATED)
async def open_ticket(
    order_id: str,
    body: TicketIn,
    session: SessionDep,
    hearth: HearthDep,
    user: CurrentUser,
) -> dict[str, Any]:
    """Open a customer-service ticket on one of the caller's orders (the partner answers)."""
    ticket = await tickets.open_ticket(
        session,
        user=user,
        order_id=order_id,
        subject=body.subject,
        body=body.body,
        now=hearth.clock.now(),
    )
    return present.ticket(ticket)


@router.get("/tickets")
async def my_tickets(session: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    """Return the caller's tickets (a partner's members: their partner's)."""
    if user.partner_id is not None:
        rows = await tickets.partner_tickets(session, partner_id=user.partner_id)
    else:
        rows = await tickets.backer_tickets(session, user=user)
    return [present.ticket(t) for t in rows]


@router.get("/tickets/{ticket_id}")
async def get_ticket(ticket_id: str, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    """Return a ticket with its thread."""
    ticket, messages = await tickets.get_ticket(session, user=user, ticket_id=ticket_id)
    return present.ticket(ticket, messages)


@router.post("/tickets/{ticket_id}/messages", status_code=status.HTTP_201_CREATED)
async def reply(
    ticket_id: str,
    body: MessageIn,
    session: SessionDep,
    hearth: HearthDep,
    user: CurrentUser,
) -> dict[str, Any]:
    """Add a message to a ticket's thread."""
    await tickets.reply(
        session, user=user, ticket_id=ticket_id, body=body.body, now=hearth.clock.now()
    )
    ticket, messages = await tickets.get_ticket(session, user=user, ticket_id=ticket_id)
    return present.ticket(ticket, messages)


@router.post("/tickets/{ticket_id}/status")
async def ticket_status(
    ticket_id: str, body: StatusIn, session: SessionDep, hearth: HearthDep, user: CurrentUser
) -> dict[str, Any]:
    """Close or reopen a ticket."""
    ticket = await tickets.set_status(
        session, user=user, ticket_id=ticket_id, status=body.status, now=hearth.clock.now()
    )
    return present.ticket(ticket)
