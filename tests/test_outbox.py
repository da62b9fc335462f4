"""The outbox: recorded events are published after commit, and only what committed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db
from hearth.accounts.models import User
from hearth.bus import Event
from hearth.outbox import UnpublishedEvents, record, unit_of_work


@dataclass(frozen=True)
class Happened(Event):
    name: str


class Published:
    def __init__(self) -> None:
        self.events: list[object] = []

    async def __call__(self, *events: object) -> None:
        self.events.extend(events)


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = db.create_engine(database_url)
    try:
        yield db.session_factory(engine)
    finally:
        await engine.dispose()


async def _write(session: AsyncSession, name: str) -> None:
    session.add(
        User(username=name, display_name=name, password_hash="x", created_at=datetime.now(UTC))
    )
    await session.flush()


async def _count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int((await session.execute(text("SELECT count(*) FROM users"))).scalar_one())


async def test_a_unit_of_work_publishes_what_it_recorded_once_it_has_committed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    published = Published()
    seen_rows_when_published: list[int] = []

    async def publish(*events: object) -> None:
        seen_rows_when_published.append(await _count(sessions))
        await published(*events)

    async with unit_of_work(sessions, publish) as session:
        await _write(session, "usr_a")
        record(session, Happened("a"), Happened("b"))
        assert published.events == []  # nothing goes out before the commit

    assert published.events == [Happened("a"), Happened("b")]
    assert seen_rows_when_published == [1]  # the change was visible when it was told


async def test_a_rolled_back_unit_of_work_publishes_nothing_and_writes_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    published = Published()
    with pytest.raises(RuntimeError):
        async with unit_of_work(sessions, published) as session:
            await _write(session, "usr_a")
            record(session, Happened("a"))
            raise RuntimeError("the service failed")
    assert published.events == []
    assert await _count(sessions) == 0


async def test_events_of_a_rolled_back_savepoint_are_dropped_and_the_rest_kept(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    published = Published()
    async with unit_of_work(sessions, published) as session:
        record(session, Happened("before"))
        with pytest.raises(RuntimeError):
            async with session.begin_nested():
                record(session, Happened("inside"))
                raise RuntimeError("the form was wrong")
        async with session.begin_nested():
            record(session, Happened("kept"))
    assert published.events == [Happened("before"), Happened("kept")]


async def test_events_committed_before_a_failure_are_still_published(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    published = Published()
    with pytest.raises(RuntimeError):
        async with unit_of_work(sessions, published) as session:
            await _write(session, "usr_a")
            record(session, Happened("charged"))
            await session.commit()  # e.g. before calling a payment provider
            record(session, Happened("never"))
            raise RuntimeError("the provider failed")
    assert published.events == [Happened("charged")]
    assert await _count(sessions) == 1


async def test_committing_recorded_events_outside_a_unit_of_work_is_an_error(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    with pytest.warns(UnpublishedEvents, match="Happened"):
        async with sessions() as session, session.begin():
            record(session, Happened("lost"))


async def test_a_plain_transaction_without_events_needs_no_unit_of_work(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with db.transaction(sessions) as session:
        await _write(session, "usr_a")
    assert await _count(sessions) == 1


async def test_a_write_turn_is_handed_on_before_the_events_are_published(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A handler that writes in a task of its own while the events are told must not wait
    for the turn of the transaction that told them (on SQLite it would wait forever)."""
    written_by_handler: list[int] = []

    async def handler_writes() -> None:
        async with db.transaction(sessions, turn=db.turn(sessions, urgent=True)) as session:
            await _write(session, "usr_handler")
        written_by_handler.append(await _count(sessions))

    async def publish(*events: object) -> None:
        async with asyncio.timeout(5):
            await asyncio.create_task(handler_writes())

    async with unit_of_work(sessions, publish, turn=db.turn(sessions)) as session:
        await _write(session, "usr_a")
        record(session, Happened("a"))

    assert written_by_handler == [2]
