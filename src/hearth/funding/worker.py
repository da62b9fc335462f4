"""Campaign deadlines, a background component: start, decide, charge, drop, advance.

Several processes may run it at once; ``outcome.settle`` claims each piece of work in the
database, so nothing happens twice and nothing waits for one designated process.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import metrics
from hearth.funding import outcome
from hearth.kit.clock import Clock
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
        self._task: asyncio.Task[None] | None = None

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
        self._task = asyncio.create_task(self._run(), name="campaign-deadlines")

    async def stop(self) -> None:
        """Stop settling and wait for the round under way to be cancelled."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                done = await self.settle_once()
                if done.funded or done.failed or done.busy:
                    log.info(
                        "funding_settled",
                        funded=done.funded,
                        failed=done.failed,
                        charged=done.charged,
                        payment_failed=done.payment_failed,
                    )
            except Exception:
                metrics.ERRORS.labels(area="funding").inc()
                log.exception("funding_settle_failed")
            await asyncio.sleep(self.interval)
