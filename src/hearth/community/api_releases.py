"""JSON API of release notes (anyone reads a board's; its owner publishes and edits them) and
of images on suggestions (anyone sees them; the author adds and removes them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Response, status
from starlette.background import BackgroundTask

from hearth.community import images, releases
from hearth.community.schemas_releases import (
    ImagesUpload,
    ReleaseEditIn,
    ReleaseIn,
    ReleaseOut,
    SuggestionImageOut,
)
from hearth.community.visibility import Reader
from hearth.errors import InvalidInput, NotFound, PermissionDenied
from hearth.mall.deps import StorageDep, UploadLimit
from hearth.web.deps import CurrentUser, NowDep, OptionalUser, SessionDep
from hearth.web.openapi import answers

router = APIRouter(prefix="/community", tags=["community"])


@router.get(
    "/boards/{board_id}/releases",
    response_model=list[ReleaseOut],
    summary="List a board's release notes",
    responses=answers(NotFound),
)
async def list_releases(board_id: str, session: SessionDep) -> list[ReleaseOut]:
    """The board's release notes, newest first, each with the suggestions it shipped."""
    return [ReleaseOut.of(v) for v in await releases.changelog(session, board_id=board_id)]


@router.post(
    "/boards/{board_id}/releases",
    response_model=ReleaseOut,
    status_code=status.HTTP_201_CREATED,
    summary="Publish a release note that ships suggestions",
    responses=answers(NotFound, PermissionDenied, InvalidInput),
)
async def publish_release(
    board_id: str, body: ReleaseIn, session: SessionDep, user: CurrentUser, now: NowDep
) -> ReleaseOut:
    """As the board's owner, publish a note; every cited suggestion of this board moves to
    done with an official answer linking to it, and each follower is told once. If one cannot
    move to done (declined, a duplicate, done already, on another board), nothing changes."""
    view = await releases.publish(
        session,
        user=user,
        board_id=board_id,
        version=body.version,
        title=body.title,
        body=body.body,
        day=body.date,
        suggestion_ids=body.suggestions,
        now=now,
    )
    return ReleaseOut.of(view)


@router.get(
    "/boards/{board_id}/releases/{version}",
    response_model=ReleaseOut,
    summary="Read a release note",
    responses=answers(NotFound),
)
async def get_release(board_id: str, version: str, session: SessionDep) -> ReleaseOut:
    """One note of the board, by its version, with what it shipped."""
    return ReleaseOut.of(await releases.get(session, board_id=board_id, version=version))


@router.patch(
    "/boards/{board_id}/releases/{version}",
    response_model=ReleaseOut,
    summary="Edit a release note's words",
    responses=answers(NotFound, PermissionDenied, InvalidInput),
)
async def edit_release(
    board_id: str,
    version: str,
    body: ReleaseEditIn,
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
) -> ReleaseOut:
    """As the board's owner, change a note's title or body; what it shipped stays."""
    view = await releases.edit(
        session,
        user=user,
        board_id=board_id,
        version=version,
        title=body.title,
        body=body.body,
        now=now,
    )
    return ReleaseOut.of(view)


@router.get(
    "/suggestions/{suggestion_id}/images",
    response_model=list[SuggestionImageOut],
    summary="List a suggestion's images",
    responses=answers(NotFound),
)
async def list_images(
    suggestion_id: str, session: SessionDep, user: OptionalUser
) -> list[SuggestionImageOut]:
    """The images of a suggestion, in the order they were added."""
    found = await images.listing(session, suggestion_id, reader=Reader.of(user))
    return [SuggestionImageOut.of(i) for i in found]


@router.post(
    "/suggestions/{suggestion_id}/images",
    response_model=list[SuggestionImageOut],
    status_code=status.HTTP_201_CREATED,
    summary="Add images to your suggestion",
    responses=answers(NotFound, PermissionDenied, InvalidInput),
)
async def add_images(
    suggestion_id: str,
    upload: Annotated[ImagesUpload, Form()],
    session: SessionDep,
    user: CurrentUser,
    storage: StorageDep,
    limit: UploadLimit,
    now: NowDep,
) -> list[SuggestionImageOut]:
    """Upload up to 4 images (PNG, JPEG or WebP, checked by their content) to a suggestion
    you wrote, as ``images`` parts of a multipart form; all are kept, or none."""
    files = [await f.read(limit + 1) for f in upload.images]
    made = await images.add(
        session,
        storage,
        user=user,
        suggestion_id=suggestion_id,
        files=files,
        max_bytes=limit,
        now=now,
    )
    return [SuggestionImageOut.of(i) for i in made]


@router.delete(
    "/suggestions/{suggestion_id}/images/{image_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove an image from your suggestion",
    responses=answers(NotFound, PermissionDenied),
)
async def remove_image(
    suggestion_id: str, image_id: str, session: SessionDep, user: CurrentUser, storage: StorageDep
) -> Response:
    """Remove one of your suggestion's images."""
    stale = await images.remove(session, user=user, suggestion_id=suggestion_id, image_id=image_id)
    # Runs after the response, so after the commit.
    return Response(status_code=204, background=BackgroundTask(storage.delete, stale))
