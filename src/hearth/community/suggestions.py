"""Suggestions: posting one, listing a board's (sorted, filtered, searched, paged), reading
one with its history, and a board owner's answer that moves its status.

Every answer is a row of ``community_answers`` (the suggestion's public history), records
``SuggestionAnswered`` on the unit of work and tells the suggestion's followers through the
notifications inbox (kind ``community.answered``), the one who answered excepted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.community import boards, posting, search, visibility
from hearth.community.events import SuggestionAnswered, SuggestionPosted
from hearth.community.models import Answer, Board, Follow, Suggestion, Vote
from hearth.community.rules import (
    MAX_ANSWER,
    MAX_BODY,
    MAX_TITLE,
    PAGE_SIZE,
    STATUS_LABELS,
    STATUS_WORKFLOW,
    Sort,
    Status,
    category_problem,
    page_count,
    trend_key,
)
from hearth.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hearth.kit import prose
from hearth.kit.text import tidy, unreadable
from hearth.notifications import service as notifications
from hearth.notifications.events import NotificationsSent
from hearth.outbox import record

MAX_PAGE = 10_000


@dataclass
class SuggestionPage:
    """One page of a board's suggestions, and what the reader has voted for on it."""

    items: list[Suggestion]
    total: int
    page: int
    pages: int
    voted: set[str] = field(default_factory=set)


def _text_problems(title: str, body: str) -> list[dict[str, str]]:
    problems = []
    if not title:
        problems.append({"field": "title", "message": "says what you suggest in a few words"})
    elif len(title) > MAX_TITLE:
        problems.append({"field": "title", "message": f"may have at most {MAX_TITLE} characters"})
    elif unreadable(title):
        problems.append({"field": "title", "message": "may not hold control characters"})
    if len(body) > MAX_BODY:
        problems.append({"field": "body", "message": f"may have at most {MAX_BODY} characters"})
    return problems


async def post(
    session: AsyncSession,
    *,
    user: User,
    board_id: str,
    title: str,
    body: str,
    category: str,
    now: datetime,
) -> Suggestion:
    """Post a suggestion on a board; its author votes for it and follows it."""
    view = await boards.board(session, board_id)
    title, body = tidy(title), body.strip()
    problems = _text_problems(title, body)
    wrong = category_problem(view.kind, category)
    if wrong:
        problems.append({"field": "category", "message": wrong})
    if problems:
        raise InvalidInput.fields(problems)
    await posting.check_suggestion(session, user, now)  # not muted, not past the limit
    await boards.ensure(session, view, now=now)
    suggestion = Suggestion(
        board_id=view.id,
        author_id=user.id,
        title=title,
        body=body,
        category=category,
        status=str(Status.OPEN),
        vote_count=1,
        comment_count=0,
        trend=trend_key(1, now),
        created_at=now,
        updated_at=now,
    )
    session.add(suggestion)
    await session.flush()
    session.add_all(
        [
            Vote(suggestion_id=suggestion.id, user_id=user.id, created_at=now),
            Follow(suggestion_id=suggestion.id, user_id=user.id, created_at=now),
        ]
    )
    await session.execute(
        update(Board).where(Board.id == view.id).values(suggestion_count=Board.suggestion_count + 1)
    )
    await session.flush()
    record(session, SuggestionPosted(suggestion_id=suggestion.id, board_id=view.id))
    return suggestion


def _parse_status(value: str | None) -> Status | None:
    if not value:
        return None
    try:
        return Status(value)
    except ValueError:
        raise InvalidInput.fields(
            [{"field": "status", "message": "is not one of " + ", ".join(Status)}]
        ) from None


async def listing(
    session: AsyncSession,
    *,
    board_id: str,
    sort: str | None = None,
    status: str | None = None,
    category: str | None = None,
    query: str = "",
    page: int = 1,
    viewer_id: str | None = None,
    reader: visibility.Reader | None = None,
) -> SuggestionPage:
    """Return one page of a board's suggestions: sorted (``rules.Sort``; trending unless
    asked), filtered by status and category, and with a ``query`` only those matching it
    (best match first unless a sort is asked for). Hidden ones only for their author and
    moderators (``reader``; by default the viewer, as a person who does not moderate)."""
    view = await boards.board(session, board_id)
    try:
        order = Sort(sort) if sort else None
    except ValueError:
        raise InvalidInput.fields(
            [{"field": "sort", "message": "is not one of " + ", ".join(Sort)}]
        ) from None
    wanted = _parse_status(status)
    if category and category_problem(view.kind, category):
        raise InvalidInput.fields(
            [{"field": "category", "message": str(category_problem(view.kind, category))}]
        )
    if not 1 <= page <= MAX_PAGE:
        raise InvalidInput.fields([{"field": "page", "message": f"is 1 to {MAX_PAGE}"}])
    shown = visibility.suggestions_shown(reader or visibility.Reader(viewer_id))
    statement: Any = select(Suggestion).where(Suggestion.board_id == view.id, shown)
    if wanted is not None:
        statement = statement.where(Suggestion.status == wanted)
    if wanted is not Status.DUPLICATE:
        # Merged duplicates are shown only when duplicates are asked for: their votes are in
        # their targets (``duplicates.merge``).
        statement = statement.where(Suggestion.merged_into_id.is_(None))
    if category:
        statement = statement.where(Suggestion.category == category)
    searched = bool(query.strip()) and bool(search.words(query))
    dialect = session.get_bind().dialect.name
    counted = statement
    unbounded: Any = None  # the best-first page without the bound, should it come up short
    offset = (page - 1) * PAGE_SIZE
    if searched:
        # Counted without the ranking: ranking every match is the dear part of a search.
        # Ranked, only the engine's best matches up to this page and a margin; should the
        # conditions leave fewer than the page needs, the page is read again unbounded.
        counted = search.narrow(statement, dialect, query, board_id=view.id, counting=True)
        best = order is None
        top = offset + PAGE_SIZE + search.TOP if best else None
        narrowed = search.narrow(
            statement, dialect, query, best_first=best, board_id=view.id, top=top
        )
        if best:
            unbounded = search.narrow(statement, dialect, query, board_id=view.id)
        assert counted is not None and narrowed is not None
        statement = narrowed
    total = int(await session.scalar(select(func.count()).select_from(counted.subquery())) or 0)
    columns = {
        Sort.TRENDING: (Suggestion.trend.desc(),),
        Sort.TOP: (Suggestion.vote_count.desc(), Suggestion.created_at.desc()),
        Sort.NEWEST: (Suggestion.created_at.desc(),),
        Sort.ANSWERED: (Suggestion.answered_at.desc().nulls_last(), Suggestion.created_at.desc()),
    }
    if not (searched and order is None):
        statement = statement.order_by(*columns[order or Sort.TRENDING])
    statement = statement.order_by(Suggestion.id.desc())
    items = list(await session.scalars(statement.limit(PAGE_SIZE).offset(offset)))
    if unbounded is not None and len(items) < min(PAGE_SIZE, total - offset):
        whole = unbounded.order_by(Suggestion.id.desc())
        items = list(await session.scalars(whole.limit(PAGE_SIZE).offset(offset)))
    voted: set[str] = set()
    if viewer_id and items:
        voted = set(
            await session.scalars(
                select(Vote.suggestion_id).where(
                    Vote.user_id == viewer_id, Vote.suggestion_id.in_([s.id for s in items])
                )
            )
        )
    return SuggestionPage(items, total, page, page_count(total), voted)


async def get(
    session: AsyncSession, suggestion_id: str, *, reader: visibility.Reader | None = None
) -> Suggestion:
    """Return a suggestion, or ``NotFound`` (also when it is hidden from ``reader``)."""
    found = await session.get(Suggestion, suggestion_id)
    if found is None or (
        reader is not None
        and not reader.sees(hidden=found.hidden_at is not None, author_id=found.author_id)
    ):
        raise NotFound(f"no suggestion {suggestion_id!r}")
    return found


async def history(session: AsyncSession, suggestion_id: str) -> list[Answer]:
    """Return a suggestion's answers (status moves with their public words), oldest first."""
    return list(
        await session.scalars(
            select(Answer)
            .where(Answer.suggestion_id == suggestion_id)
            .order_by(Answer.at, Answer.id)
        )
    )


async def reader_state(
    session: AsyncSession, *, suggestion_id: str, user_id: str | None
) -> tuple[bool, bool]:
    """Return whether the reader voted for and follows the suggestion."""
    if user_id is None:
        return False, False
    voted = await session.scalar(
        select(Vote.user_id).where(Vote.suggestion_id == suggestion_id, Vote.user_id == user_id)
    )
    follows = await session.scalar(
        select(Follow.user_id).where(
            Follow.suggestion_id == suggestion_id, Follow.user_id == user_id
        )
    )
    return voted is not None, follows is not None


async def answer(
    session: AsyncSession,
    *,
    user: User,
    suggestion_id: str,
    status: str,
    body: str,
    now: datetime,
    tell_followers: bool = True,
) -> Answer:
    """Move a suggestion's status as its board's owner, with a public answer; tell its
    followers (unless the caller tells them itself: a release note sends one notice for
    everything it shipped)."""
    suggestion = await get(session, suggestion_id)
    await visibility.check_suggestion(session, suggestion_id, user.id)
    view = await boards.board(session, suggestion.board_id)
    if not view.answered_by(user):
        raise PermissionDenied(f"only {view.partner_name} answers suggestions on this board")
    target = _parse_status(status)
    body = body.strip()
    problems = []
    if target is None:
        problems.append({"field": "status", "message": "is needed"})
    if not body:
        problems.append({"field": "answer", "message": "tells the fans why, in a sentence or two"})
    elif len(body) > MAX_ANSWER:
        problems.append({"field": "answer", "message": f"may have at most {MAX_ANSWER} characters"})
    if problems:
        raise InvalidInput.fields(problems)
    assert target is not None
    if suggestion.merged_into_id is not None:
        raise Conflict("this suggestion was merged into another; answer that one instead")
    current = Status(suggestion.status)
    STATUS_WORKFLOW.check(current, target)
    # Conditional: of two answers at once from the same status, one moves it.
    moved = await session.execute(
        update(Suggestion)
        .where(Suggestion.id == suggestion.id, Suggestion.status == current)
        .values(status=str(target), answered_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("someone answered this suggestion a moment ago; read it again")
    row = Answer(
        suggestion_id=suggestion.id,
        actor_id=user.id,
        from_status=str(current),
        to_status=str(target),
        body=body,
        at=now,
    )
    session.add(row)
    await session.flush()
    await session.refresh(suggestion)
    record(
        session,
        SuggestionAnswered(
            suggestion_id=suggestion.id,
            board_id=view.id,
            from_status=str(current),
            to_status=str(target),
        ),
    )
    followers = [
        uid
        for uid in await session.scalars(
            select(Follow.user_id).where(Follow.suggestion_id == suggestion.id)
        )
        if uid != user.id
    ]
    if followers and tell_followers:
        sent = await notifications.notify(
            session,
            user_ids=followers,
            kind="community.answered",
            title=f"{view.partner_name} answered: {suggestion.title[:120]} is "
            f"{STATUS_LABELS[target].lower()}",
            body=prose.plain(body, limit=300),
            link=f"/community/suggestions/{suggestion.id}",
            now=now,
        )
        if sent:
            record(session, NotificationsSent(user_ids=sorted({n.user_id for n in sent})))
    return row


async def names(session: AsyncSession, user_ids: set[str | None]) -> dict[str, str]:
    """Return the display name of each of these people (a deleted account is left out)."""
    wanted = [uid for uid in user_ids if uid]
    if not wanted:
        return {}
    found = await session.execute(
        select(User.id, User.display_name, User.username).where(User.id.in_(wanted))
    )
    return {uid: display or username for uid, display, username in found}


async def voted(session: AsyncSession, suggestion_ids: list[str], user_id: str | None) -> set[str]:
    """Return which of these suggestions the user voted for."""
    if not user_id or not suggestion_ids:
        return set()
    return set(
        await session.scalars(
            select(Vote.suggestion_id).where(
                Vote.user_id == user_id, Vote.suggestion_id.in_(suggestion_ids)
            )
        )
    )
