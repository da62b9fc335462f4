"""insights: who was active on which day, the daily figures, the days counted; and the
indexes that let a day's pledges, sales and suggestions be read without the rest

Revision ID: b7e3f9a1c5d2
Revises: a4d8e2b6c1f9
Create Date: 2026-12-08 04:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hearth.db

revision: str = "b7e3f9a1c5d2"
down_revision: str | Sequence[str] | None = "a4d8e2b6c1f9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "insights_active_days",
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_insights_active_days_user_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "day", name="pk_insights_active_days"),
    )
    op.create_index("ix_insights_active_days_day", "insights_active_days", ["day", "user_id"])
    op.create_table(
        "insights_daily",
        sa.Column("figure", sa.String(40), nullable=False),
        sa.Column("key", sa.String(120), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("figure", "key", "day", name="pk_insights_daily"),
    )
    op.create_table(
        "insights_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("counted_at", hearth.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("lease_until", hearth.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("counts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name="pk_insights_days"),
    )
    op.create_index("ix_pledges_created_at", "pledges", ["created_at"])
    op.create_index("ix_order_items_created_at", "order_items", ["created_at"])
    op.create_index("ix_community_suggestions_created_at", "community_suggestions", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_community_suggestions_created_at", "community_suggestions")
    op.drop_index("ix_order_items_created_at", "order_items")
    op.drop_index("ix_pledges_created_at", "pledges")
    op.drop_table("insights_days")
    op.drop_table("insights_daily")
    op.drop_table("insights_active_days")
