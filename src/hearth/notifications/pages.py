"""Notification pages (HTML): the signed-in user's inbox, the unread badge of the top bar, and
the account page's section on how each topic reaches them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.notifications import preferences, rules
from hearth.notifications import service as inbox
from hearth.notifications.models import Notification
from hearth.notifications.rules import Choice
from hearth.web.deps import CurrentUser, NowDep, OptionalUser, SessionDep
from hearth.web.templating import render

router = APIRouter(include_in_schema=False)


async def preferences_panel(
    session: AsyncSession, *, user: User, errors: dict[str, dict[str, str]]
) -> dict[str, Any]:
    """Context for ``notifications/_preferences.html`` on the account page."""
    shown = await preferences.read(session, user_id=user.id, role=user.role)
    return {"notification_preferences": shown}


@router.post("/account/notifications")
async def choose(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    """Save how each topic shown to the person reaches them: a checkbox per topic and channel
    (an unchecked box sends nothing, so every topic shown is saved)."""
    form = await request.form()
    chosen = {
        topic.key: Choice(
            in_app=form.get(f"{topic.key}.in_app") == "on",
            email=form.get(f"{topic.key}.email") == "on",
        )
        for topic in rules.TOPICS
        if topic.concerns(user.role)
    }
    await preferences.choose(session, user_id=user.id, choices=chosen)
    return RedirectResponse("/account?done=notifications#notifications", status_code=303)


@router.get("/notifications")
async def notifications(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    items = await inbox.inbox(session, user_id=user.id)
    return render(request, "notifications/inbox.html", user=user, items=items)


@router.get("/notifications/badge")
async def badge(user: OptionalUser, session: SessionDep) -> Response:
    """The unread count as a small fragment for the top bar (htmx swaps it in)."""
    count = await inbox.unread_count(session, user_id=user.id) if user else 0
    if not count:
        return HTMLResponse("")
    shown = "99+" if count > 99 else str(count)
    return HTMLResponse(
        f'<span class="count" data-testid="unread">{shown}</span>'
        f'<span class="visually-hidden"> unread</span>'
    )


@router.post("/notifications/read")
async def read_all(user: CurrentUser, session: SessionDep, now: NowDep) -> Response:
    await inbox.mark_read(session, user_id=user.id, now=now)
    return RedirectResponse("/notifications", status_code=303)


@router.post("/notifications/{notification_id}/open")
async def open_one(
    notification_id: str, user: CurrentUser, session: SessionDep, now: NowDep
) -> Response:
    """Mark one notification read and follow its link."""
    await inbox.mark_read(session, user_id=user.id, notification_id=notification_id, now=now)
    row = await session.get(Notification, notification_id)  # checked as the user's just above
    safe = row is not None and row.link.startswith("/") and not row.link.startswith("//")
    link = row.link if row is not None and safe else "/notifications"
    return RedirectResponse(link, status_code=303)
