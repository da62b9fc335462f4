"""JSON API for the signed-in user's inbox."""

from __future__ import annotations

from fastapi import APIRouter, Query

from hearth.notifications import service
from hearth.notifications.schemas import (
    NotificationInboxOut,
    NotificationOut,
    NotificationsMarkedOut,
)
from hearth.web.deps import CurrentUser, NowDep, SessionDep

router = APIRouter(prefix="/notifications", tags=["notifications"])


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
