"""JSON API for the signed-in user's inbox, and how each topic of notifications reaches them."""

from __future__ import annotations

from fastapi import APIRouter, Query

from hearth.notifications import preferences, service
from hearth.notifications.rules import Choice
from hearth.notifications.schemas import (
    NotificationInboxOut,
    NotificationOut,
    NotificationsMarkedOut,
    PreferenceIn,
    PreferenceOut,
)
from hearth.web.deps import CurrentUser, NowDep, SessionDep

router = APIRouter(prefix="/notifications", tags=["notifications"])


def _out(chosen: list[preferences.Preference]) -> list[PreferenceOut]:
    return [
        PreferenceOut(
            topic=p.topic.key,
            label=p.topic.label,
            about=p.topic.about,
            in_app=p.in_app,
            email=p.email,
        )
        for p in chosen
    ]


@router.get("/preferences", response_model=list[PreferenceOut])
async def read_preferences(session: SessionDep, user: CurrentUser) -> list[PreferenceOut]:
    """Return how each kind of notification reaches you: in the app, by email, both, neither."""
    return _out(await preferences.read(session, user_id=user.id))


@router.put("/preferences", response_model=list[PreferenceOut])
async def choose_preferences(
    body: list[PreferenceIn], session: SessionDep, user: CurrentUser
) -> list[PreferenceOut]:
    """Choose how the kinds of notification you name reach you; the others stay as they are.
    Email reaches you only once your address is verified."""
    chosen = {item.topic: Choice(item.in_app, item.email) for item in body}
    return _out(await preferences.choose(session, user_id=user.id, choices=chosen))


@router.get("", response_model=NotificationInboxOut)
async def read_inbox(
    session: SessionDep,
    user: CurrentUser,
    unread: bool = Query(default=False, description="only unread notifications"),
    limit: int = Query(default=service.PAGE, ge=1, le=200),
) -> NotificationInboxOut:
    """Return your notifications, newest first, with how many are unread."""
    items = await service.inbox(session, user_id=user.id, unread_only=unread, limit=limit)
    count = await service.unread_count(session, user_id=user.id)
    return NotificationInboxOut(
        unread=count, items=[NotificationOut.model_validate(n) for n in items]
    )


@router.post("/read", response_model=NotificationsMarkedOut)
async def mark_all_read(
    session: SessionDep, user: CurrentUser, now: NowDep
) -> NotificationsMarkedOut:
    """Mark all your notifications read."""
    return NotificationsMarkedOut(marked=await service.mark_read(session, user_id=user.id, now=now))


@router.post("/{notification_id}/read", response_model=NotificationsMarkedOut)
async def mark_one_read(
    session: SessionDep, user: CurrentUser, now: NowDep, notification_id: str
) -> NotificationsMarkedOut:
    """Mark one of your notifications read."""
    marked = await service.mark_read(
        session, user_id=user.id, notification_id=notification_id, now=now
    )
    return NotificationsMarkedOut(marked=marked)
