"""Public mall pages (HTML): the store directory and each partner's store."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hearth.mall import media, partners
from hearth.mall.pages_partner import format_money
from hearth.web.deps import OptionalUser, SessionDep
from hearth.web.routes.funding_pages import store_campaigns, store_listings
from hearth.web.templating import render

router = APIRouter(include_in_schema=False)


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
    return render(
        request,
        "mall/stores/store.html",
        user=user,
        active="store",
        partner=partner,
        products=items,
        covers=covers,
        money=format_money,
        funding_campaigns=await store_campaigns(session, partner_id=partner.id),
        funding_listings=await store_listings(session, partner_id=partner.id),
    )
