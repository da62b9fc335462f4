"""JSON API of regular sale: listings (anyone reads them; their partner changes them), the
cart, checkout, returns.

Routes that call the payment provider end the request's own transaction first: a provider
call is a network round trip and must never hold database locks (see docs/payments.md).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from hearth.accounts.models import User
from hearth.accounts.roles import Capability
from hearth.errors import Conflict, InvalidInput, NotFound, PaymentError
from hearth.funding.deps import IdempotencyKey, ProviderDep
from hearth.sales import cart, catalog, checkout, returns
from hearth.sales.rules import ReturnState
from hearth.sales.schemas import (
    CartLineChangeIn,
    CartLineIn,
    CartLineOut,
    CartOut,
    CheckoutIn,
    CheckoutOut,
    ListingChangeIn,
    PartnerReturnOut,
    ReturnDeclineIn,
    ReturnIn,
    ReturnOut,
    SaleListingOut,
    VariantChangeIn,
    VariantIn,
    VariantOut,
)
from hearth.web.deps import CurrentUser, HearthDep, NowDep, SessionDep, requires
from hearth.web.openapi import answers

router = APIRouter(tags=["sales"])
Partner = Annotated[User, Depends(requires(Capability.PARTNER_CONSOLE))]


# -- listings ------------------------------------------------------------------------------


@router.get(
    "/listings/{listing_id}",
    response_model=SaleListingOut,
    summary="Read a product on sale",
    responses=answers(NotFound),
)
async def get_listing(listing_id: str, session: SessionDep) -> SaleListingOut:
    """Return a graduated product's price, per-order limit and variants with stock (public)."""
    return SaleListingOut.of(await catalog.listing(session, listing_id=listing_id))


@router.get(
    "/partner/listings",
    response_model=list[SaleListingOut],
    summary="List your products on sale",
)
async def partner_listings(session: SessionDep, user: Partner) -> list[SaleListingOut]:
    """List your partner's products on regular sale."""
    return [SaleListingOut.of(v) for v in await catalog.partner_views(session, user=user)]


@router.get(
    "/partner/listings/{listing_id}",
    response_model=SaleListingOut,
    summary="Read one of your products on sale",
    responses=answers(NotFound),
)
async def partner_listing(listing_id: str, session: SessionDep, user: Partner) -> SaleListingOut:
    """Return one of your partner's listings."""
    row = await catalog.own_listing(session, user=user, listing_id=listing_id)
    return SaleListingOut.of(await catalog.listing(session, listing_id=row.id))


@router.patch(
    "/partner/listings/{listing_id}",
    response_model=SaleListingOut,
    summary="Change a price or per-order limit",
    responses=answers(NotFound, InvalidInput),
)
async def change_listing(
    listing_id: str, body: ListingChangeIn, session: SessionDep, user: Partner
) -> SaleListingOut:
    """Change the price (carts show the change) or the most one order may take."""
    view = await catalog.change_listing(
        session, user=user, listing_id=listing_id, price=body.price, per_order=body.per_order
    )
    return SaleListingOut.of(view)


@router.post(
    "/partner/listings/{listing_id}/variants",
    response_model=VariantOut,
    status_code=status.HTTP_201_CREATED,
    summary="Add a variant",
    responses=answers(NotFound, InvalidInput, Conflict),
)
async def add_variant(
    listing_id: str, body: VariantIn, session: SessionDep, user: Partner, now: NowDep
) -> VariantOut:
    """Add a variant (a colour, a size) with its own stock."""
    made = await catalog.add_variant(
        session, user=user, listing_id=listing_id, name=body.name, stock=body.stock, now=now
    )
    return VariantOut.of(made)


@router.patch(
    "/partner/listings/{listing_id}/variants/{variant_id}",
    response_model=VariantOut,
    summary="Rename a variant or set its stock",
    responses=answers(NotFound, InvalidInput),
)
async def change_variant(
    listing_id: str,
    variant_id: str,
    body: VariantChangeIn,
    session: SessionDep,
    user: Partner,
    now: NowDep,
) -> VariantOut:
    """Rename a variant or set its stock to what is on the shelf now."""
    changed = await catalog.change_variant(
        session,
        user=user,
        listing_id=listing_id,
        variant_id=variant_id,
        name=body.name,
        stock=body.stock,
        now=now,
    )
    return VariantOut.of(changed)


# -- the cart ------------------------------------------------------------------------------


@router.get("/cart", response_model=CartOut, summary="Read your cart")
async def get_cart(session: SessionDep, user: CurrentUser) -> CartOut:
    """Return your cart by store, with what changed since each line was added."""
    return CartOut.of(cart.grouped(await cart.lines(session, user_id=user.id)))


async def _line(session: SessionDep, user: User, line_id: str) -> CartLineOut:
    found = next(x for x in await cart.lines(session, user_id=user.id) if x.line.id == line_id)
    return CartLineOut.of(found)


@router.post(
    "/cart/lines",
    response_model=CartLineOut,
    status_code=status.HTTP_201_CREATED,
    summary="Add to your cart",
    responses=answers(NotFound, InvalidInput, Conflict),
)
async def add_line(
    body: CartLineIn, session: SessionDep, user: CurrentUser, now: NowDep
) -> CartLineOut:
    """Put a variant in your cart (added to what is there); nothing is reserved yet."""
    line = await cart.add(
        session, user=user, variant_id=body.variant_id, quantity=body.quantity, now=now
    )
    return await _line(session, user, line.id)


@router.patch(
    "/cart/lines/{line_id}",
    response_model=CartLineOut,
    summary="Change a quantity in your cart",
    responses=answers(NotFound, InvalidInput),
)
async def change_line(
    line_id: str, body: CartLineChangeIn, session: SessionDep, user: CurrentUser, now: NowDep
) -> CartLineOut:
    """Set a line's quantity."""
    await cart.change(session, user=user, line_id=line_id, quantity=body.quantity, now=now)
    return await _line(session, user, line_id)


@router.delete(
    "/cart/lines/{line_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Take a line out of your cart",
    responses=answers(NotFound),
)
async def remove_line(line_id: str, session: SessionDep, user: CurrentUser) -> Response:
    """Take a line out of your cart."""
    await cart.remove(session, user=user, line_id=line_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- checkout ------------------------------------------------------------------------------


@router.post(
    "/checkout",
    response_model=CheckoutOut,
    status_code=status.HTTP_201_CREATED,
    summary="Check out your cart",
    responses=answers(NotFound, Conflict, PaymentError),
)
async def post_checkout(
    body: CheckoutIn,
    response: Response,
    session: SessionDep,
    hearth: HearthDep,
    user: CurrentUser,
    now: NowDep,
    provider: ProviderDep,
    key: IdempotencyKey,
) -> CheckoutOut:
    """Pay for your cart with a saved card, one order per store, shipped to a saved
    address. Stock is reserved first; a store whose payment is declined gets its units
    back and stays in your cart. The same Idempotency-Key returns the first checkout (200)."""
    await session.commit()
    done = await checkout.checkout(
        hearth.sessions,
        provider,
        hearth.publish,
        user=user,
        address_id=body.address_id,
        card_id=body.card_id,
        idempotency_key=key,
        commission_bp=hearth.settings.commission_bp,
        now=now,
    )
    if not done.new:
        response.status_code = status.HTTP_200_OK
    return CheckoutOut.of(done)


@router.get(
    "/checkouts/{checkout_id}",
    response_model=CheckoutOut,
    summary="Read one of your checkouts",
    responses=answers(NotFound),
)
async def get_checkout(checkout_id: str, session: SessionDep, user: CurrentUser) -> CheckoutOut:
    """Return what became of each store's share of one of your checkouts."""
    return CheckoutOut.of(await checkout.result(session, user=user, checkout_id=checkout_id))


# -- returns -------------------------------------------------------------------------------


@router.post(
    "/orders/{order_id}/return",
    response_model=ReturnOut,
    status_code=status.HTTP_201_CREATED,
    summary="Ask to return a store order",
    responses=answers(NotFound, Conflict, InvalidInput),
)
async def ask_return(
    order_id: str,
    body: ReturnIn,
    response: Response,
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
    key: IdempotencyKey,
) -> ReturnOut:
    """Ask to return a delivered store order within the return window; the same
    Idempotency-Key returns the first request (200)."""
    asked = await returns.request(
        session, user=user, order_id=order_id, reason=body.reason, idempotency_key=key, now=now
    )
    if not asked.new:
        response.status_code = status.HTTP_200_OK
    return ReturnOut.of(asked.row)


@router.get(
    "/orders/{order_id}/return",
    response_model=ReturnOut,
    summary="Read the return of one of your orders",
    responses=answers(NotFound),
)
async def get_return(order_id: str, session: SessionDep, user: CurrentUser) -> ReturnOut:
    """Return the return asked for on one of your orders."""
    row = await returns.of_order(session, user=user, order_id=order_id)
    if row is None:
        raise NotFound("No return was asked for on this order.")
    return ReturnOut.of(row)


@router.get(
    "/partner/returns",
    response_model=list[PartnerReturnOut],
    summary="List returns of your store orders",
)
async def partner_returns(
    session: SessionDep, user: Partner, state: ReturnState | None = None
) -> list[PartnerReturnOut]:
    """List the returns fans asked for on your partner's orders, newest first."""
    rows = await returns.partner_returns(session, user=user, state=state)
    return [
        PartnerReturnOut.of_order(r, o.amount, o.currency, str(o.shipping.get("name", "")))
        for r, o in rows
    ]


@router.post(
    "/partner/returns/{return_id}/accept",
    response_model=ReturnOut,
    summary="Accept a return and refund",
    responses=answers(NotFound, Conflict, PaymentError),
)
async def accept_return(
    return_id: str,
    session: SessionDep,
    hearth: HearthDep,
    user: Partner,
    now: NowDep,
    provider: ProviderDep,
    key: IdempotencyKey,
) -> ReturnOut:
    """Accept a return: what is left of the order is refunded to the fan's card."""
    await session.commit()
    row = await returns.accept(
        hearth.sessions,
        provider,
        hearth.publish,
        user=user,
        return_id=return_id,
        idempotency_key=key,
        now=now,
    )
    return ReturnOut.of(row)


@router.post(
    "/partner/returns/{return_id}/decline",
    response_model=ReturnOut,
    summary="Decline a return",
    responses=answers(NotFound, Conflict, InvalidInput),
)
async def decline_return(
    return_id: str, body: ReturnDeclineIn, session: SessionDep, user: Partner, now: NowDep
) -> ReturnOut:
    """Decline a return with a reason the fan reads."""
    row = await returns.decline(
        session, user=user, return_id=return_id, answer=body.answer, now=now
    )
    return ReturnOut.of(row)
