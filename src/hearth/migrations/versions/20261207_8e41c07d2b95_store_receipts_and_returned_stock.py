"""store receipts and returned stock: an order names the card that paid it; a return says
when its units went back into stock

Receipts are read from orders of both channels, so the card that paid moves onto the order
(``orders.card_id``): a crowdfunding order's is its pledge's card, a store order's its
checkout's. Existing orders get theirs from the same places. ``sale_returns.restocked_at``
marks when an accepted return's units went back into stock; returns accepted before
stayed out of stock (the partner set it by hand), so they keep it empty.

Revision ID: 8e41c07d2b95
Revises: c0a1e5f3b7d9
Create Date: 2026-12-07 20:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hearth.db

revision: str = "8e41c07d2b95"
down_revision: str | Sequence[str] | None = "c0a1e5f3b7d9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


FK = "fk_orders_card_id_backer_cards"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its reference in place; a batch copy of ``orders``
        # would drop the old table, and with foreign keys on that deletes its items.
        op.execute(
            f"ALTER TABLE orders ADD COLUMN card_id VARCHAR(32) CONSTRAINT {FK} "
            "REFERENCES backer_cards (id) ON DELETE RESTRICT"
        )
    else:
        op.add_column("orders", sa.Column("card_id", sa.String(length=32), nullable=True))
        op.create_foreign_key(
            FK, "orders", "backer_cards", ["card_id"], ["id"], ondelete="RESTRICT"
        )
    op.execute(
        """
        UPDATE orders SET card_id = (
            SELECT p.card_id FROM pledges p WHERE p.id = orders.pledge_id
        )
        WHERE pledge_id IS NOT NULL
        """
    )
    op.execute(
        """
        UPDATE orders SET card_id = (
            SELECT c.card_id FROM sale_reservations r
            JOIN sale_checkouts c ON c.id = r.checkout_id
            WHERE r.order_id = orders.id
            ORDER BY r.id
            LIMIT 1
        )
        WHERE channel = 'sale'
        """
    )
    with op.batch_alter_table("sale_returns") as batch:
        batch.add_column(
            sa.Column("restocked_at", hearth.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("sale_returns") as batch:
        batch.drop_column("restocked_at")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE orders DROP COLUMN card_id")  # in place, as it was added
    else:
        op.drop_constraint(FK, "orders", type_="foreignkey")
        op.drop_column("orders", "card_id")
