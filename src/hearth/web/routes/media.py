"""Serve uploaded images: product images as their product allows, logos of approved stores.

Responses carry the sniffed type, ``nosniff`` and a private cache policy, so a shared
cache never keeps a draft's image for someone else.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.responses import Response

from hearth.errors import InvalidInput
from hearth.kit.storage import Storage, make_storage
from hearth.mall import media
from hearth.web.deps import OptionalUser, SessionDep

router = APIRouter(include_in_schema=False)


def get_storage(request: Request) -> Storage:
    """Return the app's upload storage, built once from the settings."""
    storage: Storage | None = getattr(request.app.state, "storage", None)
    if storage is None:
        storage = make_storage(request.app.state.hearth.settings)
        request.app.state.storage = storage
    return storage


StorageDep = Annotated[Storage, Depends(get_storage)]


def upload_limit(request: Request) -> int:
    limit: int = request.app.state.hearth.settings.upload_max_bytes
    return limit


async def read_upload(upload: UploadFile | None, *, limit: int, field: str) -> bytes:
    """Read at most one byte past the limit, so the size check sees an oversized file."""
    if upload is None or not upload.filename:
        raise InvalidInput.fields([{"field": field, "message": "choose a file to upload"}])
    return await upload.read(limit + 1)


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
