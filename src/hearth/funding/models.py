"""Tables of the crowdfunding area.

Money columns are integer minor units of the campaign's currency. A tier's ``sold``,
``pledged`` and ``pledges`` counters are the one hot row of a flash sale: pledging takes
units with a conditional update on it, so the limit holds whatever the concurrency.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from hearth.db import Base, UTCDateTime
from hearth.kit.ids import new_id


class Campaign(Base):
    __tablename__ = "campaigns"
    __table_args__ = (Index("ix_campaigns_state_ends_at", "state", "ends_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("cmp"))
    product_id: Mapped[str] = mapped_column(
        ForeignKey("products.id", ondelete="RESTRICT"), index=True
    )
    partner_id: Mapped[str] = mapped_column(
        ForeignKey("partners.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(String(280), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    images: Mapped[list[str]] = mapped_column(JSON, default=list)
    # What could go wrong and how the partner will handle it; questions answered up front.
    risks: Mapped[str] = mapped_column(Text, default="")
    faq: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)  # question, answer
    # Shipping by destination: ISO country code -> minor units. Empty: ships anywhere free.
    # Fixed once published, like the tiers, so a pledge's quote holds until it is charged.
    shipping_rates: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    goal: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivery_date: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16), default="draft")
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set once when the outcome is decided, by whichever worker claimed it.
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    raised_at_end: Mapped[int | None] = mapped_column(BigInteger)
    backers_at_end: Mapped[int | None] = mapped_column(Integer)


class CampaignTier(Base):
    __tablename__ = "campaign_tiers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("tir"))
    campaign_id: Mapped[str] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[int] = mapped_column(BigInteger)
    retail_price: Mapped[int] = mapped_column(BigInteger)
    limit: Mapped[int | None] = mapped_column(Integer)
    per_backer: Mapped[int] = mapped_column(Integer, default=5)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Marked by the partner: a limited tier sold as an early bird (``rules.is_early_bird``).
    early_bird: Mapped[bool] = mapped_column(Boolean, default=False)
    sold: Mapped[int] = mapped_column(Integer, default=0)
    pledged: Mapped[int] = mapped_column(BigInteger, default=0)
    pledges: Mapped[int] = mapped_column(Integer, default=0)


class CampaignUpdate(Base):
    """News from the partner; ``backers_only`` ones are shown to backers alone."""

    __tablename__ = "campaign_updates"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("cup"))
    campaign_id: Mapped[str] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(160))
    body: Mapped[str] = mapped_column(Text, default="")
    backers_only: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CampaignStep(Base):
    """One audited move of a campaign: who (None for the clock), when, from, to, why."""

    __tablename__ = "campaign_steps"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    campaign_id: Mapped[str] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class BackerCard(Base):
    """A card a fan saved with the payment provider; only brand and last four are kept.

    A removed card keeps its row (``removed_at`` set): the pledges and receipts it paid
    still say which card that was."""

    __tablename__ = "backer_cards"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("crd"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[str] = mapped_column(String(64))
    method_id: Mapped[str] = mapped_column(String(64))
    brand: Mapped[str] = mapped_column(String(20))
    last4: Mapped[str] = mapped_column(String(4))
    exp_month: Mapped[int] = mapped_column(Integer)
    exp_year: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Pledge(Base):
    __tablename__ = "pledges"
    __table_args__ = (
        # One counted pledge per backer and campaign: ``holder`` is the backer's id while
        # the pledge counts and NULL after it is cancelled or released (NULLs never clash).
        UniqueConstraint("campaign_id", "holder", name="uq_pledges_campaign_holder"),
        UniqueConstraint("backer_id", "idempotency_key", name="uq_pledges_backer_key"),
        Index("ix_pledges_campaign_state", "campaign_id", "state"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("plg"))
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id", ondelete="RESTRICT"))
    tier_id: Mapped[str] = mapped_column(ForeignKey("campaign_tiers.id", ondelete="RESTRICT"))
    backer_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    holder: Mapped[str | None] = mapped_column(String(32))
    quantity: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(16), default="active")
    card_id: Mapped[str] = mapped_column(ForeignKey("backer_cards.id", ondelete="RESTRICT"))
    shipping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The campaign's rate for the address's country when pledged; charged with ``amount``
    # (which alone counts towards the goal).
    shipping_cost: Mapped[int] = mapped_column(BigInteger, default=0)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    payment_id: Mapped[str | None] = mapped_column(String(64))
    failure: Mapped[str] = mapped_column(String(200), default="")
    retry_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A worker charging this pledge holds it until then (several workers split the work).
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)  # insights
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Order(Base):
    """What a fan bought from one partner, paid, to be shipped: from a funded campaign's
    charged pledge (``channel`` "crowdfunding", with its pledge, campaign and tier) or from
    a store's regular sale ("sale", none of those). What is in it is in ``order_items``."""

    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_partner_status", "partner_id", "status"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("ord"))
    channel: Mapped[str] = mapped_column(String(16), default="crowdfunding")
    pledge_id: Mapped[str | None] = mapped_column(
        ForeignKey("pledges.id", ondelete="RESTRICT"), unique=True
    )
    campaign_id: Mapped[str | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="RESTRICT"), index=True
    )
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id", ondelete="RESTRICT"))
    backer_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    tier_id: Mapped[str | None] = mapped_column(
        ForeignKey("campaign_tiers.id", ondelete="RESTRICT")
    )
    quantity: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)
    refunded: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="paid")
    shipping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    payment_id: Mapped[str] = mapped_column(String(64))
    # The saved card that paid (a pledge's card when it was charged, a checkout's card),
    # so the order's receipts name it whichever channel it came through.
    card_id: Mapped[str | None] = mapped_column(ForeignKey("backer_cards.id", ondelete="RESTRICT"))
    carrier: Mapped[str] = mapped_column(String(40), default="")
    tracking_number: Mapped[str] = mapped_column(String(64), default="")
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OrderItem(Base):
    """One line of an order: a product (a tier's reward, or a listing's variant), how many,
    at what price, and through which channel it sold ("crowdfunding" or "sale"), so sales
    can be counted per channel. Names are copied as they were when it was bought."""

    __tablename__ = "order_items"
    __table_args__ = (
        Index("ix_order_items_channel_created", "channel", "created_at"),
        Index("ix_order_items_created_at", "created_at"),  # insights: a day's sales
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("itm"))
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id", ondelete="RESTRICT"))
    product_id: Mapped[str] = mapped_column(
        ForeignKey("products.id", ondelete="RESTRICT"), index=True
    )
    tier_id: Mapped[str | None] = mapped_column(
        ForeignKey("campaign_tiers.id", ondelete="RESTRICT")
    )
    listing_id: Mapped[str | None] = mapped_column(
        ForeignKey("store_listings.id", ondelete="RESTRICT")
    )
    variant_id: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(160))
    variant: Mapped[str] = mapped_column(String(40), default="")
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OrderRefund(Base):
    """A refund of an order, recorded before the provider is asked, so none is lost."""

    __tablename__ = "order_refunds"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("orf"))
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(200), default="")
    # "requested", then "done"; or "failed" when the provider refused it
    state: Mapped[str] = mapped_column(String(12), default="requested")
    provider_refund_id: Mapped[str | None] = mapped_column(String(64))
    requested_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Ticket(Base):
    """A backer's customer-service ticket on an order; it goes to the partner's members."""

    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_partner_status", "partner_id", "status"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("tkt"))
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), index=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id", ondelete="RESTRICT"))
    backer_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    subject: Mapped[str] = mapped_column(String(160))
    status: Mapped[str] = mapped_column(String(12), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TicketMessage(Base):
    __tablename__ = "ticket_messages"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("tkm"))
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_partner: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class StoreListing(Base):
    """A funded product graduated to regular sale in its partner's store."""

    __tablename__ = "store_listings"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("lst"))
    product_id: Mapped[str] = mapped_column(
        ForeignKey("products.id", ondelete="RESTRICT"), unique=True
    )
    partner_id: Mapped[str] = mapped_column(
        ForeignKey("partners.id", ondelete="RESTRICT"), index=True
    )
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id", ondelete="RESTRICT"))
    price: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    # The sum of its variants' stock (``hearth.sales`` keeps it so, in the same transaction).
    stock: Mapped[int] = mapped_column(Integer)
    per_order: Mapped[int] = mapped_column(Integer, default=5)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
