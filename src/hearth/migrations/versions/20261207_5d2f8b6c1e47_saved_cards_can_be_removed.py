"""saved cards can be removed

A backer removes a saved card they no longer want offered. The row stays, marked with
``removed_at``: pledges and receipts that name the card still say which card paid (its
brand and last four digits), and the pledges that point at it keep their foreign key.

Revision ID: 5d2f8b6c1e47
Revises: 5d2b8e4f1a36
Create Date: 2026-12-07 18:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hearth.db

revision: str = "5d2f8b6c1e47"
down_revision: str | Sequence[str] | None = "5d2b8e4f1a36"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("backer_cards", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("removed_at", hearth.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("backer_cards", schema=None) as batch_op:
        batch_op.drop_column("removed_at")
