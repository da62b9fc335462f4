"""Tables of regular sale.

A listing (``store_listings``, made when a product graduates) sells as one or more
variants; each variant's ``stock`` is the hot row of a sale, taken with a conditional
update at checkout and guarded by a CHECK so that no path can take it below zero.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from hearth.db import Base, UTCDateTime
from hearth.kit.ids import new_id


class SaleVariant(Base):
    """One way a listed product comes (a colour, a size), with its own stock."""

    __tablename__ = "sale_variants"
    __table_args__ = (
        UniqueConstraint("listing_id", "name", name="uq_sale_variants_listing_name"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("var"))
    listing_id: Mapped[str] = mapped_column(
        ForeignKey("store_listings.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=0)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CartLine(Base):
    """A variant in a person's cart; ``price_seen`` is its price when it was put there."""

    __tablename__ = "cart_lines"
    __table_args__ = (UniqueConstraint("user_id", "variant_id", name="uq_cart_lines_user_variant"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("crt"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[str] = mapped_column(ForeignKey("sale_variants.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)
    price_seen: Mapped[int] = mapped_column(BigInteger)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Checkout(Base):
    """A fan's checkout of their cart: once per idempotency key, with the address and card."""

    __tablename__ = "sale_checkouts"
    __table_args__ = (UniqueConstraint("user_id", "idempotency_key", name="uq_sale_checkouts_key"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("chk"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    address_id: Mapped[str] = mapped_column(String(32))
    shipping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    card_id: Mapped[str] = mapped_column(ForeignKey("backer_cards.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Reservation(Base):
    """One store's share of a checkout: its units taken from stock until paid or given back.

    ``lines`` holds what was taken: ``[{"variant_id", "listing_id", "product_id", "title",
    "variant", "quantity", "unit_price"}]``, in the order the stock rows were taken."""

    __tablename__ = "sale_reservations"
    __table_args__ = (Index("ix_sale_reservations_state_expires", "state", "expires_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("rsv"))
    checkout_id: Mapped[str] = mapped_column(
        ForeignKey("sale_checkouts.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id", ondelete="RESTRICT"))
    state: Mapped[str] = mapped_column(String(12), default="held")
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    order_id: Mapped[str | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    failure: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SaleReturn(Base):
    """A fan's request to return a delivered store order, and the partner's answer."""

    __tablename__ = "sale_returns"
    __table_args__ = (Index("ix_sale_returns_partner_state", "partner_id", "state"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("ret"))
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id", ondelete="RESTRICT"))
    state: Mapped[str] = mapped_column(String(12), default="requested")
    reason: Mapped[str] = mapped_column(String(500))
    answer: Mapped[str] = mapped_column(String(500), default="")
    idempotency_key: Mapped[str] = mapped_column(String(200))
    accept_key: Mapped[str | None] = mapped_column(String(200))
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the returned units went back into stock (once, after the refund); None before.
    restocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
