"""The pages of a backer managing pledges: their pledges, one pledge in full (the reward,
where it ships, the card, what happens next, receipts), changing the address and the card,
paying a declined charge again with a card added on the spot, saved cards on the pledge
page and on the account page, and receipts as pages and PDFs.

Every form posts back here. A refusal re-renders the page it came from with the reason in
a sentence beside the form and every field as it was typed; a change that worked comes
back to its section of the page with a sentence saying so.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts import addresses
from hearth.accounts import pages as account_pages
from hearth.accounts.models import User
from hearth.errors import (
    AuthenticationRequired,
    AuthError,
    HearthError,
    InvalidInput,
    NotFound,
    PaymentDeclined,
    ProviderTimeout,
    ProviderUnavailable,
)
from hearth.funding import backing, outcome, pledges, receipts
from hearth.funding.api_backing import pdf_response, receipt_time
from hearth.funding.deps import ProviderDep
from hearth.funding.pledge_rules import decline_words
from hearth.funding.schemas import BackerCardOut
from hearth.funding.schemas_backing import (
    NEW,
    CardChoiceForm,
    NewCardForm,
    PledgeAddressForm,
    PledgeDetailOut,
    ReceiptOut,
)
from hearth.outbox import unit_of_work
from hearth.web.deps import CurrentUser, HearthDep, NowDep, SessionDep
from hearth.web.templating import render

router = APIRouter(include_in_schema=False)
# What the pledge page says after a change that worked, by the ``done`` it is sent.
DONE = {
    "address": "The reward ships to the new address.",
    "card": "The pledge is paid with that card from now on.",
    "paid": "Paid. Your order is made, and its receipt is below.",
    "card-removed": "The card is removed.",
}


def _see_other(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


def say(err: HearthError) -> str:
    """Say why a form was refused, in a sentence for the backer."""
    if isinstance(err, PaymentDeclined):
        return (
            f"The card was refused: {decline_words(err.decline_code, err.message)}. "
            "Try another card."
        )
    if isinstance(err, AuthenticationRequired):
        return "Your bank wants to confirm this payment. Try again, or use another card."
    if isinstance(err, ProviderTimeout):
        return "The payment provider did not answer in time. Look at the pledge again in a minute."
    if isinstance(err, ProviderUnavailable):
        return "The payment provider is not answering; nothing was charged. Try again in a minute."
    return err.sentence


def _passes_through(err: HearthError) -> bool:
    """Tell whether an error is about who is asking, not what they typed: such errors get
    hearth's own answer (404, sign in), never a form shown again."""
    return isinstance(err, NotFound | AuthError)


async def _card_id(
    hearth: Any, provider: Any, *, user: User, form: CardChoiceForm, now: datetime
) -> str | None:
    """Return the card a form picked (None: none picked, the pledge's own), saving a new
    one with the provider first (no transaction is open during that call)."""
    if form.wants_new:
        key = form.idempotency_key or secrets.token_hex(16)
        card = await pledges.save_card(
            hearth.sessions,
            provider,
            user_id=user.id,
            token=form.card_number,
            idempotency_key=f"form:{key}",
            now=now,
        )
        return card.id
    if form.card_id == NEW:
        raise InvalidInput.fields(
            [{"field": "card_number", "message": "type the new card's number, or pick a card"}]
        )
    return form.card_id or None


async def pledge_page(
    request: Request,
    session: AsyncSession,
    user: User,
    pledge_id: str,
    now: datetime,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    """Render a pledge's page, with what a refused form said and held."""
    view = await backing.pledge_view(session, user=user, pledge_id=pledge_id)
    uses = await backing.card_uses(session, user=user, now=now)
    return render(
        request,
        "funding/pledge.html",
        user=user,
        active="store",
        p=PledgeDetailOut.of_view(view, now),
        cards=[BackerCardOut.of(c) for c in await pledges.cards(session, user=user)],
        uses=uses,
        saved_addresses=await addresses.list_addresses(session, user=user),
        done=DONE.get(request.query_params.get("done", "")),
        errors=errors or {},
        values=values or {},
        new_key=secrets.token_hex(16),
        status_code=status_code,
    )


async def _refused(
    request: Request,
    hearth: Any,
    user: User,
    pledge_id: str,
    now: datetime,
    err: HearthError,
    *,
    form: str,
    kept: dict[str, str],
) -> Response:
    """Show the pledge page again after ``err``, in a fresh session."""
    async with hearth.sessions() as fresh:
        return await pledge_page(
            request,
            fresh,
            user,
            pledge_id,
            now,
            errors={form: say(err)},
            values={form: kept},
            status_code=err.status,
        )


@router.get("/pledges")
async def pledges_page(
    request: Request, session: SessionDep, user: CurrentUser, now: NowDep
) -> Response:
    views = await backing.pledge_views(session, user=user)
    return render(
        request,
        "funding/pledges.html",
        user=user,
        active="store",
        pledges=[PledgeDetailOut.of_view(v, now) for v in views],
    )


@router.get("/pledges/{pledge_id}")
async def pledge_view(
    request: Request, pledge_id: str, session: SessionDep, user: CurrentUser, now: NowDep
) -> Response:
    return await pledge_page(request, session, user, pledge_id, now)


@router.post("/pledges/{pledge_id}/retry")
async def pledge_retry(
    request: Request,
    pledge_id: str,
    form: Annotated[CardChoiceForm, Form()],
    session: SessionDep,
    hearth: HearthDep,
    user: CurrentUser,
    now: NowDep,
    provider: ProviderDep,
) -> Response:
    """Pay a declined pledge now: with a saved card, or a new one added in the same step."""
    await backing.pledge_view(session, user=user, pledge_id=pledge_id)  # the backer's own
    await session.commit()  # no transaction stays open across the provider's calls
    try:
        card_id = await _card_id(hearth, provider, user=user, form=form, now=now)
        await outcome.retry_payment(
            hearth.sessions,
            provider,
            hearth.publish,
            user=user,
            pledge_id=pledge_id,
            card_id=card_id,
            commission_bp=hearth.settings.commission_bp,
            now=now,
        )
    except HearthError as err:
        if isinstance(err, AuthError):
            raise
        return await _refused(
            request, hearth, user, pledge_id, now, err, form="retry", kept=form.kept()
        )
    return _see_other(f"/pledges/{pledge_id}?done=paid#receipts")


@router.post("/pledges/{pledge_id}/address")
async def pledge_address(
    request: Request,
    pledge_id: str,
    form: Annotated[PledgeAddressForm, Form()],
    hearth: HearthDep,
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
) -> Response:
    """Ship the reward to a saved address or one typed here."""
    await backing.pledge_view(session, user=user, pledge_id=pledge_id)  # the backer's own
    await session.commit()
    try:
        async with unit_of_work(hearth.sessions, hearth.publish) as own:
            await backing.change_address(
                own,
                user=user,
                pledge_id=pledge_id,
                now=now,
                shipping=form.shipping() if form.address_id == NEW else None,
                address_id=None if form.address_id == NEW else form.address_id,
            )
    except HearthError as err:
        if isinstance(err, AuthError):
            raise
        return await _refused(
            request, hearth, user, pledge_id, now, err, form="address", kept=form.kept()
        )
    return _see_other(f"/pledges/{pledge_id}?done=address#address")


@router.post("/pledges/{pledge_id}/card")
async def pledge_card(
    request: Request,
    pledge_id: str,
    form: Annotated[CardChoiceForm, Form()],
    session: SessionDep,
    hearth: HearthDep,
    user: CurrentUser,
    now: NowDep,
    provider: ProviderDep,
) -> Response:
    """Pay the pledge with another saved card, or a new one added here."""
    await backing.pledge_view(session, user=user, pledge_id=pledge_id)  # the backer's own
    await session.commit()
    try:
        card_id = await _card_id(hearth, provider, user=user, form=form, now=now)
        if card_id is None:
            raise InvalidInput.fields([{"field": "card_id", "message": "pick a card"}])
        async with unit_of_work(hearth.sessions, hearth.publish) as own:
            await backing.change_card(own, user=user, pledge_id=pledge_id, card_id=card_id, now=now)
    except HearthError as err:
        if isinstance(err, AuthError):
            raise
        return await _refused(
            request, hearth, user, pledge_id, now, err, form="card", kept=form.kept()
        )
    return _see_other(f"/pledges/{pledge_id}?done=card#card")


@router.post("/pledges/{pledge_id}/cards/{card_id}/remove")
async def pledge_card_remove(
    request: Request,
    pledge_id: str,
    card_id: str,
    session: SessionDep,
    hearth: HearthDep,
    user: CurrentUser,
    now: NowDep,
) -> Response:
    """Remove a saved card from the pledge page; a card in use says which pledge it pays."""
    await backing.pledge_view(session, user=user, pledge_id=pledge_id)
    try:
        await backing.remove_card(session, user=user, card_id=card_id, now=now)
    except HearthError as err:
        if _passes_through(err):
            raise
        return await pledge_page(
            request,
            session,
            user,
            pledge_id,
            now,
            errors={"cards": say(err)},
            status_code=err.status,
        )
    return _see_other(f"/pledges/{pledge_id}?done=card-removed#cards")


# -- the account page's saved cards ------------------------------------------------------


async def cards_panel(
    session: AsyncSession, *, user: User, errors: dict[str, dict[str, str]]
) -> dict[str, Any]:
    """Context for ``funding/_account_cards.html`` on the account page."""
    return {
        "saved_cards": [BackerCardOut.of(c) for c in await pledges.cards(session, user=user)],
        "card_uses": await backing.card_uses(session, user=user, now=None),
        "card_key": secrets.token_hex(16),
    }


@router.post("/account/cards")
async def account_card_add(
    request: Request,
    form: Annotated[NewCardForm, Form()],
    session: SessionDep,
    hearth: HearthDep,
    user: CurrentUser,
    now: NowDep,
    provider: ProviderDep,
) -> Response:
    """Save a card from the account page (the provider checks it; nothing is charged)."""
    await session.commit()
    try:
        if not form.card_number.strip():
            raise InvalidInput.fields(
                [{"field": "card_number", "message": "type the card's number"}]
            )
        await pledges.save_card(
            hearth.sessions,
            provider,
            user_id=user.id,
            token=form.card_number,
            idempotency_key=f"form:{form.idempotency_key or secrets.token_hex(16)}",
            now=now,
        )
    except HearthError as err:
        if _passes_through(err):
            raise
        async with hearth.sessions() as fresh:
            return await account_pages.account_page(
                request,
                fresh,
                user,
                errors={"cards": {"card_number": say(err)}},
                values={"cards": {"card_number": form.card_number}},
                status_code=err.status,
            )
    return _see_other("/account?done=card-added#cards")


@router.post("/account/cards/{card_id}/remove")
async def account_card_remove(
    request: Request, card_id: str, session: SessionDep, user: CurrentUser, now: NowDep
) -> Response:
    """Remove a saved card from the account page."""
    try:
        await backing.remove_card(session, user=user, card_id=card_id, now=now)
    except HearthError as err:
        if _passes_through(err):
            raise
        return await account_pages.account_page(
            request, session, user, errors={"cards": {"form": say(err)}}, status_code=err.status
        )
    return _see_other("/account?done=card-removed#cards")


# -- receipts -----------------------------------------------------------------------------


@router.get("/receipts/{receipt_id}")
async def receipt_page(
    request: Request, receipt_id: str, session: SessionDep, user: CurrentUser
) -> Response:
    found = await receipts.receipt(session, user=user, receipt_id=receipt_id)
    return render(
        request,
        "funding/receipt.html",
        user=user,
        active="store",
        r=ReceiptOut.of(found),
        written=receipt_time(request, found),
    )


@router.get("/receipts/{receipt_id}/receipt.pdf")
async def receipt_pdf_page(
    request: Request, receipt_id: str, session: SessionDep, user: CurrentUser
) -> Response:
    found = await receipts.receipt(session, user=user, receipt_id=receipt_id)
    return pdf_response(request, found)
