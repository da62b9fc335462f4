"""Tables of the payments area: the ledger, charges in doubt, and the sandbox provider's
own state.

Ledger entries and entry sets are never edited or deleted; the migration installs
database triggers that refuse it, so not even a stray UPDATE can rewrite the books.
The sandbox tables stand in for a real provider's servers: they live in the same database
only so that every hearth process shares them and they survive restarts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
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

# BIGINT on PostgreSQL; SQLite autoincrements only INTEGER PRIMARY KEY (64-bit there anyway).
BigId = BigInteger().with_variant(Integer(), "sqlite")


class LedgerAccount(Base):
    """One account of the books: a type, an owner (a partner, a provider) and a currency."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (UniqueConstraint("type", "owner", "currency", name="uq_ledger_accounts_key"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("lac"))
    type: Mapped[str] = mapped_column(String(32))
    owner: Mapped[str] = mapped_column(String(64), default="")
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LedgerEntrySet(Base):
    """One movement of money: entries that sum to zero per currency, posted together."""

    __tablename__ = "ledger_entry_sets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("les"))
    reason: Mapped[str] = mapped_column(String(16), index=True)
    reference: Mapped[str] = mapped_column(String(120), index=True)
    memo: Mapped[str] = mapped_column(String(200), default="")
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    reverses_id: Mapped[str | None] = mapped_column(
        ForeignKey("ledger_entry_sets.id", ondelete="RESTRICT"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class LedgerEntry(Base):
    """One line: a signed amount (debit positive) on one account, in its currency."""

    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_entries_account_at", "account_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    entry_set_id: Mapped[str] = mapped_column(
        ForeignKey("ledger_entry_sets.id", ondelete="RESTRICT"), index=True
    )
    account_id: Mapped[str] = mapped_column(ForeignKey("ledger_accounts.id", ondelete="RESTRICT"))
    amount: Mapped[int] = mapped_column(BigInteger)
    # The entry set's time, repeated so statements read one index.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PaymentDoubt(Base):
    """A charge whose provider call timed out, until the provider says what happened.

    ``call`` holds the call exactly as it was made (customer, card, amount, reference,
    capture, on or off session), so asking again repeats it with the same idempotency key
    and the provider replays its outcome. ``subject`` and ``subject_id`` say what it was for
    (a store's reservation, a pledge); that area settles it. See ``doubt_rules``."""

    __tablename__ = "payment_doubts"
    __table_args__ = (Index("ix_payment_doubts_state_next", "state", "next_ask_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("pdb"))
    subject: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str] = mapped_column(String(32), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    call: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(12), default="open")
    asks: Mapped[int] = mapped_column(Integer, default=0)
    next_ask_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What the provider said last, or why it said nothing, in words for the platform team.
    answer: Mapped[str] = mapped_column(String(300), default="")
    payment_id: Mapped[str | None] = mapped_column(String(64))
    asked_again_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# -- the sandbox provider ------------------------------------------------------------------


class SandboxCustomer(Base):
    __tablename__ = "sandbox_customers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("cus"))
    reference: Mapped[str] = mapped_column(String(120), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SandboxPaymentMethod(Base):
    """A saved test card; the number itself is never stored, only how it behaves."""

    __tablename__ = "sandbox_payment_methods"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("pm"))
    customer_id: Mapped[str] = mapped_column(
        ForeignKey("sandbox_customers.id", ondelete="CASCADE"), index=True
    )
    brand: Mapped[str] = mapped_column(String(16))
    last4: Mapped[str] = mapped_column(String(4))
    exp_month: Mapped[int] = mapped_column(Integer)
    exp_year: Mapped[int] = mapped_column(Integer)
    behaviour: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SandboxPayment(Base):
    __tablename__ = "sandbox_payments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("pay"))
    customer_id: Mapped[str] = mapped_column(
        ForeignKey("sandbox_customers.id", ondelete="CASCADE"), index=True
    )
    method_id: Mapped[str] = mapped_column(
        ForeignKey("sandbox_payment_methods.id", ondelete="CASCADE")
    )
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    captured: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(16))
    decline_code: Mapped[str | None] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(120), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SandboxRefund(Base):
    __tablename__ = "sandbox_refunds"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("re"))
    payment_id: Mapped[str] = mapped_column(
        ForeignKey("sandbox_payments.id", ondelete="CASCADE"), index=True
    )
    amount: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SandboxRequest(Base):
    """An idempotency key and the outcome of its first call, replayed to every retry."""

    __tablename__ = "sandbox_requests"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    operation: Mapped[str] = mapped_column(String(32))
    fingerprint: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
