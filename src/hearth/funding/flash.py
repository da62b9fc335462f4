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

A tier's batches run one after another on one connection, checked out for as long as
pledges keep coming, and speak to the driver directly (``funding.flashsql``): a checkout
per batch (the pool's liveness ping is three round trips) and the ORM cost more than a
small batch's own statements.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field, replace
from datetime import datetime

import orjson
import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db, metrics
from hearth.accounts import service as accounts
from hearth.accounts.models import User
from hearth.errors import Conflict, HearthError, IdempotencyKeyReused, NotAuthenticated, NotFound
from hearth.funding import events, flashsql, pledges
from hearth.funding.flashsql import Driver, PledgeRow
from hearth.funding.rules import (
    UNLAUNCHED,
    CampaignState,
    PledgeState,
    Progress,
    Tier,
    Window,
    check_pledging_open,
    check_quantity,
    shipping_cost_of,
)
from hearth.funding.schemas import PledgeOut
from hearth.kit.clock import Clock
from hearth.kit.ids import new_id
from hearth.outbox import Publish, unit_of_work

log = structlog.get_logger(__name__)
MAX_BATCH = 200
PROGRESS_EVERY = 0.1  # seconds: how often a process tells live pages a campaign's totals


@dataclass(eq=False)
class _Waiting:
    user: User | None  # None: the caller is who ``token`` says, checked in the batch
    token: str | None
    request: pledges.PledgeRequest
    done: asyncio.Future[tuple[PledgeOut, bool]]


@dataclass
class PledgeBatcher:
    """Coalesce the pledges of one process per tier into shared transactions.

    The runtime keeps one per process; ``stop`` lets the batches under way finish and
    their events go out before the process closes its database."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    publish: Publish
    one_writer: bool = False  # SQLite: one writer at a time, so pledges go one by one
    _queues: dict[str, list[_Waiting]] = field(default_factory=dict)
    _runners: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    _latest: dict[tuple[type, object], object] = field(default_factory=dict)
    _publishing: asyncio.Task[None] | None = None
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    batches: int = 0
    placed: int = 0

    async def place(
        self,
        *,
        request: pledges.PledgeRequest,
        user: User | None = None,
        token: str | None = None,
    ) -> tuple[PledgeOut, bool]:
        """Pledge as ``user``, or as the owner of the API ``token`` (looked up inside the
        batch, one query for all its pledges, instead of one transaction per request);
        return the pledge as its backer sees it and whether it is new, once committed."""
        if (user is None) == (token is None):
            raise ValueError("pledge as a user or with a token")
        if self.one_writer:
            if user is None:
                raise ValueError("with one writer, pledge as a user")
            async with unit_of_work(self.sessions, self.publish) as session:
                pledge, new = await pledges.place_pledge(
                    session, user=user, request=request, now=self.clock.now()
                )
                shown = PledgeOut.of(pledge)
            return shown, new
        loop = asyncio.get_running_loop()
        waiting = _Waiting(user, token, request, loop.create_future())
        self._queues.setdefault(request.tier_id, []).append(waiting)
        if request.tier_id not in self._runners:
            self._runners[request.tier_id] = asyncio.create_task(self._drain(request.tier_id))
        return await waiting.done

    async def _drain(self, tier_id: str) -> None:
        try:
            while self._queues.get(tier_id):
                await self._burst(tier_id)
        finally:
            self._runners.pop(tier_id, None)
            if not self._queues.get(tier_id):
                self._queues.pop(tier_id, None)

    def _next(self, tier_id: str) -> list[_Waiting]:
        queue = self._queues.get(tier_id, [])
        batch = queue[:MAX_BATCH]
        del queue[: len(batch)]
        return batch

    async def _burst(self, tier_id: str) -> None:
        """Write the tier's batches on one connection until none is waiting, or until a
        batch fails: that batch's requests fail, and the connection is let go. A batch
        that raced another process is redone one pledge at a time, after the connection
        is given back (the redo takes one of its own)."""
        batch = self._next(tier_id)
        try:
            async with db.held_driver(self.sessions) as driver:
                while batch:
                    outcomes = await self._write(driver, batch, self.clock.now())
                    if outcomes is None:  # raced: left for the redo below
                        break
                    self._answer(batch, outcomes)
                    batch = self._next(tier_id)
            if batch:
                self._answer(batch, await self._one_by_one(batch, self.clock.now()))
        except Exception as err:
            self._fail(batch, err)
        except BaseException:  # cancelled (a stop cut short): nobody waits for an answer
            for waiting in batch + self._queues.pop(tier_id, []):
                waiting.done.cancel()
            raise

    async def _write(
        self, driver: Driver, batch: list[_Waiting], now: datetime
    ) -> list[tuple[_Waiting, object]] | None:
        """Write a batch in one transaction; return each request's outcome, or None if
        another process got in between (nothing was written)."""
        try:
            async with driver.transaction():
                callers, refused = await _callers(driver, batch, now)
                results, told = await place_many(
                    driver, items=[(callers[w], w.request) for w in callers], now=now
                )
        except _Raced:
            return None
        await self._publish(*told)
        outcomes: list[tuple[_Waiting, object]] = [(w, refused) for w in batch if w not in callers]
        return outcomes + list(zip(callers, results, strict=True))

    def _fail(self, batch: list[_Waiting], err: Exception) -> None:
        """The commit failed: nobody in the batch was acknowledged; clients retry with their
        keys."""
        metrics.ERRORS.labels(area="funding").inc()
        log.exception("pledge_batch_failed", size=len(batch))
        for waiting in batch:
            if not waiting.done.done():
                waiting.done.set_exception(err)

    async def _one_by_one(
        self, batch: list[_Waiting], now: datetime
    ) -> list[tuple[_Waiting, object]]:
        outcomes: list[tuple[_Waiting, object]] = []
        async with unit_of_work(self.sessions, self._publish) as session:
            callers, refused = await _callers(await db.driver(session), batch, now)
            users = {
                user.id: user
                for user in await session.scalars(
                    select(User).where(User.id.in_(set(callers.values())))
                )
            }
            for waiting in batch:
                if waiting not in callers:
                    outcomes.append((waiting, refused))
                    continue
                try:
                    async with session.begin_nested():
                        pledge, new = await pledges.place_pledge(
                            session, user=users[callers[waiting]], request=waiting.request, now=now
                        )
                        outcomes.append((waiting, (PledgeOut.of(pledge), new)))
                except HearthError as err:
                    outcomes.append((waiting, err))
        return outcomes

    async def _publish(self, *found: object) -> None:
        """Publish a committed batch's events without holding up its answers: at once if
        nothing went out in the last ``PROGRESS_EVERY``, else then. Of a campaign's events
        of one kind only the latest goes out: each carries the campaign's whole totals, and
        live pages need no more than a few a second (each batch's, sent to every process,
        cost a sale a twentieth of its time)."""
        for event in found:
            self._latest[(type(event), getattr(event, "campaign_id", id(event)))] = event
        if self._publishing is None or self._publishing.done():
            self._publishing = asyncio.create_task(self._send_latest())

    async def _send_latest(self) -> None:
        while self._latest:
            found = list(self._latest.values())
            self._latest.clear()
            try:
                await self.publish(*found)
            except Exception:
                log.exception("pledge_events_not_published", count=len(found))
            with contextlib.suppress(TimeoutError):  # stopping: send the rest at once
                await asyncio.wait_for(self._stopping.wait(), PROGRESS_EVERY)

    async def start(self) -> None:
        """Nothing to start: a tier's batches run when its first pledge arrives."""
        self._stopping.clear()

    async def stop(self) -> None:
        """Wait for the batches under way to be answered and their events published."""
        self._stopping.set()
        while self._runners or (self._publishing and not self._publishing.done()):
            publishing = [self._publishing] if self._publishing else []
            await asyncio.gather(*self._runners.values(), *publishing, return_exceptions=True)

    def _answer(self, batch: list[_Waiting], outcomes: list[tuple[_Waiting, object]]) -> None:
        self.batches += 1
        self.placed += len(batch)
        for waiting, result in outcomes:
            if waiting.done.done():
                continue
            if isinstance(result, BaseException):
                waiting.done.set_exception(result)
            else:
                waiting.done.set_result(result)  # type: ignore[arg-type]


async def _callers(
    driver: Driver, batch: list[_Waiting], now: datetime
) -> tuple[dict[_Waiting, str], NotAuthenticated]:
    """Return who pledges (their id) for each waiting request, tokens checked in one
    query, and the answer for those whose token is unknown or revoked."""
    digests = {w.token: accounts.digest(w.token) for w in batch if w.token is not None}
    owners = (
        await flashsql.token_owners(
            driver, list(digests.values()), now, accounts.TOKEN_USE_PRECISION
        )
        if digests
        else {}
    )
    callers: dict[_Waiting, str] = {}
    for waiting in batch:
        backer = (
            waiting.user.id
            if waiting.user is not None
            else owners.get(digests.get(waiting.token or "", ""))
        )
        if backer is not None:
            callers[waiting] = backer
    return callers, NotAuthenticated("the API token is unknown or revoked")


class _Raced(Exception):
    """Another process wrote a conflicting pledge meanwhile; the batch is rolled back."""


Result = tuple[PledgeOut, bool] | HearthError


async def place_many(
    driver: Driver, *, items: list[tuple[str, pledges.PledgeRequest]], now: datetime
) -> tuple[list[Result], list[object]]:
    """Place pledges for one tier with a fixed number of statements, whatever their count,
    inside the caller's transaction on ``driver``; return each one's result, in order, and
    the events to publish once the transaction has committed.

    The same rules as ``pledges.place_pledge``, checked in memory against rows read once
    without locks. The pledges go in with one ``INSERT ... ON CONFLICT DO NOTHING``: the
    unique keys, not a read beforehand, find a backer who already backs the campaign and
    an idempotency key sent before (only the pledges left out, or refused, are looked up
    again, to answer a repeated key with its first pledge). The tier's row is touched
    last, by one conditional ``UPDATE`` that takes every inserted unit or none, so its lock
    is held only for that statement and the commit; other processes' batches run
    meanwhile. If the units are no longer all there, the row is locked, units are handed
    out in arrival order and the pledges that do not fit are taken back: never past the
    limit. Raises ``_Raced`` if the batch is not for one tier."""
    tier_ids = {request.tier_id for _, request in items}
    if len(tier_ids) != 1:
        raise _Raced("one tier per batch")
    tier_id = tier_ids.pop()
    campaign, tiers = await flashsql.sale(driver, tier_id)
    tier = next((t for t in tiers if t.id == tier_id), None)
    cards = await flashsql.card_owners(driver, list({r.card_id for _, r in items}))
    results: list[Result | None] = [None] * len(items)
    owner_of_key: dict[tuple[str, str], int] = {}  # a key: the index of its candidate
    repeated: list[tuple[int, int]] = []  # (index, index of the same key's candidate)
    accepted: list[tuple[int, PledgeRow]] = []
    left_out: list[int] = []
    pending = list(range(len(items)))
    while pending:
        # Units and backers count for the pledges inserted so far only: one the unique keys
        # kept out (a key sent before, a backer who already backs the campaign) takes
        # nothing from those after it, and what it made refuse is checked again.
        holding = {pledge.backer_id for _, pledge in accepted}
        taken = sum(pledge.quantity for _, pledge in accepted)
        candidates: list[tuple[int, PledgeRow]] = []
        for index in pending:
            backer, request = items[index]
            key = (backer, request.idempotency_key)
            if key in owner_of_key:
                repeated.append((index, owner_of_key[key]))
                continue
            try:
                pledge = _check_one(backer, request, tier, campaign, cards, holding, taken, now)
            except HearthError as err:
                results[index] = err
                continue
            candidates.append((index, pledge))
            owner_of_key[key] = index
            holding.add(backer)
            taken += pledge.quantity
        inserted = await _insert(driver, candidates)
        accepted += inserted
        kept_out = {index for index, _ in candidates} - {index for index, _ in inserted}
        left_out += sorted(kept_out)
        pending = [i for i in pending if isinstance(results[i], HearthError)] if kept_out else []
        for index in pending:
            results[index] = None
    told: list[object] = []
    if accepted:
        assert tier is not None and campaign is not None
        # The hot row last: its lock is held from here to the commit.
        moved = await _take(driver, tier.id, [p for _, p in accepted], now)
        if moved is None:
            accepted = await _fit(driver, tier.id, accepted, results, now)
            moved = await _take(driver, tier.id, [p for _, p in accepted], now)
            if moved is None:
                raise _Raced("the tier changed under its lock")
        sold, pledged, count = moved
        tiers = [
            replace(t, sold=sold, pledged=pledged, pledges=count) if t.id == tier.id else t
            for t in tiers
        ]
        told.append(_progress(campaign, tiers))
    for index, pledge in accepted:
        results[index] = (PledgeOut.of(pledge), True)
    await _answer_again(driver, items, results, left_out)
    for index, first in repeated:
        mine, theirs, earlier = items[index][1], items[first][1], results[first]
        if _aim(mine) != _aim(theirs):
            results[index] = IdempotencyKeyReused(mine.idempotency_key)
        else:
            results[index] = (earlier[0], False) if isinstance(earlier, tuple) else earlier
    return [r for r in results if r is not None], told


def _aim(pledge: PledgeRow | pledges.PledgeRequest) -> tuple[str, str, str]:
    """What one idempotency key stands for: the same campaign, tier and card."""
    return pledge.campaign_id, pledge.tier_id, pledge.card_id


async def _insert(
    driver: Driver, candidates: list[tuple[int, PledgeRow]]
) -> list[tuple[int, PledgeRow]]:
    """Insert the candidates in one statement; return those the unique keys let in."""
    if not candidates:
        return []
    try:
        inserted = await flashsql.insert_pledges(driver, [p for _, p in candidates])
    except Exception as err:  # a deadlock with another process's batch on the same keys
        raise _Raced(str(err)) from err
    return [(index, pledge) for index, pledge in candidates if pledge.id in inserted]


async def _answer_again(
    driver: Driver,
    items: list[tuple[str, pledges.PledgeRequest]],
    results: list[Result | None],
    left_out: list[int],
) -> None:
    """Answer a key sent before with its first pledge, whatever this batch made of it
    (refused or left out by the unique keys); a pledge left out for no such key was kept
    out because its backer already backs the campaign."""
    again = [i for i, r in enumerate(results) if isinstance(r, HearthError)] + left_out
    if not again:
        return
    wanted = sorted({(items[i][0], items[i][1].idempotency_key) for i in again})
    earlier = {
        (p.backer_id, p.idempotency_key): p for p in await flashsql.pledges_by_key(driver, wanted)
    }
    for index in again:
        backer, request = items[index]
        before = earlier.get((backer, request.idempotency_key))
        if before is None:
            if results[index] is None:
                results[index] = Conflict("you already back this campaign; change that pledge")
        elif _aim(before) != _aim(request):
            results[index] = IdempotencyKeyReused(request.idempotency_key)
        else:
            results[index] = (PledgeOut.of(before), False)


async def _take(
    driver: Driver, tier_id: str, placed: list[PledgeRow], now: datetime
) -> tuple[int, int, int] | None:
    """Take the units of ``placed`` from the tier, all or none; return its new totals."""
    quantity, amount = sum(p.quantity for p in placed), sum(p.amount for p in placed)
    return await flashsql.take(driver, tier_id, quantity, amount, len(placed), now)


async def _fit(
    driver: Driver,
    tier_id: str,
    accepted: list[tuple[int, PledgeRow]],
    results: list[Result | None],
    now: datetime,
) -> list[tuple[int, PledgeRow]]:
    """Not every unit is there any more: lock the tier, keep the pledges that fit in arrival
    order, take the others back and answer them as refused."""
    tier = await flashsql.lock_tier(driver, tier_id)
    assert tier is not None  # a tier with pledges cannot be deleted
    closed = tier.closes_at is not None and now >= tier.closes_at
    sold, kept, dropped = tier.sold, [], []
    for index, pledge in accepted:
        fits = tier.limit is None or sold + pledge.quantity <= tier.limit
        if fits and not closed:
            kept.append((index, pledge))
            sold += pledge.quantity
            continue
        dropped.append(pledge)
        left = 0 if tier.limit is None else max(0, tier.limit - sold)
        results[index] = (
            Conflict(f"the tier {tier.title!r} closed on {tier.closes_at:%Y-%m-%d}")
            if closed and tier.closes_at is not None
            else Conflict(
                f"only {left} of {tier.title!r} left" if left else f"{tier.title!r} is sold out",
                detail=[{"field": "quantity", "message": f"{left} left"}],
            )
        )
    if dropped:
        await flashsql.drop_pledges(driver, [p.id for p in dropped])
    return kept


def _progress(
    campaign: flashsql.SaleCampaign, tiers: list[flashsql.SaleTier]
) -> events.CampaignProgressed:
    """The campaign's totals for live pages, from rows already in hand (the hot tier's
    fresh from its update; the others as read at the start of the batch)."""
    progress = Progress(campaign.goal, sum(t.pledged for t in tiers), sum(t.pledges for t in tiers))
    remaining = {t.id: (None if t.limit is None else max(0, t.limit - t.sold)) for t in tiers}
    return events.CampaignProgressed(
        campaign.id, progress.raised, progress.backers, progress.percent, remaining
    )


def _check_one(
    backer: str,
    request: pledges.PledgeRequest,
    tier: flashsql.SaleTier | None,
    campaign: flashsql.SaleCampaign | None,
    cards: dict[str, str],
    holding: set[str],
    taken: int,
    now: datetime,
) -> PledgeRow:
    shipping = pledges.check_shipping(request.shipping)
    if campaign is None or campaign.state in UNLAUNCHED:
        raise NotFound("no such campaign")
    if tier is None or campaign.id != request.campaign_id:
        raise NotFound("no such tier in this campaign")
    state = CampaignState(campaign.state)
    check_pledging_open(Window(state, campaign.starts_at, campaign.ends_at, 0, 0), now)
    check_quantity(
        Tier(tier.id, tier.price, tier.limit, tier.sold, tier.per_backer, tier.closes_at),
        request.quantity,
    )
    if cards.get(request.card_id) != backer:
        raise NotFound("No such card among yours.")
    if backer in holding:
        raise Conflict("you already back this campaign; change that pledge")
    if tier.closes_at is not None and now >= tier.closes_at:
        raise Conflict(f"the tier {tier.title!r} closed on {tier.closes_at:%Y-%m-%d}")
    if tier.limit is not None and tier.sold + taken + request.quantity > tier.limit:
        left = max(0, tier.limit - tier.sold - taken)
        raise Conflict(
            f"only {left} of {tier.title!r} left" if left else f"{tier.title!r} is sold out",
            detail=[{"field": "quantity", "message": f"{left} left"}],
        )
    amount = tier.price * request.quantity
    rates = campaign.shipping_rates
    rates = orjson.loads(rates) if isinstance(rates, str | bytes) else rates
    carriage = shipping_cost_of(rates or {}, shipping["country"])
    return PledgeRow(
        id=new_id("plg"),
        campaign_id=campaign.id,
        tier_id=tier.id,
        backer_id=backer,
        holder=backer,
        quantity=request.quantity,
        amount=amount,
        currency=campaign.currency,
        state=PledgeState.ACTIVE.value,
        card_id=request.card_id,
        shipping=shipping,
        shipping_cost=carriage,
        idempotency_key=request.idempotency_key,
        attempt=1,
        payment_id=None,
        failure="",
        retry_until=None,
        lease_until=None,
        created_at=now,
        updated_at=now,
    )
