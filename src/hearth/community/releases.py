"""Release notes, the weekly update: a board's owner publishes a note (version, date, title,
Markdown) that cites the suggestions of that board it implements, and the fans who follow
them hear that they shipped.

Publishing checks everything before it writes anything: the person speaks for the board
(``rules.answers_for``, as for a status change), the version is free on the board, and every
cited suggestion is on this board and may move to done (``release_rules.ship_problem``). Then,
inside one savepoint, it writes the note and moves each cited suggestion to done through
``suggestions.answer`` (the same conditional move, answer row and ``SuggestionAnswered`` as any
status change) with an official answer linking to the note. A move that loses a race rolls
the savepoint back, so a note never ships half of what it cites.

Followers are told once per note, not once per suggestion: the status moves tell nobody
(``tell_followers=False``) and the note sends each follower one notice naming every cited
suggestion they follow (kind ``community.shipped``, in the Community topic).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.community import boards, suggestions
from hearth.community.boards import BoardView
from hearth.community.events import ReleaseEdited, ReleasePublished
from hearth.community.models import Follow, Release, ReleaseItem, Suggestion
from hearth.community.release_rules import (
    MAX_CITED,
    MAX_RELEASE_BODY,
    MAX_RELEASE_TITLE,
    SHIPPABLE_LISTED,
    anchor,
    day_problem,
    released_at,
    ship_problem,
    shipped_title,
    version_problem,
)
from hearth.community.rules import PLATFORM_BOARD, Status
from hearth.community.visibility import ANYONE, suggestions_shown
from hearth.db import insert_for
from hearth.errors import InvalidInput, NotFound, PermissionDenied
from hearth.kit import prose
from hearth.kit.ids import new_id
from hearth.kit.text import tidy, unreadable
from hearth.notifications import service as notifications
from hearth.notifications.events import NotificationsSent
from hearth.outbox import record

NOTICE_KIND = "community.shipped"
_MARKDOWN_SPECIAL = set("\\`*_{}[]()<>#+!|~")


@dataclass
class ReleaseView:
    """A note and the suggestions it shipped, in the order it cited them."""

    release: Release
    shipped: list[Suggestion] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return anchor(self.release.version)


@dataclass(frozen=True)
class ShippedIn:
    """The note a suggestion shipped in, as its page and lists link to it."""

    board_id: str
    version: str

    @property
    def url(self) -> str:
        return changelog_url(self.board_id, self.version)


def changelog_url(board_id: str, version: str | None = None) -> str:
    """Return the address of a board's changelog, at one note if ``version`` is given."""
    url = f"/community/boards/{board_id}/changelog"
    return url + f"#{anchor(version)}" if version else url


def _escape(text: str) -> str:
    """Return ``text`` with Markdown's punctuation escaped, to stand as a link's words."""
    return "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in text)


def _text_problems(title: str, body: str) -> list[dict[str, str]]:
    problems = []
    if not title:
        problems.append({"field": "title", "message": "says what this update brings, in a line"})
    elif len(title) > MAX_RELEASE_TITLE:
        problems.append(
            {"field": "title", "message": f"may have at most {MAX_RELEASE_TITLE} characters"}
        )
    elif unreadable(title):
        problems.append({"field": "title", "message": "may not hold control characters"})
    if len(body) > MAX_RELEASE_BODY:
        problems.append(
            {"field": "body", "message": f"may have at most {MAX_RELEASE_BODY} characters"}
        )
    return problems


async def _owned_board(session: AsyncSession, user: User, board_id: str) -> BoardView:
    view = await boards.board(session, board_id)
    if not view.answered_by(user):
        raise PermissionDenied(f"only {view.partner_name} publishes release notes on this board")
    return view


async def publish(
    session: AsyncSession,
    *,
    user: User,
    board_id: str,
    version: str,
    title: str,
    body: str,
    suggestion_ids: Sequence[str],
    day: date | None = None,
    now: datetime,
) -> ReleaseView:
    """Publish a release note on a board as its owner: the cited suggestions move to done with
    an official answer linking to the note, and their followers are told once each."""
    view = await _owned_board(session, user, board_id)
    version, title, body = version.strip(), tidy(title), body.strip()
    problems: list[dict[str, str]] = []
    wrong = version_problem(version)
    if wrong:
        problems.append({"field": "version", "message": wrong})
    elif await session.scalar(
        select(Release.id).where(Release.board_id == view.id, Release.version == version)
    ):
        problems.append(
            {"field": "version", "message": f"{version} is published on this board already"}
        )
    problems += _text_problems(title, body)
    if day is not None:
        wrong = day_problem(day, today=now.date())
        if wrong:
            problems.append({"field": "date", "message": wrong})
    cited = list(dict.fromkeys(s.strip() for s in suggestion_ids if s.strip()))
    if len(cited) > MAX_CITED:
        problems.append(
            {"field": "suggestions", "message": f"a note ships at most {MAX_CITED} suggestions"}
        )
        cited = []
    found = {
        s.id: s for s in await session.scalars(select(Suggestion).where(Suggestion.id.in_(cited)))
    }
    for sid in cited:
        row = found.get(sid)
        if row is None:
            problems.append({"field": "suggestions", "message": f"there is no suggestion {sid!r}"})
        elif row.board_id != view.id:
            problems.append(
                {"field": "suggestions", "message": f"“{row.title}” is on another board"}
            )
        else:
            why = ship_problem(Status(row.status))
            if why:
                problems.append({"field": "suggestions", "message": f"“{row.title}” {why}"})
    if problems:
        raise InvalidInput.fields(problems)

    link = changelog_url(view.id, version)
    words = f"Shipped in [{_escape(view.title)} {_escape(version)}]({link}): {_escape(title)}"
    async with session.begin_nested():
        await boards.ensure(session, view, now=now)
        release_id = new_id("rel")
        insert = insert_for(session)
        made = await session.execute(
            insert(Release)
            .values(
                id=release_id,
                board_id=view.id,
                version=version,
                title=title,
                body=body,
                author_id=user.id,
                released_at=released_at(day, now=now),
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["board_id", "version"])
        )
        if made.rowcount != 1:  # type: ignore[attr-defined]
            raise InvalidInput.fields(
                [{"field": "version", "message": f"{version} was published a moment ago"}]
            )
        session.add_all(
            ReleaseItem(release_id=release_id, suggestion_id=sid, position=n)
            for n, sid in enumerate(cited)
        )
        await session.flush()
        for sid in cited:
            await suggestions.answer(
                session,
                user=user,
                suggestion_id=sid,
                status=Status.DONE,
                body=words,
                now=now,
                tell_followers=False,
            )
    release = await session.get(Release, release_id)
    assert release is not None
    record(
        session,
        ReleasePublished(
            release_id=release.id,
            board_id=view.id,
            version=version,
            suggestion_ids=tuple(cited),
        ),
    )
    shipped = [found[sid] for sid in cited]
    await _tell_followers(session, view, release, shipped, publisher=user, now=now)
    return ReleaseView(release, shipped)


async def _tell_followers(
    session: AsyncSession,
    view: BoardView,
    release: Release,
    shipped: list[Suggestion],
    *,
    publisher: User,
    now: datetime,
) -> None:
    """Send each follower of the shipped suggestions one notice naming the ones they follow."""
    if not shipped:
        return
    order = {s.id: n for n, s in enumerate(shipped)}
    titles = {s.id: s.title for s in shipped}
    follows: dict[str, list[str]] = defaultdict(list)
    for user_id, sid in await session.execute(
        select(Follow.user_id, Follow.suggestion_id).where(Follow.suggestion_id.in_(list(order)))
    ):
        if user_id != publisher.id:
            follows[user_id].append(sid)
    # One notice per person; people who follow the same suggestions get the same words.
    groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for user_id, followed in follows.items():
        groups[tuple(sorted(followed, key=order.__getitem__))].append(user_id)
    body = release.title
    if release.body:
        body = prose.plain(f"{release.title}. {release.body}", limit=300)
    told: set[str] = set()
    for sids, people in groups.items():
        sent = await notifications.notify(
            session,
            user_ids=sorted(people),
            kind=NOTICE_KIND,
            title=shipped_title(
                [titles[s] for s in sids],
                board=view.title,
                version=release.version,
                limit=notifications.MAX_TITLE,
            ),
            body=body,
            link=changelog_url(view.id, release.version),
            now=now,
        )
        told |= {n.user_id for n in sent}
    if told:
        record(session, NotificationsSent(user_ids=sorted(told)))


async def edit(
    session: AsyncSession,
    *,
    user: User,
    board_id: str,
    version: str,
    title: str | None = None,
    body: str | None = None,
    now: datetime,
) -> ReleaseView:
    """Change a note's title or body as its board's owner; what it shipped stays."""
    view = await _owned_board(session, user, board_id)
    found = await get(session, board_id=view.id, version=version)
    row = found.release
    new_title = tidy(title) if title is not None else row.title
    new_body = body.strip() if body is not None else row.body
    problems = _text_problems(new_title, new_body)
    if problems:
        raise InvalidInput.fields(problems)
    await session.execute(
        update(Release)
        .where(Release.id == row.id)
        .values(title=new_title, body=new_body, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(row)
    record(session, ReleaseEdited(release_id=row.id, board_id=view.id, version=row.version))
    return found


async def _shipped(session: AsyncSession, release_ids: list[str]) -> dict[str, list[Suggestion]]:
    shipped: dict[str, list[Suggestion]] = defaultdict(list)
    if not release_ids:
        return shipped
    rows = await session.execute(
        select(ReleaseItem.release_id, Suggestion)
        .join(Suggestion, Suggestion.id == ReleaseItem.suggestion_id)
        # A changelog and its feed are public: what a moderator hid leaves them.
        .where(ReleaseItem.release_id.in_(release_ids), suggestions_shown(ANYONE))
        .order_by(ReleaseItem.release_id, ReleaseItem.position)
    )
    for release_id, suggestion in rows:
        shipped[release_id].append(suggestion)
    return shipped


async def get(session: AsyncSession, *, board_id: str, version: str) -> ReleaseView:
    """Return the note ``version`` of a board with what it shipped, or ``NotFound``."""
    view = await boards.board(session, board_id)
    row = await session.scalar(
        select(Release).where(Release.board_id == view.id, Release.version == version)
    )
    if row is None:
        raise NotFound(f"no release {version!r} on this board")
    return ReleaseView(row, (await _shipped(session, [row.id]))[row.id])


async def changelog(session: AsyncSession, *, board_id: str, limit: int = 100) -> list[ReleaseView]:
    """Return a board's notes, newest first, each with what it shipped."""
    view = await boards.board(session, board_id)
    rows = list(
        await session.scalars(
            select(Release)
            .where(Release.board_id == view.id)
            .order_by(Release.released_at.desc(), Release.created_at.desc(), Release.id.desc())
            .limit(limit)
        )
    )
    shipped = await _shipped(session, [r.id for r in rows])
    return [ReleaseView(r, shipped[r.id]) for r in rows]


async def shipped_in(session: AsyncSession, suggestion_ids: Sequence[str]) -> dict[str, ShippedIn]:
    """Return, for each of these suggestions that is done and was shipped by a note, the
    latest note that shipped it."""
    if not suggestion_ids:
        return {}
    rows = await session.execute(
        select(ReleaseItem.suggestion_id, Release.board_id, Release.version)
        .join(Release, Release.id == ReleaseItem.release_id)
        .join(Suggestion, Suggestion.id == ReleaseItem.suggestion_id)
        .where(
            ReleaseItem.suggestion_id.in_(list(suggestion_ids)),
            Suggestion.status == Status.DONE,
        )
        .order_by(Release.released_at, Release.created_at)
    )
    return {sid: ShippedIn(board_id, version) for sid, board_id, version in rows}


async def candidates(session: AsyncSession, *, board_id: str) -> list[Suggestion]:
    """Return the suggestions a note's form offers to ship: the board's under review, planned
    and in progress ones, the furthest along and the most wanted first."""
    rank = {s: n for n, s in enumerate(reversed(SHIPPABLE_LISTED))}
    rows = list(
        await session.scalars(
            select(Suggestion)
            .where(
                Suggestion.board_id == board_id,
                Suggestion.status.in_([str(s) for s in SHIPPABLE_LISTED]),
            )
            .order_by(Suggestion.vote_count.desc(), Suggestion.created_at)
            .limit(200)
        )
    )
    return sorted(rows, key=lambda s: rank[Status(s.status)])


# -- demo -----------------------------------------------------------------------------------

DEMO_VERSION = "2026.49"
DEMO_SHIPS = ("Delivery dates of my pledges in my calendar", "Energy use in Home Assistant")


async def seed_demo(session: AsyncSession, *, owner: User, now: datetime) -> None:
    """Publish hearth's demo release note, shipping two of the demo's suggestions."""
    ids = list(
        await session.scalars(
            select(Suggestion.id).where(
                Suggestion.board_id == PLATFORM_BOARD, Suggestion.title.in_(DEMO_SHIPS)
            )
        )
    )
    if len(ids) != len(DEMO_SHIPS):
        return
    await publish(
        session,
        user=owner,
        board_id=PLATFORM_BOARD,
        version=DEMO_VERSION,
        title="Delivery dates in your calendar, and energy in Home Assistant",
        body=(
            "This week's update brings two of your most wanted suggestions.\n\n"
            "- **Delivery dates in your calendar**: your account page gives a calendar feed "
            "of the expected delivery of everything you backed.\n"
            "- **Energy in Home Assistant**: plugs report their energy use with the energy "
            "device class, so the Energy dashboard picks them up.\n\n"
            "Thank you for every vote and comment."
        ),
        suggestion_ids=ids,
        now=now - timedelta(hours=6),
    )
