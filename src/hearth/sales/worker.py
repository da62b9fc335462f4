"""Reservation expiry, a background component: settles store charges whose provider call
timed out by asking the provider, then gives back the units of checkouts nobody paid in
time. Several processes may run it at once; ``checkout.settle_doubts`` and
``checkout.release_expired`` claim each piece of work in the database, so each charge is
settled once and each reservation given back once."""

from __future__ import annotations

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth.kit.clock import Clock
from hearth.kit.rounds import Rounds
from hearth.outbox import Publish
from hearth.payments.provider import PaymentProvider
from hearth.sales import checkout

log = structlog.get_logger(__name__)
INTERVAL = 30.0


class ReservationExpiry:
    """Settle charges in doubt and release expired reservations every ``interval`` seconds
    until stopped."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        publish: Publish,
        provider: PaymentProvider,
        commission_bp: int,
        interval: float = INTERVAL,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.publish = publish
        self.provider = provider
        self.commission_bp = commission_bp
        self.interval = interval
        self._rounds = Rounds(
            self._round,
            name="reservation-expiry",
            every=interval,
            area="sales",
            failed="sale_reservations_expiry_failed",
        )

    async def settle_once(self) -> int:
        """Ask the provider about every store charge in doubt that is due; return how many
        it settled."""
        total = 0
        while True:
            done = await checkout.settle_doubts(
                self.sessions,
                self.provider,
                self.publish,
                commission_bp=self.commission_bp,
                now=self.clock.now(),
            )
            total += done.settled
            if not done.settled and not done.silent:
                return total

    async def release_once(self) -> int:
        """Give back every reservation due now (none in doubt); return how many."""
        total = 0
        while released := await checkout.release_expired(
            self.sessions, self.publish, now=self.clock.now()
        ):
            total += released
        return total

    async def start(self) -> None:
        """Start releasing in the background."""
        self._rounds.start()

    async def stop(self) -> None:
        """Stop once the round under way has finished."""
        await self._rounds.stop()

    async def _round(self) -> None:
        settled = await self.settle_once()
        if settled:
            log.info("sale_doubts_settled", settled=settled)
        released = await self.release_once()
        if released:
            log.info("sale_reservations_expired", released=released)
