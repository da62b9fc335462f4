"""Serve uploaded images: product images as their product allows, logos of approved stores.

Responses carry the sniffed type, ``nosniff`` and a private cache policy, so a shared
cache never keeps a draft's image for someone else.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from hearth.mall import media
from hearth.mall.deps import StorageDep
from hearth.web.deps import OptionalUser, SessionDep

router = APIRouter(include_in_schema=False)


def _image(blob: media.Blob) -> Response:
    return Response(
        blob.data,
        media_type=blob.content_type,
        headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/media/images/{image_id}")
async def product_image(
    image_id: str, user: OptionalUser, session: SessionDep, storage: StorageDep
) -> Response:
    return _image(await media.image(session, storage, user=user, image_id=image_id))


@router.get("/media/stores/{slug}/logo")
async def store_logo(slug: str, session: SessionDep, storage: StorageDep) -> Response:
    return _image(await media.logo(session, storage, slug=slug))
