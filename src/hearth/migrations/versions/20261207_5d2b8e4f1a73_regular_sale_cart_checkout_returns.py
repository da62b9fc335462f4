"""regular sale: variants with stock, carts, checkouts with reservations, returns; orders
of both channels with their lines

Orders now come from a funded pledge ("crowdfunding") or a store checkout ("sale"), so
their pledge, campaign and tier may be empty, and what is in an order is in
``order_items``, each line with its channel. Every existing order becomes one line of
channel "crowdfunding" (its tier's reward); every existing listing sells as one default
variant holding its stock.

Revision ID: 5d2b8e4f1a73
Revises: 5d2f8b6c1e47
Create Date: 2026-12-07 12:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hearth.db

revision: str = "5d2b8e4f1a73"
down_revision: str | Sequence[str] | None = "5d2f8b6c1e47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _at() -> sa.Column[object]:
    return sa.Column("created_at", hearth.db.UTCDateTime(timezone=True), nullable=False)


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(
            sa.Column(
                "channel", sa.String(length=16), nullable=False, server_default="crowdfunding"
            )
        )
        batch.add_column(
            sa.Column("delivered_at", hearth.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch.alter_column("pledge_id", existing_type=sa.String(length=32), nullable=True)
        batch.alter_column("campaign_id", existing_type=sa.String(length=32), nullable=True)
        batch.alter_column("tier_id", existing_type=sa.String(length=32), nullable=True)
    with op.batch_alter_table("store_listings") as batch:
        batch.add_column(sa.Column("per_order", sa.Integer(), nullable=False, server_default="5"))
    op.create_table(
        "order_items",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("partner_id", sa.String(length=32), nullable=False),
        sa.Column("product_id", sa.String(length=32), nullable=False),
        sa.Column("tier_id", sa.String(length=32), nullable=True),
        sa.Column("listing_id", sa.String(length=32), nullable=True),
        sa.Column("variant_id", sa.String(length=32), nullable=True),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("variant", sa.String(length=40), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        _at(),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_items_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_order_items_partner_id_partners"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_order_items_product_id_products"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tier_id"],
            ["campaign_tiers.id"],
            name=op.f("fk_order_items_tier_id_campaign_tiers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["store_listings.id"],
            name=op.f("fk_order_items_listing_id_store_listings"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_items")),
    )
    with op.batch_alter_table("order_items") as batch:
        batch.create_index(batch.f("ix_order_items_order_id"), ["order_id"], unique=False)
        batch.create_index(batch.f("ix_order_items_product_id"), ["product_id"], unique=False)
        batch.create_index("ix_order_items_channel_created", ["channel", "created_at"])
    # Each crowdfunding order is one line: its tier's reward. Ids keep the order's own
    # time-ordered tail under the line's prefix ("ord_x" -> "itm_x").
    op.execute(
        """
        INSERT INTO order_items (id, order_id, channel, partner_id, product_id, tier_id,
            listing_id, variant_id, title, variant, quantity, unit_price, amount, currency,
            created_at)
        SELECT 'itm_' || substr(o.id, 5), o.id, 'crowdfunding', o.partner_id, c.product_id,
            o.tier_id, NULL, NULL, substr(c.title || ': ' || t.title, 1, 160), '', o.quantity,
            o.amount / CASE WHEN o.quantity > 0 THEN o.quantity ELSE 1 END, o.amount,
            o.currency, o.created_at
        FROM orders o
        JOIN campaigns c ON c.id = o.campaign_id
        JOIN campaign_tiers t ON t.id = o.tier_id
        """
    )
    op.create_table(
        "sale_variants",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("listing_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        _at(),
        sa.Column("updated_at", hearth.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("stock >= 0", name=op.f("ck_sale_variants_stock_not_negative")),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["store_listings.id"],
            name=op.f("fk_sale_variants_listing_id_store_listings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sale_variants")),
        sa.UniqueConstraint("listing_id", "name", name="uq_sale_variants_listing_name"),
    )
    with op.batch_alter_table("sale_variants") as batch:
        batch.create_index(batch.f("ix_sale_variants_listing_id"), ["listing_id"], unique=False)
    op.execute(
        """
        INSERT INTO sale_variants (id, listing_id, name, position, stock, created_at,
            updated_at)
        SELECT 'var_' || substr(l.id, 5), l.id, 'Standard', 0,
            CASE WHEN l.stock > 0 THEN l.stock ELSE 0 END, l.created_at, l.created_at
        FROM store_listings l
        """
    )
    op.create_table(
        "cart_lines",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("variant_id", sa.String(length=32), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("price_seen", sa.BigInteger(), nullable=False),
        sa.Column("added_at", hearth.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hearth.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_cart_lines_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["variant_id"],
            ["sale_variants.id"],
            name=op.f("fk_cart_lines_variant_id_sale_variants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cart_lines")),
        sa.UniqueConstraint("user_id", "variant_id", name="uq_cart_lines_user_variant"),
    )
    with op.batch_alter_table("cart_lines") as batch:
        batch.create_index(batch.f("ix_cart_lines_user_id"), ["user_id"], unique=False)
    op.create_table(
        "sale_checkouts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("address_id", sa.String(length=32), nullable=False),
        sa.Column("shipping", sa.JSON(), nullable=False),
        sa.Column("card_id", sa.String(length=32), nullable=False),
        _at(),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_sale_checkouts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["card_id"],
            ["backer_cards.id"],
            name=op.f("fk_sale_checkouts_card_id_backer_cards"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sale_checkouts")),
        sa.UniqueConstraint("user_id", "idempotency_key", name="uq_sale_checkouts_key"),
    )
    with op.batch_alter_table("sale_checkouts") as batch:
        batch.create_index(batch.f("ix_sale_checkouts_user_id"), ["user_id"], unique=False)
    op.create_table(
        "sale_reservations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("checkout_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("partner_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("expires_at", hearth.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=True),
        sa.Column("failure", sa.String(length=200), nullable=False),
        _at(),
        sa.Column("updated_at", hearth.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkout_id"],
            ["sale_checkouts.id"],
            name=op.f("fk_sale_reservations_checkout_id_sale_checkouts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_sale_reservations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_sale_reservations_partner_id_partners"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_sale_reservations_order_id_orders"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sale_reservations")),
    )
    with op.batch_alter_table("sale_reservations") as batch:
        batch.create_index(
            batch.f("ix_sale_reservations_checkout_id"), ["checkout_id"], unique=False
        )
        batch.create_index("ix_sale_reservations_state_expires", ["state", "expires_at"])
    op.create_table(
        "sale_returns",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("partner_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("answer", sa.String(length=500), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("accept_key", sa.String(length=200), nullable=True),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        _at(),
        sa.Column("decided_at", hearth.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_sale_returns_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_sale_returns_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_sale_returns_partner_id_partners"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["users.id"],
            name=op.f("fk_sale_returns_decided_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sale_returns")),
        sa.UniqueConstraint("order_id", name=op.f("uq_sale_returns_order_id")),
    )
    with op.batch_alter_table("sale_returns") as batch:
        batch.create_index(batch.f("ix_sale_returns_user_id"), ["user_id"], unique=False)
        batch.create_index("ix_sale_returns_partner_state", ["partner_id", "state"])


def downgrade() -> None:
    op.drop_table("sale_returns")
    op.drop_table("sale_reservations")
    op.drop_table("sale_checkouts")
    op.drop_table("cart_lines")
    op.drop_table("sale_variants")
    op.drop_table("order_items")
    # Store orders cannot be told without their lines: they go, with what hangs on them.
    sale = "SELECT id FROM orders WHERE channel = 'sale'"
    op.execute(
        f"DELETE FROM ticket_messages WHERE ticket_id IN "
        f"(SELECT id FROM tickets WHERE order_id IN ({sale}))"
    )
    op.execute(f"DELETE FROM tickets WHERE order_id IN ({sale})")
    op.execute(f"DELETE FROM order_refunds WHERE order_id IN ({sale})")
    op.execute("DELETE FROM orders WHERE channel = 'sale'")
    with op.batch_alter_table("store_listings") as batch:
        batch.drop_column("per_order")
    with op.batch_alter_table("orders") as batch:
        batch.alter_column("tier_id", existing_type=sa.String(length=32), nullable=False)
        batch.alter_column("campaign_id", existing_type=sa.String(length=32), nullable=False)
        batch.alter_column("pledge_id", existing_type=sa.String(length=32), nullable=False)
        batch.drop_column("delivered_at")
        batch.drop_column("channel")
