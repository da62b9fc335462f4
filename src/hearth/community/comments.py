"""Comments on suggestions: threaded one level deep (a reply answers a comment, never a
reply), an official badge fixed when the author speaks for the board's owner, edits by the
author within ``rules.EDIT_WINDOW``, and deletion of one's own (soft: the row stays so its
replies keep their place, its words are emptied and it reads "deleted").

``comment_count`` on the suggestion counts the comments not deleted, moved in SQL in the
same transaction as the row it counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.community import boards, posting, visibility
from hearth.community.events import CommentPosted
from hearth.community.models import Comment, Suggestion
from hearth.community.rules import EDIT_WINDOW, MAX_COMMENT, may_edit_comment
from hearth.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hearth.outbox import record


@dataclass
class Thread:
    """A top-level comment and its replies, oldest first. ``masked``: the comment is hidden
    from this reader and stays only as a place holder for its replies (no words, no author)."""

    comment: Comment
    replies: list[Comment] = field(default_factory=list)
    masked: bool = False


def _body(body: str) -> str:
    body = body.strip()
    if not body:
        raise InvalidInput.fields([{"field": "body", "message": "is empty"}])
    if len(body) > MAX_COMMENT:
        raise InvalidInput.fields(
            [{"field": "body", "message": f"may have at most {MAX_COMMENT} characters"}]
        )
    return body


async def _counter(session: AsyncSession, suggestion_id: str, step: int) -> None:
    await session.execute(
        update(Suggestion)
        .where(Suggestion.id == suggestion_id)
        .values(comment_count=Suggestion.comment_count + step)
        .execution_options(synchronize_session=False)
    )


async def post(
    session: AsyncSession,
    *,
    user: User,
    suggestion_id: str,
    body: str,
    parent_id: str | None = None,
    now: datetime,
) -> Comment:
    """Comment on a suggestion, or reply to one of its top-level comments."""
    suggestion = await session.get(Suggestion, suggestion_id)
    if suggestion is None:
        raise NotFound(f"no suggestion {suggestion_id!r}")
    text = _body(body)
    await visibility.check_suggestion(session, suggestion_id, user.id)
    if parent_id:
        parent = await session.get(Comment, parent_id)
        if parent is None or parent.suggestion_id != suggestion_id:
            raise InvalidInput.fields(
                [{"field": "parent_id", "message": "is not a comment on this suggestion"}]
            )
        if parent.parent_id is not None:  # one level deep: answer the thread itself
            parent_id = parent.parent_id
    view = await boards.board(session, suggestion.board_id)
    await posting.check_comment(session, user, now)  # not muted, not past the limit
    comment = Comment(
        suggestion_id=suggestion_id,
        parent_id=parent_id or None,
        author_id=user.id,
        body=text,
        official=view.answered_by(user),
        created_at=now,
    )
    session.add(comment)
    await session.flush()
    await _counter(session, suggestion_id, +1)
    record(
        session,
        CommentPosted(
            suggestion_id=suggestion_id, comment_id=comment.id, official=comment.official
        ),
    )
    return comment


async def _own(session: AsyncSession, *, user: User, comment_id: str) -> Comment:
    comment = await session.get(Comment, comment_id)
    if comment is None or comment.deleted_at is not None:
        raise NotFound(f"no comment {comment_id!r}")
    if comment.author_id != user.id:
        raise PermissionDenied("only its author may change a comment")
    return comment


async def edit(
    session: AsyncSession, *, user: User, comment_id: str, body: str, now: datetime
) -> Comment:
    """Change one's own comment, within ``EDIT_WINDOW`` of posting it."""
    comment = await _own(session, user=user, comment_id=comment_id)
    if not may_edit_comment(
        author_id=comment.author_id, user_id=user.id, posted_at=comment.created_at, now=now
    ):
        minutes = int(EDIT_WINDOW.total_seconds() // 60)
        raise Conflict(f"a comment may be edited for {minutes} minutes after it is posted")
    comment.body = _body(body)
    comment.edited_at = now
    await session.flush()
    return comment


async def delete(session: AsyncSession, *, user: User, comment_id: str, now: datetime) -> None:
    """Delete one's own comment: its words go, its replies stay."""
    comment = await _own(session, user=user, comment_id=comment_id)
    done = await session.execute(
        update(Comment)
        .where(Comment.id == comment.id, Comment.deleted_at.is_(None))
        .values(deleted_at=now, body="")
        .returning(Comment.hidden_at)
        .execution_options(synchronize_session=False)
    )
    # A hidden comment left the count when it was hidden (read under the row's lock).
    if any(hidden_at is None for (hidden_at,) in done):
        await _counter(session, comment.suggestion_id, -1)
    await session.refresh(comment)


async def get(session: AsyncSession, comment_id: str) -> Comment:
    """Return a comment (deleted ones too, emptied), or ``NotFound``."""
    comment = await session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(f"no comment {comment_id!r}")
    return comment


async def threads(
    session: AsyncSession, suggestion_id: str, *, reader: visibility.Reader = visibility.ANYONE
) -> list[Thread]:
    """Return a suggestion's comments as threads, oldest first; a deleted comment stays
    (emptied) only while it has replies to hold together, and so does a hidden one for
    whoever may not see it (``visibility``: its author and moderators do)."""
    rows = list(
        await session.scalars(
            select(Comment)
            .where(Comment.suggestion_id == suggestion_id)
            .order_by(Comment.created_at, Comment.id)
        )
    )

    def seen(c: Comment) -> bool:
        return reader.sees(hidden=c.hidden_at is not None, author_id=c.author_id)

    by_id = {c.id: Thread(c, masked=not seen(c)) for c in rows if c.parent_id is None}
    for reply in rows:
        if reply.parent_id is not None and reply.parent_id in by_id:
            if reply.deleted_at is None and seen(reply):
                by_id[reply.parent_id].replies.append(reply)
    return [
        t for t in by_id.values() if (t.comment.deleted_at is None and not t.masked) or t.replies
    ]
