"""Suggestions on boards: posting, listing by each sort and filter, searching, answering as
the board's owner (and nobody else), and the followers being told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hearth.bootstrap import Hearth
from hearth.community import comments, moderation, search, suggestions, votes
from hearth.community.events import SuggestionAnswered, SuggestionPosted
from hearth.community.models import Answer, Board
from hearth.community.rules import PLATFORM_BOARD, Sort, Status
from hearth.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from hearth.notifications.models import Notification
from tests.community.world import T0, CommunityWorld, build


@pytest.fixture
async def world(hearth: Hearth) -> CommunityWorld:
    return await build(hearth)


async def _post(
    world: CommunityWorld, who: str, title: str, *, board: str = PLATFORM_BOARD, body: str = "",
    category: str = "feature", at: timedelta = timedelta(0),
) -> str:  # fmt: skip
    async with world.unit() as session:
        row = await suggestions.post(
            session,
            user=world.people[who],
            board_id=board,
            title=title,
            body=body,
            category=category,
            now=T0 + at,
        )
        return row.id


async def test_a_posted_suggestion_counts_its_authors_vote_and_its_board_counts_it(
    world: CommunityWorld,
) -> None:
    first = await _post(world, "mia", "Dark mode for the home app")
    await _post(world, "tom", "Scenes by voice")
    async with world.sessions() as session:
        row = await suggestions.get(session, first)
        board = await session.get(Board, PLATFORM_BOARD)
        voted, following = await suggestions.reader_state(
            session, suggestion_id=first, user_id=world.people["mia"].id
        )
    assert (row.vote_count, row.status, voted, following) == (1, "open", True, True)
    assert board is not None and board.suggestion_count == 2
    assert SuggestionPosted(suggestion_id=first, board_id=PLATFORM_BOARD) in world.published


async def test_a_bad_suggestion_is_refused_naming_each_field_and_nothing_is_written(
    world: CommunityWorld,
) -> None:
    lamp = world.products["Glow Lamp"]
    with pytest.raises(InvalidInput) as refused:
        await _post(world, "mia", "   ", board=lamp, category="automation")
    fields = {p["field"] for p in refused.value.problems()}
    assert fields == {"title", "category"}  # "automation" is a category of hearth's board only
    assert refused.value.sentence.endswith(".") and refused.value.sentence[0].isupper()
    async with world.sessions() as session:
        assert await session.get(Board, lamp) is None


async def test_only_approved_products_have_boards(world: CommunityWorld) -> None:
    with pytest.raises(NotFound):
        await _post(world, "mia", "Hello", board="prd_nothing")


async def test_each_sort_orders_a_board_as_it_says(world: CommunityWorld) -> None:
    old_popular = await _post(world, "mia", "Old and popular", at=timedelta(days=-20))
    new_quiet = await _post(world, "tom", "New and quiet", at=timedelta(hours=-1))
    middle = await _post(world, "kai", "A day old", at=timedelta(days=-1))
    for fan in ("tom", "kai", "leo", "rita", "ada"):
        async with world.unit() as session:
            await votes.vote(
                session, user_id=world.people[fan].id, suggestion_id=old_popular, now=T0
            )
    async with world.unit() as session:
        await suggestions.answer(
            session, user=world.people["ada"], suggestion_id=middle, status="planned",
            body="We will build it this winter.", now=T0,
        )  # fmt: skip

    async def order(sort: Sort) -> list[str]:
        async with world.sessions() as session:
            page = await suggestions.listing(session, board_id=PLATFORM_BOARD, sort=sort)
        return [s.id for s in page.items]

    # 6 votes 20 days ago weigh 6 · 2^(-480/72) ≈ 0.06; 1 vote an hour ago ≈ 0.99.
    assert await order(Sort.TRENDING) == [new_quiet, middle, old_popular]
    assert await order(Sort.TOP) == [old_popular, new_quiet, middle]
    assert await order(Sort.NEWEST) == [new_quiet, middle, old_popular]
    assert (await order(Sort.ANSWERED))[0] == middle


async def test_a_board_filters_by_status_and_category_and_pages(world: CommunityWorld) -> None:
    ids = [
        await _post(world, "mia", f"Idea {n}", category="bug" if n % 2 else "feature",
                    at=timedelta(minutes=12 * n))  # within the limit of 5 an hour
        for n in range(25)
    ]  # fmt: skip
    async with world.sessions() as session:
        bugs = await suggestions.listing(session, board_id=PLATFORM_BOARD, category="bug")
        second = await suggestions.listing(
            session, board_id=PLATFORM_BOARD, sort=Sort.NEWEST, page=2
        )
        planned = await suggestions.listing(session, board_id=PLATFORM_BOARD, status="planned")
        with pytest.raises(InvalidInput):
            await suggestions.listing(session, board_id=PLATFORM_BOARD, status="shipped")
    assert bugs.total == 12 and all(s.category == "bug" for s in bugs.items)
    assert (second.total, second.pages, [s.id for s in second.items]) == (25, 2, ids[4::-1])
    assert planned.total == 0 and planned.items == []


async def test_search_finds_words_in_titles_and_bodies_with_their_other_forms(
    world: CommunityWorld,
) -> None:
    lamp = world.products["Glow Lamp"]
    dim = await _post(world, "mia", "Dimming schedule", board=lamp, body="Dim slowly at night.")
    alarm = await _post(
        world, "tom", "Sunrise alarm", board=lamp, body="Let the lamp **dim** up at dawn."
    )
    await _post(world, "kai", "A second colour", board=lamp, body="Green would be nice.")
    async with world.sessions() as session:
        found = await suggestions.listing(session, board_id=lamp, query="dimmed")
        prefix = await suggestions.listing(session, board_id=lamp, query="sunr")
        nothing = await suggestions.listing(session, board_id=lamp, query="purple")
        odd = await suggestions.listing(session, board_id=lamp, query='"dim" * NEAR((')
        common = await suggestions.listing(session, board_id=lamp, query="the")
        nothing_to_find = await suggestions.listing(session, board_id=lamp, query="?! ...")
    assert [s.id for s in found.items] == [dim, alarm]  # the title weighs more than the body
    assert [s.id for s in prefix.items] == [alarm]  # the last word as a prefix, while typing
    assert nothing.total == 0
    assert {s.id for s in odd.items} == set()  # operators are words: "near" is in neither
    assert common.total in (0, 1)  # a stop word: PostgreSQL ignores it, SQLite finds "the lamp"
    assert nothing_to_find.total == 3  # no words: the board unsearched


async def test_a_sorted_search_lists_and_counts_only_the_boards_matches_in_that_order(
    world: CommunityWorld,
) -> None:
    lamp = world.products["Glow Lamp"]
    older = await _post(world, "mia", "Timer for the lamp", board=lamp, at=timedelta(hours=-2))
    newer = await _post(world, "tom", "Sleep timer", board=lamp, at=timedelta(hours=-1))
    await _post(world, "kai", "Brighter white", board=lamp)
    await _post(world, "kai", "Timer for scenes")  # hearth's board: not the lamp's
    async with world.sessions() as session:
        found = await suggestions.listing(session, board_id=lamp, query="timer", sort="newest")
    assert (found.total, [s.id for s in found.items]) == (2, [newer, older])


async def test_a_best_first_search_keeps_to_its_board_and_never_matches_the_board_itself(
    world: CommunityWorld,
) -> None:
    lamp = world.products["Glow Lamp"]
    mine = await _post(world, "mia", "Timer for the lamp", board=lamp)
    await _post(world, "kai", "Timer for scenes")  # hearth's board: not the lamp's
    async with world.sessions() as session:
        found = await suggestions.listing(session, board_id=lamp, query="timer")
        by_id = await suggestions.listing(session, board_id=lamp, query=lamp)
        everywhere = await search.search(session, "timer")
    assert (found.total, [s.id for s in found.items]) == (1, [mine])
    assert by_id.total == 0  # the board's id is in the index, but no words reach it
    assert len(everywhere) == 2


async def test_a_search_everywhere_lists_the_suggestions_with_every_word_in_their_title_first(
    world: CommunityWorld,
) -> None:
    lamp = world.products["Glow Lamp"]
    wordy = await _post(
        world, "mia", "Softer glow", board=lamp,
        body="A night light, a night light please: night light for the hallway at night.",
    )  # fmt: skip
    titled = await _post(world, "tom", "Night light")
    split = await _post(world, "kai", "Night mode", body="Dim the light too.")
    await _post(world, "kai", "Light colours")  # only one of the words
    async with world.sessions() as session:
        first = await search.search(session, "night light", limit=1)
        every = await search.search(session, "night light")
    assert [s.id for s in first] == [titled]
    assert [s.id for s in every][0] == titled and {s.id for s in every} == {titled, wordy, split}


async def test_when_hidden_suggestions_fill_the_best_matches_the_search_reads_on(
    world: CommunityWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Rank only a page's worth of the best matches (one, here), and a margin of none.
    monkeypatch.setattr(search, "TOP", 0)
    monkeypatch.setattr(suggestions, "PAGE_SIZE", 1)
    lamp = world.products["Glow Lamp"]
    authors = [(await world.person(f"fan{n}")).username for n in range(6)]
    ids = [
        await _post(world, who, f"Timer {'timer ' * (6 - n)}number {n}", board=lamp)
        for n, who in enumerate(authors)
    ]  # the first matches "timer" best
    async with world.unit() as session:
        for sid in ids[:4]:
            await moderation.hide(
                session, moderator=world.people["ada"], kind="suggestion", target_id=sid,
                reason="Spam.", now=T0,
            )  # fmt: skip
    async with world.sessions() as session:
        first = await suggestions.listing(session, board_id=lamp, query="timer")
        second = await suggestions.listing(session, board_id=lamp, query="timer", page=2)
        found = await search.search(session, "timer", limit=1)
    assert (first.total, [s.id for s in first.items]) == (2, ids[4:5])
    assert [s.id for s in second.items] == ids[5:]
    assert [s.id for s in found] == ids[4:5]


async def test_a_search_edited_suggestion_is_found_by_its_new_words(
    world: CommunityWorld,
) -> None:
    sid = await _post(world, "mia", "Quiet fan mode")
    async with world.unit() as session:
        row = await suggestions.get(session, sid)
        row.title = "Silent night mode"
    async with world.sessions() as session:
        old = await suggestions.listing(session, board_id=PLATFORM_BOARD, query="quiet")
        new = await suggestions.listing(session, board_id=PLATFORM_BOARD, query="silent")
    assert (old.total, [s.id for s in new.items]) == (0, [sid])


async def test_the_board_owner_answers_and_every_follower_but_the_owner_is_told(
    world: CommunityWorld,
) -> None:
    lamp = world.products["Glow Lamp"]
    sid = await _post(world, "mia", "Warmer white", board=lamp)
    async with world.unit() as session:
        await votes.vote(session, user_id=world.people["tom"].id, suggestion_id=sid, now=T0)
        await votes.follow(session, user_id=world.people["leo"].id, suggestion_id=sid, now=T0)
    async with world.unit() as session:
        await suggestions.answer(
            session, user=world.people["leo"], suggestion_id=sid, status="planned",
            body="Coming in **firmware 1.4**.", now=T0 + timedelta(hours=2),
        )  # fmt: skip
    async with world.sessions() as session:
        row = await suggestions.get(session, sid)
        told = list(
            await session.execute(
                select(Notification.user_id, Notification.kind, Notification.title)
            )
        )
        history = await suggestions.history(session, sid)
    assert (row.status, row.answered_at) == ("planned", T0 + timedelta(hours=2))
    assert {(u, k) for u, k, _ in told} == {
        (world.people["mia"].id, "community.answered"),
        (world.people["tom"].id, "community.answered"),
    }
    assert "planned" in told[0][2]
    assert [(a.from_status, a.to_status, a.body) for a in history] == [
        ("open", "planned", "Coming in **firmware 1.4**.")
    ]
    assert any(
        isinstance(e, SuggestionAnswered) and e.to_status == "planned" for e in world.published
    )


@pytest.mark.parametrize(
    ("who", "board"),
    [
        ("mia", "lamp"),  # a fan
        ("rita", "lamp"),  # another partner's member
        ("ada", "lamp"),  # the platform team does not speak for a partner's product
        ("leo", "hearth"),  # a partner does not speak for hearth
        ("mia", "hearth"),
    ],
)
async def test_nobody_but_the_board_owner_moves_a_status_and_nothing_changes(
    world: CommunityWorld, who: str, board: str
) -> None:
    board_id = world.products["Glow Lamp"] if board == "lamp" else PLATFORM_BOARD
    sid = await _post(world, "kai", "Please answer", board=board_id)
    with pytest.raises(PermissionDenied):
        async with world.unit() as session:
            await suggestions.answer(
                session, user=world.people[who], suggestion_id=sid, status="declined",
                body="No.", now=T0,
            )  # fmt: skip
    async with world.sessions() as session:
        assert (await suggestions.get(session, sid)).status == "open"
        assert await session.scalar(select(func.count()).select_from(Answer)) == 0


async def test_a_move_the_workflow_lacks_is_refused_and_an_answer_needs_words(
    world: CommunityWorld,
) -> None:
    sid = await _post(world, "kai", "Done already?")
    async with world.unit() as session:
        await suggestions.answer(
            session, user=world.people["ada"], suggestion_id=sid, status="declined",
            body="Not for now.", now=T0,
        )  # fmt: skip
    with pytest.raises(InvalidTransition):
        async with world.unit() as session:
            await suggestions.answer(
                session, user=world.people["ada"], suggestion_id=sid, status=Status.DONE,
                body="Oops.", now=T0,
            )  # fmt: skip
    with pytest.raises(InvalidInput) as empty:
        async with world.unit() as session:
            await suggestions.answer(
                session, user=world.people["ada"], suggestion_id=sid, status="under_review",
                body="  ", now=T0,
            )  # fmt: skip
    assert [p["field"] for p in empty.value.problems()] == ["answer"]


async def test_comments_thread_one_level_with_a_badge_for_the_owner_and_counted(
    world: CommunityWorld,
) -> None:
    lamp = world.products["Glow Lamp"]
    sid = await _post(world, "mia", "Longer cable", board=lamp)
    async with world.unit() as session:
        top = await comments.post(
            session, user=world.people["tom"], suggestion_id=sid, body="Yes please", now=T0
        )
        reply = await comments.post(
            session, user=world.people["leo"], suggestion_id=sid, body="Noted!",
            parent_id=top.id, now=T0,
        )  # fmt: skip
        deeper = await comments.post(
            session, user=world.people["kai"], suggestion_id=sid, body="Me too",
            parent_id=reply.id, now=T0,
        )  # fmt: skip
        rival = await comments.post(
            session, user=world.people["rita"], suggestion_id=sid, body="Ours has one", now=T0
        )
    async with world.sessions() as session:
        threads = await comments.threads(session, sid)
        row = await suggestions.get(session, sid)
    assert [t.comment.id for t in threads] == [top.id, rival.id]
    assert [r.id for r in threads[0].replies] == [reply.id, deeper.id]  # flattened to one level
    assert (reply.official, top.official, rival.official) == (True, False, False)
    assert row.comment_count == 4


async def test_a_comment_is_edited_by_its_author_within_the_window_and_deleted_by_them_only(
    world: CommunityWorld,
) -> None:
    sid = await _post(world, "mia", "Bigger buttons")
    async with world.unit() as session:
        mine = await comments.post(
            session, user=world.people["tom"], suggestion_id=sid, body="Agreed", now=T0
        )
    async with world.unit() as session:
        await comments.edit(
            session, user=world.people["tom"], comment_id=mine.id, body="Agreed!!",
            now=T0 + timedelta(minutes=14),
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        async with world.unit() as session:
            await comments.edit(
                session, user=world.people["mia"], comment_id=mine.id, body="Hacked", now=T0
            )
    with pytest.raises(PermissionDenied):
        async with world.unit() as session:
            await comments.delete(session, user=world.people["ada"], comment_id=mine.id, now=T0)
    from hearth.errors import Conflict

    with pytest.raises(Conflict):
        async with world.unit() as session:
            await comments.edit(
                session, user=world.people["tom"], comment_id=mine.id, body="Late",
                now=T0 + timedelta(minutes=16),
            )  # fmt: skip
    async with world.unit() as session:
        await comments.delete(session, user=world.people["tom"], comment_id=mine.id, now=T0)
    async with world.sessions() as session:
        row = await suggestions.get(session, sid)
        kept = await comments.get(session, mine.id)
        threads = await comments.threads(session, sid)
    assert (row.comment_count, kept.body, threads) == (0, "", [])
