"""A flash-sale batch on PostgreSQL: the pledges of one tier placed in one transaction, the
tier's row touched once at the end, and never a unit past the limit even when another
process took units after the batch read the tier."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db
from hearth.accounts.models import User
from hearth.errors import Conflict, IdempotencyKeyReused
from hearth.funding import events, flash, flashsql, pledges
from hearth.funding.models import BackerCard, Campaign, CampaignTier, Pledge
from hearth.kit.clock import FrozenClock
from hearth.outbox import record
from tests.funding.world import T0, World, make_world, request
from tests.servers import Postgres

pytestmark = pytest.mark.postgres
_names = itertools.count()
NOW = T0.replace(hour=9)


@pytest.fixture
async def sessions(
    postgres: Postgres, postgres_template: str
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    name = f"batch_{next(_names)}"
    postgres.psql(f"CREATE DATABASE {name} TEMPLATE {postgres_template}")
    engine = db.create_engine(postgres.url(name))
    yield db.session_factory(engine)
    await engine.dispose()
    postgres.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def sale(
    world: World, limit: int, fans: int
) -> tuple[Campaign, str, list[tuple[User, BackerCard]]]:
    campaign = await world.campaign(
        tiers=[{"title": "Fan day", "price": "99.00", "retail_price": "199.00", "limit": limit}]
    )
    async with world.sessions() as session:
        tier_id = await session.scalar(
            select(CampaignTier.id).where(CampaignTier.campaign_id == campaign.id)
        )
    assert tier_id is not None
    backers = [await world.fan(f"fan{n}") for n in range(fans)]
    return campaign, tier_id, backers


async def place(
    session: AsyncSession, batch: list[tuple[str, pledges.PledgeRequest]]
) -> list[flash.Result]:
    """Place a batch inside the session's transaction, its events published on commit."""
    results, told = await flash.place_many(await db.driver(session), items=batch, now=NOW)
    record(session, *told)
    return results


def items(
    campaign: Campaign, tier_id: str, backers: list[tuple[User, BackerCard]], key: str = "k"
) -> list[tuple[str, pledges.PledgeRequest]]:
    return [(user.id, request(campaign, tier_id, card, key)) for user, card in backers]


async def tier_counts(sessions: async_sessionmaker[AsyncSession], tier_id: str) -> tuple[int, int]:
    async with sessions() as session:
        tier = await session.get(CampaignTier, tier_id)
        active = await session.scalar(
            select(func.count()).select_from(Pledge).where(Pledge.tier_id == tier_id)
        )
    assert tier is not None
    return tier.sold, int(active or 0)


async def test_a_batch_that_fits_takes_its_units_in_one_update_and_says_so_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await make_world(sessions)
    campaign, tier_id, backers = await sale(world, limit=5, fans=3)
    before = len(world.published)
    async with world.unit() as session:
        results = await place(session, items(campaign, tier_id, backers))
    told = world.published[before:]
    assert [r[1] for r in results if isinstance(r, tuple)] == [True, True, True]
    assert await tier_counts(sessions, tier_id) == (3, 3)
    assert len(told) == 1
    progress = told[0]
    assert isinstance(progress, events.CampaignProgressed)
    assert (progress.backers, progress.raised, progress.remaining) == (3, 3 * 9900, {tier_id: 2})


async def test_units_taken_by_another_process_after_the_batch_read_the_tier_are_never_sold_twice(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await make_world(sessions)
    campaign, tier_id, backers = await sale(world, limit=4, fans=6)
    async with world.unit() as late:
        # This batch's view of the tier is taken now (and kept): nothing sold yet.
        seen = await late.get(CampaignTier, tier_id)
        assert seen is not None and seen.sold == 0
        async with world.unit() as other:  # meanwhile another process sells 3
            await place(other, items(campaign, tier_id, backers[:3]))
        results = await place(late, items(campaign, tier_id, backers[3:]))
    placed = [r for r in results if isinstance(r, tuple)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(placed) == 1 and results[0] is placed[0]  # the first to arrive gets the last unit
    assert [str(r) for r in refused] == ["'Fan day' is sold out"] * 2
    assert await tier_counts(sessions, tier_id) == (4, 4)


async def test_a_key_sent_again_in_a_later_batch_is_the_first_pledge_and_takes_no_unit(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await make_world(sessions)
    campaign, tier_id, backers = await sale(world, limit=4, fans=2)
    async with world.unit() as session:
        first = await place(session, items(campaign, tier_id, backers))
    async with world.unit() as session:
        again = await place(session, items(campaign, tier_id, backers))
    assert [(r[0].id, r[1]) for r in again if isinstance(r, tuple)] == [
        (r[0].id, False) for r in first if isinstance(r, tuple)
    ]
    assert await tier_counts(sessions, tier_id) == (2, 2)


async def test_a_backer_who_already_backs_the_campaign_is_kept_out_by_the_unique_key(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await make_world(sessions)
    campaign, tier_id, backers = await sale(world, limit=5, fans=2)
    async with world.unit() as session:
        await place(session, items(campaign, tier_id, backers[:1]))
    async with world.unit() as session:
        results = await place(session, items(campaign, tier_id, backers, key="other"))
    assert isinstance(results[0], Conflict)
    assert str(results[0]) == "you already back this campaign; change that pledge"
    assert isinstance(results[1], tuple) and results[1][1] is True
    assert await tier_counts(sessions, tier_id) == (2, 2)


async def test_a_key_sent_again_after_the_sell_out_is_still_answered_with_its_pledge(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await make_world(sessions)
    campaign, tier_id, backers = await sale(world, limit=2, fans=3)
    async with world.unit() as session:
        first = await place(session, items(campaign, tier_id, backers))
    assert isinstance(first[2], Conflict)  # the third backer found it sold out
    async with world.unit() as session:
        again = await place(session, items(campaign, tier_id, backers))
    assert [(r[0].id, r[1]) for r in again[:2] if isinstance(r, tuple)] == [
        (r[0].id, False) for r in first[:2] if isinstance(r, tuple)
    ]
    assert isinstance(again[2], Conflict) and str(again[2]) == "'Fan day' is sold out"
    assert await tier_counts(sessions, tier_id) == (2, 2)


async def test_a_key_twice_in_one_batch_is_one_pledge_and_a_reused_key_is_refused(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await make_world(sessions)
    campaign, tier_id, backers = await sale(world, limit=5, fans=1)
    twice = items(campaign, tier_id, backers) * 2
    async with world.unit() as session:
        results = await place(session, twice)
    assert [r[1] for r in results if isinstance(r, tuple)] == [True, False]
    assert results[0][0].id == results[1][0].id  # type: ignore[index]
    assert await tier_counts(sessions, tier_id) == (1, 1)
    other_tier = await world.campaign(
        tiers=[{"title": "Other", "price": "9.00", "retail_price": "19.00", "limit": 5}]
    )
    async with world.sessions() as session:
        elsewhere = await session.scalar(
            select(CampaignTier.id).where(CampaignTier.campaign_id == other_tier.id)
        )
    assert elsewhere is not None
    reused = items(other_tier, elsewhere, backers)  # the same key, for another campaign
    async with world.unit() as session:
        [result] = await place(session, reused)
    assert isinstance(result, IdempotencyKeyReused)


def test_a_new_pledge_carries_a_value_for_every_column_of_the_pledges_table() -> None:
    assert set(flashsql.PledgeRow.__slots__) == set(flashsql.PLEDGE_COLUMNS)


async def test_a_key_sent_again_in_a_batch_takes_no_unit_from_the_pledges_after_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await make_world(sessions)
    campaign, tier_id, backers = await sale(world, limit=2, fans=2)
    async with world.unit() as session:
        [first] = await place(session, items(campaign, tier_id, backers[:1]))
    async with world.unit() as session:  # a client's retry, then a new backer: one unit left
        results = await place(session, items(campaign, tier_id, backers))
    assert isinstance(first, tuple) and isinstance(results[0], tuple)
    assert (results[0][0].id, results[0][1]) == (first[0].id, False)
    assert isinstance(results[1], tuple) and results[1][1] is True
    assert await tier_counts(sessions, tier_id) == (2, 2)


async def test_one_key_for_two_different_pledges_in_one_batch_is_refused_the_second_time(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await make_world(sessions)
    campaign, tier_id, backers = await sale(world, limit=5, fans=2)
    (mia, card), (_, other_card) = backers
    same_key = [
        (mia.id, request(campaign, tier_id, card, "k")),
        (mia.id, request(campaign, tier_id, other_card, "k")),
    ]
    async with world.unit() as session:
        results = await place(session, same_key)
    assert isinstance(results[0], tuple) and results[0][1] is True
    assert isinstance(results[1], IdempotencyKeyReused)
    assert await tier_counts(sessions, tier_id) == (1, 1)


async def test_a_batch_whose_connection_dies_is_refused_whole_and_the_next_gets_a_new_one(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await make_world(sessions)
    campaign, tier_id, backers = await sale(world, limit=5, fans=2)
    (mia, mia_card), (leo, leo_card) = backers
    batcher = flash.PledgeBatcher(sessions, FrozenClock(NOW), world.publish)
    async with sessions() as other, other.begin():
        # Hold the tier's row: the batch's insert waits for it (its foreign key's lock).
        await other.get(CampaignTier, tier_id, with_for_update=True)
        first = asyncio.create_task(
            batcher.place(user=mia, request=request(campaign, tier_id, mia_card, "k"))
        )
        waiting = None
        while waiting is None:
            await asyncio.sleep(0.02)
            waiting = await other.scalar(
                text(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": waiting})
        with pytest.raises(Exception, match="connection"):
            await first
    shown, new = await batcher.place(user=leo, request=request(campaign, tier_id, leo_card, "k"))
    assert new and shown.tier_id == tier_id
    assert await tier_counts(sessions, tier_id) == (1, 1)  # nothing of the failed batch
    async with sessions() as session:
        held = await session.scalar(select(func.count()).select_from(Pledge))
    assert held == 1
    await batcher.stop()


async def test_live_pages_get_the_first_totals_at_once_and_the_last_always(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(flash, "PROGRESS_EVERY", 3600.0)  # nothing more until the stop
    world = await make_world(sessions)
    campaign, tier_id, backers = await sale(world, limit=10, fans=4)
    batcher = flash.PledgeBatcher(sessions, FrozenClock(NOW), world.publish)
    for user, card in backers:  # one batch each
        await batcher.place(user=user, request=request(campaign, tier_id, card, "k"))
    told = [e for e in world.published if isinstance(e, events.CampaignProgressed)]
    assert [e.backers for e in told] == [1]
    await batcher.stop()
    told = [e for e in world.published if isinstance(e, events.CampaignProgressed)]
    assert [e.backers for e in told] == [1, 4]
    assert told[-1].remaining == {tier_id: 6}
