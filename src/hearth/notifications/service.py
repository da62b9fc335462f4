"""Notification services: write to inboxes and queue mail, read one's own, mark as read.

``notify`` reaches each person as they chose for the notification's topic
(``preferences``): an inbox row when in the app, a letter queued in the same transaction
when by email and their address is verified.

A user only ever reads or marks their own notifications: every query is filtered by the
caller's id, and someone else's notification answers ``NotFound`` like a missing one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.errors import InvalidInput, NotFound
from hearth.mail import queue as mail
from hearth.mail.rules import Letter
from hearth.notifications import preferences, rules
from hearth.notifications.models import Notification
from hearth.notifications.rules import Topic

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
    """Tell each named person (duplicates count once) as they chose for the kind's topic:
    a row in their inbox, a letter to their verified address, both or neither. Return the
    inbox rows."""
    title = " ".join(title.split())
    if not title or len(title) > MAX_TITLE:
        raise InvalidInput.fields([{"field": "title", "message": f"1-{MAX_TITLE} characters"}])
    if link and not link.startswith("/"):
        raise InvalidInput.fields(
            [{"field": "link", "message": "a path inside hearth, starting with /"}]
        )
    people = list(dict.fromkeys(user_ids))
    topic = rules.topic_of(kind)
    choices = await preferences.choices_for(session, user_ids=people, topic=topic)
    rows = [
        Notification(user_id=user_id, kind=kind, title=title, body=body, link=link, created_at=now)
        for user_id in people
        if choices[user_id].in_app
    ]
    session.add_all(rows)
    await session.flush()
    mailed = [user_id for user_id in people if choices[user_id].email]
    if mailed:
        letters = await _letters(
            session, mailed, topic, kind=kind, title=title, body=body, link=link
        )
        await mail.enqueue(session, letters, now=now)
    return rows


async def _letters(
    session: AsyncSession,
    user_ids: list[str],
    topic: Topic,
    *,
    kind: str,
    title: str,
    body: str,
    link: str,
) -> list[Letter]:
    """Write the letter of a notification to each person with a verified address."""
    letters = []
    for start in range(0, len(user_ids), preferences.CHUNK):
        found = await session.execute(
            select(User.email, User.display_name).where(
                User.id.in_(user_ids[start : start + preferences.CHUNK]),
                User.email.is_not(None),
                User.email_verified_at.is_not(None),
                User.is_active.is_(True),
            )
        )
        for email, name in found:
            paragraphs = [
                f"Hello {name},",
                title if title.endswith((".", "!", "?")) else title + ".",
            ]
            if body.strip():
                paragraphs.append(body.strip())
            letters.append(
                Letter(
                    to=str(email),
                    to_name=name,
                    subject=title,
                    paragraphs=tuple(paragraphs),
                    action_label="Open in hearth",
                    action_path=link or "/notifications",
                    footer=f"You get this mail because {topic.label} notifications reach you "
                    "by email. Choose what reaches you on your account page, under "
                    "Notifications.",
                    kind=f"notification.{kind}",
                )
            )
    return letters


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
