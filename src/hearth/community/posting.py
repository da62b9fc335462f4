"""Whether a person may post in the community now: not while a moderator has them muted, and
not more often than the rate limits allow (``moderation_rules.SUGGESTION_LIMIT`` and
``COMMENT_LIMIT``).

Both are read from the database, never kept in a process's memory: every hearth process
shares it. The person's row is locked first (a write that changes nothing: the row lock on
PostgreSQL, the write lock on SQLite, both taken before counting), so one person's posts at
the same moment are counted one after the other and a burst cannot slip past the limit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from babel import Locale
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.community.models import Comment, Mute, Question, Suggestion
from hearth.community.moderation_rules import (
    COMMENT_LIMIT,
    QUESTION_LIMIT,
    SUGGESTION_LIMIT,
    Limit,
    retry_seconds,
    wait_before_posting,
)
from hearth.errors import Muted, RateLimited
from hearth.kit import times


def _words(user: User | Any) -> tuple[Any, Locale]:
    zone = times.zone_or_utc(getattr(user, "time_zone", None))
    locale = times.locale_named(getattr(user, "locale", None) or "") or times.DEFAULT_LOCALE
    return zone, locale


async def muted_until(session: AsyncSession, user_id: str, now: datetime) -> Mute | None:
    """Return the mute in force on a person at ``now`` (the one ending last), if any."""
    found: Mute | None = await session.scalar(
        select(Mute)
        .where(Mute.user_id == user_id, Mute.lifted_at.is_(None), Mute.until > now)
        .order_by(Mute.until.desc())
        .limit(1)
    )
    return found


def _said_until(user: User | Any, moment: datetime, now: datetime) -> str:
    zone, locale = _words(user)
    return f"{times.when(moment, zone, locale, now=now)} ({times.zone_label(zone, moment, locale)})"


async def _check_limit(
    session: AsyncSession, user: User | Any, limit: Limit, column: Any, author: Any, now: datetime
) -> None:
    recent = list(
        await session.scalars(
            select(column)
            .where(author == user.id, column > now - limit.window)
            .order_by(column.desc())
            .limit(limit.count)
        )
    )
    wait = wait_before_posting(recent, limit, now)
    if wait.total_seconds() <= 0:
        return
    _zone, locale = _words(user)
    raise RateLimited(
        f"you have posted {limit.count} {limit.what} in the last {limit.window_words}, as many "
        f"as anyone may; you can post again in {times.span(wait, locale)}, at "
        f"{_said_until(user, now + wait, now)}",
        retry_after=retry_seconds(wait),
    )


async def _guard(session: AsyncSession, user: User | Any, now: datetime) -> None:
    # One person's posts take turns: a write that changes nothing locks their row first
    # (PostgreSQL), and on SQLite takes the write lock before counting (its driver would
    # begin the transaction only at the insert, after the count).
    await session.execute(text("UPDATE users SET id = id WHERE id = :id"), {"id": user.id})
    mute = await muted_until(session, user.id, now)
    if mute is not None:
        why = mute.reason.rstrip(". ")
        raise Muted(
            f"a moderator muted you until {_said_until(user, mute.until, now)}: {why}. "
            "Until then you can read and vote, but not post",
            until=mute.until,
        )


async def check_suggestion(session: AsyncSession, user: User | Any, now: datetime) -> None:
    """Refuse a new suggestion from a muted person, or one past the suggestions' limit."""
    await _guard(session, user, now)
    await _check_limit(
        session, user, SUGGESTION_LIMIT, Suggestion.created_at, Suggestion.author_id, now
    )


async def check_comment(session: AsyncSession, user: User | Any, now: datetime) -> None:
    """Refuse a new comment from a muted person, or one past the comments' limit."""
    await _guard(session, user, now)
    await _check_limit(session, user, COMMENT_LIMIT, Comment.created_at, Comment.author_id, now)


async def check_review(session: AsyncSession, user: User | Any, now: datetime) -> None:
    """Refuse a review (or its edit) from a muted person; a review is one per order and
    product, so it needs no limit of its own."""
    await _guard(session, user, now)


async def check_question(session: AsyncSession, user: User | Any, now: datetime) -> None:
    """Refuse a question about a campaign from a muted person, or one past the questions'
    limit."""
    await _guard(session, user, now)
    await _check_limit(session, user, QUESTION_LIMIT, Question.created_at, Question.author_id, now)
