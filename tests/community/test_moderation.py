"""Moderation through its services, on both databases: reports, the queue, hiding and
restoring (and what hidden means for lists, search, counts and acting), mutes and the
posting rate limits."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hearth.bootstrap import Hearth
from hearth.community import comments, moderation, search, suggestions, votes
from hearth.community.models import Board, Comment, ModerationAction, Report, Suggestion
from hearth.community.moderation_rules import COMMENT_LIMIT, SUGGESTION_LIMIT
from hearth.community.rules import PLATFORM_BOARD
from hearth.community.visibility import ANYONE, Reader
from hearth.errors import Conflict, InvalidInput, Muted, NotFound, PermissionDenied, RateLimited
from hearth.notifications.models import Notification
from tests.community.world import T0, CommunityWorld, build


@pytest.fixture
async def world(hearth: Hearth) -> CommunityWorld:
    return await build(hearth)


async def _post(world: CommunityWorld, who: str, title: str, *, body: str = "") -> str:
    async with world.unit() as session:
        row = await suggestions.post(
            session,
            user=world.people[who],
            board_id=PLATFORM_BOARD,
            title=title,
            body=body,
            category="feature",
            now=T0,
        )
        return row.id


async def _comment(world: CommunityWorld, who: str, sid: str, body: str) -> str:
    async with world.unit() as session:
        row = await comments.post(
            session, user=world.people[who], suggestion_id=sid, body=body, now=T0
        )
        return row.id


async def _report(
    world: CommunityWorld, who: str, kind: str, target: str, reason: str = "spam", note: str = ""
) -> None:
    async with world.unit() as session:
        await moderation.report(
            session,
            user=world.people[who],
            kind=kind,
            target_id=target,
            reason=reason,
            note=note,
            now=T0 + timedelta(minutes=1),
        )


async def _hide(world: CommunityWorld, kind: str, target: str, *, back: bool = False) -> None:
    act = moderation.restore if back else moderation.hide
    async with world.unit() as session:
        await act(
            session,
            moderator=world.people["ada"],
            kind=kind,
            target_id=target,
            reason="Advertising is not a suggestion." if not back else "It was fair after all.",
            now=T0 + timedelta(minutes=5 if not back else 9),
        )


async def test_a_person_reports_an_item_once_while_it_is_open_and_never_their_own(
    world: CommunityWorld,
) -> None:
    sid = await _post(world, "mia", "Buy cheap plugs")
    await _report(world, "tom", "suggestion", sid, "spam", "An advert.")
    with pytest.raises(Conflict, match="already reported"):
        await _report(world, "tom", "suggestion", sid, "abuse")
    with pytest.raises(PermissionDenied, match="your own"):
        await _report(world, "mia", "suggestion", sid)
    with pytest.raises(InvalidInput, match="reason"):
        await _report(world, "kai", "suggestion", sid, "boring")
    with pytest.raises(NotFound):
        await _report(world, "kai", "comment", sid)  # no comment has that id
    async with world.sessions() as session:
        rows = list(await session.scalars(select(Report)))
    assert [(r.reporter_id, r.reason, r.note) for r in rows] == [
        (world.people["tom"].id, "spam", "An advert.")
    ]


async def test_the_queue_groups_open_reports_per_item_the_first_reported_first(
    world: CommunityWorld,
) -> None:
    older = await _post(world, "mia", "Buy cheap plugs")
    newer = await _post(world, "kai", "Dark mode")
    said = await _comment(world, "kai", older, "Rude words")
    async with world.unit() as session:
        for who, kind, target, reason, minutes in (
            ("tom", "comment", said, "abuse", 3),
            ("tom", "suggestion", older, "spam", 1),
            ("kai", "suggestion", older, "spam", 2),
            ("leo", "suggestion", older, "off_topic", 4),
            ("mia", "suggestion", newer, "other", 5),
        ):
            await moderation.report(
                session, user=world.people[who], kind=kind, target_id=target, reason=reason,
                now=T0 + timedelta(minutes=minutes),
            )  # fmt: skip
    async with world.sessions() as session:
        items, total = await moderation.queue(session)
    assert total == 3
    assert [(i.target.kind, i.target.id, i.count) for i in items] == [
        ("suggestion", older, 3),
        ("comment", said, 1),
        ("suggestion", newer, 1),
    ]
    assert [(str(r), n) for r, n in items[0].reasons] == [("spam", 2), ("off_topic", 1)]


async def test_a_hidden_suggestion_leaves_lists_search_and_counts_but_for_author_and_moderators(
    world: CommunityWorld,
) -> None:
    kept = await _post(world, "kai", "Warmer light in the evening")
    sid = await _post(world, "mia", "Warmer plugs, cheap", body="Buy them at deals.example")
    await _report(world, "tom", "suggestion", sid)
    await _hide(world, "suggestion", sid)
    mia, tom = world.people["mia"], world.people["tom"]
    moderator = Reader.of(world.people["ada"])
    async with world.sessions() as session:

        async def listed(reader: Reader) -> list[str]:
            found = await suggestions.listing(session, board_id=PLATFORM_BOARD, reader=reader)
            return sorted(s.id for s in found.items)

        assert await listed(ANYONE) == [kept]
        assert await listed(Reader.of(tom)) == [kept]
        assert await listed(Reader.of(mia)) == sorted([kept, sid])
        assert await listed(moderator) == sorted([kept, sid])
        assert [s.id for s in await search.search(session, "warmer", reader=Reader.of(tom))] == [
            kept
        ]
        assert sid in {s.id for s in await search.search(session, "warmer", reader=moderator)}
        assert await session.scalar(select(Board.suggestion_count)) == 1
        with pytest.raises(NotFound):
            await suggestions.get(session, sid, reader=Reader.of(tom))
        assert (await suggestions.get(session, sid, reader=Reader.of(mia))).hidden_at is not None
        assert (await moderation.queue(session))[1] == 0  # hiding resolved the report
        told = list(
            await session.scalars(select(Notification).where(Notification.user_id == mia.id))
        )
    assert [n.kind for n in told] == ["community.moderation.hidden"]
    assert "Advertising is not a suggestion." in told[0].body
    # Nobody else acts on it; its author is told why they cannot either.
    async with world.unit() as session:
        with pytest.raises(NotFound):
            await votes.vote(session, user_id=tom.id, suggestion_id=sid, now=T0)
    async with world.unit() as session:
        with pytest.raises(NotFound):
            await comments.post(session, user=tom, suggestion_id=sid, body="Hi", now=T0)
    async with world.unit() as session:
        with pytest.raises(Conflict, match="hid"):
            await comments.post(session, user=mia, suggestion_id=sid, body="Hi", now=T0)
    await _hide(world, "suggestion", sid, back=True)
    async with world.sessions() as session:
        found = await suggestions.listing(session, board_id=PLATFORM_BOARD, reader=ANYONE)
        assert sorted(s.id for s in found.items) == sorted([kept, sid])
        assert await session.scalar(select(Board.suggestion_count)) == 2
        assert (await session.get(Suggestion, sid)).vote_count == 1  # type: ignore[union-attr]
        audit = [
            (a.action, a.reports, a.actor_id)
            for a in await moderation.history(session, "suggestion", sid)
        ]
    assert audit == [("hide", 1, world.people["ada"].id), ("restore", 0, world.people["ada"].id)]


async def test_a_hidden_comment_leaves_its_thread_and_the_count_once_even_when_deleted(
    world: CommunityWorld,
) -> None:
    sid = await _post(world, "kai", "Dark mode")
    top = await _comment(world, "mia", sid, "Rude words")
    async with world.unit() as session:
        await comments.post(
            session, user=world.people["tom"], suggestion_id=sid, body="Calm down", parent_id=top,
            now=T0,
        )  # fmt: skip
    other = await _comment(world, "tom", sid, "Yes please")
    await _hide(world, "comment", top)

    async def seen(reader: Reader) -> list[tuple[str, bool, int]]:
        async with world.sessions() as session:
            return [
                (t.comment.id, t.masked, len(t.replies))
                for t in await comments.threads(session, sid, reader=reader)
            ]

    # Its reply keeps the thread for others, the hidden comment only its place.
    assert await seen(ANYONE) == [(top, True, 1), (other, False, 0)]
    assert await seen(Reader.of(world.people["mia"])) == [(top, False, 1), (other, False, 0)]
    async with world.sessions() as session:
        assert (await session.get(Suggestion, sid)).comment_count == 2  # type: ignore[union-attr]
    async with world.unit() as session:
        await comments.delete(session, user=world.people["mia"], comment_id=top, now=T0)
    async with world.unit() as session:
        with pytest.raises(NotFound):  # deleted: nothing left to restore
            await moderation.restore(
                session, moderator=world.people["ada"], kind="comment", target_id=top,
                reason="Fine", now=T0,
            )  # fmt: skip
    async with world.sessions() as session:
        counted = (await session.get(Suggestion, sid)).comment_count  # type: ignore[union-attr]
        shown = await session.scalar(
            select(func.count())
            .select_from(Comment)
            .where(
                Comment.suggestion_id == sid,
                Comment.deleted_at.is_(None),
                Comment.hidden_at.is_(None),
            )
        )
    assert counted == shown == 2


async def test_only_the_platform_team_moderates_partners_and_fans_are_refused(
    world: CommunityWorld,
) -> None:
    sid = await _post(world, "mia", "Buy cheap plugs")
    await _report(world, "tom", "suggestion", sid)
    for who in ("leo", "kai"):
        for act in (moderation.hide, moderation.dismiss):
            async with world.unit() as session:
                with pytest.raises(PermissionDenied):
                    await act(
                        session, moderator=world.people[who], kind="suggestion", target_id=sid,
                        reason="No", now=T0,
                    )  # fmt: skip
        async with world.unit() as session:
            with pytest.raises(PermissionDenied):
                await moderation.mute(
                    session, moderator=world.people[who], user_id=world.people["mia"].id,
                    reason="No", hours=1, now=T0,
                )  # fmt: skip
    async with world.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ModerationAction)) == 0
        assert (await session.get(Suggestion, sid)).hidden_at is None  # type: ignore[union-attr]


async def test_dismissing_resolves_the_reports_and_needs_a_reason_and_something_to_dismiss(
    world: CommunityWorld,
) -> None:
    sid = await _post(world, "mia", "Dark mode")
    await _report(world, "tom", "suggestion", sid, "off_topic")
    ada = world.people["ada"]
    async with world.unit() as session:
        with pytest.raises(InvalidInput, match="reason"):
            await moderation.dismiss(
                session, moderator=ada, kind="suggestion", target_id=sid, reason=" ", now=T0
            )
    async with world.unit() as session:
        done = await moderation.dismiss(
            session, moderator=ada, kind="suggestion", target_id=sid,
            reason="It is on topic: the app's look.", now=T0,
        )  # fmt: skip
        assert done.reports == 1
    async with world.unit() as session:
        with pytest.raises(Conflict, match="no open reports"):
            await moderation.dismiss(
                session, moderator=ada, kind="suggestion", target_id=sid, reason="Again", now=T0
            )
    await _report(world, "tom", "suggestion", sid, "spam")  # a new report may follow
    async with world.sessions() as session:
        items, total = await moderation.queue(session)
        assert total == 1 and items[0].history[0].action == "dismiss"


async def test_a_muted_fan_reads_and_votes_but_cannot_post_until_the_mute_ends_or_is_lifted(
    world: CommunityWorld,
) -> None:
    sid = await _post(world, "kai", "Dark mode")
    mia, ada = world.people["mia"], world.people["ada"]
    async with world.unit() as session:
        with pytest.raises(InvalidInput, match="30 days"):
            await moderation.mute(
                session, moderator=ada, user_id=mia.id, reason="Spam", hours=24 * 31, now=T0
            )
    async with world.unit() as session:
        with pytest.raises(Conflict):
            await moderation.mute(
                session, moderator=ada, user_id=ada.id, reason="Me", hours=1, now=T0
            )
    async with world.unit() as session:
        muted = await moderation.mute(
            session, moderator=ada, user_id=mia.id, reason="Posting adverts.", hours=24, now=T0
        )
    later = T0 + timedelta(hours=2)
    async with world.unit() as session:
        with pytest.raises(Muted, match="until .*Posting adverts") as refused:
            await comments.post(session, user=mia, suggestion_id=sid, body="Hi", now=later)
        assert refused.value.until == T0 + timedelta(hours=24)
    async with world.unit() as session:
        with pytest.raises(Muted):
            await suggestions.post(
                session, user=mia, board_id=PLATFORM_BOARD, title="More", body="",
                category="feature", now=later,
            )  # fmt: skip
    async with world.unit() as session:
        assert await votes.vote(session, user_id=mia.id, suggestion_id=sid, now=later) == 2
    async with world.unit() as session:
        await moderation.unmute(
            session, moderator=ada, mute_id=muted.id, reason="Promised to stop.", now=later
        )
    async with world.unit() as session:
        await comments.post(session, user=mia, suggestion_id=sid, body="Sorry", now=later)
    async with world.unit() as session:
        with pytest.raises(Conflict, match="ended"):
            await moderation.unmute(
                session, moderator=ada, mute_id=muted.id, reason="Again", now=later
            )
    async with world.sessions() as session:
        kinds = list(
            await session.scalars(
                select(Notification.kind)
                .where(Notification.user_id == mia.id)
                .order_by(Notification.created_at, Notification.id)
            )
        )
        audit = [a.action for a in await moderation.history(session, "person", mia.id)]
    assert kinds == ["community.moderation.muted", "community.moderation.unmuted"]
    assert audit == ["mute", "unmute"]


async def test_a_mute_ends_by_itself_at_its_time(world: CommunityWorld) -> None:
    sid = await _post(world, "kai", "Dark mode")
    mia = world.people["mia"]
    async with world.unit() as session:
        await moderation.mute(
            session, moderator=world.people["ada"], user_id=mia.id, reason="Cool off.",
            until=T0 + timedelta(hours=3), now=T0,
        )  # fmt: skip
    async with world.unit() as session:
        with pytest.raises(Muted):
            await comments.post(
                session, user=mia, suggestion_id=sid, body="Hi", now=T0 + timedelta(hours=2)
            )
    async with world.unit() as session:
        await comments.post(
            session, user=mia, suggestion_id=sid, body="Hi", now=T0 + timedelta(hours=3)
        )


async def test_posting_is_limited_per_person_and_says_when_they_may_post_again(
    world: CommunityWorld,
) -> None:
    tom = world.people["tom"]
    for n in range(SUGGESTION_LIMIT.count):
        async with world.unit() as session:
            await suggestions.post(
                session, user=tom, board_id=PLATFORM_BOARD, title=f"Idea {n}", body="",
                category="feature", now=T0 + timedelta(minutes=n),
            )  # fmt: skip
    async with world.unit() as session:
        with pytest.raises(RateLimited, match="5 suggestions in the last hour") as refused:
            await suggestions.post(
                session, user=tom, board_id=PLATFORM_BOARD, title="One more", body="",
                category="feature", now=T0 + timedelta(minutes=10),
            )  # fmt: skip
    assert refused.value.retry_after == 50 * 60  # the first leaves the hour at T0 + 60 min
    async with world.unit() as session:  # someone else is not held back
        await suggestions.post(
            session, user=world.people["kai"], board_id=PLATFORM_BOARD, title="Mine", body="",
            category="feature", now=T0 + timedelta(minutes=10),
        )  # fmt: skip
    async with world.unit() as session:
        await suggestions.post(
            session, user=tom, board_id=PLATFORM_BOARD, title="One more", body="",
            category="feature", now=T0 + timedelta(minutes=60),
        )  # fmt: skip
    sid = await _post(world, "kai", "Comments")
    for n in range(COMMENT_LIMIT.count):
        async with world.unit() as session:
            made = await comments.post(
                session, user=tom, suggestion_id=sid, body=f"Note {n}",
                now=T0 + timedelta(seconds=n),
            )  # fmt: skip
            if n == 0:
                first = made.id
    async with world.unit() as session:  # deleting one does not give the allowance back
        await comments.delete(session, user=tom, comment_id=first, now=T0 + timedelta(minutes=1))
    async with world.unit() as session:
        with pytest.raises(RateLimited, match="30 comments in the last 10 minutes"):
            await comments.post(
                session, user=tom, suggestion_id=sid, body="More",
                now=T0 + timedelta(minutes=2),
            )  # fmt: skip


async def test_a_burst_of_posts_at_once_lets_exactly_the_limit_through(
    world: CommunityWorld,
) -> None:
    tom = world.people["tom"]

    async def attempt(n: int) -> bool:
        try:
            async with world.unit() as session:
                await suggestions.post(
                    session, user=tom, board_id=PLATFORM_BOARD, title=f"Burst {n}", body="",
                    category="feature", now=T0,
                )  # fmt: skip
        except RateLimited:
            return False
        return True

    passed = await asyncio.gather(*(attempt(n) for n in range(SUGGESTION_LIMIT.count + 4)))
    async with world.sessions() as session:
        rows = await session.scalar(
            select(func.count()).select_from(Suggestion).where(Suggestion.author_id == tom.id)
        )
    assert sum(passed) == rows == SUGGESTION_LIMIT.count
