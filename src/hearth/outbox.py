"""The outbox: events a service records in its transaction, published once it commits.

Services run inside their caller's transaction, so they must not publish: an event told
for a change that then rolls back would report something that never happened. They
``record`` events on the session instead. The owner of the transaction, a
``unit_of_work``, publishes what was recorded after the commit, in every entry point
(API, pages, CLI, background workers) alike, so no route publishes by hand.

What a savepoint recorded is dropped with the savepoint if it rolls back, and a rollback
drops everything not yet committed. A session that commits recorded events outside a
unit of work warns ``UnpublishedEvents`` (the test suite turns warnings into errors), so
a path that would lose its events cannot pass unnoticed.
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Coroutine
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import Any, Protocol

import structlog
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, SessionTransaction

from hearth import metrics

log = structlog.get_logger(__name__)


class Publish(Protocol):
    """Deliver events to this process's bus and, when shared, to every other process."""

    def __call__(self, *events: object) -> Coroutine[Any, Any, None]: ...


_PENDING = "hearth.outbox.pending"
_COMMITTED = "hearth.outbox.committed"
_MARKS = "hearth.outbox.savepoints"
_OWNED = "hearth.outbox.owned"


class UnpublishedEvents(UserWarning):
    """A transaction committed events that no unit of work will publish."""


def record(session: AsyncSession | Session, *events: object) -> None:
    """Queue ``events`` to publish once the session's transaction has committed."""
    session.info.setdefault(_PENDING, []).extend(events)


def collect(session: AsyncSession | Session) -> list[object]:
    """Return and forget the events of transactions this session has committed."""
    events: list[object] = session.info.pop(_COMMITTED, [])
    return events


async def discard(*events: object) -> None:
    """Publish nowhere: for entry points with no bus (one-off scripts), said out loud."""
    log.debug("events_discarded", count=len(events))


@asynccontextmanager
async def unit_of_work(
    sessions: async_sessionmaker[AsyncSession],
    publish: Publish,
    *,
    turn: AbstractAsyncContextManager[None] | None = None,
) -> AsyncIterator[AsyncSession]:
    """Open a transaction, commit it on success, then publish the events it recorded.

    Events committed before an error (a block that commits part of its work and then
    fails) are still published: their change is in the database. A write ``turn``
    (``hearth.db.turn``) is held from the transaction's start to its commit, and handed
    on before the events are published."""
    async with sessions() as session:
        session.info[_OWNED] = True
        try:
            async with turn or nullcontext(), session.begin():
                yield session
        finally:
            events = collect(session)
            if events:
                await publish(*events)


class HearthSession(Session):
    """The session class of every session factory: it carries the outbox's bookkeeping."""


@event.listens_for(HearthSession, "after_transaction_create")
def _savepoint_started(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        session.info.setdefault(_MARKS, {})[transaction] = len(session.info.get(_PENDING, ()))


@event.listens_for(HearthSession, "after_soft_rollback")
def _rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    marks: dict[Any, int] = session.info.get(_MARKS, {})
    if previous_transaction.nested:
        mark = marks.pop(previous_transaction, None)
        if mark is not None and _PENDING in session.info:
            del session.info[_PENDING][mark:]
    elif previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
        marks.clear()


@event.listens_for(HearthSession, "after_commit")
def _committed(session: Session) -> None:
    session.info.pop(_MARKS, None)
    events = session.info.pop(_PENDING, [])
    if not events:
        return
    session.info.setdefault(_COMMITTED, []).extend(events)
    if not session.info.get(_OWNED):
        names = sorted({type(e).__name__ for e in events})
        metrics.ERRORS.labels(area="outbox").inc()
        log.error("events_committed_unpublished", events=names)
        warnings.warn(
            f"a transaction committed {', '.join(names)} outside a unit of work; "
            "nothing will publish them",
            UnpublishedEvents,
            stacklevel=2,
        )
