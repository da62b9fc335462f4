"""Moderating the fan community: reports, the platform team's queue, hiding and restoring
what people wrote, muting a person for a time, and the audit of every moderator's action.

- **Reports**: anyone signed in reports a suggestion, a comment, a review or a campaign
  question (``rules.TargetKind``) with
  a reason from a fixed list and a note; one open report per person per item (a partial
  unique index), never one's own.
- **Queue**: the open reports grouped per item, the item first reported first, with each
  reason's count. A moderator dismisses an item's reports, or hides the item; either way
  its open reports are resolved by that action.
- **Hide and restore**: a conditional update of ``hidden_at`` (of two moderators at once, one
  acts, the other is told). A hidden suggestion leaves its board's count and every list; a
  hidden comment leaves its suggestion's count and its thread (``visibility`` says who still
  sees them). Votes stay as they are. The author is told, with the reason.
- **Mutes**: a person muted until a moment cannot post (``posting``); a new mute replaces the
  one in force, a moderator may lift it early. The person is told.

Every action is a row of ``community_moderation_actions`` (who, what, why, when), recorded
with ``ModeratorActed`` on the unit of work. Only the platform team moderates
(``rules.moderates``): partners answer their boards but do not police them.

Suggestions, comments, reviews and campaign questions are moderated alike; another kind of
item is one more ``TargetKind`` member, one more of ``MODELS`` and its branch in ``_load``
(and in ``_set_hidden`` when it counts somewhere). A hidden review leaves its product's
rating: its stars' counter moves when it is hidden and again when it is restored.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.community import comments, reviews
from hearth.community.events import ItemReported, ModeratorActed
from hearth.community.models import (
    Board,
    Comment,
    ModerationAction,
    Mute,
    Question,
    Report,
    Review,
    Suggestion,
)
from hearth.community.moderation_rules import (
    MAX_NOTE,
    MAX_WHY,
    QUEUE_SIZE,
    REPORTABLE,
    Action,
    Reason,
    TargetKind,
    moderates,
    mute_end,
)
from hearth.community.visibility import Reader
from hearth.db import insert_for
from hearth.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hearth.funding import campaigns
from hearth.funding.models import Campaign
from hearth.kit import prose
from hearth.kit.ids import new_id
from hearth.kit.text import tidy
from hearth.mall.models import Product
from hearth.notifications import service as notifications
from hearth.notifications.events import NotificationsSent
from hearth.outbox import record

# Notification kinds (``community.moderation.*``) belong to the topic "Community moderation"
# of a person's preferences.


@dataclass
class Target:
    """An item as moderation reads it: what it is, who wrote it, and where it lives.

    ``title`` is a suggestion's own title; for a comment, that of its suggestion; for a
    review, its product's name; for a question, its campaign's title. Of the places an item
    lives, only its own are set: ``suggestion_id`` and ``board_id`` (suggestions, comments),
    ``product_id`` and ``stars`` (reviews), ``campaign_id`` (questions)."""

    kind: TargetKind
    id: str
    author_id: str | None
    title: str
    text: str  # the words (Markdown), as written
    created_at: datetime
    hidden_at: datetime | None
    deleted: bool = False
    suggestion_id: str | None = None
    board_id: str | None = None
    product_id: str | None = None
    campaign_id: str | None = None
    stars: int = 0

    @property
    def link(self) -> str:
        """Return where the item is read."""
        match self.kind:
            case TargetKind.COMMENT:
                return f"/community/suggestions/{self.suggestion_id}#c-{self.id}"
            case TargetKind.REVIEW:
                return f"/community/products/{self.product_id}/reviews#r-{self.id}"
            case TargetKind.QUESTION:
                return f"/community/campaigns/{self.campaign_id}/questions#q-{self.id}"
        return f"/community/suggestions/{self.id}"

    @property
    def what(self) -> str:
        """Return the item named for a person: "your suggestion “Dark mode”"."""
        match self.kind:
            case TargetKind.COMMENT:
                return f"your comment on “{self.title}”"
            case TargetKind.REVIEW:
                return f"your review of {self.title}"
            case TargetKind.QUESTION:
                return f"your question about “{self.title}”"
        return f"your suggestion “{self.title}”"

    @property
    def context(self) -> str:
        """Return where it was written, for a line that goes on "…, by Ana": "On “Dark
        mode”" (a comment), "A review of Lumi Glow Lamp", "" (a suggestion: its title says)."""
        match self.kind:
            case TargetKind.COMMENT:
                return f"On “{self.title}”"
            case TargetKind.REVIEW:
                return f"A review of {self.title}"
            case TargetKind.QUESTION:
                return f"A question about “{self.title}”"
        return ""


@dataclass
class QueueItem:
    """One reported item with its open reports, as the queue shows it."""

    target: Target
    reports: list[Report]
    first_at: datetime
    reasons: list[tuple[Reason, int]] = field(default_factory=list)
    history: list[ModerationAction] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.reports)


def _kind(kind: str, *, reportable: bool = True) -> TargetKind:
    try:
        found = TargetKind(kind)
    except ValueError:
        found = None
    if found is None or (reportable and found not in REPORTABLE):
        raise InvalidInput.fields(
            [{"field": "target_kind", "message": "is one of " + ", ".join(REPORTABLE)}]
        )
    return found


def _why(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise InvalidInput.fields(
            [{"field": "reason", "message": "is needed: say why, the author reads it"}]
        )
    if len(text) > MAX_WHY:
        raise InvalidInput.fields(
            [{"field": "reason", "message": f"may have at most {MAX_WHY} characters"}]
        )
    return text


def require_moderator(user: User | Any) -> None:
    """Refuse anyone who does not moderate (``PermissionDenied``)."""
    if not moderates(user.role):
        raise PermissionDenied("only the platform team moderates the community")


async def _load(session: AsyncSession, kind: TargetKind, target_id: str) -> Target | None:
    if kind is TargetKind.SUGGESTION:
        s = await session.get(Suggestion, target_id)
        if s is None:
            return None
        return Target(
            kind, s.id, s.author_id, s.title, s.body, s.created_at, s.hidden_at,
            suggestion_id=s.id, board_id=s.board_id,
        )  # fmt: skip
    if kind is TargetKind.COMMENT:
        found = (
            await session.execute(
                select(Comment, Suggestion.title, Suggestion.board_id)
                .join(Suggestion, Suggestion.id == Comment.suggestion_id)
                .where(Comment.id == target_id)
            )
        ).first()
        if found is None:
            return None
        c, title, board_id = found
        return Target(
            kind, c.id, c.author_id, title, c.body, c.created_at, c.hidden_at,
            deleted=c.deleted_at is not None, suggestion_id=c.suggestion_id, board_id=board_id,
        )  # fmt: skip
    if kind is TargetKind.REVIEW:
        review = (
            await session.execute(
                select(Review, Product.name)
                .join(Product, Product.id == Review.product_id)
                .where(Review.id == target_id)
            )
        ).first()
        if review is None:
            return None
        r, name = review
        text = f"**{r.title}** — {r.body}" if r.title and r.body else r.title or r.body
        return Target(
            kind, r.id, r.author_id, name, text, r.created_at, r.hidden_at,
            product_id=r.product_id, stars=r.stars,
        )  # fmt: skip
    if kind is TargetKind.QUESTION:
        question = (
            await session.execute(
                select(Question, Campaign.title)
                .join(Campaign, Campaign.id == Question.campaign_id)
                .where(Question.id == target_id)
            )
        ).first()
        if question is None:
            return None
        q, title = question
        return Target(
            kind, q.id, q.author_id, title, q.body, q.created_at, q.hidden_at,
            campaign_id=q.campaign_id,
        )  # fmt: skip
    return None


async def target(
    session: AsyncSession, kind: str, target_id: str, *, reader: Reader | None = None
) -> Target:
    """Return a reportable item, or ``NotFound`` (also when ``reader`` may not see it)."""
    found = await _load(session, _kind(kind), target_id)
    if found is None or found.deleted:
        raise NotFound(f"no {kind} {target_id!r}")
    if reader is not None:
        if not reader.sees(hidden=found.hidden_at is not None, author_id=found.author_id):
            raise NotFound(f"no {kind} {target_id!r}")
        if found.kind is TargetKind.COMMENT:  # a comment on a hidden suggestion is hidden too
            assert found.suggestion_id is not None
            parent = await _load(session, TargetKind.SUGGESTION, found.suggestion_id)
            assert parent is not None
            if not reader.sees(hidden=parent.hidden_at is not None, author_id=parent.author_id):
                raise NotFound(f"no {kind} {target_id!r}")
        # Reviews and questions are read where their product and campaign are: a withdrawn
        # product's reviews, a campaign not public, are nobody's to report.
        if found.kind is TargetKind.REVIEW:
            assert found.product_id is not None
            await reviews.product(session, found.product_id)
        if found.kind is TargetKind.QUESTION:
            assert found.campaign_id is not None
            user = await session.get(User, reader.user_id) if reader.user_id else None
            await campaigns.visible(session, user=user, campaign_id=found.campaign_id)
    return found


async def report(
    session: AsyncSession,
    *,
    user: User | Any,
    kind: str,
    target_id: str,
    reason: str,
    note: str = "",
    now: datetime,
) -> Report:
    """Report a suggestion, a comment, a review or a question to the moderators, with a
    reason and a note."""
    try:
        why = Reason(reason)
    except ValueError:
        raise InvalidInput.fields(
            [{"field": "reason", "message": "is one of " + ", ".join(Reason)}]
        ) from None
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise InvalidInput.fields(
            [{"field": "note", "message": f"may have at most {MAX_NOTE} characters"}]
        )
    found = await target(session, kind, target_id, reader=Reader.of(user))
    if found.author_id == user.id:
        raise PermissionDenied(f"you cannot report your own {found.kind}")
    if found.hidden_at is not None:
        raise Conflict(f"a moderator has already hidden this {found.kind}")
    row_id = new_id("rep")
    added = await session.execute(
        insert_for(session)(Report)
        .values(
            id=row_id,
            target_kind=str(found.kind),
            target_id=found.id,
            reporter_id=user.id,
            reason=str(why),
            note=note,
            created_at=now,
        )
        .on_conflict_do_nothing(
            index_elements=["target_kind", "target_id", "reporter_id"],
            index_where=Report.resolved_at.is_(None),
        )
    )
    if added.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            f"you have already reported this {found.kind}; a moderator will look at it soon"
        )
    row = await session.get(Report, row_id)
    assert row is not None
    record(session, ItemReported(target_kind=str(found.kind), target_id=found.id))
    return row


async def reported(
    session: AsyncSession, *, user_id: str | None, kind: TargetKind, ids: list[str]
) -> set[str]:
    """Return which of these items the person has an open report on."""
    if not user_id or not ids:
        return set()
    return set(
        await session.scalars(
            select(Report.target_id).where(
                Report.reporter_id == user_id,
                Report.target_kind == str(kind),
                Report.target_id.in_(ids),
                Report.resolved_at.is_(None),
            )
        )
    )


def _reasons(rows: list[Report]) -> list[tuple[Reason, int]]:
    counted = Counter(Reason(r.reason) for r in rows)
    return sorted(counted.items(), key=lambda kv: (-kv[1], list(Reason).index(kv[0])))


async def history(session: AsyncSession, kind: str, target_id: str) -> list[ModerationAction]:
    """Return the moderators' actions on an item (or a person), oldest first."""
    return list(
        await session.scalars(
            select(ModerationAction)
            .where(ModerationAction.target_kind == kind, ModerationAction.target_id == target_id)
            .order_by(ModerationAction.at, ModerationAction.id)
        )
    )


async def queue(session: AsyncSession, *, limit: int = QUEUE_SIZE) -> tuple[list[QueueItem], int]:
    """Return the reported items waiting for a moderator, the first reported first, and how
    many items wait in all."""
    waiting = (
        select(
            Report.target_kind,
            Report.target_id,
            func.min(Report.created_at).label("first_at"),
        )
        .where(Report.resolved_at.is_(None))
        .group_by(Report.target_kind, Report.target_id)
    )
    total = int(await session.scalar(select(func.count()).select_from(waiting.subquery())) or 0)
    rows = (
        await session.execute(
            waiting.order_by(func.min(Report.created_at), Report.target_id).limit(limit)
        )
    ).all()
    items = []
    for kind, target_id, first_at in rows:
        found = await _load(session, TargetKind(kind), target_id)
        if found is None:  # the item was deleted with its account or board
            continue
        reports = list(
            await session.scalars(
                select(Report)
                .where(
                    Report.target_kind == kind,
                    Report.target_id == target_id,
                    Report.resolved_at.is_(None),
                )
                .order_by(Report.created_at, Report.id)
            )
        )
        items.append(
            QueueItem(
                found,
                reports,
                first_at,
                _reasons(reports),
                await history(session, kind, target_id),
            )
        )
    return items, total


async def item(session: AsyncSession, kind: str, target_id: str) -> QueueItem:
    """Return an item with its open reports and its moderation history, for moderators."""
    found = await _load(session, _kind(kind), target_id)
    if found is None:
        raise NotFound(f"no {kind} {target_id!r}")
    reports = list(
        await session.scalars(
            select(Report)
            .where(
                Report.target_kind == str(found.kind),
                Report.target_id == found.id,
                Report.resolved_at.is_(None),
            )
            .order_by(Report.created_at, Report.id)
        )
    )
    return QueueItem(
        found,
        reports,
        reports[0].created_at if reports else found.created_at,
        _reasons(reports),
        await history(session, str(found.kind), found.id),
    )


async def _act(
    session: AsyncSession,
    *,
    action: Action,
    kind: TargetKind,
    target_id: str,
    subject_id: str | None,
    actor: User | Any,
    reason: str,
    now: datetime,
    until: datetime | None = None,
) -> ModerationAction:
    row = ModerationAction(
        action=str(action),
        target_kind=str(kind),
        target_id=target_id,
        subject_id=subject_id,
        actor_id=actor.id,
        reason=reason,
        reports=0,
        until=until,
        at=now,
    )
    session.add(row)
    await session.flush()
    if kind in REPORTABLE and action in (Action.HIDE, Action.DISMISS):
        resolved = await session.execute(
            update(Report)
            .where(
                Report.target_kind == str(kind),
                Report.target_id == target_id,
                Report.resolved_at.is_(None),
            )
            .values(resolved_at=now, action_id=row.id)
            .execution_options(synchronize_session=False)
        )
        row.reports = int(resolved.rowcount)  # type: ignore[attr-defined]
        await session.flush()
    record(session, ModeratorActed(action=str(action), target_kind=str(kind), target_id=target_id))
    return row


async def _tell(
    session: AsyncSession, user_id: str | None, *, kind: str, title: str, body: str, link: str,
    now: datetime,
) -> None:  # fmt: skip
    if not user_id:
        return
    sent = await notifications.notify(
        session,
        user_ids=[user_id],
        kind=kind,
        title=title[:200],
        body=prose.plain(body, limit=300),
        link=link,
        now=now,
    )
    if sent:
        record(session, NotificationsSent(user_ids=[user_id]))


MODELS: dict[TargetKind, Any] = {
    TargetKind.SUGGESTION: Suggestion,
    TargetKind.COMMENT: Comment,
    TargetKind.REVIEW: Review,
    TargetKind.QUESTION: Question,
}


async def _set_hidden(session: AsyncSession, found: Target, *, hide: bool, now: datetime) -> bool:
    """Hide or restore an item and move the counters it counts in; False: it already was."""
    model = MODELS[found.kind]
    condition = model.hidden_at.is_(None) if hide else model.hidden_at.is_not(None)
    # Read under the row's lock: a comment's deletion (a deleted one is counted nowhere), a
    # review's stars (an edit at the same moment moves the counters it sees).
    returned = {Comment: Comment.deleted_at, Review: Review.stars}.get(model, model.hidden_at)
    moved = await session.execute(
        update(model)
        .where(model.id == found.id, condition)
        .values(hidden_at=now if hide else None)
        .returning(returned)
        .execution_options(synchronize_session=False)
    )
    rows = moved.all()
    if not rows:
        return False
    step = -1 if hide else +1
    if found.kind is TargetKind.QUESTION:  # counted when listed, no counter to move
        return True
    if found.kind is TargetKind.REVIEW:  # a hidden review leaves its product's rating
        assert found.product_id is not None
        await reviews.move_rating(session, found.product_id, {int(rows[0][0]): step})
        return True
    if found.kind is TargetKind.SUGGESTION:
        await session.execute(
            update(Board)
            .where(Board.id == found.board_id)
            .values(suggestion_count=Board.suggestion_count + step)
            .execution_options(synchronize_session=False)
        )
    elif rows[0][0] is None:
        await session.execute(
            update(Suggestion)
            .where(Suggestion.id == found.suggestion_id)
            .values(comment_count=Suggestion.comment_count + step)
            .execution_options(synchronize_session=False)
        )
    return True


async def _move(
    session: AsyncSession,
    *,
    hide: bool,
    moderator: User | Any,
    kind: str,
    target_id: str,
    reason: str,
    now: datetime,
) -> ModerationAction:
    """Hide (or restore) an item with a reason, record it and tell its author."""
    require_moderator(moderator)
    why = _why(reason)
    found = await target(session, kind, target_id)
    if not await _set_hidden(session, found, hide=hide, now=now):
        raise Conflict(f"this {found.kind} is {'hidden already' if hide else 'not hidden'}")
    row = await _act(
        session, action=Action.HIDE if hide else Action.RESTORE, kind=found.kind,
        target_id=found.id, subject_id=found.author_id, actor=moderator, reason=why, now=now,
    )  # fmt: skip
    notice = "community.moderation.hidden" if hide else "community.moderation.restored"
    await _tell(
        session, found.author_id, kind=notice,
        title=f"A moderator {'hid' if hide else 'restored'} {found.what}", body=why,
        link=found.link, now=now,
    )  # fmt: skip
    return row


async def hide(
    session: AsyncSession,
    *,
    moderator: User | Any,
    kind: str,
    target_id: str,
    reason: str,
    now: datetime,
) -> ModerationAction:
    """Hide an item with a reason: only its author and moderators see it from now on; its
    open reports are resolved and its author is told why."""
    return await _move(
        session, hide=True, moderator=moderator, kind=kind, target_id=target_id,
        reason=reason, now=now,
    )  # fmt: skip


async def restore(
    session: AsyncSession,
    *,
    moderator: User | Any,
    kind: str,
    target_id: str,
    reason: str,
    now: datetime,
) -> ModerationAction:
    """Bring a hidden item back for everyone, with a reason; its author is told."""
    return await _move(
        session, hide=False, moderator=moderator, kind=kind, target_id=target_id,
        reason=reason, now=now,
    )  # fmt: skip


async def dismiss(
    session: AsyncSession,
    *,
    moderator: User | Any,
    kind: str,
    target_id: str,
    reason: str,
    now: datetime,
) -> ModerationAction:
    """Dismiss an item's open reports with a reason: it stays as it is and leaves the queue."""
    require_moderator(moderator)
    why = _why(reason)
    found = await target(session, kind, target_id)
    row = await _act(
        session, action=Action.DISMISS, kind=found.kind, target_id=found.id,
        subject_id=found.author_id, actor=moderator, reason=why, now=now,
    )  # fmt: skip
    if row.reports == 0:
        raise Conflict(f"this {found.kind} has no open reports to dismiss")
    return row


async def mute(
    session: AsyncSession,
    *,
    moderator: User | Any,
    user_id: str,
    reason: str,
    now: datetime,
    hours: int | None = None,
    until: datetime | None = None,
) -> Mute:
    """Mute a person for ``hours`` or ``until`` a moment (1 hour to 30 days), with a reason:
    they may read and vote but not post. A mute in force is replaced. They are told."""
    require_moderator(moderator)
    problems = []
    end, wrong = mute_end(now, hours=hours, until=until)
    if wrong:
        problems.append({"field": "until", "message": wrong})
    why = reason.strip()
    if not why:
        problems.append({"field": "reason", "message": "is needed: say why, they read it"})
    elif len(why) > MAX_WHY:
        problems.append({"field": "reason", "message": f"may have at most {MAX_WHY} characters"})
    if problems:
        raise InvalidInput.fields(problems)
    assert end is not None
    person = await session.get(User, user_id)
    if person is None:
        raise NotFound(f"no person {user_id!r}")
    if moderates(person.role):
        raise Conflict("the platform team's accounts cannot be muted")
    await session.execute(
        update(Mute)
        .where(Mute.user_id == person.id, Mute.lifted_at.is_(None), Mute.until > now)
        .values(lifted_at=now)
        .execution_options(synchronize_session=False)
    )
    row = Mute(user_id=person.id, until=end, reason=why, actor_id=moderator.id, created_at=now)
    session.add(row)
    await session.flush()
    await _act(
        session, action=Action.MUTE, kind=TargetKind.PERSON, target_id=person.id,
        subject_id=person.id, actor=moderator, reason=why, until=end, now=now,
    )  # fmt: skip
    await _tell(
        session, person.id, kind="community.moderation.muted",
        title="A moderator muted you in the community: you can read and vote, not post",
        body=why, link="/community", now=now,
    )  # fmt: skip
    return row


async def unmute(
    session: AsyncSession, *, moderator: User | Any, mute_id: str, reason: str, now: datetime
) -> Mute:
    """Lift a mute before it ends, with a reason; the person is told."""
    require_moderator(moderator)
    why = _why(reason)
    row = await session.get(Mute, mute_id)
    if row is None:
        raise NotFound(f"no mute {mute_id!r}")
    lifted = await session.execute(
        update(Mute)
        .where(Mute.id == row.id, Mute.lifted_at.is_(None), Mute.until > now)
        .values(lifted_at=now)
        .execution_options(synchronize_session=False)
    )
    if lifted.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("this mute has ended already")
    await session.refresh(row)
    await _act(
        session, action=Action.UNMUTE, kind=TargetKind.PERSON, target_id=row.user_id,
        subject_id=row.user_id, actor=moderator, reason=why, now=now,
    )  # fmt: skip
    await _tell(
        session, row.user_id, kind="community.moderation.unmuted",
        title="A moderator lifted your mute: you can post in the community again",
        body=why, link="/community", now=now,
    )  # fmt: skip
    return row


async def mutes(session: AsyncSession, *, now: datetime) -> list[Mute]:
    """Return the mutes in force, the one ending first first."""
    return list(
        await session.scalars(
            select(Mute)
            .where(Mute.lifted_at.is_(None), Mute.until > now)
            .order_by(Mute.until, Mute.id)
        )
    )


async def log(session: AsyncSession, *, limit: int = 30) -> list[ModerationAction]:
    """Return the moderators' latest actions, newest first."""
    return list(
        await session.scalars(
            select(ModerationAction)
            .order_by(ModerationAction.at.desc(), ModerationAction.id.desc())
            .limit(limit)
        )
    )


async def hidden_items(session: AsyncSession, *, limit: int = 30) -> list[Target]:
    """Return what is hidden now, the latest hidden first, for moderators to restore."""
    found: list[Target] = []
    for kind in REPORTABLE:
        model = MODELS[kind]
        statement = select(model.id).where(model.hidden_at.is_not(None))
        if model is Comment:
            statement = statement.where(Comment.deleted_at.is_(None))
        for item_id in await session.scalars(
            statement.order_by(model.hidden_at.desc()).limit(limit)
        ):
            loaded = await _load(session, kind, item_id)
            if loaded is not None:
                found.append(loaded)
    found.sort(key=lambda t: t.hidden_at or t.created_at, reverse=True)
    return found[:limit]


async def hidden_reasons(
    session: AsyncSession, kind: TargetKind, ids: list[str]
) -> dict[str, ModerationAction]:
    """Return the latest hiding of each of these items (those hidden now), by item id."""
    if not ids:
        return {}
    rows = await session.scalars(
        select(ModerationAction)
        .where(
            ModerationAction.action == str(Action.HIDE),
            ModerationAction.target_kind == str(kind),
            ModerationAction.target_id.in_(ids),
        )
        .order_by(ModerationAction.at, ModerationAction.id)
    )
    return {row.target_id: row for row in rows}


def title_of(kind: TargetKind, found: Target) -> str:
    """Return a line naming an item in the queue: a suggestion's title, the first words of
    a comment, a review (with its stars) or a question."""
    if kind is TargetKind.SUGGESTION:
        return found.title
    words = tidy(prose.plain(found.text, limit=140)) or "(no words left)"
    if kind is TargetKind.REVIEW:
        return f"{found.stars} ★: {words}"
    return words


@dataclass
class Notes:
    """What a page shows of moderation to one reader: why the suggestion, its comments, the
    reviews or the questions on it are hidden (to their authors and moderators), what the
    reader reported, and whether they moderate (then each item links to its page in the
    queue)."""

    moderator: bool = False
    hidden: ModerationAction | None = None  # the suggestion's hiding, when hidden
    items: dict[str, ModerationAction] = field(default_factory=dict)  # hidden ones, by id
    reported: set[str] = field(default_factory=set)  # ids of items the reader reported


async def notes(
    session: AsyncSession, *, reader: Reader, suggestion: Suggestion, comment_ids: list[str]
) -> Notes:
    """Return what the page of ``suggestion`` (with these comments) shows ``reader``."""
    found = Notes(moderator=reader.moderator)
    if suggestion.hidden_at is not None:
        hid = await hidden_reasons(session, TargetKind.SUGGESTION, [suggestion.id])
        found.hidden = hid.get(suggestion.id)
    hidden_comments = list(
        await session.scalars(
            select(Comment.id).where(Comment.id.in_(comment_ids), Comment.hidden_at.is_not(None))
        )
    ) if comment_ids else []  # fmt: skip
    found.items = await hidden_reasons(session, TargetKind.COMMENT, hidden_comments)
    found.reported = await reported(
        session, user_id=reader.user_id, kind=TargetKind.SUGGESTION, ids=[suggestion.id]
    ) | await reported(
        session, user_id=reader.user_id, kind=TargetKind.COMMENT, ids=comment_ids
    )  # fmt: skip
    return found


async def list_notes(
    session: AsyncSession, *, reader: Reader, kind: TargetKind, items: list[Review] | list[Question]
) -> Notes:
    """Return what a list of reviews or questions shows ``reader`` of moderation: why the
    hidden ones are hidden, which the reader reported, and whether they moderate."""
    hidden = [i.id for i in items if i.hidden_at is not None]
    return Notes(
        moderator=reader.moderator,
        items=await hidden_reasons(session, kind, hidden),
        reported=await reported(
            session, user_id=reader.user_id, kind=kind, ids=[i.id for i in items]
        ),
    )


async def seed_demo(session: AsyncSession, *, moderator: User, now: datetime) -> None:
    """Give the demo's queue one reported comment waiting, and one comment a moderator hid
    after a report, with its audit (on hearth's most voted suggestion; needs the demo's
    backers)."""
    people = {
        u.username: u
        for u in await session.scalars(
            select(User).where(User.username.in_(["backer2", "backer3", "backer4", "backer7"]))
        )
    }
    top = await session.scalar(
        select(Suggestion)
        .where(Suggestion.board_id == "hearth")
        .order_by(Suggestion.vote_count.desc(), Suggestion.id)
        .limit(1)
    )
    if top is None or len(people) < 4:
        return
    spam = await comments.post(
        session, user=people["backer7"], suggestion_id=top.id,
        body="Cheap smart plugs, 90% off today only at deals.example!",
        now=now - timedelta(hours=5),
    )  # fmt: skip
    for name, reason, note in (
        ("backer2", Reason.SPAM, "An advert, nothing to do with dark mode."),
        ("backer3", Reason.SPAM, ""),
    ):
        await report(
            session, user=people[name], kind=TargetKind.COMMENT, target_id=spam.id, reason=reason,
            note=note, now=now - timedelta(hours=4),
        )  # fmt: skip
    leaked = await comments.post(
        session, user=people["backer4"], suggestion_id=top.id,
        body="My neighbour Li Wei at 12 Long Street never turns his lights off, tell him!",
        now=now - timedelta(days=1),
    )  # fmt: skip
    await report(
        session, user=people["backer2"], kind=TargetKind.COMMENT, target_id=leaked.id,
        reason=Reason.PERSONAL_DATA, note="Names a neighbour and his address.",
        now=now - timedelta(hours=20),
    )  # fmt: skip
    await hide(
        session, moderator=moderator, kind=TargetKind.COMMENT, target_id=leaked.id,
        reason="It names a neighbour and where he lives: we keep people's details private.",
        now=now - timedelta(hours=18),
    )  # fmt: skip
