"""Pages of release notes and of images on suggestions: a board's changelog and its Atom
feed (anyone reads them), the form that publishes a note and the one that edits it (the
board's owner), the forms that add and remove a suggestion's images (its author), and the
images themselves.

A refused form shows its page again with the problem named and what was typed kept.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.background import BackgroundTask

from hearth.accounts.models import User
from hearth.community import boards, feed, images, releases
from hearth.community import pages as community_pages
from hearth.community.release_rules import MAX_CITED
from hearth.community.rules import STATUS_LABELS
from hearth.community.schemas_releases import ImagesForm, ReleaseEditForm, ReleaseForm
from hearth.community.visibility import Reader
from hearth.errors import HearthError, InvalidInput, PermissionDenied
from hearth.mall.deps import StorageDep, UploadLimit
from hearth.web.deps import CurrentUser, NowDep, OptionalUser, SessionDep
from hearth.web.templating import render

router = APIRouter(include_in_schema=False)


def _labels() -> dict[str, Any]:
    return {"status_labels": {str(k): v for k, v in STATUS_LABELS.items()}}


@router.get("/community/boards/{board_id}/changelog")
async def changelog_page(
    request: Request, board_id: str, session: SessionDep, user: OptionalUser
) -> Response:
    """Show a board's release notes, newest first, each with the suggestions it shipped."""
    view = await boards.board(session, board_id)
    notes = await releases.changelog(session, board_id=view.id)
    return render(
        request,
        "community/changelog.html",
        user=user,
        active="community",
        board=view,
        notes=notes,
        owner=view.answered_by(user),
        **_labels(),
    )


@router.get("/community/boards/{board_id}/changelog.atom")
async def changelog_feed(request: Request, board_id: str, session: SessionDep) -> Response:
    """Serve a board's release notes as an Atom feed."""
    view = await boards.board(session, board_id)
    notes = await releases.changelog(session, board_id=view.id)
    base = request.app.state.hearth.settings.resolved_public_url
    return Response(
        feed.atom(view, notes, base=base),
        media_type=f"{feed.MEDIA_TYPE}; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )


async def _owned(session: AsyncSession, user: User, board_id: str) -> boards.BoardView:
    view = await boards.board(session, board_id)
    if not view.answered_by(user):
        raise PermissionDenied(f"only {view.partner_name} publishes release notes on this board")
    return view


async def _publish_page(
    request: Request,
    session: AsyncSession,
    user: User,
    board_id: str,
    *,
    now: datetime,
    values: dict[str, Any] | None = None,
    error: str = "",
    problems: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = await _owned(session, user, board_id)
    return render(
        request,
        "community/release_form.html",
        user=user,
        active="community",
        board=view,
        candidates=await releases.candidates(session, board_id=view.id),
        values=values or {"version": "", "title": "", "body": "", "date": "", "suggestions": []},
        today=now.date().isoformat(),
        max_cited=MAX_CITED,
        error=error,
        problems=problems or {},
        editing=None,
        status_code=status_code,
        **_labels(),
    )


@router.get("/community/boards/{board_id}/releases/new")
async def new_release_page(
    request: Request, board_id: str, session: SessionDep, user: CurrentUser, now: NowDep
) -> Response:
    """Show the form that publishes a release note, as the board's owner."""
    return await _publish_page(request, session, user, board_id, now=now)


def _day(value: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput.fields(
            [{"field": "date", "message": "is a day written as 2026-12-07"}]
        ) from None


@router.post("/community/boards/{board_id}/releases")
async def publish_release(
    request: Request,
    board_id: str,
    form: Annotated[ReleaseForm, Form()],
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
) -> Response:
    """Publish a release note, or show the form again with what is wrong."""
    try:
        view = await releases.publish(
            session,
            user=user,
            board_id=board_id,
            version=form.version,
            title=form.title,
            body=form.body,
            day=_day(form.date),
            suggestion_ids=form.suggestions,
            now=now,
        )
    except HearthError as err:
        if err.status in (403, 404):
            raise
        return await _publish_page(
            request,
            session,
            user,
            board_id,
            now=now,
            values=form.model_dump(),
            error=err.sentence,
            problems={p["field"]: p["message"] for p in err.problems()},
            status_code=err.status,
        )
    return community_pages.back(releases.changelog_url(board_id, view.release.version))


async def _edit_page(
    request: Request,
    session: AsyncSession,
    user: User,
    board_id: str,
    version: str,
    *,
    values: dict[str, Any] | None = None,
    error: str = "",
    problems: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = await _owned(session, user, board_id)
    note = await releases.get(session, board_id=view.id, version=version)
    return render(
        request,
        "community/release_form.html",
        user=user,
        active="community",
        board=view,
        editing=note,
        values=values or {"title": note.release.title, "body": note.release.body},
        error=error,
        problems=problems or {},
        status_code=status_code,
        **_labels(),
    )


@router.get("/community/boards/{board_id}/releases/{version}/edit")
async def edit_release_page(
    request: Request, board_id: str, version: str, session: SessionDep, user: CurrentUser
) -> Response:
    """Show the form that changes a release note's words, as the board's owner."""
    return await _edit_page(request, session, user, board_id, version)


@router.post("/community/boards/{board_id}/releases/{version}/edit")
async def edit_release(
    request: Request,
    board_id: str,
    version: str,
    form: Annotated[ReleaseEditForm, Form()],
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
) -> Response:
    """Change a release note's title and body, or show the form again with what is wrong."""
    try:
        await releases.edit(
            session,
            user=user,
            board_id=board_id,
            version=version,
            title=form.title,
            body=form.body,
            now=now,
        )
    except HearthError as err:
        if err.status in (403, 404):
            raise
        return await _edit_page(
            request,
            session,
            user,
            board_id,
            version,
            values=form.model_dump(),
            error=err.sentence,
            problems={p["field"]: p["message"] for p in err.problems()},
            status_code=err.status,
        )
    return community_pages.back(releases.changelog_url(board_id, version))


# -- images on suggestions --------------------------------------------------------------------


@router.post("/community/suggestions/{suggestion_id}/images")
async def add_images(
    request: Request,
    suggestion_id: str,
    upload: Annotated[ImagesForm, Form()],
    session: SessionDep,
    user: CurrentUser,
    storage: StorageDep,
    limit: UploadLimit,
    now: NowDep,
) -> Response:
    """Add images to one's own suggestion, or show its page again with what is wrong."""
    try:
        files = [await f.read(limit + 1) for f in upload.images if not isinstance(f, str)]
        await images.add(
            session,
            storage,
            user=user,
            suggestion_id=suggestion_id,
            files=files,
            max_bytes=limit,
            now=now,
        )
    except HearthError as err:
        if err.status == 403:
            raise
        return await community_pages._act(request, session, user, suggestion_id, err, now=now)
    return community_pages.back(f"/community/suggestions/{suggestion_id}#images")


@router.post("/community/suggestions/{suggestion_id}/images/{image_id}/delete")
async def remove_image(
    suggestion_id: str, image_id: str, session: SessionDep, user: CurrentUser, storage: StorageDep
) -> Response:
    """Remove an image of one's own suggestion."""
    stale = await images.remove(session, user=user, suggestion_id=suggestion_id, image_id=image_id)
    response = community_pages.back(f"/community/suggestions/{suggestion_id}#images")
    response.background = BackgroundTask(storage.delete, stale)  # after the commit
    return response


@router.get("/media/community/{image_id}")
async def suggestion_image(
    image_id: str, session: SessionDep, storage: StorageDep, user: OptionalUser
) -> Response:
    """Serve an image of a suggestion its reader may see, with the type its bytes showed
    (kept by the browser alone: a hidden suggestion's images are its author's and the
    moderators')."""
    blob = await images.image(session, storage, image_id=image_id, reader=Reader.of(user))
    return Response(
        blob.data,
        media_type=blob.content_type,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
