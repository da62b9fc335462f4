"""Pages of community moderation: the report form anyone signed in fills in, and the platform
team's queue (``/platform/community``) with each item's page, where they dismiss reports,
hide, restore, mute the author and lift mutes.

A refused form shows its page again with the problem named and what was typed kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.accounts.roles import Capability
from hearth.community import moderation, posting, suggestions
from hearth.community.moderation_rules import (
    ACTION_LABELS,
    MUTE_CHOICES,
    REASON_LABELS,
    Reason,
)
from hearth.community.schemas_moderation import KIND_PATTERN, ModerateForm, MuteForm, ReportForm
from hearth.community.visibility import Reader
from hearth.errors import HearthError, InvalidInput
from hearth.web.deps import CurrentUser, NowDep, SessionDep, requires
from hearth.web.templating import render
from hearth.web.timefmt import viewer_zone

router = APIRouter(include_in_schema=False)
Moderator = Annotated[User, Depends(requires(Capability.OPERATE))]
Kind = Annotated[str, Path(pattern=KIND_PATTERN)]
QUEUE = "/platform/community"


def back(url: str) -> Response:
    """Send the browser on to ``url`` after a form (303: the next request is a GET)."""
    return RedirectResponse(url, status_code=303)


def _common() -> dict[str, Any]:
    return {
        "reason_labels": {str(k): v for k, v in REASON_LABELS.items()},
        "action_labels": {str(k): v for k, v in ACTION_LABELS.items()},
        "kind_labels": {
            "suggestion": "Suggestion",
            "comment": "Comment",
            "review": "Review",
            "question": "Question",
            "person": "Person",
        },
        "title_of": moderation.title_of,
    }


def _people(*groups: Any) -> set[str | None]:
    found: set[str | None] = set()
    for group in groups:
        found |= set(group)
    return found


# -- reporting: anyone signed in -------------------------------------------------------------


async def _report_page(
    request: Request,
    session: AsyncSession,
    user: User,
    kind: str,
    item_id: str,
    *,
    values: dict[str, str] | None = None,
    error: str = "",
    status_code: int = 200,
) -> Response:
    found = await moderation.target(session, kind, item_id, reader=Reader.of(user))
    names = await suggestions.names(session, {found.author_id})
    return render(
        request,
        "community/moderation/report.html",
        user=user,
        active="community",
        item=found,
        names=names,
        reasons=list(Reason),
        values=values or {"reason": "", "note": ""},
        error=error,
        status_code=status_code,
        **_common(),
    )


@router.get("/community/report/{kind}/{item_id}")
async def report_page(
    request: Request, kind: Kind, item_id: str, session: SessionDep, user: CurrentUser
) -> Response:
    """Show the form that reports a suggestion, a comment, a review or a question."""
    return await _report_page(request, session, user, kind, item_id)


@router.post("/community/report/{kind}/{item_id}")
async def report(
    request: Request,
    kind: Kind,
    item_id: str,
    form: Annotated[ReportForm, Form()],
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
) -> Response:
    """Report it, or show the form again with what is wrong."""
    try:
        await moderation.report(
            session,
            user=user,
            kind=kind,
            target_id=item_id,
            reason=form.reason,
            note=form.note,
            now=now,
        )
    except HearthError as err:
        if err.status == 404:
            raise
        return await _report_page(
            request, session, user, kind, item_id,
            values=form.model_dump(), error=err.sentence, status_code=err.status,
        )  # fmt: skip
    found = await moderation.target(session, kind, item_id)
    return back(found.link)


# -- the platform team's queue ---------------------------------------------------------------


async def _queue_page(
    request: Request,
    session: AsyncSession,
    user: User,
    now: datetime,
    *,
    error: str = "",
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    items, total = await moderation.queue(session)
    mutes = await moderation.mutes(session, now=now)
    hidden = await moderation.hidden_items(session)
    log = await moderation.log(session, limit=20)
    names = await suggestions.names(
        session,
        _people(
            (i.target.author_id for i in items),
            (r.reporter_id for i in items for r in i.reports),
            (a.actor_id for i in items for a in i.history),
            (m.user_id for m in mutes),
            (m.actor_id for m in mutes),
            (h.author_id for h in hidden),
            (a.actor_id for a in log),
            (a.subject_id for a in log),
        ),
    )
    return render(
        request,
        "community/moderation/queue.html",
        user=user,
        active="platform",
        items=items,
        total=total,
        mutes=mutes,
        hidden=hidden,
        log=log,
        names=names,
        error=error,
        values=values or {},
        status_code=status_code,
        **_common(),
    )


@router.get("/platform/community")
async def queue_page(
    request: Request, session: SessionDep, user: Moderator, now: NowDep
) -> Response:
    """Show the reported items, the first reported first, the mutes in force, what is
    hidden, and the latest actions."""
    return await _queue_page(request, session, user, now)


async def _item_page(
    request: Request,
    session: AsyncSession,
    user: User,
    kind: str,
    item_id: str,
    now: datetime,
    *,
    error: str = "",
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    item = await moderation.item(session, kind, item_id)
    mute = (
        await posting.muted_until(session, item.target.author_id, now)
        if item.target.author_id
        else None
    )
    names = await suggestions.names(
        session,
        _people(
            [item.target.author_id],
            (r.reporter_id for r in item.reports),
            (a.actor_id for a in item.history),
        ),
    )
    return render(
        request,
        "community/moderation/item.html",
        user=user,
        active="platform",
        item=item,
        mute=mute,
        names=names,
        mute_choices=MUTE_CHOICES,
        error=error,
        values=values or {},
        status_code=status_code,
        **_common(),
    )


@router.get("/platform/community/{kind}/{item_id}")
async def item_page(
    request: Request, kind: Kind, item_id: str, session: SessionDep, user: Moderator, now: NowDep
) -> Response:
    """Show an item with its open reports, its history, and what a moderator may do."""
    return await _item_page(request, session, user, kind, item_id, now)


async def _moderate(
    request: Request,
    session: AsyncSession,
    user: User,
    kind: str,
    item_id: str,
    form: ModerateForm,
    now: datetime,
    act: Any,
    name: str,
) -> Response:
    try:
        await act(
            session, moderator=user, kind=kind, target_id=item_id, reason=form.reason, now=now
        )
    except HearthError as err:
        if err.status in (403, 404):
            raise
        values = {"form": name, "reason": form.reason}
        if form.back == "queue":
            values["item"] = item_id
            return await _queue_page(
                request, session, user, now, error=err.sentence, values=values,
                status_code=err.status,
            )  # fmt: skip
        return await _item_page(
            request, session, user, kind, item_id, now,
            error=err.sentence, values=values, status_code=err.status,
        )  # fmt: skip
    return back(QUEUE if form.back == "queue" else f"{QUEUE}/{kind}/{item_id}#history")


@router.post("/platform/community/{kind}/{item_id}/hide")
async def hide(
    request: Request, kind: Kind, item_id: str, form: Annotated[ModerateForm, Form()],
    session: SessionDep, user: Moderator, now: NowDep,
) -> Response:  # fmt: skip
    """Hide an item with a reason."""
    return await _moderate(
        request, session, user, kind, item_id, form, now, moderation.hide, "hide"
    )


@router.post("/platform/community/{kind}/{item_id}/restore")
async def restore(
    request: Request, kind: Kind, item_id: str, form: Annotated[ModerateForm, Form()],
    session: SessionDep, user: Moderator, now: NowDep,
) -> Response:  # fmt: skip
    """Restore a hidden item with a reason."""
    return await _moderate(
        request, session, user, kind, item_id, form, now, moderation.restore, "restore"
    )


@router.post("/platform/community/{kind}/{item_id}/dismiss")
async def dismiss(
    request: Request, kind: Kind, item_id: str, form: Annotated[ModerateForm, Form()],
    session: SessionDep, user: Moderator, now: NowDep,
) -> Response:  # fmt: skip
    """Dismiss an item's open reports with a reason."""
    return await _moderate(
        request, session, user, kind, item_id, form, now, moderation.dismiss, "dismiss"
    )


def _until(request: Request, text: str) -> datetime:
    """Read a ``datetime-local`` field in the moderator's own zone."""
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput.fields(
            [{"field": "until", "message": "is a date and a time, such as 2026-12-24 18:00"}]
        ) from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=viewer_zone(request))
    return local


@router.post("/platform/community/{kind}/{item_id}/mute")
async def mute_author(
    request: Request, kind: Kind, item_id: str, form: Annotated[MuteForm, Form()],
    session: SessionDep, user: Moderator, now: NowDep,
) -> Response:  # fmt: skip
    """Mute the author of an item for a time, or until a moment, with a reason."""
    found = await moderation.item(session, kind, item_id)
    try:
        if not found.target.author_id:
            raise InvalidInput("the author's account is gone: there is nobody to mute")
        hours = int(form.hours) if form.hours.strip().isdigit() and not form.until else None
        until = _until(request, form.until) if form.until.strip() else None
        await moderation.mute(
            session, moderator=user, user_id=found.target.author_id, reason=form.reason,
            hours=hours, until=until, now=now,
        )  # fmt: skip
    except HearthError as err:
        if err.status in (403, 404):
            raise
        values = {"form": "mute", **form.model_dump()}
        return await _item_page(
            request, session, user, kind, item_id, now,
            error=err.sentence, values=values, status_code=err.status,
        )  # fmt: skip
    return back(f"{QUEUE}/{kind}/{item_id}#history")


@router.post("/platform/community/mutes/{mute_id}/lift")
async def lift(
    request: Request, mute_id: str, form: Annotated[ModerateForm, Form()],
    session: SessionDep, user: Moderator, now: NowDep,
) -> Response:  # fmt: skip
    """Unmute a person before their mute ends, with a reason."""
    try:
        await moderation.unmute(
            session, moderator=user, mute_id=mute_id, reason=form.reason, now=now
        )
    except HearthError as err:
        if err.status in (403, 404):
            raise
        values = {"form": "lift", "mute": mute_id, "reason": form.reason}
        return await _queue_page(
            request, session, user, now, error=err.sentence, values=values, status_code=err.status
        )
    return back(f"{QUEUE}#mutes")
