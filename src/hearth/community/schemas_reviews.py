"""Requests and answers of reviews and campaign questions (Markdown comes back as written and
rendered safe, as everywhere in the community)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hearth.community.models import Question, Review
from hearth.community.review_rules import (
    CHANNEL_LABELS,
    MAX_QUESTION,
    MAX_REPLY,
    MAX_REVIEW_BODY,
    MAX_REVIEW_TITLE,
    Figures,
)
from hearth.community.schemas import text
from hearth.kit import prose
from hearth.kit.text import NAME_PATTERN


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StarBarOut(BaseModel):
    stars: int = Field(ge=1, le=5)
    reviews: int
    percent: int = Field(description="the share of the reviews giving these stars")


class RatingOut(BaseModel):
    """A product's rating, from its counters."""

    product_id: str
    count: int
    average: float | None = Field(description="the mean of the stars, to one decimal")
    positive: int | None = Field(description="percent of reviews with 4 or 5 stars")
    bars: list[StarBarOut] = Field(description="five stars first")

    @classmethod
    def of(cls, product_id: str, shown: Figures) -> Self:
        return cls(
            product_id=product_id,
            count=shown.count,
            average=float(shown.average) if shown.average is not None else None,
            positive=shown.positive,
            bars=[StarBarOut(stars=s, reviews=n, percent=p) for s, n, p in shown.bars()],
        )


class ReplyOut(BaseModel):
    """The partner's public answer."""

    answer: str = Field(description="Markdown, as written")
    answer_html: str
    by: str
    answered_at: datetime
    edited_at: datetime | None


class ReviewIn(_In):
    stars: int = Field(ge=1, le=5)
    title: Annotated[
        str,
        Field(max_length=MAX_REVIEW_TITLE, json_schema_extra={"pattern": f"^$|{NAME_PATTERN}"}),
    ] = Field(default="", description="optional; nothing unreadable")
    body: Annotated[str, StringConstraints(max_length=MAX_REVIEW_BODY)] = Field(
        default="", description="Markdown"
    )


class ReviewOut(BaseModel):
    id: str
    product_id: str
    stars: int
    title: str
    body: str = Field(description="Markdown, as written")
    body_html: str
    author: str = Field(description="the reviewer's display name (empty: account deleted)")
    verified: bool = Field(description="always true: only buyers of a delivered order review")
    channel: str = Field(description="crowdfunding (backed) or sale (bought)")
    channel_label: str
    created_at: datetime
    edited_at: datetime | None
    reply: ReplyOut | None = Field(description="the partner's public answer")
    hidden: bool = Field(description="a moderator hid it: only its author and moderators see it")

    @classmethod
    def of(cls, row: Review, *, names: dict[str, str]) -> Self:
        reply = None
        if row.answer is not None and row.answered_at is not None:
            reply = ReplyOut(
                answer=row.answer,
                answer_html=prose.render(row.answer),
                by=names.get(row.answer_by or "", ""),
                answered_at=row.answered_at,
                edited_at=row.answer_edited_at,
            )
        return cls(
            id=row.id,
            product_id=row.product_id,
            stars=row.stars,
            title=row.title,
            body=row.body,
            body_html=prose.render(row.body),
            author=names.get(row.author_id or "", ""),
            verified=True,
            channel=row.channel,
            channel_label=CHANNEL_LABELS.get(row.channel, row.channel),
            created_at=row.created_at,
            edited_at=row.edited_at,
            reply=reply,
            hidden=row.hidden_at is not None,
        )


class ReviewPageOut(BaseModel):
    rating: RatingOut
    items: list[ReviewOut]
    total: int
    page: int
    pages: int


class ReplyIn(_In):
    answer: Annotated[str, text(MAX_REPLY)] = Field(description="Markdown, shown with the badge")


class QuestionIn(_In):
    question: Annotated[str, text(MAX_QUESTION)] = Field(description="Markdown")


class QuestionOut(BaseModel):
    id: str
    campaign_id: str
    question: str
    question_html: str
    author: str
    backer: bool = Field(description="the asker had pledged for the campaign")
    created_at: datetime
    reply: ReplyOut | None
    hidden: bool = Field(description="a moderator hid it: only its author and moderators see it")

    @classmethod
    def of(cls, row: Question, *, names: dict[str, str]) -> Self:
        reply = None
        if row.answer is not None and row.answered_at is not None:
            reply = ReplyOut(
                answer=row.answer,
                answer_html=prose.render(row.answer),
                by=names.get(row.answer_by or "", ""),
                answered_at=row.answered_at,
                edited_at=row.answer_edited_at,
            )
        return cls(
            id=row.id,
            campaign_id=row.campaign_id,
            question=row.body,
            question_html=prose.render(row.body),
            author=names.get(row.author_id or "", ""),
            backer=row.backer,
            created_at=row.created_at,
            reply=reply,
            hidden=row.hidden_at is not None,
        )


class QuestionsOut(BaseModel):
    items: list[QuestionOut] = Field(description="answered first, newest first within each")
    total: int
    answered: int


# -- forms (loose bounds: the services name what is wrong, and the form is shown again) ----


class ReviewForm(BaseModel):
    stars: str = Field(default="", max_length=20)
    title: str = Field(default="", max_length=MAX_REVIEW_TITLE * 4)
    body: str = Field(default="", max_length=MAX_REVIEW_BODY * 2)


class ReplyForm(BaseModel):
    answer: str = Field(default="", max_length=MAX_REPLY * 2)
    next: str = Field(default="", max_length=500)


class QuestionForm(BaseModel):
    question: str = Field(default="", max_length=MAX_QUESTION * 4)
    next: str = Field(default="", max_length=500)
