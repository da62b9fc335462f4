"""community: release notes that ship suggestions (the weekly update), and images on
suggestions

Revision ID: d4f1b7c3a925
Revises: 5d2c9a7e1f34
Create Date: 2026-12-07 20:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hearth.db

revision: str = "d4f1b7c3a925"
down_revision: str | Sequence[str] | None = "5d2c9a7e1f34"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str) -> sa.Column[object]:
    return sa.Column(name, hearth.db.UTCDateTime(timezone=True), nullable=False)


def _suggestion(*, primary_key: bool = False) -> sa.Column[object]:
    return sa.Column(
        "suggestion_id",
        sa.String(length=32),
        sa.ForeignKey("community_suggestions.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


def _user(name: str) -> sa.Column[object]:
    return sa.Column(
        name, sa.String(length=32), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


def upgrade() -> None:
    op.create_table(
        "community_releases",
        sa.Column("id", sa.String(length=32), primary_key=True),
        sa.Column(
            "board_id",
            sa.String(length=32),
            sa.ForeignKey("community_boards.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("version", sa.String(length=24), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False, server_default=""),
        _user("author_id"),
        _time("released_at"),
        _time("created_at"),
        _time("updated_at"),
        sa.UniqueConstraint("board_id", "version", name="uq_community_releases_board_version"),
    )
    op.create_index(
        "ix_community_releases_board_released", "community_releases", ["board_id", "released_at"]
    )
    op.create_table(
        "community_release_items",
        sa.Column(
            "release_id",
            sa.String(length=32),
            sa.ForeignKey("community_releases.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        _suggestion(primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index(
        "ix_community_release_items_suggestion_id", "community_release_items", ["suggestion_id"]
    )
    op.create_table(
        "community_suggestion_images",
        sa.Column("id", sa.String(length=32), primary_key=True),
        _suggestion(),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
        _user("uploaded_by"),
        _time("created_at"),
    )
    op.create_index(
        "ix_community_suggestion_images_suggestion_id",
        "community_suggestion_images",
        ["suggestion_id"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_community_suggestion_images_suggestion_id", table_name="community_suggestion_images"
    )
    op.drop_table("community_suggestion_images")
    op.drop_index("ix_community_release_items_suggestion_id", table_name="community_release_items")
    op.drop_table("community_release_items")
    op.drop_index("ix_community_releases_board_released", table_name="community_releases")
    op.drop_table("community_releases")
