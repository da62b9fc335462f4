"""campaign story, shipping and early birds

A campaign tells its risks and answers questions (``risks``, ``faq``), charges shipping by
destination country (``shipping_rates``: country code to minor units; empty ships anywhere
free, as every campaign before did), a tier may be marked an early bird (``early_bird``,
for a limited tier that does not close on a date), and a pledge keeps the shipping it was
quoted (``shipping_cost``), charged with it at the end.

Revision ID: 5d2b8e4f1a36
Revises: 3e8a1c5d7b92
Create Date: 2026-12-07 12:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d2b8e4f1a36"
down_revision: str | Sequence[str] | None = "3e8a1c5d7b92"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("risks", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("faq", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(
            sa.Column("shipping_rates", sa.JSON(), nullable=False, server_default="{}")
        )
    with op.batch_alter_table("campaign_tiers") as batch:
        batch.add_column(
            sa.Column("early_bird", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("pledges") as batch:
        batch.add_column(
            sa.Column("shipping_cost", sa.BigInteger(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("pledges") as batch:
        batch.drop_column("shipping_cost")
    with op.batch_alter_table("campaign_tiers") as batch:
        batch.drop_column("early_bird")
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("shipping_rates")
        batch.drop_column("faq")
        batch.drop_column("risks")
