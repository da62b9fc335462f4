"""Campaign deadlines, a background component: start, decide, charge, drop, advance.

Several processes may run it at once; ``outcome.settle`` claims each piece of work in the
database, so nothing happens twice and nothing waits for one designated process.
"""

from __future__ import annotations

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth.funding import outcome
from hearth.kit.clock import Clock
from hearth.kit.rounds import Rounds
from hearth.outbox import Publish
from hearth.payments.provider import PaymentProvider

log = structlog.get_logger(__name__)
INTERVAL = 5.0


class CampaignDeadlines:
    """Settle campaign deadlines every ``interval`` seconds until stopped."""

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
            name="campaign-deadlines",
            every=interval,
            area="funding",
            failed="funding_settle_failed",
        )

    async def settle_once(self) -> outcome.Settled:
        """Run one round of deadline work; its events are published as each step commits."""
        return await outcome.settle(
            self.sessions,
            self.provider,
            self.publish,
            now=self.clock.now(),
            commission_bp=self.commission_bp,
        )

    async def start(self) -> None:
        """Start settling in the background."""
        self._rounds.start()

    async def stop(self) -> None:
        """Stop settling once the round under way has finished."""
        await self._rounds.stop()

    async def _round(self) -> None:
        done = await self.settle_once()
        if done.funded or done.failed or done.busy:
            log.info(
                "funding_settled",
                funded=done.funded,
                failed=done.failed,
                charged=done.charged,
                payment_failed=done.payment_failed,
            )
