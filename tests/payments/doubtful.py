"""Providers whose answers go missing, for tests of charges in doubt.

The sandbox's timeout card (``4000 0000 0000 0408``) charges and then times out once per
key. These wrap any provider to lose other answers: ``LateAnswers`` lets the call happen
and loses its first answer (a decline that times out), ``NoAnswer`` loses every charge
while it is ``silent`` without the call ever reaching the provider (a provider that is
down for hours)."""

from __future__ import annotations

from dataclasses import dataclass, field

from hearth.errors import PaymentError, ProviderTimeout
from hearth.kit.money import Money
from hearth.payments.provider import Customer, Payment, PaymentMethod, PaymentProvider, Refund


@dataclass
class Wrapped:
    inner: PaymentProvider

    @property
    def name(self) -> str:
        return self.inner.name

    async def create_customer(self, *, reference: str, idempotency_key: str) -> Customer:
        return await self.inner.create_customer(
            reference=reference, idempotency_key=idempotency_key
        )

    async def save_payment_method(
        self, *, customer_id: str, token: str, idempotency_key: str
    ) -> PaymentMethod:
        return await self.inner.save_payment_method(
            customer_id=customer_id, token=token, idempotency_key=idempotency_key
        )

    async def capture(
        self, *, payment_id: str, idempotency_key: str, amount: Money | None = None
    ) -> Payment:
        return await self.inner.capture(
            payment_id=payment_id, idempotency_key=idempotency_key, amount=amount
        )

    async def void(self, *, payment_id: str, idempotency_key: str) -> Payment:
        return await self.inner.void(payment_id=payment_id, idempotency_key=idempotency_key)

    async def refund(
        self, *, payment_id: str, idempotency_key: str, amount: Money | None = None
    ) -> Refund:
        return await self.inner.refund(
            payment_id=payment_id, idempotency_key=idempotency_key, amount=amount
        )

    async def get_payment(self, *, payment_id: str) -> Payment:
        return await self.inner.get_payment(payment_id=payment_id)

    async def _authorize(
        self,
        *,
        customer_id: str,
        method_id: str,
        amount: Money,
        reference: str,
        idempotency_key: str,
        capture: bool,
        off_session: bool,
    ) -> Payment:
        return await self.inner.authorize(
            customer_id=customer_id,
            method_id=method_id,
            amount=amount,
            reference=reference,
            idempotency_key=idempotency_key,
            capture=capture,
            off_session=off_session,
        )


@dataclass
class LateAnswers(Wrapped):
    """The first answer for each key is lost after the provider acted (declines too)."""

    answered: set[str] = field(default_factory=set)

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
        first = idempotency_key not in self.answered
        self.answered.add(idempotency_key)
        try:
            payment = await self._authorize(
                customer_id=customer_id,
                method_id=method_id,
                amount=amount,
                reference=reference,
                idempotency_key=idempotency_key,
                capture=capture,
                off_session=off_session,
            )
        except PaymentError:
            if first:
                raise ProviderTimeout("the answer was lost") from None
            raise
        if first:
            raise ProviderTimeout("the answer was lost")
        return payment


@dataclass
class NoAnswer(Wrapped):
    """While ``silent``, no charge reaches the provider and none is answered."""

    silent: bool = True
    calls: int = 0

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
        self.calls += 1
        if self.silent:
            raise ProviderTimeout("nobody answered")
        return await self._authorize(
            customer_id=customer_id,
            method_id=method_id,
            amount=amount,
            reference=reference,
            idempotency_key=idempotency_key,
            capture=capture,
            off_session=off_session,
        )
