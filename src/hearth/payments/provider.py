"""The payment provider protocol: how hearth asks someone else to move money.

It follows how card providers work. At pledge time the backer is present: hearth creates a
*customer* and *saves a payment method* (the provider checks the card, and runs any bank
challenge then). At campaign end the backer is gone: hearth *authorizes* off-session,
either holding the money for a later *capture* (or *void*) or charging at once
(``capture=True``). Captured money can be *refunded*, fully or in parts.

Every call that changes something takes an idempotency key. A retried call with the same
key and the same parameters returns the first call's outcome (success or decline) and
moves no money a second time; the same key with other parameters raises
``IdempotencyKeyReused``. A call the provider refused before acting (bad input, a payment
in the wrong state, ``ProviderUnavailable``) keeps nothing, so the key can be retried.

Errors map into ``hearth.errors``: ``PaymentDeclined`` (with a ``decline_code``),
``AuthenticationRequired`` (an off-session charge the bank wants the customer to confirm;
retry on-session), ``ProviderUnavailable`` (nothing happened) and ``ProviderTimeout``
(the outcome is unknown: retry with the same key to learn it).

This module is pure: types, the payment state table, and the protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from hearth.kit.money import Money
from hearth.kit.workflow import Workflow


class PaymentStatus(StrEnum):
    AUTHORIZED = "authorized"  # money held on the card, not yet taken
    CAPTURED = "captured"  # money taken; part of it may have been refunded since
    REFUNDED = "refunded"  # everything captured went back
    VOIDED = "voided"  # the hold was released before capture
    FAILED = "failed"  # declined or needs authentication; nothing was taken


# Which status a payment may move to from each status. A partial refund keeps a payment
# captured; the refund that returns the last minor unit makes it refunded.
TRANSITIONS: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    PaymentStatus.AUTHORIZED: frozenset({PaymentStatus.CAPTURED, PaymentStatus.VOIDED}),
    PaymentStatus.CAPTURED: frozenset({PaymentStatus.CAPTURED, PaymentStatus.REFUNDED}),
    PaymentStatus.REFUNDED: frozenset(),
    PaymentStatus.VOIDED: frozenset(),
    PaymentStatus.FAILED: frozenset(),
}
# An authorization is held, taken at once (``capture=True``) or refused.
PAYMENT_WORKFLOW = Workflow(
    TRANSITIONS,
    initial={PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED, PaymentStatus.FAILED},
    name="payment",
)


@dataclass(frozen=True)
class Customer:
    """Someone who pays; ``reference`` is hearth's own id for them (a user id)."""

    id: str
    reference: str


@dataclass(frozen=True)
class PaymentMethod:
    """A saved card; only its brand, last four digits and expiry are ever seen."""

    id: str
    customer_id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


@dataclass(frozen=True)
class Payment:
    """One payment: what was authorized, what was captured of it, what was refunded."""

    id: str
    customer_id: str
    method_id: str
    amount: Money
    captured: Money
    refunded: Money
    status: PaymentStatus
    reference: str

    @property
    def refundable(self) -> Money:
        """Return what can still be refunded."""
        return self.captured - self.refunded


@dataclass(frozen=True)
class Refund:
    """Money sent back to the card of a captured payment."""

    id: str
    payment_id: str
    amount: Money


class PaymentProvider(Protocol):
    """What hearth needs from a card provider. Every method may raise ``PaymentError``s."""

    @property
    def name(self) -> str:
        """Return the provider's name; the ledger keeps one clearing account per provider."""
        ...

    async def create_customer(self, *, reference: str, idempotency_key: str) -> Customer:
        """Create a customer for hearth's ``reference`` (a user id)."""
        ...

    async def save_payment_method(
        self, *, customer_id: str, token: str, idempotency_key: str
    ) -> PaymentMethod:
        """Check and save a card (``token`` from the provider's card form) for later charges."""
        ...

    async def authorize(
        self,
        *,
        customer_id: str,
        method_id: str,
        amount: Money,
        reference: str,
        idempotency_key: str,
        capture: bool = False,
        off_session: bool = True,
    ) -> Payment:
        """Hold ``amount`` on a saved card, or take it at once with ``capture=True``."""
        ...

    async def capture(
        self, *, payment_id: str, idempotency_key: str, amount: Money | None = None
    ) -> Payment:
        """Take held money: all of it, or ``amount`` of it (the rest is released)."""
        ...

    async def void(self, *, payment_id: str, idempotency_key: str) -> Payment:
        """Release a hold without taking anything."""
        ...

    async def refund(
        self, *, payment_id: str, idempotency_key: str, amount: Money | None = None
    ) -> Refund:
        """Send captured money back: all that is left, or ``amount`` of it."""
        ...

    async def get_payment(self, *, payment_id: str) -> Payment:
        """Return a payment as the provider sees it now."""
        ...
