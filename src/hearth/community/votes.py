"""Votes and follows: one vote per person per suggestion, toggled, and the counter kept equal
to the vote rows under any number of concurrent voters.

A vote is an ``INSERT ... ON CONFLICT DO NOTHING`` of the (suggestion, person) row and a
withdrawal a ``DELETE`` of it; the counter moves (``vote_count = vote_count ± 1``, a
conditional update in SQL, never a value read and written back) only when that statement
changed a row, in the same transaction. Two concurrent votes of one person: on PostgreSQL
the second insert waits for the first's transaction and then inserts nothing; on SQLite
writers take turns. Either way exactly one row and one increment. ``trend`` (the trending
key) is written from the counter the same update returned, under the same row lock.

Voting follows the suggestion; withdrawing a vote does not unfollow (that is its own act).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.community import visibility
from hearth.community.events import SuggestionVoted
from hearth.community.models import Follow, Suggestion, Vote
from hearth.community.rules import VOTABLE, Status, trend_key
from hearth.db import insert_for
from hearth.errors import Conflict, NotFound
from hearth.outbox import record


async def _suggestion(
    session: AsyncSession, suggestion_id: str, user_id: str, *, lock: bool = False
) -> tuple[str, datetime]:
    await visibility.check_suggestion(session, suggestion_id, user_id)  # not a hidden one
    statement = select(Suggestion.status, Suggestion.created_at).where(
        Suggestion.id == suggestion_id
    )
    if lock:
        # PostgreSQL: take the row first, before the vote row, as a merge does
        # (``duplicates.merge``): a merge holding the row while it copies vote rows would
        # otherwise wait for this vote's row while this vote waits for the suggestion's.
        statement = statement.with_for_update(key_share=True)
    found = (await session.execute(statement)).first()
    if found is None:
        raise NotFound(f"no suggestion {suggestion_id!r}")
    status, created_at = found
    return str(status), created_at


async def _count(
    session: AsyncSession,
    suggestion_id: str,
    step: int,
    created_at: datetime,
    *,
    votable: bool = False,
) -> int:
    moved = await session.execute(
        update(Suggestion)
        .where(Suggestion.id == suggestion_id)
        .values(vote_count=Suggestion.vote_count + step)
        .returning(Suggestion.vote_count, Suggestion.status)
        .execution_options(synchronize_session=False)
    )
    votes, status = moved.one()
    votes = int(votes)
    if votable and Status(status) not in VOTABLE:
        # Closed (merged, say) between the first read and the write lock (SQLite reads before
        # it takes one): the vote is refused and the transaction, vote row and all, rolls back.
        raise Conflict("this suggestion is closed and takes no more votes")
    await session.execute(
        update(Suggestion)
        .where(Suggestion.id == suggestion_id)
        .values(trend=trend_key(votes, created_at))
        .execution_options(synchronize_session=False)
    )
    record(session, SuggestionVoted(suggestion_id=suggestion_id, votes=votes))
    return votes


async def _votes(session: AsyncSession, suggestion_id: str) -> int:
    return int(
        await session.scalar(select(Suggestion.vote_count).where(Suggestion.id == suggestion_id))
        or 0
    )


async def follow(session: AsyncSession, *, user_id: str, suggestion_id: str, now: datetime) -> None:
    """Follow a suggestion (following it again changes nothing)."""
    await _suggestion(session, suggestion_id, user_id)
    await session.execute(
        insert_for(session)(Follow)
        .values(suggestion_id=suggestion_id, user_id=user_id, created_at=now)
        .on_conflict_do_nothing()
    )


async def unfollow(session: AsyncSession, *, user_id: str, suggestion_id: str) -> None:
    """Stop following a suggestion (if one did)."""
    await _suggestion(session, suggestion_id, user_id)
    await session.execute(
        delete(Follow).where(Follow.suggestion_id == suggestion_id, Follow.user_id == user_id)
    )


async def vote(session: AsyncSession, *, user_id: str, suggestion_id: str, now: datetime) -> int:
    """Vote for a suggestion (a second vote changes nothing) and follow it; return its votes."""
    status, created_at = await _suggestion(session, suggestion_id, user_id, lock=True)
    if Status(status) not in VOTABLE:
        raise Conflict("this suggestion is closed and takes no more votes")
    added = await session.execute(
        insert_for(session)(Vote)
        .values(suggestion_id=suggestion_id, user_id=user_id, created_at=now)
        .on_conflict_do_nothing()
    )
    await follow(session, user_id=user_id, suggestion_id=suggestion_id, now=now)
    if added.rowcount == 1:  # type: ignore[attr-defined]
        return await _count(session, suggestion_id, +1, created_at, votable=True)
    return await _votes(session, suggestion_id)


async def unvote(session: AsyncSession, *, user_id: str, suggestion_id: str) -> int:
    """Withdraw one's vote (if any); return the suggestion's votes."""
    _status, created_at = await _suggestion(session, suggestion_id, user_id, lock=True)
    removed = await session.execute(
        delete(Vote).where(Vote.suggestion_id == suggestion_id, Vote.user_id == user_id)
    )
    if removed.rowcount == 1:  # type: ignore[attr-defined]
        return await _count(session, suggestion_id, -1, created_at)
    return await _votes(session, suggestion_id)


async def toggle(
    session: AsyncSession, *, user_id: str, suggestion_id: str, now: datetime
) -> tuple[bool, int]:
    """Withdraw one's vote if there is one, else vote; return whether one now votes, and the
    suggestion's votes."""
    _status, created_at = await _suggestion(session, suggestion_id, user_id, lock=True)
    removed = await session.execute(
        delete(Vote).where(Vote.suggestion_id == suggestion_id, Vote.user_id == user_id)
    )
    if removed.rowcount == 1:  # type: ignore[attr-defined]
        return False, await _count(session, suggestion_id, -1, created_at)
    return True, await vote(session, user_id=user_id, suggestion_id=suggestion_id, now=now)
