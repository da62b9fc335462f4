"""JSON API for the signed-in user's inbox."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from hearth.notifications import service
from hearth.web.deps import CurrentUser, SessionDep

router = APIRouter(prefix="/notifications", tags=["notifications"])


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    title: str
    body: str
    link: str
    created_at: datetime
    read_at: datetime | None


class InboxOut(BaseModel):
    unread: int
    items: list[NotificationOut]


class MarkedOut(BaseModel):
    marked: int


@router.get("", response_model=InboxOut)
async def read_inbox(
    session: SessionDep,
    user: CurrentUser,
    unread: bool = Query(default=False, description="only unread notifications"),
    limit: int = Query(default=service.PAGE, ge=1, le=200),
) -> InboxOut:
    items = await service.inbox(session, user_id=user.id, unread_only=unread, limit=limit)
    count = await service.unread_count(session, user_id=user.id)
    return InboxOut(unread=count, items=[NotificationOut.model_validate(n) for n in items])


@router.post("/read", response_model=MarkedOut)
async def mark_all_read(session: SessionDep, user: CurrentUser) -> MarkedOut:
    return MarkedOut(marked=await service.mark_read(session, user_id=user.id))


@router.post("/{notification_id}/read", response_model=MarkedOut)
async def mark_one_read(session: SessionDep, user: CurrentUser, notification_id: str) -> MarkedOut:
    marked = await service.mark_read(session, user_id=user.id, notification_id=notification_id)
    return MarkedOut(marked=marked)
