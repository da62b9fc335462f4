"""Requests and answers of community moderation: reports, the queue, moderators' actions
and mutes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hearth.community.models import ModerationAction, Mute, Report
from hearth.community.moderation import QueueItem, Target, title_of
from hearth.community.moderation_rules import (
    MAX_NOTE,
    MAX_WHY,
    REASON_LABELS,
    REPORTABLE,
    Action,
    Reason,
    TargetKind,
)
from hearth.community.schemas import text
from hearth.kit import prose
from hearth.kit.timebounds import AwareBoundedDatetime

KIND_PATTERN = "^(" + "|".join(REPORTABLE) + ")$"
Id = Annotated[str, StringConstraints(min_length=1, max_length=32)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReportIn(_In):
    target_kind: Annotated[
        str, Field(pattern=KIND_PATTERN, description="suggestion, comment, review or question")
    ]
    target_id: Id
    reason: Reason
    note: Annotated[str, StringConstraints(max_length=MAX_NOTE)] = Field(
        default="", description="what the moderators should know"
    )


class ReportOut(BaseModel):
    id: str
    target_kind: TargetKind
    target_id: str
    reason: Reason
    note: str
    created_at: datetime

    @classmethod
    def of(cls, row: Report) -> Self:
        return cls(
            id=row.id,
            target_kind=TargetKind(row.target_kind),
            target_id=row.target_id,
            reason=Reason(row.reason),
            note=row.note,
            created_at=row.created_at,
        )


class ReportLineOut(BaseModel):
    """One open report as moderators read it."""

    id: str
    reason: Reason
    note: str
    by: str = Field(description="the reporter's display name")
    at: datetime

    @classmethod
    def of(cls, row: Report, *, names: dict[str, str]) -> Self:
        return cls(
            id=row.id,
            reason=Reason(row.reason),
            note=row.note,
            by=names.get(row.reporter_id, ""),
            at=row.created_at,
        )


class ReasonCountOut(BaseModel):
    reason: Reason
    label: str
    count: int


class TargetOut(BaseModel):
    kind: TargetKind
    id: str
    title: str = Field(
        description="a suggestion's title; a comment's, a question's first words; a review's "
        "stars and first words"
    )
    text: str = Field(description="the words as written (Markdown)")
    text_html: str
    author: str
    author_id: str | None
    suggestion_id: str | None = Field(description="a suggestion's own, a comment's")
    board_id: str | None = Field(description="of a suggestion or a comment")
    product_id: str | None = Field(description="the product a review is of")
    campaign_id: str | None = Field(description="the campaign a question is about")
    link: str
    hidden: bool
    created_at: datetime

    @classmethod
    def of(cls, found: Target, *, names: dict[str, str]) -> Self:
        return cls(
            kind=found.kind,
            id=found.id,
            title=title_of(found.kind, found),
            text=found.text,
            text_html=prose.render(found.text),
            author=names.get(found.author_id or "", ""),
            author_id=found.author_id,
            suggestion_id=found.suggestion_id,
            board_id=found.board_id,
            product_id=found.product_id,
            campaign_id=found.campaign_id,
            link=found.link,
            hidden=found.hidden_at is not None,
            created_at=found.created_at,
        )


class ActionOut(BaseModel):
    """One moderator's action: the audit trail."""

    id: str
    action: Action
    target_kind: TargetKind
    target_id: str
    subject: str = Field(description="the person it concerns (an author, the one muted)")
    by: str = Field(description="the moderator")
    reason: str
    reports: int = Field(description="open reports it resolved")
    until: datetime | None = Field(description="when a mute ends")
    at: datetime

    @classmethod
    def of(cls, row: ModerationAction, *, names: dict[str, str]) -> Self:
        return cls(
            id=row.id,
            action=Action(row.action),
            target_kind=TargetKind(row.target_kind),
            target_id=row.target_id,
            subject=names.get(row.subject_id or "", ""),
            by=names.get(row.actor_id or "", ""),
            reason=row.reason,
            reports=row.reports,
            until=row.until,
            at=row.at,
        )


class QueueItemOut(BaseModel):
    target: TargetOut
    report_count: int
    first_reported_at: datetime
    reasons: list[ReasonCountOut]
    reports: list[ReportLineOut]
    history: list[ActionOut]

    @classmethod
    def of(cls, item: QueueItem, *, names: dict[str, str]) -> Self:
        return cls(
            target=TargetOut.of(item.target, names=names),
            report_count=item.count,
            first_reported_at=item.first_at,
            reasons=[
                ReasonCountOut(reason=r, label=REASON_LABELS[r], count=n) for r, n in item.reasons
            ],
            reports=[ReportLineOut.of(r, names=names) for r in item.reports],
            history=[ActionOut.of(a, names=names) for a in item.history],
        )


class QueueOut(BaseModel):
    items: list[QueueItemOut] = Field(description="reported items, the first reported first")
    total: int = Field(description="items waiting in all")


class ModerateIn(_In):
    reason: Annotated[str, text(MAX_WHY)] = Field(
        description="why: the audit keeps it and the author reads it"
    )


class MuteIn(_In):
    user_id: Id
    reason: Annotated[str, text(MAX_WHY)]
    hours: Annotated[int | None, Field(ge=1, le=720)] = Field(
        default=None, description="how long, 1 hour to 30 days; or give until"
    )
    until: AwareBoundedDatetime | None = Field(
        default=None, description="when it ends; or give hours"
    )


class UnmuteIn(_In):
    reason: Annotated[str, text(MAX_WHY)]


class MuteOut(BaseModel):
    id: str
    user_id: str
    person: str
    until: datetime
    reason: str
    by: str
    created_at: datetime
    lifted_at: datetime | None

    @classmethod
    def of(cls, row: Mute, *, names: dict[str, str]) -> Self:
        return cls(
            id=row.id,
            user_id=row.user_id,
            person=names.get(row.user_id, ""),
            until=row.until,
            reason=row.reason,
            by=names.get(row.actor_id or "", ""),
            created_at=row.created_at,
            lifted_at=row.lifted_at,
        )


# -- forms (loose bounds: the services name what is wrong, and the form is shown again) ----


class ReportForm(BaseModel):
    reason: str = Field(default="", max_length=200)
    note: str = Field(default="", max_length=MAX_NOTE * 2)


class ModerateForm(BaseModel):
    reason: str = Field(default="", max_length=MAX_WHY * 2)
    back: str = Field(default="", max_length=20)


class MuteForm(BaseModel):
    reason: str = Field(default="", max_length=MAX_WHY * 2)
    hours: str = Field(default="", max_length=10)
    until: str = Field(default="", max_length=40)
