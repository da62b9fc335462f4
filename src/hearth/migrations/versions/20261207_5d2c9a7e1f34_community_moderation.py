"""community moderation: reports, the moderators' audit, mutes, hidden suggestions and
comments, and the indexes that count a person's recent posts for the rate limits

``hidden_at`` is added in place on both databases (SQLite adds a nullable column without
copying the table, so the search triggers on ``community_suggestions`` stay as they are).

Revision ID: 5d2c9a7e1f34
Revises: d7b3f1a9c264
Create Date: 2026-12-07 21:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hearth.db

revision: str = "5d2c9a7e1f34"
down_revision: str | Sequence[str] | None = "d7b3f1a9c264"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, hearth.db.UTCDateTime(timezone=True), nullable=nullable)


def _user(name: str, *, cascade: bool = False) -> sa.Column[object]:
    return sa.Column(
        name,
        sa.String(length=32),
        sa.ForeignKey("users.id", ondelete="CASCADE" if cascade else "SET NULL"),
        nullable=not cascade,
    )


def upgrade() -> None:
    for table in ("community_suggestions", "community_comments"):
        with op.batch_alter_table(table) as batch:  # in place: a nullable column
            batch.add_column(_time("hidden_at", nullable=True))
    op.create_index(
        "ix_community_suggestions_author_created",
        "community_suggestions",
        ["author_id", "created_at"],
    )
    op.create_index(
        "ix_community_comments_author_created", "community_comments", ["author_id", "created_at"]
    )
    op.create_table(
        "community_moderation_actions",
        sa.Column("id", sa.String(length=32), primary_key=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.String(length=32), nullable=False),
        _user("subject_id"),
        _user("actor_id"),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False, server_default="0"),
        _time("until", nullable=True),
        _time("at"),
    )
    op.create_index(
        "ix_community_moderation_actions_target",
        "community_moderation_actions",
        ["target_kind", "target_id", "at"],
    )
    op.create_index("ix_community_moderation_actions_at", "community_moderation_actions", ["at"])
    op.create_index(
        "ix_community_moderation_actions_subject_id",
        "community_moderation_actions",
        ["subject_id"],
    )
    op.create_table(
        "community_reports",
        sa.Column("id", sa.String(length=32), primary_key=True),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.String(length=32), nullable=False),
        _user("reporter_id", cascade=True),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        _time("created_at"),
        _time("resolved_at", nullable=True),
        sa.Column(
            "action_id",
            sa.String(length=32),
            sa.ForeignKey("community_moderation_actions.id", ondelete="SET NULL"),
            nullable=True,
        ),
    )
    op.create_index(
        "uq_community_reports_open",
        "community_reports",
        ["target_kind", "target_id", "reporter_id"],
        unique=True,
        sqlite_where=sa.text("resolved_at IS NULL"),
        postgresql_where=sa.text("resolved_at IS NULL"),
    )
    op.create_index(
        "ix_community_reports_target", "community_reports", ["target_kind", "target_id"]
    )
    op.create_index("ix_community_reports_open", "community_reports", ["resolved_at", "created_at"])
    op.create_table(
        "community_mutes",
        sa.Column("id", sa.String(length=32), primary_key=True),
        _user("user_id", cascade=True),
        _time("until"),
        sa.Column("reason", sa.Text(), nullable=False),
        _user("actor_id"),
        _time("created_at"),
        _time("lifted_at", nullable=True),
    )
    op.create_index("ix_community_mutes_user_until", "community_mutes", ["user_id", "until"])


def downgrade() -> None:
    op.drop_table("community_mutes")
    op.drop_table("community_reports")
    op.drop_table("community_moderation_actions")
    op.drop_index("ix_community_comments_author_created", table_name="community_comments")
    op.drop_index("ix_community_suggestions_author_created", table_name="community_suggestions")
    for table in ("community_comments", "community_suggestions"):
        # SQLite drops the column in place too (a batch copy would drop the search triggers).
        op.execute(f"ALTER TABLE {table} DROP COLUMN hidden_at")
