"""The built-in sandbox provider: behaves like a card provider and moves no real money.

Its state (customers, saved cards, payments, refunds, idempotency keys) is kept in the
database, in its own transactions, the way a real provider keeps it on its own servers:
every hearth process sees the same payments, and they survive restarts. A retried call
with the same idempotency key replays the first outcome; two processes racing with one key
meet on the key's primary key, so exactly one of them acts and both get its outcome.

Test cards (pass the number as the ``token`` of ``save_payment_method``; spaces allowed):

=====================  ==========  ==========================================================
number                 brand       behaviour
=====================  ==========  ==========================================================
4242 4242 4242 4242    visa        saves, every charge succeeds
5555 5555 5555 4444    mastercard  saves, every charge succeeds
6200 0000 0000 0005    unionpay    saves, every charge succeeds
4000 0000 0000 0002    visa        declined when saved: ``card_declined``
4000 0000 0000 0069    visa        declined when saved: ``expired_card``
4000 0000 0000 0127    visa        declined when saved: ``incorrect_cvc``
4000 0000 0000 9995    visa        saves; charges declined: ``insufficient_funds``
4000 0000 0000 0341    visa        saves; charges declined: ``card_declined``
4000 0000 0000 9987    visa        saves; charges declined: ``lost_card``
4000 0027 6000 3184    visa        saves; off-session charges need authentication,
                                   on-session ones (customer present) succeed
4000 0000 0000 0408    visa        saves; every money call *does its work* and then times out
                                   (``ProviderTimeout``); a retry with the same key returns
                                   the real outcome
4000 0000 0000 0503    visa        saves; every money call is refused
                                   (``ProviderUnavailable``), nothing happens
=====================  ==========  ==========================================================

Any other token is declined with ``incorrect_number``: the sandbox never sees real cards.
``latency`` (seconds) is slept before each call, like a network round trip, so that
benchmarks against the sandbox are honest.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db
from hearth.config import Settings
from hearth.errors import (
    AuthenticationRequired,
    CurrencyMismatch,
    IdempotencyKeyReused,
    InvalidInput,
    NotFound,
    PaymentDeclined,
    PaymentError,
    ProviderTimeout,
    ProviderUnavailable,
)
from hearth.kit.clock import Clock, SystemClock
from hearth.kit.money import Money
from hearth.payments.models import (
    SandboxCustomer,
    SandboxPayment,
    SandboxPaymentMethod,
    SandboxRefund,
    SandboxRequest,
)
from hearth.payments.provider import (
    PAYMENT_WORKFLOW,
    Customer,
    Payment,
    PaymentMethod,
    PaymentProvider,
    PaymentStatus,
    Refund,
)

KEY = re.compile(r"^[\x21-\x7e]{1,200}$")  # printable ASCII, like real providers accept


@dataclass(frozen=True)
class TestCard:
    brand: str
    decline_on_save: str | None = None
    decline_on_charge: str | None = None
    authentication: bool = False
    timeout: bool = False
    unavailable: bool = False

    @property
    def behaviour(self) -> str:
        for flag, name in (
            (self.decline_on_charge, f"decline:{self.decline_on_charge}"),
            (self.authentication, "authentication"),
            (self.timeout, "timeout"),
            (self.unavailable, "unavailable"),
        ):
            if flag:
                return name
        return "ok"


TEST_CARDS: dict[str, TestCard] = {
    "4242424242424242": TestCard("visa"),
    "5555555555554444": TestCard("mastercard"),
    "6200000000000005": TestCard("unionpay"),
    "4000000000000002": TestCard("visa", decline_on_save="card_declined"),
    "4000000000000069": TestCard("visa", decline_on_save="expired_card"),
    "4000000000000127": TestCard("visa", decline_on_save="incorrect_cvc"),
    "4000000000009995": TestCard("visa", decline_on_charge="insufficient_funds"),
    "4000000000000341": TestCard("visa", decline_on_charge="card_declined"),
    "4000000000009987": TestCard("visa", decline_on_charge="lost_card"),
    "4000002760003184": TestCard("visa", authentication=True),
    "4000000000000408": TestCard("visa", timeout=True),
    "4000000000000503": TestCard("visa", unavailable=True),
}

Outcome = dict[str, Any]


class SandboxProvider:
    """A ``PaymentProvider`` whose servers are tables in hearth's own database."""

    name = "sandbox"

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        latency: float = 0.0,
        clock: Clock | None = None,
    ) -> None:
        self._sessions = sessions
        self._latency = latency
        self._clock = clock or SystemClock()

    # -- the protocol ----------------------------------------------------------------

    async def create_customer(self, *, reference: str, idempotency_key: str) -> Customer:
        """Create a customer for hearth's ``reference``."""
        _check_text("reference", reference, 120)

        async def work(session: AsyncSession) -> Outcome:
            row = SandboxCustomer(reference=reference, created_at=self._clock.now())
            session.add(row)
            await session.flush()
            return {"ok": {"id": row.id, "reference": reference}}

        outcome = await self._idempotent(
            idempotency_key, "create_customer", {"reference": reference}, work
        )
        return Customer(**outcome)

    async def save_payment_method(
        self, *, customer_id: str, token: str, idempotency_key: str
    ) -> PaymentMethod:
        """Check a test card and save it for later charges."""
        number = re.sub(r"[\s-]", "", token)
        card = TEST_CARDS.get(number)

        async def work(session: AsyncSession) -> Outcome:
            await _customer(session, customer_id)
            if card is None:
                return _declined("the sandbox accepts only its test cards", "incorrect_number")
            if card.decline_on_save:
                return _declined("the card was declined", card.decline_on_save)
            row = SandboxPaymentMethod(
                customer_id=customer_id,
                brand=card.brand,
                last4=number[-4:],
                exp_month=12,
                exp_year=self._clock.now().year + 4,
                behaviour=card.behaviour,
                created_at=self._clock.now(),
            )
            session.add(row)
            await session.flush()
            return {"ok": _method_dict(row)}

        # The fingerprint holds a digest of the number, never the number itself.
        digest = hashlib.sha256(number.encode()).hexdigest()
        params = {"customer_id": customer_id, "card": digest}
        outcome = await self._idempotent(idempotency_key, "save_payment_method", params, work)
        return PaymentMethod(**outcome)

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
        """Hold (or with ``capture=True`` take) ``amount`` from a saved card."""
        if not amount.is_positive:
            raise InvalidInput(f"a payment must be a positive amount, not {amount}")
        _check_text("reference", reference, 120)

        async def work(session: AsyncSession) -> Outcome:
            method = await session.get(SandboxPaymentMethod, method_id)
            if method is None or method.customer_id != customer_id:
                raise NotFound(f"no payment method {method_id} for customer {customer_id}")
            _refuse_if_unavailable(method)
            now = self._clock.now()
            row = SandboxPayment(
                customer_id=customer_id,
                method_id=method_id,
                currency=amount.currency,
                amount=amount.amount,
                captured=0,
                refunded=0,
                status=PaymentStatus.AUTHORIZED.value,
                reference=reference,
                created_at=now,
                updated_at=now,
            )
            failure = _charge_failure(method, off_session=off_session)
            if failure is not None:
                row.status = PaymentStatus.FAILED.value
                row.decline_code = failure
            elif capture:
                row.status = PaymentStatus.CAPTURED.value
                row.captured = amount.amount
            session.add(row)
            await session.flush()
            if failure == "authentication_required":
                return {
                    "error": "authentication_required",
                    "message": "the bank asks the customer to authenticate this payment",
                    "payment_id": row.id,
                }
            if failure is not None:
                return _declined("the card was declined", failure, payment_id=row.id)
            return _payment_outcome(row, method)

        params = {
            "customer_id": customer_id,
            "method_id": method_id,
            "amount": amount.amount,
            "currency": amount.currency,
            "reference": reference,
            "capture": capture,
            "off_session": off_session,
        }
        return _payment(await self._idempotent(idempotency_key, "authorize", params, work))

    async def capture(
        self, *, payment_id: str, idempotency_key: str, amount: Money | None = None
    ) -> Payment:
        """Take all or part of a held payment; the rest of the hold is released."""

        async def work(session: AsyncSession) -> Outcome:
            row, method = await _payment_for_update(session, payment_id)
            _refuse_if_unavailable(method)
            take = amount.amount if amount is not None else row.amount
            if amount is not None:
                _same_currency(row, amount)
            if not 0 < take <= row.amount:
                raise InvalidInput(f"can capture between 0 and {_money(row, row.amount)}")
            row.status = PAYMENT_WORKFLOW.move(PaymentStatus(row.status), PaymentStatus.CAPTURED)
            row.captured = take
            row.updated_at = self._clock.now()
            return _payment_outcome(row, method)

        params = {"payment_id": payment_id, "amount": amount.amount if amount else None}
        return _payment(await self._idempotent(idempotency_key, "capture", params, work))

    async def void(self, *, payment_id: str, idempotency_key: str) -> Payment:
        """Release a hold without taking anything."""

        async def work(session: AsyncSession) -> Outcome:
            row, method = await _payment_for_update(session, payment_id)
            _refuse_if_unavailable(method)
            row.status = PAYMENT_WORKFLOW.move(PaymentStatus(row.status), PaymentStatus.VOIDED)
            row.updated_at = self._clock.now()
            return _payment_outcome(row, method)

        params = {"payment_id": payment_id}
        return _payment(await self._idempotent(idempotency_key, "void", params, work))

    async def refund(
        self, *, payment_id: str, idempotency_key: str, amount: Money | None = None
    ) -> Refund:
        """Send back all that is left of a captured payment, or ``amount`` of it."""

        async def work(session: AsyncSession) -> Outcome:
            row, method = await _payment_for_update(session, payment_id)
            _refuse_if_unavailable(method)
            left = row.captured - row.refunded
            give = amount.amount if amount is not None else left
            if amount is not None:
                _same_currency(row, amount)
            if row.status != PaymentStatus.CAPTURED:
                PAYMENT_WORKFLOW.check(PaymentStatus(row.status), PaymentStatus.REFUNDED)
            if not 0 < give <= left:
                raise InvalidInput(
                    f"a refund must be more than nothing and at most the {_money(row, left)} left"
                )
            row.refunded += give
            target = PaymentStatus.REFUNDED if row.refunded == row.captured else row.status
            row.status = PAYMENT_WORKFLOW.move(PaymentStatus(row.status), PaymentStatus(target))
            row.updated_at = self._clock.now()
            refund = SandboxRefund(payment_id=row.id, amount=give, created_at=self._clock.now())
            session.add(refund)
            await session.flush()
            return {
                "ok": {"id": refund.id, "payment_id": row.id, "amount": give},
                "currency": row.currency,
                "timeout": method.behaviour == "timeout",
            }

        params = {"payment_id": payment_id, "amount": amount.amount if amount else None}
        outcome = await self._idempotent(idempotency_key, "refund", params, work, raw=True)
        body = outcome["ok"]
        return Refund(
            id=body["id"],
            payment_id=body["payment_id"],
            amount=Money(body["amount"], outcome["currency"]),
        )

    async def get_payment(self, *, payment_id: str) -> Payment:
        """Return a payment as the sandbox sees it now."""
        await self._network()
        async with self._sessions() as session:
            row = await session.get(SandboxPayment, payment_id)
            if row is None:
                raise NotFound(f"no payment {payment_id}")
            return _payment(_payment_outcome(row, None)["ok"])

    # -- idempotency ------------------------------------------------------------------

    async def _network(self) -> None:
        if self._latency:
            await asyncio.sleep(self._latency)

    async def _idempotent(
        self,
        key: str,
        operation: str,
        params: dict[str, Any],
        work: Callable[[AsyncSession], Awaitable[Outcome]],
        *,
        raw: bool = False,
    ) -> Any:
        """Run ``work`` once per key; replay its outcome to every retry with the same key."""
        if not KEY.match(key):
            raise InvalidInput("an idempotency key is 1-200 printable ASCII characters")
        fingerprint = hashlib.sha256(
            json.dumps({"operation": operation, **params}, sort_keys=True).encode()
        ).hexdigest()
        await self._network()
        for _attempt in range(3):
            try:
                async with db.transaction(self._sessions) as session:
                    stored = await session.get(SandboxRequest, key)
                    if stored is not None:
                        return _settle(stored, key, fingerprint, raw=raw, first=False)
                    # Claim the key first: a racing call with the same key waits on it here
                    # until this transaction ends, then finds the outcome.
                    request = SandboxRequest(
                        key=key,
                        operation=operation,
                        fingerprint=fingerprint,
                        created_at=self._clock.now(),
                    )
                    session.add(request)
                    await session.flush()
                    outcome = await work(session)
                    request.outcome = json.dumps(outcome)
            except IntegrityError:
                continue  # another process claimed the key first; read its outcome
            return _settle(request, key, fingerprint, raw=raw, first=True)
        raise ProviderUnavailable("the sandbox could not settle the idempotency key; retry")


def _settle(stored: SandboxRequest, key: str, fingerprint: str, *, raw: bool, first: bool) -> Any:
    if stored.fingerprint != fingerprint:
        raise IdempotencyKeyReused(key)
    outcome: Outcome = json.loads(stored.outcome)
    if first and outcome.get("timeout"):
        # The work is done and committed, but the answer "never arrives".
        raise ProviderTimeout("the sandbox did not answer in time; retry with the same key")
    error = outcome.get("error")
    if error == "declined":
        raise PaymentDeclined(
            outcome["message"],
            decline_code=outcome["decline_code"],
            payment_id=outcome.get("payment_id"),
        )
    if error == "authentication_required":
        raise AuthenticationRequired(outcome["message"], payment_id=outcome["payment_id"])
    if error is not None:  # pragma: no cover - only the two errors above are ever stored
        raise PaymentError(str(outcome.get("message", error)))
    return outcome if raw else outcome["ok"]


def _check_text(field: str, value: str, limit: int) -> None:
    if not value or len(value) > limit:
        raise InvalidInput(f"{field} must be 1 to {limit} characters")


def _declined(message: str, code: str, *, payment_id: str | None = None) -> Outcome:
    return {"error": "declined", "message": message, "decline_code": code, "payment_id": payment_id}


def _refuse_if_unavailable(method: SandboxPaymentMethod) -> None:
    if method.behaviour == "unavailable":
        raise ProviderUnavailable("the sandbox is unavailable for this card (test card 0503)")


def _charge_failure(method: SandboxPaymentMethod, *, off_session: bool) -> str | None:
    if method.behaviour.startswith("decline:"):
        return method.behaviour.split(":", 1)[1]
    if method.behaviour == "authentication" and off_session:
        return "authentication_required"
    return None


async def _customer(session: AsyncSession, customer_id: str) -> SandboxCustomer:
    row = await session.get(SandboxCustomer, customer_id)
    if row is None:
        raise NotFound(f"no customer {customer_id}")
    return row


async def _payment_for_update(
    session: AsyncSession, payment_id: str
) -> tuple[SandboxPayment, SandboxPaymentMethod]:
    row = await session.scalar(
        select(SandboxPayment).where(SandboxPayment.id == payment_id).with_for_update()
    )
    if row is None:
        raise NotFound(f"no payment {payment_id}")
    method = await session.get(SandboxPaymentMethod, row.method_id)
    assert method is not None  # a foreign key keeps it
    return row, method


def _same_currency(row: SandboxPayment, amount: Money) -> None:
    if amount.currency != row.currency:
        raise CurrencyMismatch(row.currency, amount.currency)


def _money(row: SandboxPayment, minor: int) -> Money:
    return Money(minor, row.currency)


def _method_dict(row: SandboxPaymentMethod) -> dict[str, Any]:
    return {
        "id": row.id,
        "customer_id": row.customer_id,
        "brand": row.brand,
        "last4": row.last4,
        "exp_month": row.exp_month,
        "exp_year": row.exp_year,
    }


def _payment_outcome(row: SandboxPayment, method: SandboxPaymentMethod | None) -> Outcome:
    return {
        "ok": {
            "id": row.id,
            "customer_id": row.customer_id,
            "method_id": row.method_id,
            "currency": row.currency,
            "amount": row.amount,
            "captured": row.captured,
            "refunded": row.refunded,
            "status": row.status,
            "reference": row.reference,
        },
        "timeout": method is not None and method.behaviour == "timeout",
    }


def _payment(body: dict[str, Any]) -> Payment:
    currency = body["currency"]
    return Payment(
        id=body["id"],
        customer_id=body["customer_id"],
        method_id=body["method_id"],
        amount=Money(body["amount"], currency),
        captured=Money(body["captured"], currency),
        refunded=Money(body["refunded"], currency),
        status=PaymentStatus(body["status"]),
        reference=body["reference"],
    )


def build_provider(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    *,
    clock: Clock | None = None,
) -> PaymentProvider:
    """Return the provider ``settings`` select (today: the built-in sandbox)."""
    if settings.payment_provider == "sandbox":
        return SandboxProvider(sessions, latency=settings.sandbox_latency_ms / 1000, clock=clock)
    raise AssertionError(f"unknown payment provider {settings.payment_provider!r}")
