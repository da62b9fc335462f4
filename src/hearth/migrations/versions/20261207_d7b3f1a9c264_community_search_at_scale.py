"""community at scale: an index for a board's category and status filters (so a filtered
listing counts from the index alone), and prefix indexes for SQLite's full-text search (so
a word being typed, two or three letters long, is looked up instead of merging every word
it begins); on PostgreSQL an index in the order of "recently answered" (never answered
last), which the plain index on answered_at cannot give backwards

Revision ID: d7b3f1a9c264
Revises: d4b8e2f6a1c3
Create Date: 2026-12-07 21:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d7b3f1a9c264"
down_revision: str | Sequence[str] | None = "d4b8e2f6a1c3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_community_suggestions_board_category_status"
ANSWERED = "ix_community_suggestions_board_answered_last"


def _sqlite_search(prefix: str) -> None:
    # The triggers that keep the index name it, not own it: they stay, and write to the new
    # table as soon as it exists; 'rebuild' reads every suggestion again.
    op.execute("DROP TABLE community_search")
    op.execute(
        "CREATE VIRTUAL TABLE community_search USING fts5(title, body, "
        "content='community_suggestions', content_rowid='rowid', tokenize='porter unicode61'"
        + prefix
        + ")"
    )
    op.execute("INSERT INTO community_search(community_search) VALUES ('rebuild')")


def upgrade() -> None:
    op.create_index(INDEX, "community_suggestions", ["board_id", "category", "status"])
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_search(", prefix='2 3'")
    else:
        # SQLite puts NULLs first, so the plain index read backwards is already this order.
        op.create_index(
            ANSWERED,
            "community_suggestions",
            [
                "board_id",
                sa.text("answered_at DESC NULLS LAST"),
                sa.text("created_at DESC"),
                sa.text("id DESC"),
            ],
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_search("")
    else:
        op.drop_index(ANSWERED, table_name="community_suggestions")
    op.drop_index(INDEX, table_name="community_suggestions")
