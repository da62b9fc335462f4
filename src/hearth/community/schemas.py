"""Requests and answers of the fan community: boards, suggestions, votes, answers, comments.

Markdown comes back twice: as written (``body``) and rendered safe (``body_html``, by
``hearth.kit.prose``), so a client never renders it itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hearth.community.boards import BoardView
from hearth.community.comments import Thread
from hearth.community.duplicates import Match
from hearth.community.models import Answer, Comment, Suggestion
from hearth.community.rules import (
    CATEGORIES,
    MAX_ANSWER,
    MAX_BODY,
    MAX_COMMENT,
    MAX_TITLE,
    BoardKind,
    Status,
)
from hearth.community.schemas_releases import ShippedInOut, SuggestionImageOut
from hearth.kit import prose
from hearth.kit.text import NAME_PATTERN, SPACES

Id = Annotated[str, StringConstraints(min_length=1, max_length=32)]


def text(limit: int) -> Any:
    """Return the bounds of a text people write: 1 to ``limit`` characters, something besides
    spaces (the services trim, then refuse what is left empty)."""
    return Field(max_length=limit, min_length=1, json_schema_extra={"pattern": rf"[^{SPACES}]"})


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CategoryOut(BaseModel):
    key: str
    label: str


class BoardOut(BaseModel):
    """A board: hearth's own (id ``hearth``) or an approved product's (id: the product's)."""

    id: str
    kind: BoardKind
    title: str
    about: str
    answered_by: str = Field(description="who gives the board's official answers")
    product_id: str | None
    partner_id: str | None
    suggestion_count: int
    owned: bool = Field(description="a device of this product is in one of your homes")
    backed: bool = Field(description="you pledged for or bought this product")
    categories: list[CategoryOut]

    @classmethod
    def of(cls, view: BoardView) -> Self:
        return cls(
            id=view.id,
            kind=view.kind,
            title=view.title,
            about=view.about,
            answered_by=view.partner_name,
            product_id=view.product_id,
            partner_id=view.partner_id,
            suggestion_count=view.suggestion_count,
            owned=view.owned,
            backed=view.backed,
            categories=[CategoryOut(key=k, label=v) for k, v in CATEGORIES[view.kind]],
        )


class SuggestionIn(_In):
    title: Annotated[
        str, Field(min_length=1, max_length=MAX_TITLE, json_schema_extra={"pattern": NAME_PATTERN})
    ]
    body: Annotated[str, StringConstraints(max_length=MAX_BODY)] = Field(
        default="", description="Markdown"
    )
    category: Annotated[str, StringConstraints(min_length=1, max_length=24)]
    confirm_distinct: bool = Field(
        default=False,
        description="post even though the title is near-identical to an existing suggestion "
        "(the first try answers 409 naming it)",
    )


class SuggestionOut(BaseModel):
    id: str
    board_id: str
    title: str
    body: str = Field(description="Markdown, as written")
    body_html: str = Field(description="the body rendered and sanitised")
    category: str
    status: Status
    author: str = Field(description="the author's display name (empty: account deleted)")
    votes: int
    comments: int
    voted: bool = Field(description="you voted for it")
    created_at: datetime
    answered_at: datetime | None
    merged_into_id: str | None
    hidden: bool = Field(
        default=False, description="a moderator hid it: only you (its author) and moderators see it"
    )

    @classmethod
    def of(cls, row: Suggestion, *, names: dict[str, str], voted: bool) -> Self:
        return cls(
            id=row.id,
            board_id=row.board_id,
            title=row.title,
            body=row.body,
            body_html=prose.render(row.body),
            category=row.category,
            status=Status(row.status),
            author=names.get(row.author_id or "", ""),
            votes=row.vote_count,
            comments=row.comment_count,
            voted=voted,
            created_at=row.created_at,
            answered_at=row.answered_at,
            merged_into_id=row.merged_into_id,
            hidden=row.hidden_at is not None,
        )


class SuggestionPageOut(BaseModel):
    items: list[SuggestionOut]
    total: int
    page: int
    pages: int


class AnswerIn(_In):
    status: Status
    answer: Annotated[str, text(MAX_ANSWER)] = Field(
        description="Markdown: the public answer shown with the official badge"
    )


class AnswerOut(BaseModel):
    id: str
    from_status: Status
    to_status: Status
    answer: str
    answer_html: str
    by: str
    at: datetime

    @classmethod
    def of(cls, row: Answer, *, names: dict[str, str]) -> Self:
        return cls(
            id=row.id,
            from_status=Status(row.from_status),
            to_status=Status(row.to_status),
            answer=row.body,
            answer_html=prose.render(row.body),
            by=names.get(row.actor_id or "", ""),
            at=row.at,
        )


class CommentIn(_In):
    body: Annotated[str, text(MAX_COMMENT)]
    parent_id: Id | None = Field(default=None, description="the comment this replies to")


class CommentEditIn(_In):
    body: Annotated[str, text(MAX_COMMENT)]


class CommentOut(BaseModel):
    id: str
    parent_id: str | None
    author: str
    body: str
    body_html: str
    official: bool = Field(description="the author speaks for the board's owner")
    deleted: bool
    created_at: datetime
    edited_at: datetime | None
    replies: list[CommentOut] = Field(default_factory=list)
    hidden: bool = Field(
        default=False,
        description="a moderator hid it: its words reach only its author and moderators",
    )

    @classmethod
    def of(
        cls,
        row: Comment,
        *,
        names: dict[str, str],
        replies: Sequence[Comment] = (),
        masked: bool = False,
    ) -> Self:
        gone = row.deleted_at is not None or masked  # no words, no author
        return cls(
            id=row.id,
            parent_id=row.parent_id,
            author="" if gone else names.get(row.author_id or "", ""),
            body="" if gone else row.body,
            body_html="" if gone else prose.render(row.body),
            official=row.official,
            deleted=row.deleted_at is not None,
            created_at=row.created_at,
            edited_at=row.edited_at,
            replies=[cls.of(r, names=names) for r in replies],
            hidden=row.hidden_at is not None,
        )

    @classmethod
    def thread(cls, thread: Thread, *, names: dict[str, str]) -> Self:
        return cls.of(thread.comment, names=names, replies=thread.replies, masked=thread.masked)


class SuggestionDetailOut(BaseModel):
    suggestion: SuggestionOut
    board: BoardOut
    following: bool
    history: list[AnswerOut] = Field(description="status moves with their public answers")
    comments: list[CommentOut]
    # images and release notes (``schemas_releases``)
    images: list[SuggestionImageOut] = Field(default_factory=list)
    shipped_in: ShippedInOut | None = Field(
        default=None, description="the release note it shipped in, if it is done by one"
    )


class VoteOut(BaseModel):
    voted: bool
    votes: int


class FollowOut(BaseModel):
    following: bool


# -- forms (loose bounds: the services name what is wrong, and the form is shown again) ----


class SuggestionForm(BaseModel):
    title: str = Field(default="", max_length=2000)
    body: str = Field(default="", max_length=MAX_BODY * 2)
    category: str = Field(default="", max_length=200)
    confirm_distinct: str = Field(default="", max_length=8)  # "yes": post it anyway


class AnswerForm(BaseModel):
    status: str = Field(default="", max_length=200)
    answer: str = Field(default="", max_length=MAX_ANSWER * 2)


class CommentForm(BaseModel):
    body: str = Field(default="", max_length=MAX_COMMENT * 2)
    parent_id: str = Field(default="", max_length=200)


# -- duplicates: similar suggestions and merging (``community.duplicates``) ----------------


class SimilarOut(BaseModel):
    """An existing suggestion like the title being typed."""

    id: str
    title: str
    status: Status
    votes: int
    voted: bool = Field(description="you voted for it")
    score: float = Field(description="how alike the titles are, 0-100 (RapidFuzz)")
    url: str

    @classmethod
    def of(cls, match: Match, *, voted: bool) -> Self:
        row = match.suggestion
        return cls(
            id=row.id,
            title=row.title,
            status=Status(row.status),
            votes=row.vote_count,
            voted=voted,
            score=round(match.score, 1),
            url=f"/community/suggestions/{row.id}",
        )


class MergeIn(_In):
    into_id: Id = Field(description="the suggestion this one repeats, on the same board")
    answer: Annotated[str, StringConstraints(max_length=MAX_ANSWER)] = Field(
        default="",
        description="Markdown: the public answer (empty: one that links to the target)",
    )


class MergeOut(BaseModel):
    suggestion: SuggestionOut = Field(description="the duplicate, now merged")
    into: SuggestionOut = Field(description="the suggestion it was merged into")
    votes_moved: int = Field(description="votes added to the target (one per person)")
    followers_moved: int = Field(description="people who now follow the target too")


class MergeForm(BaseModel):
    into: str = Field(default="", max_length=200)
    into_link: str = Field(default="", max_length=500)
    answer: str = Field(default="", max_length=MAX_ANSWER * 2)
