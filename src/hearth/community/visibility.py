"""Who sees what a moderator hid: the one filter every list, search and lookup of the
community applies.

A hidden suggestion, comment, review or campaign question is shown to its author (with the
moderator's reason) and to moderators, and to nobody else: it leaves board lists, search,
the similar-as-you-type lookup, threads, reviews, Q&A and counts (a hidden review leaves its
product's rating), and its page answers 404. ``shown`` (``suggestions_shown`` and the like)
is the condition to add to any query of them; ``check_suggestion``
refuses acting on (voting, following, commenting, answering) a hidden one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.community.models import Comment, Question, Review, Suggestion
from hearth.community.moderation_rules import may_see_hidden, moderates
from hearth.errors import Conflict, NotFound


@dataclass(frozen=True)
class Reader:
    """Who reads: a person (or nobody signed in), and whether they moderate."""

    user_id: str | None = None
    moderator: bool = False

    @classmethod
    def of(cls, user: User | Any | None) -> Reader:
        """Return the reader a signed-in ``user`` (or None) is."""
        if user is None:
            return ANYONE
        return cls(user.id, moderates(user.role))

    def sees(self, *, hidden: bool, author_id: str | None) -> bool:
        """Tell whether this reader sees an item (hidden or not) by ``author_id``."""
        return not hidden or may_see_hidden(
            author_id=author_id, user_id=self.user_id, moderator=self.moderator
        )


ANYONE = Reader()


def shown(model: Any, reader: Reader) -> ColumnElement[bool]:
    """Return the condition a row of ``model`` (anything people write and a moderator may
    hide: it has ``hidden_at`` and ``author_id``) meets when ``reader`` may see it."""
    if reader.moderator:
        return true()
    if reader.user_id is None:
        return model.hidden_at.is_(None)  # type: ignore[no-any-return]
    return or_(model.hidden_at.is_(None), model.author_id == reader.user_id)


def suggestions_shown(reader: Reader) -> ColumnElement[bool]:
    """Return the condition a suggestion meets when ``reader`` may see it."""
    return shown(Suggestion, reader)


def comments_shown(reader: Reader) -> ColumnElement[bool]:
    """Return the condition a comment meets when ``reader`` may see it."""
    return shown(Comment, reader)


def reviews_shown(reader: Reader) -> ColumnElement[bool]:
    """Return the condition a review meets when ``reader`` may see it."""
    return shown(Review, reader)


def questions_shown(reader: Reader) -> ColumnElement[bool]:
    """Return the condition a campaign question meets when ``reader`` may see it."""
    return shown(Question, reader)


async def reader(session: AsyncSession, user_id: str | None) -> Reader:
    """Return the reader a person is, by their id (their role read from the database)."""
    if user_id is None:
        return ANYONE
    role = await session.scalar(select(User.role).where(User.id == user_id))
    return Reader(user_id, role is not None and moderates(role))


async def check_suggestion(session: AsyncSession, suggestion_id: str, user_id: str) -> None:
    """Refuse acting on a hidden suggestion: ``NotFound`` for whoever may not see it, and
    ``Conflict`` for its author and moderators (it takes nothing new until restored)."""
    found = (
        await session.execute(
            select(Suggestion.hidden_at, Suggestion.author_id).where(Suggestion.id == suggestion_id)
        )
    ).first()
    if found is None:
        raise NotFound(f"no suggestion {suggestion_id!r}")
    hidden_at, author_id = found
    if hidden_at is None:
        return
    who = await reader(session, user_id)
    if not who.sees(hidden=True, author_id=author_id):
        raise NotFound(f"no suggestion {suggestion_id!r}")
    raise Conflict("a moderator hid this suggestion: it takes no votes, follows or comments")
