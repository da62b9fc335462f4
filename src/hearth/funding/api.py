"""JSON API of the crowdfunding mall for fans: campaigns, cards, pledges, orders, tickets.

Routes that call the payment provider end the request's own transaction first: a provider
call is a network round trip and must never hold database locks (see docs/payments.md).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response, status

from hearth.accounts.models import User
from hearth.errors import Conflict, NotAuthenticated, PaymentError
from hearth.funding import campaigns, orders, outcome, pledges, tickets
from hearth.funding.deps import IdempotencyKey, ProviderDep
from hearth.funding.schemas import (
    BackerCardIn,
    BackerCardOut,
    BackerPledgeOut,
    CampaignDetailOut,
    CampaignOut,
    CampaignUpdateOut,
    FundingOrderOut,
    FundingTicketIn,
    FundingTicketMessageIn,
    FundingTicketOut,
    FundingTicketStatusIn,
    FundingTicketThreadOut,
    PledgeChangeIn,
    PledgeIn,
    PledgeOut,
    PledgeRetryIn,
    PledgeRetryOut,
    StoreListingOut,
)
from hearth.mall import partners
from hearth.web.deps import (
    CurrentUser,
    HearthDep,
    NowDep,
    OptionalUser,
    SessionDep,
    current_user,
    get_hearth,
    optional_user,
)
from hearth.web.openapi import answers

router = APIRouter(tags=["funding"])


@router.get("/campaigns")
async def list_campaigns(
    session: SessionDep,
    now: NowDep,
    sort: Literal["ending", "backed", "newest"] = "ending",
) -> list[CampaignOut]:
    """List live campaigns: ending soon, most backed, or newest (public)."""
    return CampaignOut.many(await campaigns.list_campaigns(session, sort=sort, now=now), now)


@router.get("/stores/{slug}/listings")
async def store_listings(slug: str, session: SessionDep) -> list[StoreListingOut]:
    """List a store's products on regular sale after their campaign (public)."""
    partner, _ = await partners.store(session, slug=slug)
    rows = await campaigns.listings(session, partner_id=partner.id)
    return [StoreListingOut.of(row, name) for row, name in rows]


@router.get("/campaigns/{campaign_id}")
async def get_campaign(
    campaign_id: str, session: SessionDep, user: OptionalUser, now: NowDep
) -> CampaignDetailOut:
    """Return a campaign with its tiers and progress, and the caller's pledge in it (public:
    anyone may read a published campaign)."""
    view = await campaigns.view(session, user=user, campaign_id=campaign_id)
    mine = None
    if user is not None:
        mine = await pledges.pledge_of(session, user=user, campaign_id=campaign_id)
    return CampaignDetailOut.of_mine(view, now, mine)


@router.get("/campaigns/{campaign_id}/updates")
async def campaign_updates(
    campaign_id: str, session: SessionDep, user: OptionalUser
) -> list[CampaignUpdateOut]:
    """Return the partner's updates the caller may read (backers-only ones to backers)."""
    rows = await campaigns.updates(session, user=user, campaign_id=campaign_id)
    return [CampaignUpdateOut.of(r) for r in rows]


@router.post(
    "/cards", status_code=status.HTTP_201_CREATED, responses=answers(PaymentError, Conflict)
)
async def save_card(
    body: BackerCardIn,
    session: SessionDep,
    hearth: HearthDep,
    user: CurrentUser,
    now: NowDep,
    provider: ProviderDep,
    key: IdempotencyKey,
) -> BackerCardOut:
    """Save a card with the payment provider for pledges (nothing is charged)."""
    user_id = user.id
    await session.commit()
    card = await pledges.save_card(
        hearth.sessions, provider, user_id=user_id, token=body.token, idempotency_key=key, now=now
    )
    return BackerCardOut.of(card)


@router.get("/cards")
async def list_cards(session: SessionDep, user: CurrentUser) -> list[BackerCardOut]:
    """Return the caller's saved cards."""
    return [BackerCardOut.of(c) for c in await pledges.cards(session, user=user)]


async def pledger(request: Request) -> User | str:
    """Who pledges. On PostgreSQL a bearer token is handed on as it is, to be checked by
    the pledge's batch in one query for all of its pledges (a flash sale would otherwise
    pay a transaction per request just for that); otherwise the signed-in user."""
    authorization = request.headers.get("authorization", "")
    if authorization and not (await get_hearth(request)).pledges.one_writer:
        scheme, _, secret = authorization.partition(" ")
        if scheme.lower() == "bearer" and secret.strip():
            return secret.strip()
    return await current_user(await optional_user(request))


@router.post(
    "/campaigns/{campaign_id}/pledges",
    status_code=status.HTTP_201_CREATED,
    responses=answers(NotAuthenticated, PaymentError, Conflict),
)
async def place_pledge(
    campaign_id: str,
    body: PledgeIn,
    request: Request,
    response: Response,
    caller: Annotated[User | str, Depends(pledger)],
    key: IdempotencyKey,
) -> PledgeOut:
    """Pledge to a tier; the same Idempotency-Key returns the first pledge (200).

    The answer comes once the pledge is committed. On PostgreSQL, concurrent pledges for
    one tier share a transaction (``hearth.funding.flash``), which also checks their API
    tokens."""
    # The hearth is read from the request, not asked for as a dependency: FastAPI solves
    # each dependency on every request, and this is the flash sale's route.
    hearth = await get_hearth(request)
    pledge_request = pledges.PledgeRequest(
        campaign_id=campaign_id,
        tier_id=body.tier_id,
        quantity=body.quantity,
        card_id=body.card_id,
        shipping=body.shipping.model_dump(),
        idempotency_key=key,
    )
    if isinstance(caller, str):
        shown, new = await hearth.pledges.place(token=caller, request=pledge_request)
    else:
        shown, new = await hearth.pledges.place(user=caller, request=pledge_request)
    if not new:
        response.status_code = status.HTTP_200_OK
    return shown


@router.get("/pledges")
async def my_pledges(session: SessionDep, user: CurrentUser) -> list[BackerPledgeOut]:
    """Return the caller's pledges, newest first."""
    rows = await pledges.my_pledges(session, user=user)
    return [BackerPledgeOut.of_campaign(p, c) for p, c, _t in rows]


@router.patch("/pledges/{pledge_id}")
async def change_pledge(
    pledge_id: str, body: PledgeChangeIn, session: SessionDep, user: CurrentUser, now: NowDep
) -> PledgeOut:
    """Change tier or quantity while the campaign is live (see the deadline rules)."""
    pledge = await pledges.change_pledge(
        session,
        user=user,
        pledge_id=pledge_id,
        tier_id=body.tier_id,
        quantity=body.quantity,
        now=now,
    )
    return PledgeOut.of(pledge)


@router.delete("/pledges/{pledge_id}")
async def cancel_pledge(
    pledge_id: str, session: SessionDep, user: CurrentUser, now: NowDep
) -> PledgeOut:
    """Withdraw a pledge while the campaign is live (see the deadline rules)."""
    pledge = await pledges.cancel_pledge(session, user=user, pledge_id=pledge_id, now=now)
    return PledgeOut.of(pledge)


@router.post("/pledges/{pledge_id}/retry", responses=answers(PaymentError, Conflict))
async def retry_payment(
    pledge_id: str,
    body: PledgeRetryIn,
    session: SessionDep,
    hearth: HearthDep,
    user: CurrentUser,
    now: NowDep,
    provider: ProviderDep,
) -> PledgeRetryOut:
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
        now=now,
    )
    return PledgeRetryOut(order_id=order.id, status=order.status)


@router.get("/orders")
async def my_orders(session: SessionDep, user: CurrentUser) -> list[FundingOrderOut]:
    """Return the caller's orders with their status and tracking."""
    return [FundingOrderOut.of(line) for line in await orders.backer_orders(session, user=user)]


@router.get("/orders/{order_id}")
async def my_order(order_id: str, session: SessionDep, user: CurrentUser) -> FundingOrderOut:
    """Return one of the caller's orders."""
    return FundingOrderOut.of(await orders.backer_order(session, user=user, order_id=order_id))


@router.post("/orders/{order_id}/tickets", status_code=status.HTTP_201_CREATED)
async def open_ticket(
    order_id: str, body: FundingTicketIn, session: SessionDep, user: CurrentUser, now: NowDep
) -> FundingTicketOut:
    """Open a customer-service ticket on one of the caller's orders (the partner answers)."""
    ticket = await tickets.open_ticket(session, user=user, order_id=order_id, ticket=body, now=now)
    return FundingTicketOut.of(ticket)


@router.get("/tickets")
async def my_tickets(session: SessionDep, user: CurrentUser) -> list[FundingTicketOut]:
    """Return the caller's tickets (a partner's members: their partner's)."""
    if user.partner_id is not None:
        rows = await tickets.partner_tickets(session, partner_id=user.partner_id)
    else:
        rows = await tickets.backer_tickets(session, user=user)
    return [FundingTicketOut.of(t) for t in rows]


@router.get("/tickets/{ticket_id}")
async def get_ticket(
    ticket_id: str, session: SessionDep, user: CurrentUser
) -> FundingTicketThreadOut:
    """Return a ticket with its thread."""
    ticket, messages = await tickets.get_ticket(session, user=user, ticket_id=ticket_id)
    return FundingTicketThreadOut.of_thread(ticket, messages)


@router.post("/tickets/{ticket_id}/messages", status_code=status.HTTP_201_CREATED)
async def reply(
    ticket_id: str,
    body: FundingTicketMessageIn,
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
) -> FundingTicketThreadOut:
    """Add a message to a ticket's thread."""
    await tickets.reply(session, user=user, ticket_id=ticket_id, message=body, now=now)
    ticket, messages = await tickets.get_ticket(session, user=user, ticket_id=ticket_id)
    return FundingTicketThreadOut.of_thread(ticket, messages)


@router.post("/tickets/{ticket_id}/status")
async def ticket_status(
    ticket_id: str,
    body: FundingTicketStatusIn,
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
) -> FundingTicketOut:
    """Close or reopen a ticket."""
    ticket = await tickets.set_status(
        session, user=user, ticket_id=ticket_id, target=body.status, now=now
    )
    return FundingTicketOut.of(ticket)
