"""community moderation of reviews and campaign questions: ``hidden_at`` on both

A hidden review leaves its product's rating (the counters move when it is hidden or
restored), so the counters of existing rows stay as they are: nothing is hidden yet.

Revision ID: e8a2c4f6b1d3
Revises: d4f1b7c3a925
Create Date: 2026-12-08 00:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hearth.db

revision: str = "e8a2c4f6b1d3"
down_revision: str | Sequence[str] | None = "d4f1b7c3a925"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("community_reviews", "community_questions")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:  # in place: a nullable column
            batch.add_column(
                sa.Column("hidden_at", hearth.db.UTCDateTime(timezone=True), nullable=True)
            )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} DROP COLUMN hidden_at")
