"""payments in doubt: charges whose provider call timed out, until the provider answers

A charge that timed out (a store's share of a checkout, a pledge's charge) is noted with
the call exactly as it was made, so that it can be made again with the same idempotency
key and the provider's replay settles it; unanswered for long, it waits for the platform
team.

Revision ID: 8e3a6c2d5b19
Revises: 5d2b8e4f1a73
Create Date: 2026-12-07 20:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hearth.db

revision: str = "8e3a6c2d5b19"
down_revision: str | Sequence[str] | None = "5d2b8e4f1a73"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _at(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, hearth.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "payment_doubts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("call", sa.JSON(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("asks", sa.Integer(), nullable=False),
        _at("next_ask_at"),
        _at("lease_until", nullable=True),
        sa.Column("answer", sa.String(length=300), nullable=False),
        sa.Column("payment_id", sa.String(length=64), nullable=True),
        sa.Column("asked_again_by", sa.String(length=32), nullable=True),
        _at("created_at"),
        _at("updated_at"),
        _at("settled_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["asked_again_by"],
            ["users.id"],
            name=op.f("fk_payment_doubts_asked_again_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_doubts")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_payment_doubts_idempotency_key")),
    )
    with op.batch_alter_table("payment_doubts") as batch:
        batch.create_index("ix_payment_doubts_state_next", ["state", "next_ask_at"], unique=False)
        batch.create_index(batch.f("ix_payment_doubts_subject_id"), ["subject_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("payment_doubts") as batch:
        batch.drop_index(batch.f("ix_payment_doubts_subject_id"))
        batch.drop_index("ix_payment_doubts_state_next")
    op.drop_table("payment_doubts")
