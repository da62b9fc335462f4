"""Questions on a campaign: anyone signed in asks (a backer's question says so), the
campaign's partner answers each in public, once (editable), and the asker is told.

Questions are their own small table rather than suggestions of a "question" category on the
product's board: a question is about one campaign (its shipping, its tiers, its dates), has
no status workflow, votes or trending, and must not turn up among the board's suggestions,
its search, its duplicates or its release notes. See docs/community.md.

Listed answered first, then unanswered, newest first within each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.community import posting, suggestions
from hearth.community.events import QuestionAnswered, QuestionAsked
from hearth.community.models import Question
from hearth.community.review_rules import MAX_QUESTION, MAX_REPLY
from hearth.community.rules import BoardKind, BoardOwner, answers_for
from hearth.community.visibility import Reader, questions_shown
from hearth.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hearth.funding import campaigns
from hearth.funding.models import Campaign, Pledge
from hearth.funding.rules import COUNTED
from hearth.kit import prose
from hearth.mall.models import Partner
from hearth.notifications import service as notifications
from hearth.notifications.events import NotificationsSent
from hearth.outbox import record


@dataclass
class Asked:
    """A campaign's questions (maybe only the first few) and how many there are."""

    items: list[Question]
    total: int
    answered: int
    names: dict[str, str] = field(default_factory=dict)


def answers_campaign(campaign: Campaign, user: User | None) -> bool:
    """Tell whether ``user`` speaks for the campaign's partner (and so answers its questions)."""
    if user is None:
        return False
    owner = BoardOwner(BoardKind.PRODUCT, campaign.partner_id)
    return answers_for(owner, role=user.role, partner_id=user.partner_id)


async def partner_name(session: AsyncSession, campaign: Campaign) -> str:
    """Return the name the campaign's partner shows (its store's)."""
    partner = await session.get(Partner, campaign.partner_id)
    return (partner.store_name or partner.name) if partner is not None else "the partner"


async def ask(
    session: AsyncSession, *, user: User, campaign_id: str, body: str, now: datetime
) -> Question:
    """Ask a question about a campaign the user may see."""
    campaign = await campaigns.visible(session, user=user, campaign_id=campaign_id)
    text = body.strip()
    if not text:
        raise InvalidInput.fields(
            [{"field": "question", "message": "says what you would like to know"}]
        )
    if len(text) > MAX_QUESTION:
        raise InvalidInput.fields(
            [{"field": "question", "message": f"may have at most {MAX_QUESTION} characters"}]
        )
    await posting.check_question(session, user, now)  # not muted, within the limit
    pledged = await session.scalar(
        select(Pledge.id)
        .where(
            Pledge.campaign_id == campaign.id,
            Pledge.backer_id == user.id,
            Pledge.state.in_([str(s) for s in COUNTED]),
        )
        .limit(1)
    )
    row = Question(
        campaign_id=campaign.id,
        author_id=user.id,
        body=text,
        backer=pledged is not None,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    record(session, QuestionAsked(question_id=row.id, campaign_id=campaign.id))
    return row


async def get(session: AsyncSession, question_id: str) -> Question:
    """Return a question, or ``NotFound``."""
    found = await session.get(Question, question_id)
    if found is None:
        raise NotFound(f"no question {question_id!r}")
    return found


async def answer(
    session: AsyncSession, *, user: User, question_id: str, body: str, now: datetime
) -> Question:
    """Answer a question in public as a member of the campaign's partner, or edit the
    answer; the asker is told of the first answer."""
    row = await get(session, question_id)
    campaign = await campaigns.visible(session, user=user, campaign_id=row.campaign_id)
    if row.hidden_at is not None:
        if not Reader.of(user).sees(hidden=True, author_id=row.author_id):
            raise NotFound(f"no question {question_id!r}")
        raise Conflict("a moderator hid this question: it takes no answer until restored")
    name = await partner_name(session, campaign)
    if not answers_campaign(campaign, user):
        raise PermissionDenied(f"only {name} answers questions about this campaign")
    text = body.strip()
    if not text:
        raise InvalidInput.fields([{"field": "answer", "message": "says something to the asker"}])
    if len(text) > MAX_REPLY:
        raise InvalidInput.fields(
            [{"field": "answer", "message": f"may have at most {MAX_REPLY} characters"}]
        )
    # Conditional: of two first answers at once, one is the first (and tells the asker).
    first = await session.execute(
        update(Question)
        .where(Question.id == row.id, Question.answer.is_(None))
        .values(answer=text, answer_by=user.id, answered_at=now)
        .execution_options(synchronize_session=False)
    )
    answered = first.rowcount == 1  # type: ignore[attr-defined]
    if not answered:
        await session.execute(
            update(Question)
            .where(Question.id == row.id)
            .values(answer=text, answer_by=user.id, answer_edited_at=now)
            .execution_options(synchronize_session=False)
        )
    await session.refresh(row)
    record(session, QuestionAnswered(question_id=row.id, campaign_id=campaign.id))
    if answered and row.author_id and row.author_id != user.id:
        sent = await notifications.notify(
            session,
            user_ids=[row.author_id],
            kind="community.question_answered",
            title=f"{name} answered your question about {campaign.title}"[:120],
            body=prose.plain(text, limit=300),
            link=f"/campaigns/{campaign.id}#q-{row.id}",
            now=now,
        )
        if sent:
            record(session, NotificationsSent(user_ids=sorted({n.user_id for n in sent})))
    return row


async def listing(
    session: AsyncSession, *, user: User | None, campaign_id: str, limit: int | None = None
) -> Asked:
    """Return a campaign's questions ``user`` may see, answered first, newest first within
    each; with ``limit`` only the first ones (the totals count them all)."""
    campaign = await campaigns.visible(session, user=user, campaign_id=campaign_id)
    seen = questions_shown(Reader.of(user))
    statement = (
        select(Question)
        .where(Question.campaign_id == campaign.id, seen)
        .order_by(Question.answered_at.is_(None), Question.created_at.desc(), Question.id.desc())
    )
    if limit is not None:
        statement = statement.limit(limit)
    items = list(await session.scalars(statement))
    total, answered = (
        await session.execute(
            select(func.count(), func.count(Question.answered_at)).where(
                Question.campaign_id == campaign.id, seen
            )
        )
    ).one()
    names = await suggestions.names(
        session, {q.author_id for q in items} | {q.answer_by for q in items}
    )
    return Asked(items, int(total), int(answered), names)
