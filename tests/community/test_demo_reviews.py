"""The demo's reviews and questions: the lamp rated by its backers and buyers with a real
spread, counters equal to a recount, Lumi's answer to the unhappiest review, and questions
on the live campaign, two of them answered, and a fan's report of the unhappy review
waiting for the moderators; seeded once."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from hearth import db
from hearth.community import moderation, reviews
from hearth.community.models import Question, Rating, Review
from hearth.demo import seed
from hearth.mall.models import Product
from tests.conftest import make_settings


async def test_the_demo_rates_its_products_answers_a_review_and_has_questions_once(
    tmp_path: Path, database_url: str
) -> None:
    settings = make_settings(tmp_path, database_url)
    await seed(settings)
    await seed(settings)  # a second run changes nothing
    engine = db.create_engine(database_url, pool=False)
    try:
        async with db.session_factory(engine)() as session:
            lamp = await session.scalar(select(Product.id).where(Product.name == "Lumi Glow Lamp"))
            assert lamp is not None
            shown = await reviews.rating(session, lamp)
            assert shown == await reviews.recount(session, lamp)
            assert shown.count >= 10 and len({s for s, n, _ in shown.bars() if n}) >= 4
            assert shown.positive is not None and 60 <= shown.positive < 100
            channels = set(await session.scalars(select(Review.channel)))
            assert channels == {"crowdfunding", "sale"}
            answered = await session.scalar(
                select(func.count()).select_from(Review).where(Review.answer.is_not(None))
            )
            assert answered == 1
            assert await session.scalar(select(func.count()).select_from(Rating)) == 2
            asked = list(await session.scalars(select(Question)))
            assert len(asked) == 3 and sum(q.answer is not None for q in asked) == 2
            assert any(q.backer for q in asked)
            waiting, _ = await moderation.queue(session)
            reported = [i.target for i in waiting if i.target.kind == "review"]
            assert [(t.stars, t.title) for t in reported] == [(2, "Lumi Glow Lamp")]
    finally:
        await engine.dispose()
