"""JSON API of products' public pages: what ``/products/{id}`` shows, for apps."""

from __future__ import annotations

from fastapi import APIRouter

from hearth.funding import showcase
from hearth.funding.schemas_showcase import ProductPageOut
from hearth.web.deps import NowDep, OptionalUser, SessionDep

router = APIRouter(tags=["funding"])


@router.get(
    "/products/{product_id}/page",
    response_model=ProductPageOut,
    summary="A product's public page",
)
async def product_page(
    product_id: str, session: SessionDep, user: OptionalUser, now: NowDep
) -> ProductPageOut:
    """Return a product on show in the mall as its page tells it (public; a signed-in
    caller also learns which of their devices, scenes and automations it could work with)."""
    page = await showcase.product_page(session, user=user, product_id=product_id, now=now)
    return ProductPageOut.of(page, now)
