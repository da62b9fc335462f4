"""Votes: one per person per suggestion, toggled, and a counter that always equals the vote
rows, however many people vote and withdraw at once, on both databases."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hearth import db
from hearth.bootstrap import Hearth
from hearth.community import suggestions, votes
from hearth.community.models import Follow, Suggestion, Vote
from hearth.community.rules import PLATFORM_BOARD, trend_key
from hearth.errors import Conflict
from tests.community.world import T0, CommunityWorld, build


async def _suggestion(world: CommunityWorld, who: str = "mia") -> str:
    async with world.unit() as session:
        row = await suggestions.post(
            session,
            user=world.people[who],
            board_id=PLATFORM_BOARD,
            title="Dark mode",
            body="",
            category="feature",
            now=T0,
        )
        return row.id


async def _counted(world: CommunityWorld) -> list[tuple[str, int, int]]:
    """Return each suggestion's counter beside a count of its vote rows."""
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
        return [(sid, int(counter), int(counted)) for sid, counter, counted in rows]


async def test_a_vote_counts_once_follows_and_a_toggle_takes_it_back_keeping_the_follow(
    hearth: Hearth,
) -> None:
    world = await build(hearth)
    sid = await _suggestion(world)
    tom = world.people["tom"].id
    async with world.unit() as session:
        assert await votes.vote(session, user_id=tom, suggestion_id=sid, now=T0) == 2
        assert await votes.vote(session, user_id=tom, suggestion_id=sid, now=T0) == 2
    async with world.unit() as session:
        assert await votes.toggle(session, user_id=tom, suggestion_id=sid, now=T0) == (False, 1)
        assert await votes.unvote(session, user_id=tom, suggestion_id=sid) == 1
    async with world.sessions() as session:
        voted, following = await suggestions.reader_state(session, suggestion_id=sid, user_id=tom)
        row = await suggestions.get(session, sid)
    assert (voted, following) == (False, True)
    assert row.trend == pytest.approx(trend_key(1, T0))
    async with world.unit() as session:
        await votes.unfollow(session, user_id=tom, suggestion_id=sid)
        assert await votes.toggle(session, user_id=tom, suggestion_id=sid, now=T0) == (True, 2)
        follows = await session.scalar(select(func.count()).select_from(Follow))
    assert follows == 2  # the author and tom again, who voted


async def test_a_declined_suggestion_takes_no_more_votes(hearth: Hearth) -> None:
    world = await build(hearth)
    sid = await _suggestion(world)
    async with world.unit() as session:
        await suggestions.answer(
            session, user=world.people["ada"], suggestion_id=sid, status="declined",
            body="Not now.", now=T0,
        )  # fmt: skip
    with pytest.raises(Conflict):
        async with world.unit() as session:
            await votes.vote(session, user_id=world.people["tom"].id, suggestion_id=sid, now=T0)
    assert await _counted(world) == [(sid, 1, 1)]


async def test_many_people_voting_and_toggling_at_once_leave_the_counter_equal_to_the_rows(
    hearth: Hearth,
) -> None:
    world = await build(hearth)
    sid = await _suggestion(world)
    fans = [await world.person(f"voter{n}") for n in range(12)]

    async def act(n: int) -> None:
        user = fans[n % len(fans)]
        async with world.unit() as session:
            if n % 3 == 2:
                await votes.toggle(session, user_id=user.id, suggestion_id=sid, now=T0)
            else:
                await votes.vote(session, user_id=user.id, suggestion_id=sid, now=T0)

    # 48 tasks: each fan votes twice at once and toggles twice, interleaved with the others.
    await asyncio.gather(*(act(n) for n in range(48)))
    ((_, counter, rows),) = await _counted(world)
    assert counter == rows
    async with world.sessions() as session:
        row = await suggestions.get(session, sid)
    assert row.trend == pytest.approx(trend_key(counter, T0))


step = st.tuples(
    st.sampled_from(["vote", "unvote", "toggle"]),
    st.integers(0, 3),  # which fan
    st.integers(0, 1),  # which suggestion
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rounds=st.lists(st.lists(step, min_size=1, max_size=6), min_size=1, max_size=4))
def test_any_rounds_of_concurrent_votes_leave_every_counter_equal_to_its_rows(
    sqlite_template: Path, rounds: list[list[tuple[str, int, int]]]
) -> None:
    asyncio.run(_rounds(sqlite_template, rounds))


async def _rounds(template: Path, rounds: list[list[tuple[str, int, int]]]) -> None:
    directory = Path(tempfile.mkdtemp())
    shutil.copy(template, directory / "hearth.db")
    engine = db.create_engine(f"sqlite+aiosqlite:///{directory / 'hearth.db'}")
    try:
        world = CommunityWorld(db.session_factory(engine))
        fans = [await world.person(f"fan{n}") for n in range(4)]
        ids = [await _suggestion(world, "fan0"), await _suggestion(world, "fan1")]
        expected = {(ids[0], fans[0].id), (ids[1], fans[1].id)}

        async def act(action: str, who: int, which: int, at: int) -> None:
            user_id, sid = fans[who].id, ids[which]
            now = T0 + timedelta(seconds=at)
            async with world.unit() as session:
                if action == "vote":
                    await votes.vote(session, user_id=user_id, suggestion_id=sid, now=now)
                elif action == "unvote":
                    await votes.unvote(session, user_id=user_id, suggestion_id=sid)
                else:
                    await votes.toggle(session, user_id=user_id, suggestion_id=sid, now=now)

        for number, steps in enumerate(rounds):
            await asyncio.gather(*(act(a, w, s, number) for a, w, s in steps))
            # What each pair ends as is known when a round holds one step per pair.
            pairs = [(ids[s], fans[w].id) for _, w, s in steps]
            if len(set(pairs)) == len(pairs):
                for action, who, which in steps:
                    pair = (ids[which], fans[who].id)
                    if action == "vote" or (action == "toggle" and pair not in expected):
                        expected.add(pair)
                    else:
                        expected.discard(pair)
            else:
                async with world.sessions() as session:
                    expected = set(
                        (await session.execute(select(Vote.suggestion_id, Vote.user_id))).all()
                    )
            for sid, counter, counted in await _counted(world):
                assert counter == counted == len([p for p in expected if p[0] == sid])
    finally:
        await engine.dispose()
        shutil.rmtree(directory, ignore_errors=True)
