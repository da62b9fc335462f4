"""community reviews and questions: verified buyers' reviews of a product (one per order and
product, with the partner's answer), each product's rating as five counters, and questions
on campaigns with the partner's answer

Revision ID: d4b8e2f6a1c3
Revises: 8e41c07d2b95
Create Date: 2026-12-07 21:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hearth.db

revision: str = "d4b8e2f6a1c3"
down_revision: str | Sequence[str] | None = "8e41c07d2b95"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, hearth.db.UTCDateTime(timezone=True), nullable=nullable)


def _user(name: str) -> sa.Column[object]:
    return sa.Column(
        name, sa.String(length=32), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


def _answer() -> list[sa.Column[object]]:
    return [
        sa.Column("answer", sa.Text(), nullable=True),
        _user("answer_by"),
        _time("answered_at", nullable=True),
        _time("answer_edited_at", nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "community_reviews",
        sa.Column("id", sa.String(length=32), primary_key=True),
        sa.Column(
            "order_id",
            sa.String(length=32),
            sa.ForeignKey("orders.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "product_id",
            sa.String(length=32),
            sa.ForeignKey("products.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _user("author_id"),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False, server_default=""),
        sa.Column("body", sa.Text(), nullable=False, server_default=""),
        _time("created_at"),
        _time("edited_at", nullable=True),
        *_answer(),
        sa.UniqueConstraint("order_id", "product_id", name="uq_community_reviews_order_product"),
        sa.CheckConstraint("stars BETWEEN 1 AND 5", name="stars_one_to_five"),
    )
    op.create_index(
        "ix_community_reviews_product_created", "community_reviews", ["product_id", "created_at"]
    )
    op.create_index(
        "ix_community_reviews_product_stars",
        "community_reviews",
        ["product_id", "stars", "created_at"],
    )
    op.create_index("ix_community_reviews_author_id", "community_reviews", ["author_id"])
    op.create_table(
        "community_ratings",
        sa.Column(
            "product_id",
            sa.String(length=32),
            sa.ForeignKey("products.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        *[
            sa.Column(f"stars_{n}", sa.Integer(), nullable=False, server_default="0")
            for n in range(1, 6)
        ],
        sa.CheckConstraint(
            "stars_1 >= 0 AND stars_2 >= 0 AND stars_3 >= 0 AND stars_4 >= 0 AND stars_5 >= 0",
            name="counts_not_negative",
        ),
    )
    op.create_table(
        "community_questions",
        sa.Column("id", sa.String(length=32), primary_key=True),
        sa.Column(
            "campaign_id",
            sa.String(length=32),
            sa.ForeignKey("campaigns.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _user("author_id"),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("backer", sa.Boolean(), nullable=False, server_default=sa.false()),
        _time("created_at"),
        *_answer(),
    )
    op.create_index(
        "ix_community_questions_campaign_created",
        "community_questions",
        ["campaign_id", "created_at"],
    )
    op.create_index("ix_community_questions_author_id", "community_questions", ["author_id"])


def downgrade() -> None:
    op.drop_table("community_questions")
    op.drop_table("community_ratings")
    op.drop_table("community_reviews")
