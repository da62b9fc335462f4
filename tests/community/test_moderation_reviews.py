"""Moderating reviews and campaign questions: reported like any post; a hidden review leaves
its product's rating and every list but its author's and the moderators', and comes back
whole when restored; a hidden question leaves the Q&A and its counts; neither takes an
answer while hidden."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from hearth.bootstrap import Hearth
from hearth.community import moderation, questions, reviews
from hearth.community.models import Review
from hearth.community.visibility import ANYONE, Reader
from hearth.errors import Conflict, NotFound
from tests.community import shop
from tests.community.world import T0, CommunityWorld, build


@pytest.fixture
async def world(hearth: Hearth) -> CommunityWorld:
    return await build(hearth)


async def _review(world: CommunityWorld, who: str, stars: int, body: str) -> Review:
    bought = await shop.order(world, who, "Glow Lamp")
    async with world.unit() as session:
        row, _ = await reviews.write(
            session, user=world.people[who], order_id=bought,
            product_id=world.products["Glow Lamp"], stars=stars, body=body, now=T0,
        )  # fmt: skip
        return row


async def _moderate(world: CommunityWorld, verb: str, kind: str, item_id: str) -> None:
    async with world.unit() as session:
        await getattr(moderation, verb)(
            session, moderator=world.people["ada"], kind=kind, target_id=item_id,
            reason="Advertising for another shop.", now=T0 + timedelta(hours=1),
        )  # fmt: skip


async def _figures(world: CommunityWorld) -> tuple[dict[int, int], dict[int, int]]:
    async with world.sessions() as session:
        kept = await reviews.rating(session, world.products["Glow Lamp"])
        counted = await reviews.recount(session, world.products["Glow Lamp"])
    return dict(kept.counts), dict(counted.counts)


async def test_a_reported_review_hidden_leaves_the_rating_and_the_list_and_comes_back_whole(
    world: CommunityWorld,
) -> None:
    kept = await _review(world, "tom", 4, "Warm light, quiet.")
    spam = await _review(world, "mia", 1, "Buy lamps cheaper at example.com!")
    async with world.unit() as session:
        await moderation.report(
            session, user=world.people["tom"], kind="review", target_id=spam.id,
            reason="spam", now=T0,
        )  # fmt: skip
    async with world.sessions() as session:
        items, total = await moderation.queue(session)
    assert total == 1 and items[0].target.kind == "review"
    assert items[0].target.link.endswith(f"/reviews#r-{spam.id}")

    await _moderate(world, "hide", "review", spam.id)
    lamp = world.products["Glow Lamp"]
    counters, recount = await _figures(world)
    assert counters == recount and counters[1] == 0 and counters[4] == 1
    async with world.sessions() as session:
        public = await reviews.listing(session, product_id=lamp, reader=ANYONE)
        author = await reviews.listing(
            session, product_id=lamp, reader=Reader(world.people["mia"].id)
        )
        moderator = await reviews.listing(
            session, product_id=lamp, reader=Reader.of(world.people["ada"])
        )
        waiting, _ = await moderation.queue(session)
    assert [r.id for r in public.items] == [kept.id] and public.total == 1
    assert {r.id for r in author.items} == {kept.id, spam.id} and author.total == 2
    assert {r.id for r in moderator.items} == {kept.id, spam.id}
    assert waiting == []  # the hide resolved the report

    await _moderate(world, "restore", "review", spam.id)
    counters, recount = await _figures(world)
    assert counters == recount and counters[1] == 1 and counters[4] == 1


async def test_a_hidden_review_edited_by_its_author_counts_nowhere_until_restored(
    world: CommunityWorld,
) -> None:
    review = await _review(world, "mia", 1, "Rubbish, and here is my phone number.")
    await _moderate(world, "hide", "review", review.id)
    async with world.unit() as session:  # the author mends it: new stars, still hidden
        await reviews.write(
            session, user=world.people["mia"], order_id=review.order_id,
            product_id=review.product_id, stars=3, body="Dim, but it works.",
            now=T0 + timedelta(hours=2),
        )  # fmt: skip
    counters, recount = await _figures(world)
    assert counters == recount and sum(counters.values()) == 0
    await _moderate(world, "restore", "review", review.id)
    counters, recount = await _figures(world)
    assert counters == recount == {1: 0, 2: 0, 3: 1, 4: 0, 5: 0}


async def test_hiding_and_editing_a_review_at_once_leave_the_counters_equal_to_a_recount(
    world: CommunityWorld,
) -> None:
    rows: dict[str, Review] = {}
    for n in range(6):
        person = await world.person(f"buyer{n}")
        rows[person.username] = await _review(world, person.username, 1 + n % 5, "Fine.")

    async def edit(who: str, row: Review, stars: int) -> None:
        async with world.unit() as session:
            await reviews.write(
                session, user=world.people[who], order_id=row.order_id,
                product_id=row.product_id, stars=stars, now=T0 + timedelta(minutes=5),
            )  # fmt: skip

    hidden = list(rows.values())[::2]
    await asyncio.gather(
        *(_moderate(world, "hide", "review", row.id) for row in hidden),
        *(edit(who, row, 1 + (n * 3) % 5) for n, (who, row) in enumerate(rows.items())),
    )
    counters, recount = await _figures(world)
    assert counters == recount and sum(counters.values()) == len(rows) - len(hidden)


async def test_a_hidden_review_or_question_takes_no_answer(world: CommunityWorld) -> None:
    review = await _review(world, "mia", 2, "Flickers.")
    live = await shop.campaign(world, "Glow Lamp")
    async with world.unit() as session:
        asked = await questions.ask(
            session, user=world.people["tom"], campaign_id=live, body="Spam spam?", now=T0
        )
    await _moderate(world, "hide", "review", review.id)
    await _moderate(world, "hide", "question", asked.id)
    leo = world.people["leo"]
    with pytest.raises(NotFound):  # the partner does not see it at all
        async with world.unit() as session:
            await reviews.answer(session, user=leo, review_id=review.id, body="Hm.", now=T0)
    with pytest.raises(NotFound):
        async with world.unit() as session:
            await questions.answer(session, user=leo, question_id=asked.id, body="No.", now=T0)
    async with world.sessions() as session:
        assert (await reviews.get(session, review.id)).answer is None
        assert (await questions.get(session, asked.id)).answer is None


async def test_a_hidden_question_leaves_the_q_and_a_and_its_counts_but_for_its_author(
    world: CommunityWorld,
) -> None:
    live = await shop.campaign(world, "Glow Lamp")
    async with world.unit() as session:
        fine = await questions.ask(
            session, user=world.people["tom"], campaign_id=live, body="Washable shade?", now=T0
        )
        rude = await questions.ask(
            session, user=world.people["mia"], campaign_id=live, body="Call 555-0100!", now=T0
        )
    async with world.unit() as session:
        await moderation.report(
            session, user=world.people["tom"], kind="question", target_id=rude.id,
            reason="personal_data", note="A phone number.", now=T0,
        )  # fmt: skip
    await _moderate(world, "hide", "question", rude.id)
    async with world.sessions() as session:
        public = await questions.listing(session, user=None, campaign_id=live)
        author = await questions.listing(session, user=world.people["mia"], campaign_id=live)
        other = await questions.listing(session, user=world.people["tom"], campaign_id=live)
        with pytest.raises(NotFound):  # nobody else may report (or see) it
            await moderation.target(
                session, "question", rude.id, reader=Reader(world.people["kai"].id)
            )
        with pytest.raises(Conflict):  # its author sees it, hidden already
            async with world.unit() as unit:
                await moderation.hide(
                    unit, moderator=world.people["ada"], kind="question", target_id=rude.id,
                    reason="Again.", now=T0,
                )  # fmt: skip
    assert [q.id for q in public.items] == [fine.id] and public.total == 1
    assert [q.id for q in other.items] == [fine.id]
    assert {q.id for q in author.items} == {fine.id, rude.id} and author.total == 2
