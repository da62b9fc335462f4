"""invitations keep the name they were addressed to

An invitation by username keeps the name the owner typed (``addressed_to``), so that a
home's open invitations say who was invited; kept alike whether or not anyone has that
name, so the list tells nothing about who has an account. Invitations made before have
none.

Revision ID: 3e8a1c5d7b92
Revises: b61f0c3a9d27
Create Date: 2026-12-07 11:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3e8a1c5d7b92"
down_revision: str | Sequence[str] | None = "b61f0c3a9d27"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("home_invitations") as batch:
        batch.add_column(sa.Column("addressed_to", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("home_invitations") as batch:
        batch.drop_column("addressed_to")
