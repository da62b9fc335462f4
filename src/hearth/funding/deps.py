"""Dependencies that crowdfunding's routes share: the payment provider, idempotency keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from hearth.kit.bounds import PRINTABLE_ASCII
from hearth.payments.provider import PaymentProvider
from hearth.payments.sandbox import build_provider
from hearth.web.deps import HearthDep


async def payment_provider(hearth: HearthDep) -> PaymentProvider:
    """Return the configured payment provider, on the hearth's clock."""
    return build_provider(hearth.settings, hearth.sessions, clock=hearth.clock)


ProviderDep = Annotated[PaymentProvider, Depends(payment_provider)]
IdempotencyKey = Annotated[
    str, Header(alias="Idempotency-Key", min_length=1, max_length=200, pattern=PRINTABLE_ASCII)
]
