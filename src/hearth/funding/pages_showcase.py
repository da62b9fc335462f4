"""Products' public pages (HTML): photos, story, spec in words, certification, campaigns,
regular sale, and what it could work with of the signed-in viewer's own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hearth.funding import showcase
from hearth.funding.schemas_showcase import ProductPageOut
from hearth.web.deps import NowDep, OptionalUser, SessionDep
from hearth.web.templating import render

router = APIRouter(include_in_schema=False)
# What other areas add to a product's page (the buy box of regular sale), as context for its
# template; the app factory lists them in ``app.state.showcase_panels``.
ShowcasePanel = Callable[..., Awaitable[dict[str, Any]]]


@router.get("/products/{product_id}")
async def product_page(
    request: Request, product_id: str, session: SessionDep, user: OptionalUser, now: NowDep
) -> Response:
    """Show a product on show in the mall to anyone."""
    page = await showcase.product_page(session, user=user, product_id=product_id, now=now)
    extra: dict[str, Any] = {}
    panels: list[ShowcasePanel] = getattr(request.app.state, "showcase_panels", [])
    for panel in panels:
        extra |= await panel(session, product_id=product_id, now=now)
    return render(
        request,
        "funding/product.html",
        user=user,
        active="store",
        p=ProductPageOut.of(page, now),
        path=request.url.path,
        **extra,
    )
