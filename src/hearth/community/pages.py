"""The Community tab's pages: the boards, a board's suggestions, a suggestion with its
answers and comments, the new-suggestion form, and the forms that vote, follow, answer and
comment.

Anyone reads (like the store); acting needs an account. A refused form shows its page again
with the problem named and what was typed kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.community import (
    boards,
    comments,
    duplicates,
    moderation,
    releases,
    search,
    suggestions,
    votes,
)
from hearth.community import images as suggestion_images
from hearth.community.boards import Mine
from hearth.community.release_rules import MAX_IMAGES
from hearth.community.rules import (
    CATEGORIES,
    EDIT_WINDOW,
    SORT_LABELS,
    STATUS_LABELS,
    STATUS_WORKFLOW,
    VOTABLE,
    Sort,
    Status,
    category_label,
    may_edit_comment,
)
from hearth.community.schemas import AnswerForm, CommentForm, SuggestionForm
from hearth.community.visibility import Reader
from hearth.errors import HearthError, LooksLikeDuplicate
from hearth.mall.deps import StorageDep, UploadLimit
from hearth.web.deps import CurrentUser, NowDep, OptionalUser, SessionDep
from hearth.web.templating import render

router = APIRouter(include_in_schema=False)
MINE_LABELS = {
    Mine.ALL: "All boards",
    Mine.OWNED: "Products I own",
    Mine.BACKED: "Products I backed",
}


def back(url: str) -> Response:
    """Send the browser on to ``url`` after a form (303: the next request is a GET)."""
    return RedirectResponse(url, status_code=303)


def _common() -> dict[str, Any]:
    return {
        "status_labels": {str(k): v for k, v in STATUS_LABELS.items()},
        "category_label": category_label,
        "sort_labels": {str(k): v for k, v in SORT_LABELS.items()},
        "votable": {str(s) for s in VOTABLE},
    }


@router.get("/community")
async def community_page(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    mine: Annotated[str, Query(pattern="^(all|owned|backed)$")] = Mine.ALL,
) -> Response:
    """List the boards: hearth's and every approved product's."""
    views = await boards.list_boards(session, user=user, mine=mine if user else Mine.ALL)
    return render(
        request,
        "community/boards.html",
        user=user,
        active="community",
        boards=views,
        mine=mine if user else Mine.ALL,
        mine_labels=MINE_LABELS,
        **_common(),
    )


@router.get("/community/search")
async def search_page(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """Search every board's suggestions."""
    found = await search.search(session, q, limit=30, reader=Reader.of(user)) if q.strip() else []
    titles = {v.id: v.title for v in await boards.list_boards(session, user=None)}
    return render(
        request,
        "community/search.html",
        user=user,
        active="community",
        q=q,
        found=found,
        board_titles=titles,
        **_common(),
    )


@router.get("/community/boards/{board_id}")
async def board_page(
    request: Request,
    board_id: str,
    session: SessionDep,
    user: OptionalUser,
    sort: Annotated[str, Query(max_length=16)] = "",
    status: Annotated[str, Query(max_length=16)] = "",
    category: Annotated[str, Query(max_length=24)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=suggestions.MAX_PAGE)] = 1,
) -> Response:
    """Show a board's suggestions, sorted, filtered and searched."""
    view = await boards.board(session, board_id)
    found = await suggestions.listing(
        session,
        board_id=board_id,
        sort=sort or None,
        status=status or None,
        category=category or None,
        query=q,
        page=page,
        viewer_id=user.id if user else None,
        reader=Reader.of(user),
    )
    names = await suggestions.names(session, {s.author_id for s in found.items})
    return render(
        request,
        "community/board.html",
        user=user,
        active="community",
        board=view,
        found=found,
        names=names,
        sort=sort or ("" if q.strip() else Sort.TRENDING),
        status=status,
        category=category,
        q=q,
        categories=CATEGORIES[view.kind],
        statuses=list(Status),
        # release notes: the note each shipped suggestion shipped in, and the owner's link
        shipped=await releases.shipped_in(session, [s.id for s in found.items]),
        owner=view.answered_by(user),
        **_common(),
    )


async def _form_page(
    request: Request,
    session: AsyncSession,
    user: User,
    board_id: str,
    *,
    values: dict[str, str] | None = None,
    error: str = "",
    problems: dict[str, str] | None = None,
    duplicate: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    view = await boards.board(session, board_id)
    return render(
        request,
        "community/new.html",
        duplicate=duplicate,
        user=user,
        active="community",
        board=view,
        categories=CATEGORIES[view.kind],
        values=values or {"title": "", "body": "", "category": ""},
        max_images=MAX_IMAGES,
        error=error,
        problems=problems or {},
        status_code=status_code,
    )


@router.get("/community/boards/{board_id}/new")
async def new_page(
    request: Request, board_id: str, session: SessionDep, user: CurrentUser
) -> Response:
    """Show the form of a new suggestion."""
    return await _form_page(request, session, user, board_id)


@router.post("/community/boards/{board_id}/suggestions")
async def post_suggestion(
    request: Request,
    board_id: str,
    form: Annotated[SuggestionForm, Form()],
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
    storage: StorageDep,
    limit: UploadLimit,
    images: Annotated[list[UploadFile | str], File()] = [],  # noqa: B006 (FastAPI copies it)
) -> Response:
    """Post a suggestion with its images, or show the form again with what is wrong."""
    try:
        # An empty file box arrives as text; every file is checked before anything is kept.
        files = [await f.read(limit + 1) for f in images if not isinstance(f, str) and f.filename]
        suggestion_images.check(files, max_bytes=limit)
        row = await duplicates.post(
            session,
            user=user,
            board_id=board_id,
            title=form.title,
            body=form.body,
            category=form.category,
            now=now,
            confirm_distinct=form.confirm_distinct == "yes",
        )
        if files:
            await suggestion_images.add(
                session, storage, user=user, suggestion_id=row.id, files=files,
                max_bytes=limit, now=now,
            )  # fmt: skip
    except HearthError as err:
        if err.status == 404:
            raise
        return await _form_page(
            request,
            session,
            user,
            board_id,
            values=form.model_dump(),
            error=err.sentence,
            problems={p["field"]: p["message"] for p in err.problems()},
            duplicate=err.match if isinstance(err, LooksLikeDuplicate) else None,
            status_code=err.status,
        )
    return back(f"/community/suggestions/{row.id}")


async def _suggestion_page(
    request: Request,
    session: AsyncSession,
    user: User | None,
    suggestion_id: str,
    *,
    now: datetime,
    error: str = "",
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    reader = Reader.of(user)
    row = await suggestions.get(session, suggestion_id, reader=reader)
    view = await boards.board(session, row.board_id)
    history = await suggestions.history(session, row.id)
    threads = await comments.threads(session, row.id, reader=reader)
    mod = await moderation.notes(
        session,
        reader=reader,
        suggestion=row,
        comment_ids=[t.comment.id for t in threads] + [r.id for t in threads for r in t.replies],
    )
    people = {row.author_id} | {a.actor_id for a in history}
    people |= {t.comment.author_id for t in threads}
    people |= {r.author_id for t in threads for r in t.replies}
    names = await suggestions.names(session, people)
    voted, following = await suggestions.reader_state(
        session, suggestion_id=row.id, user_id=user.id if user else None
    )
    owner = view.answered_by(user)

    def editable(comment: Any) -> bool:
        return user is not None and may_edit_comment(
            author_id=comment.author_id, user_id=user.id, posted_at=comment.created_at, now=now
        )

    return render(
        request,
        "community/suggestion.html",
        user=user,
        active="community",
        board=view,
        s=row,
        history=history,
        threads=threads,
        names=names,
        voted=voted,
        following=following,
        owner=owner,
        targets=[t for t in Status if STATUS_WORKFLOW.can(Status(row.status), t)],
        editable=editable,
        edit_minutes=int(EDIT_WINDOW.total_seconds() // 60),
        error=error,
        values=values or {},
        status_code=status_code,
        mod=mod,
        # images and release notes
        images=await suggestion_images.listing(session, row.id, reader=Reader.of(user)),
        max_images=MAX_IMAGES,
        shipped=await releases.shipped_in(session, [row.id]),
        **_common(),
        **await duplicates.page_facts(session, row, owner=owner),
    )


@router.get("/community/suggestions/{suggestion_id}")
async def suggestion_page(
    request: Request, suggestion_id: str, session: SessionDep, user: OptionalUser, now: NowDep
) -> Response:
    """Show a suggestion, its official answers and its comments."""
    return await _suggestion_page(request, session, user, suggestion_id, now=now)


async def _act(
    request: Request,
    session: AsyncSession,
    user: User,
    suggestion_id: str,
    err: HearthError,
    *,
    now: datetime,
    values: dict[str, str] | None = None,
) -> Response:
    if err.status == 404:
        raise err
    return await _suggestion_page(
        request,
        session,
        user,
        suggestion_id,
        now=now,
        error=err.sentence,
        values=values,
        status_code=err.status,
    )


@router.post("/community/suggestions/{suggestion_id}/vote")
async def vote(
    request: Request,
    suggestion_id: str,
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
    next_page: Annotated[str, Form(alias="next", max_length=500)] = "",
) -> Response:
    """Vote for a suggestion, or take one's vote back; then back to the page voted from (a
    board's list or the suggestion)."""
    try:
        await votes.toggle(session, user_id=user.id, suggestion_id=suggestion_id, now=now)
    except HearthError as err:
        return await _act(request, session, user, suggestion_id, err, now=now)
    if next_page.startswith("/community/") and "//" not in next_page and "\\" not in next_page:
        return back(next_page + f"#s-{suggestion_id}")
    return back(f"/community/suggestions/{suggestion_id}")


@router.post("/community/suggestions/{suggestion_id}/follow")
async def follow(
    request: Request,
    suggestion_id: str,
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
    following: Annotated[str, Form(max_length=5)] = "yes",
) -> Response:
    """Follow a suggestion (``following=yes``) or stop (``no``)."""
    if following == "no":
        await votes.unfollow(session, user_id=user.id, suggestion_id=suggestion_id)
    else:
        await votes.follow(session, user_id=user.id, suggestion_id=suggestion_id, now=now)
    return back(f"/community/suggestions/{suggestion_id}")


@router.post("/community/suggestions/{suggestion_id}/answers")
async def answer(
    request: Request,
    suggestion_id: str,
    form: Annotated[AnswerForm, Form()],
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
) -> Response:
    """Move a suggestion's status with a public answer, as its board's owner."""
    try:
        await suggestions.answer(
            session,
            user=user,
            suggestion_id=suggestion_id,
            status=form.status,
            body=form.answer,
            now=now,
        )
    except HearthError as err:
        if err.status == 403:
            raise
        values = {"answer": form.answer, "status": form.status}
        return await _act(request, session, user, suggestion_id, err, now=now, values=values)
    return back(f"/community/suggestions/{suggestion_id}#history")


@router.post("/community/suggestions/{suggestion_id}/comments")
async def comment(
    request: Request,
    suggestion_id: str,
    form: Annotated[CommentForm, Form()],
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
) -> Response:
    """Comment on a suggestion, or reply to a comment."""
    try:
        row = await comments.post(
            session,
            user=user,
            suggestion_id=suggestion_id,
            body=form.body,
            parent_id=form.parent_id or None,
            now=now,
        )
    except HearthError as err:
        values = {"comment": form.body, "parent_id": form.parent_id}
        return await _act(request, session, user, suggestion_id, err, now=now, values=values)
    return back(f"/community/suggestions/{suggestion_id}#c-{row.id}")


@router.post("/community/comments/{comment_id}/edit")
async def edit_comment(
    request: Request,
    comment_id: str,
    form: Annotated[CommentForm, Form()],
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
) -> Response:
    """Change one's own comment within the edit window."""
    found = await comments.get(session, comment_id)
    try:
        await comments.edit(session, user=user, comment_id=comment_id, body=form.body, now=now)
    except HearthError as err:
        if err.status == 403:
            raise
        values = {"edit": form.body, "edit_id": comment_id}
        return await _act(request, session, user, found.suggestion_id, err, now=now, values=values)
    return back(f"/community/suggestions/{found.suggestion_id}#c-{comment_id}")


@router.post("/community/comments/{comment_id}/delete")
async def delete_comment(
    comment_id: str, session: SessionDep, user: CurrentUser, now: NowDep
) -> Response:
    """Delete one's own comment."""
    found = await comments.get(session, comment_id)
    await comments.delete(session, user=user, comment_id=comment_id, now=now)
    return back(f"/community/suggestions/{found.suggestion_id}#comments")
