"""Images on suggestions: up to ``MAX_IMAGES`` pictures its author adds to a suggestion, kept in
the upload storage (``hearth.kit.storage``) and checked by the mall's image rules
(``hearth.mall.images``: the type from the file's first bytes, the size against the setting).

Every file is checked before anything is stored, so a refused one leaves no trace. Only the
suggestion's author adds or removes its images; anyone who may read the suggestion (its board
is readable) sees them. A removed image's file is deleted by the caller after the commit, so
a rolled-back removal still finds its file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.community import boards, suggestions
from hearth.community.models import Suggestion, SuggestionImage
from hearth.community.release_rules import MAX_IMAGES
from hearth.community.visibility import ANYONE, Reader
from hearth.errors import InvalidInput, NotFound, PermissionDenied
from hearth.kit.ids import new_id
from hearth.kit.storage import Storage
from hearth.mall.images import ImageKind, check_image


@dataclass(frozen=True)
class Blob:
    """An image's bytes and type, ready to serve."""

    data: bytes
    content_type: str


def url(image: SuggestionImage) -> str:
    """Return the address an image is served at."""
    return f"/media/community/{image.id}"


def check(files: Sequence[bytes], *, max_bytes: int, already: int = 0) -> list[ImageKind]:
    """Check every file before any is kept: each an image hearth accepts, within the size, and
    no more than ``MAX_IMAGES`` with the ``already`` kept. Raise ``InvalidInput`` naming the
    first problem of each file."""
    problems: list[dict[str, str]] = []
    if already + len(files) > MAX_IMAGES:
        room = MAX_IMAGES - already
        say = f"a suggestion has at most {MAX_IMAGES} images"
        if already:
            say += f"; it has {already}, so you may add {max(room, 0)} more"
        raise InvalidInput.fields([{"field": "images", "message": say}])
    kinds = []
    for number, data in enumerate(files, start=1):
        try:
            kinds.append(check_image(data, max_bytes=max_bytes, field="images"))
        except InvalidInput as err:
            for problem in err.problems():
                which = f"image {number}: " if len(files) > 1 else ""
                problems.append({"field": "images", "message": which + problem["message"]})
    if problems:
        raise InvalidInput.fields(problems)
    return kinds


async def _suggestion(
    session: AsyncSession, suggestion_id: str, reader: Reader = ANYONE
) -> Suggestion:
    row = await suggestions.get(session, suggestion_id)
    await boards.board(session, row.board_id)  # a withdrawn product's board reads as missing
    if not reader.sees(hidden=row.hidden_at is not None, author_id=row.author_id):
        raise NotFound(f"no suggestion {suggestion_id!r}")  # hidden by a moderator
    return row


async def count(session: AsyncSession, suggestion_id: str) -> int:
    """Return how many images a suggestion has."""
    found = await session.scalar(
        select(func.count())
        .select_from(SuggestionImage)
        .where(SuggestionImage.suggestion_id == suggestion_id)
    )
    return int(found or 0)


async def add(
    session: AsyncSession,
    storage: Storage,
    *,
    user: User,
    suggestion_id: str,
    files: Sequence[bytes],
    max_bytes: int,
    now: datetime,
) -> list[SuggestionImage]:
    """Check and keep images of the user's own suggestion (all of them, or none)."""
    row = await _suggestion(session, suggestion_id)
    if row.author_id != user.id:
        raise PermissionDenied("only the suggestion's author adds images to it")
    if not files:
        raise InvalidInput.fields([{"field": "images", "message": "choose an image to add"}])
    already = await count(session, row.id)
    kinds = check(files, max_bytes=max_bytes, already=already)
    made = []
    for position, (data, kind) in enumerate(zip(files, kinds, strict=True), start=already):
        image_id = new_id("simg")
        key = f"community/{row.id.lower()}/{image_id.lower()}.{kind.extension}"
        await storage.put(key, data, content_type=kind.content_type)
        made.append(
            SuggestionImage(
                id=image_id,
                suggestion_id=row.id,
                key=key,
                content_type=kind.content_type,
                size=len(data),
                position=position,
                uploaded_by=user.id,
                created_at=now,
            )
        )
    session.add_all(made)
    await session.flush()
    return made


async def listing(
    session: AsyncSession, suggestion_id: str, *, reader: Reader = ANYONE
) -> list[SuggestionImage]:
    """Return the images of a suggestion ``reader`` may read, in the order they were added."""
    await _suggestion(session, suggestion_id, reader)
    return list(
        await session.scalars(
            select(SuggestionImage)
            .where(SuggestionImage.suggestion_id == suggestion_id)
            .order_by(SuggestionImage.position, SuggestionImage.created_at, SuggestionImage.id)
        )
    )


async def remove(session: AsyncSession, *, user: User, suggestion_id: str, image_id: str) -> str:
    """Remove an image of the user's own suggestion; return its file's key for the caller to
    delete after the commit."""
    row = await _suggestion(session, suggestion_id)
    image = await session.get(SuggestionImage, image_id)
    if image is None or image.suggestion_id != row.id:
        raise NotFound("no such image on this suggestion")
    if row.author_id != user.id:
        raise PermissionDenied("only the suggestion's author removes its images")
    await session.delete(image)
    await session.flush()
    return image.key


async def image(
    session: AsyncSession, storage: Storage, *, image_id: str, reader: Reader = ANYONE
) -> Blob:
    """Return an image of a suggestion ``reader`` may read, or raise ``NotFound``."""
    found = await session.get(SuggestionImage, image_id)
    if found is None:
        raise NotFound("no such image")
    await _suggestion(session, found.suggestion_id, reader)
    return Blob(await storage.get(found.key), found.content_type)
