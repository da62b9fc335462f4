"""Duplicates: the suggestions like a title, a near-identical one asked about before posting,
and the board owner's merge, whose votes count once and whose counters equal their rows,
merges and votes racing included, on both databases."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from hearth.bootstrap import Hearth
from hearth.community import duplicates, suggestions, votes
from hearth.community.models import Answer, Follow, Suggestion, Vote
from hearth.community.rules import PLATFORM_BOARD, Status
from hearth.errors import Conflict, InvalidInput, LooksLikeDuplicate, PermissionDenied
from hearth.notifications.models import Notification
from tests.community.world import T0, CommunityWorld, build


async def _post(world: CommunityWorld, who: str, title: str, board: str = PLATFORM_BOARD) -> str:
    async with world.unit() as session:
        row = await suggestions.post(
            session, user=world.people[who], board_id=board, title=title, body="",
            category="feature", now=T0,
        )  # fmt: skip
        return row.id


async def _vote(world: CommunityWorld, who: str, sid: str) -> None:
    async with world.unit() as session:
        await votes.vote(session, user_id=world.people[who].id, suggestion_id=sid, now=T0)


async def _merge(world: CommunityWorld, who: str, sid: str, into: str) -> duplicates.Merged:
    async with world.unit() as session:
        return await duplicates.merge(
            session, user=world.people[who], suggestion_id=sid, into_id=into, now=T0
        )


async def _counters(world: CommunityWorld) -> dict[str, tuple[int, int]]:
    """Return each suggestion's vote counter beside a count of its vote rows."""
    async with world.sessions() as session:
        rows = await session.execute(
            select(
                Suggestion.id,
                Suggestion.vote_count,
                select(func.count())
                .select_from(Vote)
                .where(Vote.suggestion_id == Suggestion.id)
                .scalar_subquery(),
            )
        )
        return {sid: (int(counter), int(counted)) for sid, counter, counted in rows}


@pytest.fixture
async def world(hearth: Hearth) -> CommunityWorld:
    return await build(hearth)


async def test_similar_finds_rewordings_says_their_status_and_leaves_out_other_topics(
    world: CommunityWorld,
) -> None:
    dark = await _post(world, "mia", "Dark mode for the home app")
    await _post(world, "tom", "Export a device's history as CSV")
    async with world.unit() as session:
        await suggestions.answer(
            session, user=world.people["ada"], suggestion_id=dark, status="planned",
            body="In the winter update.", now=T0,
        )  # fmt: skip
    async with world.sessions() as session:
        found = await duplicates.similar(session, PLATFORM_BOARD, "dark theme for the app")
        typing = await duplicates.similar(session, PLATFORM_BOARD, "Dark mo")
        nothing = await duplicates.similar(session, PLATFORM_BOARD, "the and of")
    assert [(m.suggestion.id, m.suggestion.status) for m in found] == [(dark, Status.PLANNED)]
    assert [m.suggestion.id for m in typing] == [dark]  # the last word is read as a prefix
    assert nothing == []


async def test_a_near_identical_title_is_refused_once_naming_the_match_then_posted_when_confirmed(
    world: CommunityWorld,
) -> None:
    dark = await _post(world, "mia", "Dark mode for the home app")
    with pytest.raises(LooksLikeDuplicate) as refused:
        async with world.unit() as session:
            await duplicates.post(
                session, user=world.people["tom"], board_id=PLATFORM_BOARD,
                title="Dark mode for the Home app!", body="", category="feature", now=T0,
            )  # fmt: skip
    assert refused.value.status == 409
    assert refused.value.match["id"] == dark and refused.value.match["votes"] == 1
    assert "already on this board: “Dark mode for the home app”" in refused.value.sentence
    async with world.unit() as session:
        other = await duplicates.post(
            session, user=world.people["tom"], board_id=PLATFORM_BOARD,
            title="Dark mode for the Home app!", body="", category="feature", now=T0,
            confirm_distinct=True,
        )  # fmt: skip
    async with world.unit() as session:  # a reworded one is only shown as similar, not refused
        await duplicates.post(
            session, user=world.people["kai"], board_id=PLATFORM_BOARD,
            title="Night theme for the app", body="", category="feature", now=T0,
        )  # fmt: skip
    assert other.id != dark


async def test_a_title_like_a_declined_suggestion_is_not_refused(world: CommunityWorld) -> None:
    sid = await _post(world, "mia", "Widgets on the phone's home screen")
    async with world.unit() as session:
        await suggestions.answer(
            session, user=world.people["ada"], suggestion_id=sid, status="declined",
            body="Browsers cannot add widgets.", now=T0,
        )  # fmt: skip
    async with world.unit() as session:
        row = await duplicates.post(
            session, user=world.people["tom"], board_id=PLATFORM_BOARD,
            title="Widgets on the phone's home screen", body="", category="feature", now=T0,
        )  # fmt: skip
    assert row.status == Status.OPEN


async def test_merging_moves_votes_once_per_person_and_followers_and_tells_the_followers(
    world: CommunityWorld,
) -> None:
    target = await _post(world, "mia", "Dark mode for the home app")
    copy = await _post(world, "tom", "Night theme for the app")
    await _vote(world, "kai", copy)
    await _vote(world, "kai", target)  # kai voted for both: counts once afterwards
    await _vote(world, "leo", copy)
    done = await _merge(world, "ada", copy, target)
    assert (done.votes_moved, done.followers_moved) == (2, 2)  # tom and leo; tom and leo
    counters = await _counters(world)
    assert counters[target] == (4, 4)  # mia, kai, tom, leo
    assert counters[copy] == (0, 0)
    async with world.sessions() as session:
        merged = await suggestions.get(session, copy)
        followers = set(
            await session.scalars(select(Follow.user_id).where(Follow.suggestion_id == target))
        )
        answer = await session.scalar(select(Answer).where(Answer.suggestion_id == copy))
        told = set(
            await session.scalars(
                select(Notification.user_id).where(Notification.kind == "community.merged")
            )
        )
    assert (merged.status, merged.merged_into_id) == (Status.DUPLICATE, target)
    assert followers == {world.people[n].id for n in ("mia", "kai", "tom", "leo")}
    assert answer is not None and f"/community/suggestions/{target}" in answer.body
    assert told == {world.people[n].id for n in ("tom", "kai", "leo")}
    assert any(type(e).__name__ == "SuggestionMerged" for e in world.published)
    with pytest.raises(Conflict):  # a merged suggestion takes no votes and no answers
        await _vote(world, "rita", copy)
    with pytest.raises(Conflict):
        async with world.unit() as session:
            await suggestions.answer(
                session, user=world.people["ada"], suggestion_id=copy, status="open",
                body="Reopened.", now=T0,
            )  # fmt: skip


async def test_merging_into_itself_a_merged_one_across_boards_or_twice_is_refused(
    world: CommunityWorld,
) -> None:
    first = await _post(world, "mia", "Dark mode for the home app")
    second = await _post(world, "tom", "Night theme for the app")
    third = await _post(world, "kai", "Black theme for the app")
    lamp = await _post(world, "mia", "Warmer light", board=world.products["Glow Lamp"])
    await _merge(world, "ada", second, first)
    cases = [
        (first, first, InvalidInput, "is this suggestion itself"),
        (third, second, Conflict, "was itself merged into another"),
        (first, lamp, InvalidInput, "is on another board"),
        (second, third, Conflict, "was merged already"),
        (first, "sug_nothing", InvalidInput, "names no suggestion"),
    ]
    before = await _counters(world)
    for sid, into, error, words in cases:
        with pytest.raises(error) as refused:
            await _merge(world, "ada", sid, into)
        assert words in refused.value.sentence, refused.value.sentence
        assert refused.value.sentence[0].isupper() and refused.value.sentence.endswith(".")
    assert await _counters(world) == before


async def test_only_the_boards_owner_merges(world: CommunityWorld) -> None:
    board = world.products["Glow Lamp"]
    first = await _post(world, "mia", "Warmer light", board=board)
    second = await _post(world, "tom", "A warmer white light", board=board)
    for who in ("kai", "rita", "ada"):  # a fan, the rival partner, the platform team
        with pytest.raises(PermissionDenied):
            await _merge(world, who, second, first)
    done = await _merge(world, "leo", second, first)
    assert done.into.vote_count == 2


async def test_lists_hide_merged_suggestions_unless_duplicates_are_asked_for(
    world: CommunityWorld,
) -> None:
    first = await _post(world, "mia", "Dark mode for the home app")
    second = await _post(world, "tom", "Night theme for the app")
    await _merge(world, "ada", second, first)
    async with world.sessions() as session:
        shown = await suggestions.listing(session, board_id=PLATFORM_BOARD)
        asked = await suggestions.listing(session, board_id=PLATFORM_BOARD, status="duplicate")
        alike = await duplicates.similar(session, PLATFORM_BOARD, "Night theme for the app")
    assert [s.id for s in shown.items] == [first]
    assert [s.id for s in asked.items] == [second]
    assert [m.suggestion.id for m in alike] == [first]


async def test_a_merge_racing_votes_on_both_suggestions_leaves_every_counter_equal_to_its_rows(
    world: CommunityWorld,
) -> None:
    target = await _post(world, "mia", "Dark mode for the home app")
    copy = await _post(world, "tom", "Night theme for the app")
    fans = [await world.person(f"voter{n}") for n in range(10)]
    for fan in fans[:5]:
        await _vote(world, fan.username, copy)

    async def vote(n: int) -> None:
        # Every fan votes for both at once with the merge: some votes on the copy come after
        # it was merged and are refused; none may be left behind or counted twice.
        sid = copy if n % 2 else target
        try:
            async with world.unit() as session:
                await votes.vote(session, user_id=fans[n // 2].id, suggestion_id=sid, now=T0)
        except Conflict:
            assert sid == copy

    await asyncio.gather(
        _merge(world, "ada", copy, target), *(vote(n) for n in range(2 * len(fans)))
    )
    counters = await _counters(world)
    assert all(counter == counted for counter, counted in counters.values()), counters
    assert counters[copy] == (0, 0)
    async with world.sessions() as session:
        voters = set(
            await session.scalars(select(Vote.user_id).where(Vote.suggestion_id == target))
        )
    # Everyone counts once on the target: mia, tom, and every fan (each voted for it directly).
    assert voters == {world.people["mia"].id, world.people["tom"].id} | {f.id for f in fans}
