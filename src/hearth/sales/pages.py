"""The pages of regular sale: the cart, checkout and its outcome, a fan's return; and in the
partner's console, products on sale (price, per-order limit, variants and stock) and
returns to answer.

A refused form re-renders its page with the problem named and the fields kept. The buy box
(``sales/_buy.html``) is a partial other pages include with a ``ListingView`` as ``buy``;
the store page gets one per product on sale from ``store_panel``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts import addresses
from hearth.accounts.models import User
from hearth.accounts.roles import Capability
from hearth.errors import HearthError, InvalidInput
from hearth.funding import orders, pledges
from hearth.funding.deps import ProviderDep
from hearth.funding.schemas import BackerCardOut, FundingOrderOut
from hearth.kit.ids import new_id
from hearth.sales import cart, catalog, checkout, returns
from hearth.sales.rules import RETURN_WINDOW, return_open_until
from hearth.sales.schemas import (
    AddForm,
    CheckoutForm,
    DeclineForm,
    ListingForm,
    QuantityForm,
    ReturnForm,
    VariantForm,
)
from hearth.web.deps import CurrentUser, HearthDep, NowDep, SessionDep, requires
from hearth.web.templating import render

router = APIRouter(include_in_schema=False)
Partner = Annotated[User, Depends(requires(Capability.PARTNER_CONSOLE))]


def back(url: str) -> Response:
    """Send the browser on to ``url`` after a form (303: the next request is a GET)."""
    return RedirectResponse(url, status_code=303)


def _count(text: str, field: str) -> int:
    """Read a whole number typed in a form, or raise ``InvalidInput`` naming the field."""
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        raise InvalidInput.fields([{"field": field, "message": "a whole number"}])
    return int(text)


# -- the cart -------------------------------------------------------------------------------


async def _cart_page(
    request: Request,
    session: AsyncSession,
    user: User,
    *,
    error: str | None = None,
    added: bool = False,
    status_code: int = 200,
) -> Response:
    groups = cart.grouped(await cart.lines(session, user_id=user.id))
    return render(
        request,
        "sales/cart.html",
        user=user,
        active="store",
        groups=groups,
        error=error,
        added=added,
        status_code=status_code,
    )


@router.get("/cart")
async def cart_page(
    request: Request, session: SessionDep, user: CurrentUser, added: bool = False
) -> Response:
    return await _cart_page(request, session, user, added=added)


@router.post("/cart")
async def cart_add(
    request: Request,
    form: Annotated[AddForm, Form()],
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
) -> Response:
    try:
        quantity = _count(form.quantity or "1", "quantity")
        async with session.begin_nested():
            await cart.add(
                session, user=user, variant_id=form.variant_id, quantity=quantity, now=now
            )
    except HearthError as err:
        return await _cart_page(request, session, user, error=err.sentence, status_code=err.status)
    return back("/cart?added=true")


@router.post("/cart/{line_id}")
async def cart_change(
    request: Request,
    line_id: str,
    form: Annotated[QuantityForm, Form()],
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
) -> Response:
    try:
        quantity = _count(form.quantity, "quantity")
        async with session.begin_nested():
            await cart.change(session, user=user, line_id=line_id, quantity=quantity, now=now)
    except InvalidInput as err:
        return await _cart_page(request, session, user, error=err.sentence, status_code=err.status)
    return back("/cart")


@router.post("/cart/{line_id}/remove")
async def cart_remove(line_id: str, session: SessionDep, user: CurrentUser) -> Response:
    await cart.remove(session, user=user, line_id=line_id)
    return back("/cart")


# -- checkout -------------------------------------------------------------------------------


async def _checkout_page(
    request: Request,
    session: AsyncSession,
    user: User,
    *,
    values: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    groups = cart.grouped(await cart.lines(session, user_id=user.id))
    saved = await addresses.list_addresses(session, user=user)
    cards = [BackerCardOut.of(c) for c in await pledges.cards(session, user=user)]
    chosen = dict(values or {})
    chosen.setdefault("address_id", saved[0].id if saved else "")
    chosen.setdefault("card_id", cards[0].id if cards else "")
    return render(
        request,
        "sales/checkout.html",
        user=user,
        active="store",
        groups=groups,
        addresses=saved,
        cards=cards,
        values=chosen,
        key=chosen.get("key") or new_id("key"),
        error=error,
        status_code=status_code,
    )


@router.get("/checkout")
async def checkout_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    return await _checkout_page(request, session, user)


@router.post("/checkout")
async def checkout_post(
    request: Request,
    form: Annotated[CheckoutForm, Form()],
    session: SessionDep,
    hearth: HearthDep,
    user: CurrentUser,
    now: NowDep,
    provider: ProviderDep,
) -> Response:
    values = form.model_dump()
    await session.commit()
    try:
        if not form.address_id or not form.card_id or not form.key:
            raise InvalidInput("Choose an address and a card to pay with.")
        done = await checkout.checkout(
            hearth.sessions,
            provider,
            hearth.publish,
            user=user,
            address_id=form.address_id,
            card_id=form.card_id,
            idempotency_key=form.key,
            commission_bp=hearth.settings.commission_bp,
            now=now,
        )
    except HearthError as err:
        values["key"] = ""  # what was refused took nothing: the next try is a new checkout
        async with hearth.sessions() as fresh:
            return await _checkout_page(
                request, fresh, user, values=values, error=err.sentence, status_code=err.status
            )
    return back(f"/checkouts/{done.checkout.id}")


@router.get("/checkouts/{checkout_id}")
async def checkout_done(
    request: Request, checkout_id: str, session: SessionDep, user: CurrentUser
) -> Response:
    done = await checkout.result(session, user=user, checkout_id=checkout_id)
    return render(request, "sales/checkout_done.html", user=user, active="store", done=done)


# -- returns (the fan) ------------------------------------------------------------------------


async def _return_page(
    request: Request,
    session: AsyncSession,
    user: User,
    order_id: str,
    now: datetime,
    *,
    values: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    line = await orders.backer_order(session, user=user, order_id=order_id)
    asked = await returns.of_order(session, user=user, order_id=order_id)
    until = return_open_until(line.order.delivered_at)
    return render(
        request,
        "sales/return.html",
        user=user,
        active="store",
        o=FundingOrderOut.of(line),
        asked=asked,
        until=until,
        open=until is not None and now < until and line.order.status == "delivered",
        days=RETURN_WINDOW.days,
        values=values or {},
        key=(values or {}).get("key") or new_id("key"),
        error=error,
        status_code=status_code,
    )


@router.get("/orders/{order_id}/return")
async def return_page(
    request: Request, order_id: str, session: SessionDep, user: CurrentUser, now: NowDep
) -> Response:
    return await _return_page(request, session, user, order_id, now)


@router.post("/orders/{order_id}/return")
async def return_post(
    request: Request,
    order_id: str,
    form: Annotated[ReturnForm, Form()],
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
) -> Response:
    try:
        async with session.begin_nested():
            await returns.request(
                session,
                user=user,
                order_id=order_id,
                reason=form.reason,
                idempotency_key=form.key or new_id("key"),
                now=now,
            )
    except HearthError as err:
        if err.status == 404:
            raise
        return await _return_page(
            request,
            session,
            user,
            order_id,
            now,
            values=form.model_dump(),
            error=err.sentence,
            status_code=err.status,
        )
    return back(f"/orders/{order_id}/return")


# -- the partner's console ----------------------------------------------------------------------


@router.get("/partner/sales")
async def partner_sales(request: Request, session: SessionDep, user: Partner) -> Response:
    views = await catalog.partner_views(session, user=user)
    return render(request, "sales/partner_sales.html", user=user, active="partner", views=views)


async def _listing_page(
    request: Request,
    session: AsyncSession,
    user: User,
    listing_id: str,
    *,
    form: str = "",
    values: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    row = await catalog.own_listing(session, user=user, listing_id=listing_id)
    return render(
        request,
        "sales/partner_listing.html",
        user=user,
        active="partner",
        view=await catalog.listing(session, listing_id=row.id),
        form=form,
        values=values or {},
        error=error,
        status_code=status_code,
    )


@router.get("/partner/sales/{listing_id}")
async def partner_listing(
    request: Request, listing_id: str, session: SessionDep, user: Partner
) -> Response:
    return await _listing_page(request, session, user, listing_id)


@router.post("/partner/sales/{listing_id}")
async def partner_listing_change(
    request: Request,
    listing_id: str,
    form: Annotated[ListingForm, Form()],
    session: SessionDep,
    user: Partner,
) -> Response:
    try:
        per_order = _count(form.per_order, "per_order") if form.per_order.strip() else None
        async with session.begin_nested():
            await catalog.change_listing(
                session,
                user=user,
                listing_id=listing_id,
                price=form.price.strip() or None,
                per_order=per_order,
            )
    except InvalidInput as err:
        return await _listing_page(
            request,
            session,
            user,
            listing_id,
            form="listing",
            values=form.model_dump(),
            error=err.sentence,
            status_code=err.status,
        )
    return back(f"/partner/sales/{listing_id}")


@router.post("/partner/sales/{listing_id}/variants")
async def partner_variant_add(
    request: Request,
    listing_id: str,
    form: Annotated[VariantForm, Form()],
    session: SessionDep,
    user: Partner,
    now: NowDep,
) -> Response:
    try:
        stock = _count(form.stock, "stock")
        async with session.begin_nested():
            await catalog.add_variant(
                session, user=user, listing_id=listing_id, name=form.name, stock=stock, now=now
            )
    except HearthError as err:
        if err.status == 404:
            raise
        return await _listing_page(
            request,
            session,
            user,
            listing_id,
            form="variant",
            values=form.model_dump(),
            error=err.sentence,
            status_code=err.status,
        )
    return back(f"/partner/sales/{listing_id}")


@router.post("/partner/sales/{listing_id}/variants/{variant_id}")
async def partner_variant_change(
    request: Request,
    listing_id: str,
    variant_id: str,
    form: Annotated[VariantForm, Form()],
    session: SessionDep,
    user: Partner,
    now: NowDep,
) -> Response:
    try:
        stock = _count(form.stock, "stock") if form.stock.strip() else None
        async with session.begin_nested():
            await catalog.change_variant(
                session,
                user=user,
                listing_id=listing_id,
                variant_id=variant_id,
                name=form.name.strip() or None,
                stock=stock,
                now=now,
            )
    except InvalidInput as err:
        return await _listing_page(
            request,
            session,
            user,
            listing_id,
            form=variant_id,
            values=form.model_dump(),
            error=err.sentence,
            status_code=err.status,
        )
    return back(f"/partner/sales/{listing_id}")


async def _returns_page(
    request: Request,
    session: AsyncSession,
    user: User,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    rows = await returns.partner_returns(session, user=user)
    return render(
        request,
        "sales/partner_returns.html",
        user=user,
        active="partner",
        rows=[
            (r, FundingOrderOut.of(await orders.partner_order(session, user=user, order_id=o.id)))
            for r, o in rows
        ],
        error=error,
        status_code=status_code,
    )


@router.get("/partner/returns")
async def partner_returns(request: Request, session: SessionDep, user: Partner) -> Response:
    return await _returns_page(request, session, user)


@router.post("/partner/returns/{return_id}/accept")
async def partner_return_accept(
    request: Request,
    return_id: str,
    session: SessionDep,
    hearth: HearthDep,
    user: Partner,
    now: NowDep,
    provider: ProviderDep,
) -> Response:
    await session.commit()
    try:
        await returns.accept(
            hearth.sessions,
            provider,
            hearth.publish,
            user=user,
            return_id=return_id,
            idempotency_key=f"page:{return_id}",
            now=now,
        )
    except HearthError as err:
        if err.status == 404:
            raise
        async with hearth.sessions() as fresh:
            return await _returns_page(
                request, fresh, user, error=err.sentence, status_code=err.status
            )
    return back("/partner/returns")


@router.post("/partner/returns/{return_id}/decline")
async def partner_return_decline(
    request: Request,
    return_id: str,
    form: Annotated[DeclineForm, Form()],
    session: SessionDep,
    user: Partner,
    now: NowDep,
) -> Response:
    try:
        async with session.begin_nested():
            await returns.decline(
                session, user=user, return_id=return_id, answer=form.answer, now=now
            )
    except HearthError as err:
        if err.status == 404:
            raise
        return await _returns_page(
            request, session, user, error=err.sentence, status_code=err.status
        )
    return back("/partner/returns")


# -- for the partner's store page (hearth.mall) -------------------------------------------------


async def product_panel(session: AsyncSession, *, product_id: str, now: datetime) -> dict[str, Any]:
    """Context for a product's public page: the buy box of each of its listings."""
    return {"sale_buys": await catalog.product_views(session, product_id=product_id)}


async def store_panel(session: AsyncSession, *, partner_id: str, now: datetime) -> dict[str, Any]:
    """Context for a partner's store page: a buy box per product on sale."""
    views = await catalog.store_views(session, partner_id=partner_id)
    return {"sale_buy": {v.listing.id: v for v in views}}
