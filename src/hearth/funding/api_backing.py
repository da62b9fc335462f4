"""JSON API of a backer managing pledges: a pledge in full, its address and card, saved
cards removed; and receipts of orders of both channels (one, all, an order's, or as a
PDF)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from hearth.errors import Conflict, InvalidInput
from hearth.funding import backing, receipts
from hearth.funding.receipt_pdf import receipt_pdf
from hearth.funding.schemas_backing import (
    PledgeAddressIn,
    PledgeCardIn,
    PledgeDetailOut,
    ReceiptOut,
)
from hearth.kit import times
from hearth.web import timefmt
from hearth.web.deps import CurrentUser, NowDep, SessionDep
from hearth.web.openapi import answers

router = APIRouter(tags=["funding"])


@router.get("/pledges/{pledge_id}", summary="Return one of the caller's pledges in full")
async def get_pledge(
    pledge_id: str, session: SessionDep, user: CurrentUser, now: NowDep
) -> PledgeDetailOut:
    """Return one of the caller's pledges: reward, store, card, total, what happens next,
    what may still change, and its receipts."""
    view = await backing.pledge_view(session, user=user, pledge_id=pledge_id)
    return PledgeDetailOut.of_view(view, now)


@router.put(
    "/pledges/{pledge_id}/shipping",
    summary="Ship a pledge's reward to another address",
    responses=answers(Conflict, InvalidInput),
)
async def change_shipping(
    pledge_id: str, body: PledgeAddressIn, session: SessionDep, user: CurrentUser, now: NowDep
) -> PledgeDetailOut:
    """Ship the reward to one of the caller's saved addresses or a new one, until it ships."""
    view = await backing.change_address(
        session,
        user=user,
        pledge_id=pledge_id,
        now=now,
        shipping=body.shipping.model_dump() if body.shipping is not None else None,
        address_id=body.address_id,
    )
    return PledgeDetailOut.of_view(view, now)


@router.put(
    "/pledges/{pledge_id}/card",
    summary="Pay a pledge with another saved card",
    responses=answers(Conflict),
)
async def change_card(
    pledge_id: str, body: PledgeCardIn, session: SessionDep, user: CurrentUser, now: NowDep
) -> PledgeDetailOut:
    """Charge another of the caller's saved cards, any time before the charge and during
    the retry window of a declined one (``POST /pledges/{id}/retry`` pays at once)."""
    view = await backing.change_card(
        session, user=user, pledge_id=pledge_id, card_id=body.card_id, now=now
    )
    return PledgeDetailOut.of_view(view, now)


@router.delete(
    "/cards/{card_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a saved card",
    responses=answers(Conflict),
)
async def remove_card(card_id: str, session: SessionDep, user: CurrentUser, now: NowDep) -> None:
    """Stop offering a saved card; refused (409, naming the pledge) while an open pledge
    would be charged with it."""
    await backing.remove_card(session, user=user, card_id=card_id, now=now)


@router.get("/receipts", summary="List the caller's receipts")
async def list_receipts(
    session: SessionDep, user: CurrentUser, order_id: str | None = None
) -> list[ReceiptOut]:
    """Return a receipt for every charge and refund of the caller's orders, pledges' and
    store orders' alike, newest first (of one order with ``order_id``)."""
    rows = await receipts.receipts(session, user=user, order_id=order_id)
    return [ReceiptOut.of(r) for r in rows]


@router.get(
    "/orders/{order_id}/receipts",
    response_model=list[ReceiptOut],
    summary="List the receipts of one of the caller's orders",
)
async def order_receipts(order_id: str, session: SessionDep, user: CurrentUser) -> list[ReceiptOut]:
    """Return the receipts of one of the caller's orders of either channel, newest first:
    its charge's and one per refund; someone else's order answers 404."""
    rows = await receipts.receipts_of_order(session, user=user, order_id=order_id)
    return [ReceiptOut.of(r) for r in rows]


@router.get("/receipts/{receipt_id}", summary="Return one of the caller's receipts")
async def get_receipt(receipt_id: str, session: SessionDep, user: CurrentUser) -> ReceiptOut:
    """Return one receipt: its id is the order's for a charge, the refund's for a refund."""
    return ReceiptOut.of(await receipts.receipt(session, user=user, receipt_id=receipt_id))


@router.get(
    "/receipts/{receipt_id}/receipt.pdf",
    summary="Return one of the caller's receipts as a PDF",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the receipt"}},
)
async def get_receipt_pdf(
    receipt_id: str, request: Request, session: SessionDep, user: CurrentUser
) -> Response:
    """Return a receipt as a one-page PDF, its date in the caller's time zone."""
    found = await receipts.receipt(session, user=user, receipt_id=receipt_id)
    return pdf_response(request, found)


def receipt_time(request: Request, found: receipts.Receipt) -> str:
    """Write a receipt's moment for its viewer: the date with the year, the time, the zone."""
    zone, locale = timefmt.viewer_zone(request), timefmt.viewer_locale(request)
    return f"{times.when(found.at, zone, locale)} ({times.zone_label(zone, found.at, locale)})"


def pdf_response(request: Request, found: receipts.Receipt) -> Response:
    """Answer with a receipt's PDF, named for the receipt."""
    return Response(
        receipt_pdf(found, when=receipt_time(request, found)),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="receipt-{found.id}.pdf"'},
    )
