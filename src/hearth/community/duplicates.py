"""Duplicates: the suggestions like a title (shown while a fan types), a near-identical one
asked about before posting, and the board owner's merge of a duplicate into another.

Finding them: the database's full-text engine looks for any of the title's key words
(``similarity.key_words``) in titles only, the last word also as a prefix since the fan is
still typing: on SQLite an FTS5 query ``{title} : ("a" OR "b" OR "c"*)`` on
``community_search``, ranked by bm25; on PostgreSQL ``'a':A | 'b':A | 'c':*A`` on the
``search`` column (weight A is the title), ranked by ``ts_rank``, through its GIN index.
The best ``CANDIDATES`` on the board are scored by RapidFuzz (``similarity.score``), the
same on both databases, and those above the threshold come back, best first. Merged
suggestions are never candidates: their votes live in their target.

Merging moves a duplicate's votes and followers to its target in one transaction: the
duplicate's status becomes ``duplicate`` with an official answer that links to the target
and ``merged_into_id`` is set (a conditional update: of two merges at once, one happens);
each vote row is copied with ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` (a person who
voted for both keeps one vote), the target's counter moves by the rows that insert made,
and the duplicate's rows are deleted and its counter set to nought. A vote given to the
duplicate or its target while they are merged waits for the merge's row locks (a vote takes
its suggestion's row before its vote row, as the merge does), then reads the status afresh:
a vote on the merged one is refused, so no vote is left behind on a merged suggestion and
every counter equals its rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, func, literal, literal_column, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.community import boards, posting, suggestions, votes
from hearth.community.events import SuggestionMerged, SuggestionVoted
from hearth.community.models import Answer, Follow, Suggestion, Vote
from hearth.community.rules import (
    MAX_ANSWER,
    MAX_TITLE,
    STATUS_LABELS,
    STATUS_WORKFLOW,
    VOTABLE,
    Status,
    category_problem,
    trend_key,
)
from hearth.community.similarity import NEAR_IDENTICAL, SIMILAR, key_words, score
from hearth.community.visibility import ANYONE, Reader, suggestions_shown
from hearth.db import UTCDateTime, insert_for
from hearth.errors import Conflict, InvalidInput, LooksLikeDuplicate, NotFound, PermissionDenied
from hearth.kit import prose
from hearth.kit.text import tidy
from hearth.notifications import service as notifications
from hearth.notifications.events import NotificationsSent
from hearth.outbox import record

# How many of the engine's best matches RapidFuzz scores: enough that a rewording ranked
# below a few louder matches is still seen, few enough to stay a bounded read on a board of
# a hundred thousand suggestions.
CANDIDATES = 40
MAX_LIMIT = 20
# How many of the suggestions whose titles share a word the engine ranks: on a board of a
# hundred thousand, a common word ("light") matches thousands, and ranking them all costs
# more than a keystroke may. SQLite takes the newest so many; PostgreSQL the first its index
# finds.
POOL = 400
# The index is read newest first (FTS5 walks its rowids backwards without sorting), each hit
# looked up by rowid for its board, until ``POOL`` hits are on this board; bm25 ranks those.
_SQLITE_POOL = text(
    "SELECT id FROM ("
    " SELECT s.id AS id, bm25(community_search) AS rank FROM community_search"
    " JOIN community_suggestions AS s ON s.rowid = community_search.rowid"
    " WHERE community_search MATCH :words AND s.board_id = :board AND s.merged_into_id IS NULL"
    " ORDER BY community_search.rowid DESC LIMIT :pool"
    ") ORDER BY rank, id LIMIT :limit"
)


@dataclass(frozen=True)
class Match:
    """An existing suggestion like a title, and how alike (0-100)."""

    suggestion: Suggestion
    score: float

    def facts(self) -> dict[str, Any]:
        """Return what an answer tells of it: id, title, status, votes and its page."""
        row = self.suggestion
        return {
            "id": row.id,
            "title": row.title,
            "status": row.status,
            "votes": row.vote_count,
            "score": round(self.score, 1),
            "url": f"/community/suggestions/{row.id}",
        }


def _fts5_any(words: list[str]) -> str:
    quoted = ['"' + w.replace('"', '""') + '"' for w in words]
    quoted[-1] += "*"
    return "{title} : (" + " OR ".join(quoted) + ")"


def _tsquery_any(words: list[str]) -> str:
    terms = [w.replace("'", "").replace("\\", "") for w in words]
    terms = [t for t in terms if t]
    if not terms:
        return ""
    return " | ".join([f"'{t}':A" for t in terms[:-1]] + [f"'{terms[-1]}':*A"])


async def candidates(
    session: AsyncSession,
    board_id: str,
    title: str,
    *,
    limit: int = CANDIDATES,
    reader: Reader = ANYONE,
) -> list[Suggestion]:
    """Return the board's suggestions (merged ones left out, hidden ones unless ``reader``
    may see them) whose titles share a key word with ``title``: of the first ``POOL`` the
    index finds, the engine's best ``limit``."""
    words = key_words(title)
    if not words:
        return []
    if session.get_bind().dialect.name == "postgresql":
        query = _tsquery_any(words)
        if not query:
            return []
        wanted = func.to_tsquery("english", query)
        column: ColumnElement[Any] = literal_column("community_suggestions.search")
        pool = (
            select(Suggestion.id, func.ts_rank(column, wanted).label("rank"))
            .where(
                Suggestion.board_id == board_id,
                Suggestion.merged_into_id.is_(None),
                column.op("@@")(wanted),
            )
            .limit(POOL)
            .subquery("pool")
        )
        ranked = select(pool.c.id).order_by(pool.c.rank.desc(), pool.c.id).limit(limit)
        ids = list(await session.scalars(ranked))
    else:
        found = await session.execute(
            _SQLITE_POOL,
            {"words": _fts5_any(words), "board": board_id, "pool": POOL, "limit": limit},
        )
        ids = [row[0] for row in found]
    if not ids:
        return []
    shown = select(Suggestion).where(Suggestion.id.in_(ids), suggestions_shown(reader))
    rows = {r.id: r for r in await session.scalars(shown)}
    return [rows[i] for i in ids if i in rows]


async def similar(
    session: AsyncSession,
    board_id: str,
    title: str,
    limit: int = 5,
    *,
    threshold: float = SIMILAR,
    reader: Reader = ANYONE,
) -> list[Match]:
    """Return the board's suggestions most like ``title`` (any status, merged ones left
    out, and hidden ones unless ``reader`` may see them), at most ``limit``, best first; those
    scoring under ``threshold`` are left out."""
    view = await boards.board(session, board_id)
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput.fields([{"field": "limit", "message": f"is 1 to {MAX_LIMIT}"}])
    found = [
        Match(row, score(title, row.title))
        for row in await candidates(session, view.id, title, reader=reader)
    ]
    found = [m for m in found if m.score >= threshold]
    found.sort(key=lambda m: (-m.score, -m.suggestion.vote_count, m.suggestion.id))
    return found[:limit]


async def near_identical(
    session: AsyncSession, board_id: str, title: str, *, reader: Reader = ANYONE
) -> Match | None:
    """Return the suggestion still taking votes whose title is near-identical to ``title``
    (the most alike, among those ``reader`` sees), or None."""
    found = await similar(
        session, board_id, title, MAX_LIMIT, threshold=NEAR_IDENTICAL, reader=reader
    )
    for match in found:
        if Status(match.suggestion.status) in VOTABLE:
            return match
    return None


async def post(
    session: AsyncSession,
    *,
    user: User,
    board_id: str,
    title: str,
    body: str,
    category: str,
    now: datetime,
    confirm_distinct: bool = False,
) -> Suggestion:
    """Post a suggestion as ``suggestions.post`` does, unless its title is near-identical to
    one on the board still taking votes and the author has not confirmed theirs is another:
    then ``LooksLikeDuplicate`` names that one and nothing is posted."""
    view = await boards.board(session, board_id)
    tidied = tidy(title)
    readable = 0 < len(tidied) <= MAX_TITLE and category_problem(view.kind, category) is None
    if readable and not confirm_distinct:
        await posting.check_suggestion(session, user, now)  # a muted person hears that first
        match = await near_identical(session, view.id, tidied, reader=Reader.of(user))
        if match is not None:
            row = match.suggestion
            raise LooksLikeDuplicate(
                f"A suggestion like yours is already on this board: “{row.title}” "
                f"({STATUS_LABELS[Status(row.status)].lower()}, {row.vote_count} "
                f"{'vote' if row.vote_count == 1 else 'votes'}). Vote for it, or post yours "
                "anyway if it asks for something else",
                match=match.facts(),
            )
    return await suggestions.post(
        session,
        user=user,
        board_id=view.id,
        title=title,
        body=body,
        category=category,
        now=now,
    )


@dataclass(frozen=True)
class Merged:
    """What a merge did: the duplicate, its target, and what moved."""

    suggestion: Suggestion
    into: Suggestion
    answer: Answer
    votes_moved: int
    followers_moved: int


async def _lock(session: AsyncSession, suggestion_id: str) -> Suggestion | None:
    """Read a suggestion afresh, locked for this transaction on PostgreSQL (SQLite's writers
    take turns already)."""
    return await session.scalar(
        select(Suggestion)
        .where(Suggestion.id == suggestion_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )


async def merge(
    session: AsyncSession,
    *,
    user: User,
    suggestion_id: str,
    into_id: str,
    answer: str = "",
    now: datetime,
) -> Merged:
    """Merge a duplicate into another suggestion of its board, as the board's owner: its
    votes (one per person) and followers move there, it becomes ``duplicate`` with an official
    answer linking to the target, and its followers are told."""
    source = await suggestions.get(session, suggestion_id)
    view = await boards.board(session, source.board_id)
    if not view.answered_by(user):
        raise PermissionDenied(f"only {view.partner_name} merges suggestions on this board")
    into_id = into_id.strip()
    words = answer.strip()
    problems = []
    if not into_id:
        problems.append({"field": "into", "message": "names the suggestion this one repeats"})
    elif into_id == source.id:
        problems.append(
            {"field": "into", "message": "is this suggestion itself: choose the one it repeats"}
        )
    if len(words) > MAX_ANSWER:
        problems.append({"field": "answer", "message": f"may have at most {MAX_ANSWER} characters"})
    if problems:
        raise InvalidInput.fields(problems)
    # Lock both rows in one order (by id), so two merges crossing each other cannot deadlock.
    first, second = sorted([source.id, into_id])
    locked = {first: await _lock(session, first), second: await _lock(session, second)}
    source_row, target = locked[source.id], locked[into_id]
    if source_row is None:
        raise NotFound(f"no suggestion {suggestion_id!r}")
    source = source_row
    if target is None:
        raise InvalidInput.fields(
            [{"field": "into", "message": f"names no suggestion ({into_id!r})"}]
        )
    if target.board_id != source.board_id:
        raise InvalidInput.fields(
            [
                {
                    "field": "into",
                    "message": "is on another board: a suggestion merges only into one on "
                    "its own board",
                }
            ]
        )
    if source.merged_into_id is not None:
        raise Conflict("this suggestion was merged already; its votes are in its target")
    if target.merged_into_id is not None:
        raise Conflict(
            f"the suggestion “{target.title}” was itself merged into another: merge into that "
            "one instead"
        )
    if Status(target.status) not in VOTABLE:
        raise Conflict(
            f"the suggestion “{target.title}” is {STATUS_LABELS[Status(target.status)].lower()} "
            "and takes no votes: reopen it first, or merge into another"
        )
    current = Status(source.status)
    if current is not Status.DUPLICATE:  # marked a duplicate before, not merged: merge it now
        STATUS_WORKFLOW.check(current, Status.DUPLICATE)
    moved = await session.execute(
        update(Suggestion)
        .where(
            Suggestion.id == source.id,
            Suggestion.status == current,
            Suggestion.merged_into_id.is_(None),
        )
        .values(
            status=str(Status.DUPLICATE), merged_into_id=target.id, answered_at=now, updated_at=now
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("someone changed this suggestion a moment ago; read it again")

    # The votes: copied (a person who voted for both keeps the one), then taken off.
    copied = await session.execute(
        insert_for(session)(Vote)
        .from_select(
            ["suggestion_id", "user_id", "created_at"],
            select(literal(target.id), Vote.user_id, Vote.created_at).where(
                Vote.suggestion_id == source.id
            ),
        )
        .on_conflict_do_nothing()
        .returning(Vote.user_id)
    )
    votes_moved = len(copied.all())
    await session.execute(delete(Vote).where(Vote.suggestion_id == source.id))
    await session.execute(
        update(Suggestion)
        .where(Suggestion.id == source.id)
        .values(vote_count=0, trend=trend_key(0, source.created_at))
        .execution_options(synchronize_session=False)
    )
    if votes_moved:
        counted = await session.execute(
            update(Suggestion)
            .where(Suggestion.id == target.id)
            .values(vote_count=Suggestion.vote_count + votes_moved)
            .returning(Suggestion.vote_count)
            .execution_options(synchronize_session=False)
        )
        total = int(counted.scalar_one())
        await session.execute(
            update(Suggestion)
            .where(Suggestion.id == target.id)
            .values(trend=trend_key(total, target.created_at))
            .execution_options(synchronize_session=False)
        )
        record(session, SuggestionVoted(suggestion_id=target.id, votes=total))
    record(session, SuggestionVoted(suggestion_id=source.id, votes=0))

    # The followers: every one of the duplicate's follows the target too (and keeps following
    # the duplicate, whose page now points there).
    followed = await session.execute(
        insert_for(session)(Follow)
        .from_select(
            ["suggestion_id", "user_id", "created_at"],
            select(literal(target.id), Follow.user_id, literal(now, UTCDateTime())).where(
                Follow.suggestion_id == source.id
            ),
        )
        .on_conflict_do_nothing()
        .returning(Follow.user_id)
    )
    followers_moved = len(followed.all())

    link = f"/community/suggestions/{target.id}"
    said = words or (
        f"The same as [{_escaped(target.title)}]({link}): its votes and followers are there "
        "now, so every vote counts in one place."
    )
    row = Answer(
        suggestion_id=source.id,
        actor_id=user.id,
        from_status=str(current),
        to_status=str(Status.DUPLICATE),
        body=said if link in said else f"{said}\n\nMerged into [{_escaped(target.title)}]({link}).",
        at=now,
    )
    session.add(row)
    await session.flush()
    await session.refresh(source)
    await session.refresh(target)
    record(session, SuggestionMerged(suggestion_id=source.id, into_id=target.id, board_id=view.id))
    followers = [
        uid
        for uid in await session.scalars(
            select(Follow.user_id).where(Follow.suggestion_id == source.id)
        )
        if uid != user.id
    ]
    if followers:
        sent = await notifications.notify(
            session,
            user_ids=followers,
            kind="community.merged",
            title=f"{view.partner_name} merged {source.title[:70]} into {target.title[:70]}",
            body=prose.plain(
                "Your vote and your follow moved with it: you are told of its answers.", limit=300
            ),
            link=link,
            now=now,
        )
        if sent:
            record(session, NotificationsSent(user_ids=sorted({n.user_id for n in sent})))
    return Merged(source, target, row, votes_moved, followers_moved)


def _escaped(title: str) -> str:
    """Keep a title's Markdown characters literal inside a link's text."""
    return "".join("\\" + c if c in "\\`*_[]()<>#!|~" else c for c in title)


async def merged_into(session: AsyncSession, row: Suggestion) -> Suggestion | None:
    """Return the suggestion ``row`` was merged into, if it was."""
    if row.merged_into_id is None:
        return None
    return await session.get(Suggestion, row.merged_into_id)


async def page_facts(session: AsyncSession, row: Suggestion, *, owner: bool) -> dict[str, Any]:
    """Return what a suggestion's page shows of duplicates: the suggestion it was merged into,
    and for the board's owner the suggestions it could be merged into (the most alike first)."""
    options: list[Match] = []
    mergeable = row.merged_into_id is None and (
        row.status == Status.DUPLICATE or STATUS_WORKFLOW.can(Status(row.status), Status.DUPLICATE)
    )
    if owner and mergeable:
        found = await similar(session, row.board_id, row.title, MAX_LIMIT, threshold=0.0)
        options = [
            m for m in found if m.suggestion.id != row.id and Status(m.suggestion.status) in VOTABLE
        ][:8]
    return {
        "merged_into": await merged_into(session, row),
        "mergeable": owner and mergeable,
        "merge_options": options,
    }


async def seed_demo(session: AsyncSession, *, board_id: str, owner: User, now: datetime) -> None:
    """Give the demo a merged duplicate: a second dark mode, voted for by a few backers, one
    of whom voted for the first too, merged into "Dark mode for the home app" by the board's
    owner (skipped if that suggestion or the backers are missing)."""
    target = await session.scalar(
        select(Suggestion).where(
            Suggestion.board_id == board_id, Suggestion.title == "Dark mode for the home app"
        )
    )
    people = {
        u.username: u
        for u in await session.scalars(
            select(User).where(User.username.in_(["backer7", "backer8", "backer1"]))
        )
    }
    if target is None or "backer7" not in people:
        return
    at = now - timedelta(days=5)
    row = await suggestions.post(
        session,
        user=people["backer7"],
        board_id=board_id,
        title="Night theme for the app",
        body="A black background in the evening, please: the white cards light up the room.",
        category="home-app",
        now=at,
    )
    for number, name in enumerate(["backer8", "backer1"]):
        if name in people:  # backer1 voted for dark mode already: counted once after the merge
            await votes.vote(
                session,
                user_id=people[name].id,
                suggestion_id=row.id,
                now=at + timedelta(hours=number + 1),
            )
    await merge(
        session, user=owner, suggestion_id=row.id, into_id=target.id, now=at + timedelta(days=1)
    )
