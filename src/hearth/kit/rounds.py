"""Background work done in rounds, stopped between rounds rather than in the middle of one.

Every worker of hearth (campaign deadlines, reservation expiry, the mail queue, scene ticks,
device upkeep and rollups) does the same thing: a round of database work, a wait, again.
They used to stop by cancelling their task, which could land inside a transaction: the
database rolled the work back, as it should, but the connection pool then reported the
cancelled rollback as an error on every stop that met a round under way. ``Rounds`` is the
one loop they share: a stop ends the wait at once, lets the round under way finish (for up
to ``grace`` seconds), and cancels only a round that outstays it. A failed round is counted
and logged, and the next one comes after the usual wait.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog

from hearth import metrics

log = structlog.get_logger(__name__)

GRACE = 10.0  # seconds a stop waits for the round under way


class Rounds:
    """Call ``work`` every ``every`` seconds in the background until stopped.

    ``first_after`` is the wait before the first round (0: at once); ``wake`` starts the next
    round early. A round that raises is counted under ``area`` and logged as ``failed``."""

    def __init__(
        self,
        work: Callable[[], Awaitable[object]],
        *,
        name: str,
        every: float,
        area: str,
        failed: str,
        first_after: float = 0.0,
        grace: float = GRACE,
    ) -> None:
        self.work = work
        self.name = name
        self.every = every
        self.area = area
        self.failed = failed
        self.first_after = first_after
        self.grace = grace
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """Whether the rounds are going on."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the rounds in the background."""
        self._stopping = False
        self._wake.clear()
        self._task = asyncio.create_task(self._run(), name=self.name)

    def wake(self) -> None:
        """Start the next round now instead of after the wait."""
        self._wake.set()

    async def stop(self) -> None:
        """End the wait, let the round under way finish (up to ``grace``), then return."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        await finish(task, grace=self.grace)

    async def _run(self) -> None:
        if await self._wait(self.first_after):
            return
        while True:
            self._wake.clear()
            try:
                await self.work()
            except Exception:
                metrics.ERRORS.labels(area=self.area).inc()
                log.exception(self.failed)
            if await self._wait(self.every):
                return

    async def _wait(self, seconds: float) -> bool:
        """Wait ``seconds`` or until woken; say whether the rounds are to stop."""
        if seconds > 0 and not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), seconds)
        return self._stopping


async def finish(task: asyncio.Task[None], *, grace: float = GRACE) -> None:
    """Wait for ``task`` to end by itself for up to ``grace`` seconds, then cancel it; a
    failure of its own is logged, not raised, so the rest of a stop goes on."""
    done, _ = await asyncio.wait({task}, timeout=grace)
    if not done:
        log.warning("work_cut_short", task=task.get_name(), grace=grace)
        task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    except Exception:  # the task's own failure, told once here rather than lost
        log.exception("work_failed", task=task.get_name())
