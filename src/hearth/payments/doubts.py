"""Charges in doubt: a provider call that timed out is settled by asking the provider.

When a charge times out, the area that made it records the call here (``record``), exactly
as it was made, in the transaction that notes the timeout. A worker of that area then runs
``settle_round`` on a schedule (``doubt_rules.ASK_AFTER``):

1. due doubts of its subject are **claimed**: a lease (``lease_until``) taken with a
   conditional update, after ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers
   split them and none asks about one another is asking about;
2. each is **asked** with no transaction open: the same ``authorize`` again, with the same
   idempotency key and parameters, which makes the provider replay what it did;
3. an answer (a payment, or a decline) is handed to the area's ``Settle`` in one
   transaction with the doubt's move to ``settled``, guarded by a conditional update on
   the doubt's state, so it is settled once whatever the number of workers. Work the
   provider must do after that (a refund of money that came for something already given
   back) runs after the commit, and the doubt is settled only once it is booked;
4. no answer (another timeout, a provider refusing calls) counts one ask and sets the
   next; after ``MAX_ASKS`` the doubt waits for the platform team (``review``), who see
   it at ``/platform/payments`` and may ask once more.

Nothing is guessed on the way: what the charge was for stays as it is until the provider
has said what happened.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import ColumnElement, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db, outbox
from hearth.accounts.models import User
from hearth.errors import (
    AuthenticationRequired,
    Conflict,
    HearthError,
    NotFound,
    PaymentDeclined,
    ProviderTimeout,
)
from hearth.kit.money import Money
from hearth.mall.notices import reviewers
from hearth.notifications import service as notifications
from hearth.notifications.events import NotificationsSent
from hearth.outbox import Publish, unit_of_work
from hearth.payments.doubt_rules import (
    DOUBT_WORKFLOW,
    LEASE,
    UNSETTLED,
    DoubtState,
    Subject,
    after_silence,
    asks_for_one_more_try,
    first_ask,
)
from hearth.payments.models import PaymentDoubt
from hearth.payments.provider import Payment, PaymentProvider

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Call:
    """An ``authorize`` call as it was made: asking again makes exactly this call again."""

    customer_id: str
    method_id: str
    amount: Money
    reference: str
    capture: bool
    off_session: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "method_id": self.method_id,
            "amount": self.amount.amount,
            "currency": self.amount.currency,
            "reference": self.reference,
            "capture": self.capture,
            "off_session": self.off_session,
        }

    @classmethod
    def of(cls, data: dict[str, Any]) -> Call:
        return cls(
            customer_id=str(data["customer_id"]),
            method_id=str(data["method_id"]),
            amount=Money(int(data["amount"]), str(data["currency"])),
            reference=str(data["reference"]),
            capture=bool(data["capture"]),
            off_session=bool(data["off_session"]),
        )


@dataclass(frozen=True)
class Claimed:
    """A doubt a worker holds while it asks the provider about it."""

    id: str
    subject: Subject
    subject_id: str
    key: str
    call: Call


@dataclass(frozen=True)
class Charged:
    """The provider says the charge happened."""

    payment: Payment


@dataclass(frozen=True)
class Refused:
    """The provider says the charge was refused: nothing was taken."""

    error: PaymentDeclined | AuthenticationRequired


@dataclass(frozen=True)
class Silent:
    """The provider said nothing that settles it (another timeout, a refused call)."""

    why: str


Answer = Charged | Refused | Silent


@dataclass(frozen=True)
class Settlement:
    """What an area did with an answer: words for the platform team, and provider work
    that must follow the commit (a refund), after which the doubt is settled."""

    words: str
    then: Callable[[], Awaitable[str]] | None = None


Settle = Callable[[AsyncSession, Claimed, Charged | Refused], Awaitable[Settlement]]


@dataclass
class Round:
    """What one ``settle_round`` did."""

    settled: int = 0
    silent: int = 0
    to_review: int = 0
    words: list[str] = field(default_factory=list)


def _locking(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def unsettled(subject_id: Any) -> ColumnElement[bool]:
    """Return a SQL condition: a charge for ``subject_id`` (a column) is still in doubt."""
    return exists().where(
        PaymentDoubt.subject_id == subject_id,
        PaymentDoubt.state.in_([s.value for s in UNSETTLED]),
    )


async def in_doubt(session: AsyncSession, subject_id: str) -> bool:
    """Tell whether a charge for ``subject_id`` is still in doubt."""
    return bool(await session.scalar(select(unsettled(subject_id))))


async def record(
    session: AsyncSession,
    *,
    subject: Subject,
    subject_id: str,
    key: str,
    call: Call,
    why: str,
    now: datetime,
) -> None:
    """Note a charge whose call timed out, once per idempotency key (a later timeout of
    the same key leaves the doubt as it is)."""
    if await session.scalar(select(PaymentDoubt.id).where(PaymentDoubt.idempotency_key == key)):
        return
    try:
        async with session.begin_nested():
            session.add(
                PaymentDoubt(
                    subject=subject.value,
                    subject_id=subject_id,
                    idempotency_key=key,
                    call=call.as_dict(),
                    amount=call.amount.amount,
                    currency=call.amount.currency,
                    state=DoubtState.OPEN.value,
                    asks=0,
                    next_ask_at=first_ask(now),
                    answer=why[:300],
                    created_at=now,
                    updated_at=now,
                )
            )
    except IntegrityError:
        return  # another request noted the same call at the same moment
    log.warning("payment_in_doubt", subject=subject.value, subject_id=subject_id, key=key)


async def claim(
    sessions: async_sessionmaker[AsyncSession], *, subject: Subject, now: datetime, limit: int
) -> list[Claimed]:
    """Take the lease of up to ``limit`` open doubts of ``subject`` due to be asked."""
    async with db.transaction(sessions) as session:
        due = (
            select(PaymentDoubt.id)
            .where(
                PaymentDoubt.subject == subject.value,
                PaymentDoubt.state == DoubtState.OPEN.value,
                PaymentDoubt.next_ask_at <= now,
                (PaymentDoubt.lease_until.is_(None)) | (PaymentDoubt.lease_until < now),
            )
            .order_by(PaymentDoubt.next_ask_at, PaymentDoubt.id)
            .limit(limit)
        )
        if _locking(session):
            due = due.with_for_update(skip_locked=True)
        taken: list[Claimed] = []
        for doubt_id in list(await session.scalars(due)):
            # The lease is taken with a condition on it, so two workers without row locks
            # (SQLite) still take each doubt once.
            leased = await session.execute(
                update(PaymentDoubt)
                .where(
                    PaymentDoubt.id == doubt_id,
                    PaymentDoubt.state == DoubtState.OPEN.value,
                    (PaymentDoubt.lease_until.is_(None)) | (PaymentDoubt.lease_until < now),
                )
                .values(lease_until=now + LEASE)
                .execution_options(synchronize_session=False)
            )
            if leased.rowcount != 1:  # type: ignore[attr-defined]
                continue
            row = await session.get_one(PaymentDoubt, doubt_id)
            taken.append(
                Claimed(
                    row.id,
                    Subject(row.subject),
                    row.subject_id,
                    row.idempotency_key,
                    Call.of(row.call),
                )
            )
        return taken


async def ask(provider: PaymentProvider, doubt: Claimed) -> Answer:
    """Make the call again with its key; the provider replays what it did."""
    call = doubt.call
    try:
        payment = await provider.authorize(
            customer_id=call.customer_id,
            method_id=call.method_id,
            amount=call.amount,
            reference=call.reference,
            idempotency_key=doubt.key,
            capture=call.capture,
            off_session=call.off_session,
        )
    except (PaymentDeclined, AuthenticationRequired) as err:
        return Refused(err)
    except ProviderTimeout:
        return Silent("The provider did not answer in time.")
    except HearthError as err:
        # Refused before acting (unavailable, or a call it cannot read): what the first
        # call did is still unknown.
        return Silent(err.sentence)
    return Charged(payment)


async def _hold(session: AsyncSession, doubt_id: str, now: datetime) -> bool:
    """Lock an unsettled doubt for this transaction; False if it is settled already."""
    touched = await session.execute(
        update(PaymentDoubt)
        .where(
            PaymentDoubt.id == doubt_id,
            PaymentDoubt.state.in_([s.value for s in UNSETTLED]),
        )
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(touched.rowcount == 1)  # type: ignore[attr-defined]


async def _settle(
    session: AsyncSession, doubt_id: str, *, words: str, payment_id: str | None, now: datetime
) -> bool:
    moved = await session.execute(
        update(PaymentDoubt)
        .where(
            PaymentDoubt.id == doubt_id,
            PaymentDoubt.state.in_([s.value for s in UNSETTLED]),
        )
        .values(
            state=DoubtState.SETTLED.value,
            answer=words[:300],
            payment_id=payment_id,
            lease_until=None,
            settled_at=now,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(moved.rowcount == 1)  # type: ignore[attr-defined]


async def _silence(session: AsyncSession, doubt_id: str, *, why: str, now: datetime) -> bool:
    """Count one unanswered ask; return True if the doubt now waits for a person."""
    row = await session.get(PaymentDoubt, doubt_id, with_for_update=_locking(session))
    if row is None or DoubtState(row.state) is not DoubtState.OPEN:
        return False
    asks = row.asks + 1
    state, next_at = after_silence(asks, now)
    moved = await session.execute(
        update(PaymentDoubt)
        .where(PaymentDoubt.id == doubt_id, PaymentDoubt.asks == row.asks)
        .values(
            state=state.value,
            asks=asks,
            next_ask_at=next_at,
            lease_until=None,
            answer=why[:300],
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1 or state is not DoubtState.REVIEW:  # type: ignore[attr-defined]
        return False
    team = await reviewers(session)
    if team:
        await notifications.notify(
            session,
            now=now,
            user_ids=team,
            kind="payment_in_doubt",
            title=f"A charge of {Money(row.amount, row.currency)} needs a look: "
            f"the provider has not said what happened after {asks} asks",
            link="/platform/payments",
        )
        outbox.record(session, NotificationsSent(user_ids=sorted(set(team))))
    log.warning("payment_doubt_for_review", doubt_id=doubt_id, asks=asks)
    return True


async def settle_round(
    sessions: async_sessionmaker[AsyncSession],
    provider: PaymentProvider,
    publish: Publish,
    *,
    subject: Subject,
    settle: Settle,
    now: datetime,
    limit: int = 50,
) -> Round:
    """Ask the provider about the due doubts of ``subject`` and settle what it answers."""
    result = Round()
    for doubt in await claim(sessions, subject=subject, now=now, limit=limit):
        answer = await ask(provider, doubt)
        if isinstance(answer, Silent):
            async with unit_of_work(sessions, publish) as session:
                result.silent += 1
                result.to_review += await _silence(session, doubt.id, why=answer.why, now=now)
            continue
        payment_id = answer.payment.id if isinstance(answer, Charged) else answer.error.payment_id
        async with unit_of_work(sessions, publish) as session:
            if not await _hold(session, doubt.id, now):
                continue  # settled meanwhile (a person's ask, a lease that ran out)
            done = await settle(session, doubt, answer)
            if done.then is None:
                await _settle(session, doubt.id, words=done.words, payment_id=payment_id, now=now)
        if done.then is not None:
            try:
                words = await done.then()
            except HearthError as err:
                async with unit_of_work(sessions, publish) as session:
                    result.silent += 1
                    why = f"{done.words} Then: {err.sentence}"
                    result.to_review += await _silence(session, doubt.id, why=why, now=now)
                continue
            async with unit_of_work(sessions, publish) as session:
                if not await _settle(
                    session, doubt.id, words=f"{done.words} {words}", payment_id=payment_id, now=now
                ):
                    continue
            done = Settlement(f"{done.words} {words}")
        result.settled += 1
        result.words.append(done.words)
        log.info("payment_doubt_settled", doubt_id=doubt.id, words=done.words)
    return result


async def listing(
    session: AsyncSession, *, state: DoubtState | None = None, limit: int = 200
) -> list[PaymentDoubt]:
    """Return doubts (all, or of one state) for the platform team: those waiting for a
    person first, then the open ones, then the settled ones, newest first in each."""
    query = select(PaymentDoubt)
    if state is not None:
        query = query.where(PaymentDoubt.state == state.value)
    rows = list(
        await session.scalars(
            query.order_by(PaymentDoubt.created_at.desc(), PaymentDoubt.id.desc()).limit(limit)
        )
    )
    order = {DoubtState.REVIEW: 0, DoubtState.OPEN: 1, DoubtState.SETTLED: 2}
    return sorted(rows, key=lambda d: order[DoubtState(d.state)])


async def doubt(session: AsyncSession, doubt_id: str) -> PaymentDoubt:
    """Return one doubt, or raise ``NotFound``."""
    row = await session.get(PaymentDoubt, doubt_id, populate_existing=True)
    if row is None:
        raise NotFound("No such payment in doubt.")
    return row


async def ask_again(
    session: AsyncSession, *, user: User, doubt_id: str, now: datetime
) -> PaymentDoubt:
    """Put a doubt back on the schedule at once, for one more ask (a person's decision)."""
    row = await doubt(session, doubt_id)
    state = DoubtState(row.state)
    if state is DoubtState.SETTLED:
        raise Conflict("This payment is settled already; there is nothing to ask.")
    if state is DoubtState.OPEN:
        raise Conflict("This payment is being asked about already; look again in a minute.")
    DOUBT_WORKFLOW.check(state, DoubtState.OPEN)
    moved = await session.execute(
        update(PaymentDoubt)
        .where(PaymentDoubt.id == row.id, PaymentDoubt.state == DoubtState.REVIEW.value)
        .values(
            state=DoubtState.OPEN.value,
            asks=asks_for_one_more_try(),
            next_ask_at=now,
            lease_until=None,
            asked_again_by=user.id,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("This payment changed meanwhile; look at it again.")
    log.info("payment_doubt_asked_again", doubt_id=row.id, by=user.id)
    return await doubt(session, row.id)
