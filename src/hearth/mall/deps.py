"""Request dependencies of the mall's routes: the upload storage and the upload limit."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, UploadFile

from hearth.errors import InvalidInput
from hearth.kit.storage import Storage, make_storage


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


UploadLimit = Annotated[int, Depends(upload_limit)]


async def read_upload(upload: UploadFile | None, *, limit: int, field: str) -> bytes:
    """Read at most one byte past the limit, so the size check sees an oversized file."""
    if upload is None or not upload.filename:
        raise InvalidInput.fields([{"field": field, "message": "choose a file to upload"}])
    return await upload.read(limit + 1)
