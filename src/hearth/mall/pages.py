"""Public mall pages (HTML): the store directory and each partner's store."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hearth.mall import media, partners
from hearth.mall.pages_partner import format_money
from hearth.web.deps import OptionalUser, SessionDep
from hearth.web.templating import render

router = APIRouter(include_in_schema=False)
# What other areas show on a partner's store (its campaigns and products on sale), as
# context for its template. The app factory lists them in ``app.state.store_panels``:
# areas above the mall contribute without the mall importing them.
StorePanel = Callable[..., Awaitable[dict[str, Any]]]


@router.get("/stores")
async def directory(request: Request, user: OptionalUser, session: SessionDep) -> Response:
    return render(
        request,
        "mall/stores/directory.html",
        user=user,
        active="store",
        stores=await partners.directory(session),
    )


@router.get("/stores/{slug}")
async def store(request: Request, slug: str, user: OptionalUser, session: SessionDep) -> Response:
    partner, items = await partners.store(session, slug=slug)
    covers = {p.id: (await media.images(session, product_id=p.id))[:1] for p in items}
    panels: list[StorePanel] = getattr(request.app.state, "store_panels", [])
    extra: dict[str, Any] = {}
    for panel in panels:
        extra |= await panel(session, partner_id=partner.id)
    return render(
        request,
        "mall/stores/store.html",
        user=user,
        active="store",
        partner=partner,
        products=items,
        covers=covers,
        money=format_money,
        **extra,
    )
