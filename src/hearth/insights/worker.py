"""The insights job, a background component: every few minutes, count today's figures
again and any earlier day not yet counted for good (``rollup``).

Any number of processes may run it: each day is claimed in the database before it is
counted (``rollup.claim``), so two workers never count the same day at once, and a day
counted for good is never counted again. A first run counts back to the oldest account, at
most ``BACKFILL`` days.
"""

from __future__ import annotations

from datetime import timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import metrics
from hearth.insights import rollup
from hearth.insights.rules import day_of
from hearth.kit.clock import Clock
from hearth.kit.rounds import Rounds

log = structlog.get_logger(__name__)
# Today's figures a Prometheus scrape of ``/metrics`` also shows (ingest: hearth_mqtt_messages).
GAUGES = {"devices.connected": metrics.DEVICES_CONNECTED, "campaigns.live": metrics.CAMPAIGNS_LIVE}
INTERVAL = 300.0
FIRST_AFTER = 15.0  # seconds: a process starting up has more pressing work
BACKFILL = 400  # days: a year and a bit, the longest range worth a chart


class InsightsJob:
    """Count the days due every ``interval`` seconds until stopped."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        interval: float = INTERVAL,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self._rounds = Rounds(
            self.run_once,
            name="insights",
            every=interval,
            first_after=FIRST_AFTER,
            area="insights",
            failed="insights_round_failed",
        )

    async def run_once(self) -> int:
        """Count every day due now that no other worker holds; return how many."""
        now = self.clock.now()
        async with self.sessions() as session:
            oldest = await rollup.first_day(session)
            if oldest is None:
                return 0
            first = max(oldest, day_of(now) - timedelta(days=BACKFILL))
            final = await rollup.final_days(session, first)
        counted = 0
        for day in rollup.due(first, now, final):
            async with self.sessions() as session, session.begin():
                counted += await rollup.count(session, day, now=now)
        async with self.sessions() as session:
            gauges = await rollup.today(session, now=now, figures=tuple(GAUGES))
        for name, gauge in GAUGES.items():
            if name in gauges:
                gauge.set(gauges[name])
        if counted:
            log.debug("insights_counted", days=counted)
        return counted

    async def start(self) -> None:
        """Start counting in the background."""
        self._rounds.start()

    async def stop(self) -> None:
        """Stop once the round under way has finished."""
        await self._rounds.stop()
