"""The deadline worker every hearth process runs: start, decide, charge, drop, advance.

Several processes may run it at once; ``outcome.settle`` claims each piece of work in the
database, so nothing happens twice and nothing waits for one designated process.
"""

from __future__ import annotations

import asyncio

import structlog

from hearth import metrics
from hearth.funding import outcome
from hearth.payments.provider import build_provider
from hearth.runtime import Hearth

log = structlog.get_logger(__name__)
INTERVAL = 5.0


async def settle_once(hearth: Hearth) -> outcome.Settled:
    """Run one round of deadline work; its events are published as each step commits."""
    provider = build_provider(hearth.settings, hearth.sessions, clock=hearth.clock)
    return await outcome.settle(
        hearth.sessions,
        provider,
        hearth.publish,
        now=hearth.clock.now(),
        commission_bp=hearth.settings.commission_bp,
    )


async def run(hearth: Hearth, interval: float = INTERVAL) -> None:
    """Settle every ``interval`` seconds until cancelled; a failing round is logged."""
    while True:
        try:
            done = await settle_once(hearth)
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
        await asyncio.sleep(interval)
