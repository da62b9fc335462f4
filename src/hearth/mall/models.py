"""Tables of the mall area."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hearth.db import Base, UTCDateTime
from hearth.kit.clock import utcnow
from hearth.kit.ids import new_id


class Partner(Base):
    """A partner company; its members are users with the partner role."""

    __tablename__ = "partners"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("ptn"))
    name: Mapped[str] = mapped_column(String(120), unique=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="approved")
    # Set by its default too: partners.join_or_found founds a company without a clock.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The application (hearth.mall.partners): who applied, how to reach them, what they make.
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    applicant_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    # The store, once approved.
    store_name: Mapped[str] = mapped_column(String(120), default="")
    store_description: Mapped[str] = mapped_column(Text, default="")
    support_contact: Mapped[str] = mapped_column(String(254), default="")
    # The store's logo in upload storage (hearth.kit.storage), if any.
    logo_key: Mapped[str | None] = mapped_column(String(200))
    logo_type: Mapped[str] = mapped_column(String(40), default="")


class Product(Base):
    """A partner's product submission, from draft through review to approval."""

    __tablename__ = "products"
    __table_args__ = (Index("ix_products_state_submitted_at", "state", "submitted_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("prd"))
    partner_id: Mapped[str] = mapped_column(
        ForeignKey("partners.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    # The device spec in the native format, and its version (bumped when it changes).
    spec: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    spec_version: Mapped[int] = mapped_column(Integer, default=0)
    retail_price: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    campaign_goal: Mapped[int] = mapped_column(BigInteger, default=0)
    campaign_days: Mapped[int] = mapped_column(Integer, default=30)
    state: Mapped[str] = mapped_column(String(24), default="draft")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Set by their defaults too: other areas' fixtures add products directly.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReviewStep(Base):
    """One audited move of a product or partner application: who, when, from, to, why."""

    __tablename__ = "review_steps"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("rvs"))
    subject: Mapped[str] = mapped_column(String(32), index=True)  # product or partner id
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_state: Mapped[str] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(Text, default="")
    checklist: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReviewComment(Base):
    """A comment in a product's review thread; replies point at their parent."""

    __tablename__ = "review_comments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("rvc"))
    product_id: Mapped[str] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[str | None] = mapped_column(
        ForeignKey("review_comments.id", ondelete="CASCADE")
    )
    author_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProductImage(Base):
    """An image of a product, kept in upload storage under ``key``; shown by ``position``."""

    __tablename__ = "product_images"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("img"))
    product_id: Mapped[str] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(200), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PartnerInvitation(Base):
    """An invitation to join a partner company: addressed to one user, or a link with a token.

    A link's token is shown once; only its hash is kept. Either kind expires and is used once.
    """

    __tablename__ = "partner_invitations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("inv"))
    partner_id: Mapped[str] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    invitee_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
