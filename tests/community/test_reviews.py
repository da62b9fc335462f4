"""Reviews after delivery: only the buyer of a delivered order reviews, once per order and
product (again: an edit); the partner answers once, editably, and the reviewer is told; the
product's counters always equal a recount, however many review at once, on both databases."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from hearth.bootstrap import Hearth
from hearth.community import moderation, reviews
from hearth.community.events import ReviewAnswered, ReviewWritten
from hearth.community.models import Rating, Review
from hearth.errors import Conflict, InvalidInput, Muted, NotFound, PermissionDenied
from hearth.notifications.models import Notification
from tests.community import shop
from tests.community.world import T0, CommunityWorld, build


@pytest.fixture
async def world(hearth: Hearth) -> CommunityWorld:
    return await build(hearth)


async def _write(
    world: CommunityWorld, who: str, order_id: str, stars: int | None, *,
    product: str = "Glow Lamp", title: str = "", body: str = "", at: timedelta = timedelta(0),
) -> Review:  # fmt: skip
    async with world.unit() as session:
        row, _ = await reviews.write(
            session,
            user=world.people[who],
            order_id=order_id,
            product_id=world.products[product],
            stars=stars,
            title=title,
            body=body,
            now=T0 + at,
        )
        return row


Counts = dict[int, int]


async def _counters(world: CommunityWorld, product: str = "Glow Lamp") -> tuple[Counts, Counts]:
    async with world.sessions() as session:
        kept = await reviews.rating(session, world.products[product])
        counted = await reviews.recount(session, world.products[product])
    return dict(kept.counts), dict(counted.counts)


async def test_a_buyer_reviews_a_delivered_order_once_and_writing_again_edits_it(
    world: CommunityWorld,
) -> None:
    bought = await shop.order(world, "mia", "Glow Lamp", channel="crowdfunding")
    first = await _write(world, "mia", bought, 2, title="  Too  dim ", body="Only *2* stars.")
    assert (first.stars, first.title, first.channel, first.edited_at) == (
        2, "Too dim", "crowdfunding", None,
    )  # fmt: skip
    kept, counted = await _counters(world)
    assert kept == counted and kept[2] == 1 and sum(kept.values()) == 1
    again = await _write(world, "mia", bought, 5, title="Better after 1.3", at=timedelta(days=1))
    assert again.id == first.id and again.stars == 5 and again.body == ""
    assert again.edited_at == T0 + timedelta(days=1) and again.created_at == T0
    kept, counted = await _counters(world)
    assert kept == counted == {1: 0, 2: 0, 3: 0, 4: 0, 5: 1}
    written = [e for e in world.published if isinstance(e, ReviewWritten)]
    assert [(e.created, e.stars) for e in written] == [(True, 2), (False, 5)]


async def test_each_delivered_order_of_a_product_gets_its_own_review(
    world: CommunityWorld,
) -> None:
    backed = await shop.order(world, "mia", "Glow Lamp", channel="crowdfunding")
    bought = await shop.order(world, "mia", "Glow Lamp", channel="sale")
    await _write(world, "mia", backed, 4)
    await _write(world, "mia", bought, 3)
    async with world.sessions() as session:
        mine = await reviews.purchases(
            session, user_id=world.people["mia"].id, product_id=world.products["Glow Lamp"]
        )
        shown = await reviews.rating(session, world.products["Glow Lamp"])
    assert {p.order.id: p.review.stars for p in mine if p.review} == {backed: 4, bought: 3}
    assert (shown.count, shown.average, shown.positive) == (2, Decimal("3.5"), 50)


@pytest.mark.parametrize(
    ("who", "case", "error"),
    [
        ("tom", "mias", NotFound),  # someone else's order
        ("mia", "on its way", Conflict),  # not delivered yet
        ("mia", "the vacuum", NotFound),  # the order holds another product
        ("leo", "leos", PermissionDenied),  # the partner's own member, though they bought one
    ],
)
async def test_nobody_but_the_buyer_of_a_delivered_order_reviews_and_nothing_is_written(
    world: CommunityWorld, who: str, case: str, error: type[Exception]
) -> None:
    orders = {
        "mias": await shop.order(world, "mia", "Glow Lamp"),
        "on its way": await shop.order(world, "mia", "Glow Lamp", delivered=False),
        "the vacuum": await shop.order(world, "mia", "Nova Vacuum"),
        "leos": await shop.order(world, "leo", "Glow Lamp"),
    }
    with pytest.raises(error) as refused:
        await _write(world, who, orders[case], 5)
    assert str(refused.value)[0].isalpha()
    async with world.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Review)) == 0
        assert await session.scalar(select(func.count()).select_from(Rating)) == 0


async def test_a_review_without_its_stars_or_too_long_is_refused_naming_each_field(
    world: CommunityWorld,
) -> None:
    bought = await shop.order(world, "mia", "Glow Lamp")
    with pytest.raises(InvalidInput) as refused:
        await _write(world, "mia", bought, None, title="x" * 121, body="y" * 5001)
    assert [p["field"] for p in refused.value.problems()] == ["stars", "title", "body"]
    with pytest.raises(InvalidInput):
        await _write(world, "mia", bought, 6)
    assert await _counters(world) == ({1: 0, 2: 0, 3: 0, 4: 0, 5: 0},) * 2


async def test_the_partner_answers_once_editably_and_the_reviewer_is_told_once(
    world: CommunityWorld,
) -> None:
    review = await _write(world, "mia", await shop.order(world, "mia", "Glow Lamp"), 3)
    for at, words in ((1, "Thanks: firmware **1.3** fixes it."), (2, "Fixed in 1.3.2.")):
        async with world.unit() as session:
            await reviews.answer(
                session, user=world.people["leo"], review_id=review.id, body=words,
                now=T0 + timedelta(hours=at),
            )  # fmt: skip
    async with world.sessions() as session:
        row = await reviews.get(session, review.id)
        told = list(await session.execute(select(Notification.user_id, Notification.kind)))
    assert (row.answer, row.answer_by) == ("Fixed in 1.3.2.", world.people["leo"].id)
    assert row.answered_at == T0 + timedelta(hours=1)
    assert row.answer_edited_at == T0 + timedelta(hours=2)
    assert told == [(world.people["mia"].id, "community.review_answered")]
    assert sum(isinstance(e, ReviewAnswered) for e in world.published) == 2


@pytest.mark.parametrize("who", ["rita", "ada", "tom", "mia"])
async def test_only_the_products_partner_answers_a_review_and_nothing_changes(
    world: CommunityWorld, who: str
) -> None:
    review = await _write(world, "mia", await shop.order(world, "mia", "Glow Lamp"), 3)
    with pytest.raises(PermissionDenied):
        async with world.unit() as session:
            await reviews.answer(
                session, user=world.people[who], review_id=review.id, body="Hm.", now=T0
            )
    async with world.sessions() as session:
        assert (await reviews.get(session, review.id)).answer is None
        assert await session.scalar(select(func.count()).select_from(Notification)) == 0


async def test_many_buyers_reviewing_and_editing_at_once_leave_the_counters_equal_to_a_recount(
    world: CommunityWorld,
) -> None:
    fans = [(await world.person(f"buyer{n}")).username for n in range(8)]
    bought = {fan: await shop.order(world, fan, "Glow Lamp") for fan in fans}

    async def act(n: int) -> None:
        fan = fans[n % len(fans)]
        # Each buyer writes four times at once with different stars: one review, three edits.
        await _write(world, fan, bought[fan], 1 + (n * 7) % 5, at=timedelta(minutes=n))

    await asyncio.gather(*(act(n) for n in range(32)))
    kept, counted = await _counters(world)
    assert kept == counted and sum(kept.values()) == len(fans)
    async with world.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Review)) == len(fans)


async def test_reviews_list_newest_highest_or_lowest_first_filtered_by_stars_and_paged(
    world: CommunityWorld,
) -> None:
    stars = [5, 1, 4, 5, 3, 5, 2, 4, 5, 5, 4, 1]
    for n, given in enumerate(stars):
        fan = (await world.person(f"buyer{n}")).username
        await _write(world, fan, await shop.order(world, fan, "Glow Lamp"), given,
                     at=timedelta(hours=n))  # fmt: skip
    lamp = world.products["Glow Lamp"]
    async with world.sessions() as session:
        newest = await reviews.listing(session, product_id=lamp)
        highest = await reviews.listing(session, product_id=lamp, sort="highest")
        lowest = await reviews.listing(session, product_id=lamp, sort="lowest", page=2)
        fives = await reviews.listing(session, product_id=lamp, stars=5)
        with pytest.raises(InvalidInput):
            await reviews.listing(session, product_id=lamp, sort="best")
        with pytest.raises(NotFound):
            await reviews.listing(session, product_id="hearth")
    assert [r.stars for r in newest.items] == list(reversed(stars))[:10]
    assert (newest.total, newest.pages) == (12, 2)
    assert [r.stars for r in highest.items] == sorted(stars, reverse=True)[:10]
    assert [r.stars for r in lowest.items] == sorted(stars)[10:]
    assert fives.total == 5 and {r.stars for r in fives.items} == {5}
    assert (newest.figures.average, newest.figures.positive) == (Decimal("3.7"), 67)


async def test_a_muted_buyer_cannot_review_until_the_mute_ends(world: CommunityWorld) -> None:
    bought = await shop.order(world, "mia", "Glow Lamp", channel="sale")
    async with world.unit() as session:
        await moderation.mute(
            session, moderator=world.people["ada"], user_id=world.people["mia"].id,
            reason="Abuse.", hours=1, now=T0,
        )  # fmt: skip
    with pytest.raises(Muted):
        await _write(world, "mia", bought, 1, body="Rubbish!")
    kept, counted = await _counters(world)
    assert kept == counted and sum(kept.values()) == 0
    after = await _write(world, "mia", bought, 4, at=timedelta(hours=2))
    assert after.stars == 4
