"""Notification services: write to inboxes, read one's own, mark as read.

A user only ever reads or marks their own notifications: every query is filtered by the
caller's id, and someone else's notification answers ``NotFound`` like a missing one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.errors import InvalidInput, NotFound
from hearth.notifications.models import Notification

MAX_TITLE = 200
PAGE = 50


async def notify(
    session: AsyncSession,
    *,
    user_ids: Iterable[str],
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    now: datetime,
) -> list[Notification]:
    """Put one notification in each named inbox (duplicates in ``user_ids`` count once)."""
    title = " ".join(title.split())
    if not title or len(title) > MAX_TITLE:
        raise InvalidInput.fields([{"field": "title", "message": f"1-{MAX_TITLE} characters"}])
    if link and not link.startswith("/"):
        raise InvalidInput.fields(
            [{"field": "link", "message": "a path inside hearth, starting with /"}]
        )
    rows = [
        Notification(user_id=user_id, kind=kind, title=title, body=body, link=link, created_at=now)
        for user_id in dict.fromkeys(user_ids)
    ]
    session.add_all(rows)
    await session.flush()
    return rows


async def inbox(
    session: AsyncSession, *, user_id: str, unread_only: bool = False, limit: int = PAGE
) -> list[Notification]:
    """Return the user's notifications, newest first."""
    query = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    query = query.order_by(Notification.created_at.desc(), Notification.id.desc())
    return list(await session.scalars(query.limit(max(1, min(limit, 200)))))


async def unread_count(session: AsyncSession, *, user_id: str) -> int:
    """Return how many of the user's notifications are unread."""
    count = await session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )
    return int(count or 0)


async def mark_read(
    session: AsyncSession, *, user_id: str, now: datetime, notification_id: str | None = None
) -> int:
    """Mark one notification (or, with no id, all of them) read; return how many changed."""
    query = update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        owned = await session.scalar(
            select(Notification.id).where(
                Notification.id == notification_id, Notification.user_id == user_id
            )
        )
        if owned is None:
            raise NotFound("no such notification")
        query = query.where(Notification.id == notification_id)
    result = await session.execute(query.values(read_at=now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
