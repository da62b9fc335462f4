"""Questions on a campaign: anyone signed in asks (a backer's question says so), only the
campaign's partner answers, once and editably, and the asker is told; answered ones first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hearth.bootstrap import Hearth
from hearth.community import moderation, questions
from hearth.community.events import QuestionAnswered, QuestionAsked
from hearth.community.models import Question
from hearth.community.moderation_rules import QUESTION_LIMIT
from hearth.errors import InvalidInput, Muted, NotFound, PermissionDenied, RateLimited
from hearth.notifications.models import Notification
from tests.community import shop
from tests.community.world import T0, CommunityWorld, build


@pytest.fixture
async def world(hearth: Hearth) -> CommunityWorld:
    return await build(hearth)


async def _ask(world: CommunityWorld, who: str, campaign: str, body: str, hours: int = 0) -> str:
    async with world.unit() as session:
        row = await questions.ask(
            session, user=world.people[who], campaign_id=campaign, body=body,
            now=T0 + timedelta(hours=hours),
        )  # fmt: skip
        return row.id


async def _answer(world: CommunityWorld, who: str, question: str, body: str, hours: int) -> None:
    async with world.unit() as session:
        await questions.answer(
            session, user=world.people[who], question_id=question, body=body,
            now=T0 + timedelta(hours=hours),
        )  # fmt: skip


async def test_a_backer_and_a_fan_ask_and_the_partner_answers_once_telling_the_asker(
    world: CommunityWorld,
) -> None:
    live = await shop.campaign(world, "Glow Lamp", backer="mia")
    backed = await _ask(world, "mia", live, "Does it ship to **Germany**?")
    curious = await _ask(world, "tom", live, "Is the shade washable?", hours=1)
    await _answer(world, "leo", backed, "Yes, for 60 yuan.", hours=2)
    await _answer(world, "leo", backed, "Yes: shipping to Germany is 60 yuan.", hours=3)
    async with world.sessions() as session:
        asked = await questions.listing(session, user=None, campaign_id=live)
        told = list(await session.execute(select(Notification.user_id, Notification.kind)))
    assert [q.id for q in asked.items] == [backed, curious]  # answered first
    assert (asked.total, asked.answered) == (2, 1)
    first = asked.items[0]
    assert first.backer and not asked.items[1].backer
    assert first.answer == "Yes: shipping to Germany is 60 yuan."
    assert first.answered_at == T0 + timedelta(hours=2)
    assert first.answer_edited_at == T0 + timedelta(hours=3)
    assert told == [(world.people["mia"].id, "community.question_answered")]
    assert sum(isinstance(e, QuestionAsked) for e in world.published) == 2
    assert sum(isinstance(e, QuestionAnswered) for e in world.published) == 2


async def test_unanswered_questions_list_newest_first_after_the_answered_ones(
    world: CommunityWorld,
) -> None:
    live = await shop.campaign(world, "Glow Lamp")
    ids = [await _ask(world, "tom", live, f"Question {n}?", hours=n) for n in range(4)]
    await _answer(world, "leo", ids[0], "An answer.", hours=5)
    async with world.sessions() as session:
        asked = await questions.listing(session, user=None, campaign_id=live, limit=3)
    assert [q.id for q in asked.items] == [ids[0], ids[3], ids[2]]
    assert (asked.total, asked.answered) == (4, 1)


@pytest.mark.parametrize("who", ["rita", "ada", "tom", "mia"])
async def test_only_the_campaigns_partner_answers_and_nothing_changes(
    world: CommunityWorld, who: str
) -> None:
    live = await shop.campaign(world, "Glow Lamp")
    asked = await _ask(world, "mia" if who != "mia" else "tom", live, "When does it ship?")
    with pytest.raises(PermissionDenied):
        await _answer(world, who, asked, "Soon.", hours=1)
    async with world.sessions() as session:
        assert (await questions.get(session, asked)).answer is None
        assert await session.scalar(select(func.count()).select_from(Notification)) == 0


async def test_an_empty_question_or_one_on_no_campaign_is_refused_and_nothing_is_written(
    world: CommunityWorld,
) -> None:
    live = await shop.campaign(world, "Glow Lamp")
    with pytest.raises(InvalidInput) as refused:
        await _ask(world, "tom", live, "   ")
    assert refused.value.problems()[0]["field"] == "question"
    with pytest.raises(InvalidInput):
        await _ask(world, "tom", live, "?" * 1001)
    with pytest.raises(NotFound):
        await _ask(world, "tom", "cmp_nothing", "Hello?")
    async with world.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Question)) == 0


async def test_a_muted_person_cannot_ask_and_questions_are_limited_per_hour(
    world: CommunityWorld,
) -> None:
    live = await shop.campaign(world, "Glow Lamp", backer="mia")
    async with world.unit() as session:
        await moderation.mute(
            session, moderator=world.people["ada"], user_id=world.people["tom"].id,
            reason="Adverts.", hours=2, now=T0,
        )  # fmt: skip
    with pytest.raises(Muted, match="until"):
        await _ask(world, "tom", live, "Buy my lamp?")
    for n in range(QUESTION_LIMIT.count):
        await _ask(world, "mia", live, f"Question {n}?")
    with pytest.raises(RateLimited, match="10 questions in the last hour") as refused:
        await _ask(world, "mia", live, "One more?")
    assert refused.value.retry_after > 0
    async with world.sessions() as session:
        asked = await session.scalar(select(func.count()).select_from(Question))
    assert asked == QUESTION_LIMIT.count
