"""Requests and answers of release notes and of images on suggestions.

Markdown comes back twice, as written (``body``) and rendered safe (``body_html``).
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Annotated, Self

from fastapi import UploadFile
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hearth.community import images
from hearth.community.models import Suggestion, SuggestionImage
from hearth.community.release_rules import (
    MAX_CITED,
    MAX_RELEASE_BODY,
    MAX_RELEASE_TITLE,
    MAX_VERSION,
    VERSION_PATTERN,
)
from hearth.community.releases import ReleaseView, ShippedIn, changelog_url
from hearth.community.rules import Status
from hearth.kit import prose
from hearth.kit.text import NAME_PATTERN

Id = Annotated[str, StringConstraints(min_length=1, max_length=32)]
Version = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_VERSION, pattern=VERSION_PATTERN)
]
Title = Annotated[
    str,
    Field(min_length=1, max_length=MAX_RELEASE_TITLE, json_schema_extra={"pattern": NAME_PATTERN}),
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReleaseIn(_In):
    version: Version = Field(description="a short label, unique on the board: 1.4, 2026.49")
    title: Title
    body: Annotated[str, StringConstraints(max_length=MAX_RELEASE_BODY)] = Field(
        default="", description="Markdown"
    )
    date: dt.date | None = Field(
        default=None, description="the day it is published (default: today; never ahead)"
    )
    suggestions: list[Id] = Field(
        default_factory=list,
        max_length=MAX_CITED,
        description="ids of this board's suggestions it ships: each moves to done",
    )


class ReleaseEditIn(_In):
    title: Title | None = None
    body: Annotated[str, StringConstraints(max_length=MAX_RELEASE_BODY)] | None = Field(
        default=None, description="Markdown"
    )


class ShippedOut(BaseModel):
    """A suggestion a note shipped."""

    id: str
    title: str
    status: Status
    votes: int
    url: str

    @classmethod
    def of(cls, row: Suggestion) -> Self:
        return cls(
            id=row.id,
            title=row.title,
            status=Status(row.status),
            votes=row.vote_count,
            url=f"/community/suggestions/{row.id}",
        )


class ReleaseOut(BaseModel):
    id: str
    board_id: str
    version: str
    title: str
    body: str = Field(description="Markdown, as written")
    body_html: str = Field(description="the body rendered and sanitised")
    released_at: datetime = Field(description="when it is shown as published")
    created_at: datetime
    updated_at: datetime
    url: str = Field(description="the note on its board's changelog page")
    shipped: list[ShippedOut]

    @classmethod
    def of(cls, view: ReleaseView) -> Self:
        row = view.release
        return cls(
            id=row.id,
            board_id=row.board_id,
            version=row.version,
            title=row.title,
            body=row.body,
            body_html=prose.render(row.body),
            released_at=row.released_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
            url=changelog_url(row.board_id, row.version),
            shipped=[ShippedOut.of(s) for s in view.shipped],
        )


class ShippedInOut(BaseModel):
    """The note a suggestion shipped in."""

    version: str
    url: str

    @classmethod
    def of(cls, found: ShippedIn) -> Self:
        return cls(version=found.version, url=found.url)


class SuggestionImageOut(BaseModel):
    id: str
    url: str
    content_type: str
    size: int

    @classmethod
    def of(cls, row: SuggestionImage) -> Self:
        return cls(id=row.id, url=images.url(row), content_type=row.content_type, size=row.size)


class ImagesUpload(BaseModel):
    images: list[UploadFile] = Field(
        min_length=1, max_length=16, description="1 to 4 files: PNG, JPEG or WebP"
    )


class ImagesForm(BaseModel):
    """The page's upload: a browser sends an empty file box as text, which is skipped."""

    images: list[UploadFile | str] = Field(default_factory=list, max_length=16)


# -- forms (loose bounds: the services name what is wrong, and the form is shown again) ----


class ReleaseForm(BaseModel):
    version: str = Field(default="", max_length=200)
    title: str = Field(default="", max_length=2000)
    body: str = Field(default="", max_length=MAX_RELEASE_BODY * 2)
    date: str = Field(default="", max_length=40)
    suggestions: list[str] = Field(default_factory=list, max_length=MAX_CITED * 4)


class ReleaseEditForm(BaseModel):
    title: str = Field(default="", max_length=2000)
    body: str = Field(default="", max_length=MAX_RELEASE_BODY * 2)
