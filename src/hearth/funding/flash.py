"""Flash-sale pledging: concurrent pledges for one tier share one transaction.

On a fan day thousands of backers pledge to the same tier at once. Each pledge must update
the tier's row (units sold), so one transaction per pledge queues every request behind the
row lock and pays one commit (one WAL flush) per pledge: the whole sale runs at the
database's single-row update rate. Here the pledges that arrive while a batch is being
written wait for the next batch, and a batch is **one** transaction: each pledge runs the
usual rules in its own savepoint (so one refused pledge changes nothing for the others),
the tier row is locked once, and one commit acknowledges them all.

Nothing waits in memory after it was acknowledged: a request is answered only once its
batch has committed. A batch whose commit fails fails every request in it, and the
clients retry with their idempotency keys.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

import structlog

from hearth import db, metrics
from hearth.accounts.models import User
from hearth.errors import HearthError
from hearth.funding import events, pledges, present
from hearth.runtime import Hearth

log = structlog.get_logger(__name__)
MAX_BATCH = 200


@dataclass
class _Waiting:
    user: User
    request: pledges.PledgeRequest
    done: asyncio.Future[tuple[dict[str, object], bool]]


def batcher_for(hearth: Hearth, holder: object) -> PledgeBatcher:
    """Return the batcher kept on ``holder`` (the app's state), creating it on first use."""
    found: PledgeBatcher | None = getattr(holder, "pledge_batcher", None)
    if found is None or found.hearth is not hearth:
        found = PledgeBatcher(hearth)
        setattr(holder, "pledge_batcher", found)  # noqa: B010
    return found


@dataclass
class PledgeBatcher:
    """Coalesce the pledges of one process per tier into shared transactions."""

    hearth: Hearth
    _queues: dict[str, list[_Waiting]] = field(default_factory=dict)
    _runners: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    batches: int = 0
    placed: int = 0

    async def place(
        self, *, user: User, request: pledges.PledgeRequest
    ) -> tuple[dict[str, object], bool]:
        """Pledge; return the pledge (as JSON) and whether it is new, once committed."""
        loop = asyncio.get_running_loop()
        waiting = _Waiting(user, request, loop.create_future())
        self._queues.setdefault(request.tier_id, []).append(waiting)
        if request.tier_id not in self._runners:
            self._runners[request.tier_id] = asyncio.create_task(self._drain(request.tier_id))
        return await waiting.done

    async def _drain(self, tier_id: str) -> None:
        try:
            while self._queues.get(tier_id):
                batch = self._queues[tier_id][:MAX_BATCH]
                del self._queues[tier_id][: len(batch)]
                await self._write(batch, self.hearth.clock.now())
        finally:
            self._runners.pop(tier_id, None)
            if not self._queues.get(tier_id):
                self._queues.pop(tier_id, None)

    async def _write(self, batch: list[_Waiting], now: datetime) -> None:
        outcomes: list[tuple[_Waiting, object]] = []
        try:
            async with db.transaction(self.hearth.sessions) as session:
                for waiting in batch:
                    try:
                        async with session.begin_nested():
                            pledge, new = await pledges.place_pledge(
                                session, user=waiting.user, request=waiting.request, now=now
                            )
                            outcomes.append((waiting, (present.pledge(pledge), new)))
                    except HearthError as err:
                        outcomes.append((waiting, err))
                found = events.drain(session)
        except Exception as err:  # the commit failed: nobody was acknowledged
            metrics.ERRORS.labels(area="funding").inc()
            log.exception("pledge_batch_failed", size=len(batch))
            for waiting in batch:
                if not waiting.done.done():
                    waiting.done.set_exception(err)
            return
        self.batches += 1
        self.placed += len(batch)
        for waiting, result in outcomes:
            if waiting.done.done():
                continue
            if isinstance(result, BaseException):
                waiting.done.set_exception(result)
            else:
                waiting.done.set_result(result)  # type: ignore[arg-type]
        if found:
            # One progress event per campaign per batch is enough for live pages.
            latest: dict[object, object] = {}
            for event in found:
                key = (type(event), getattr(event, "campaign_id", id(event)))
                latest[key] = event
            await self.hearth.publish(*latest.values())
