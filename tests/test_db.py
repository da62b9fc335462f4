"""The database layer: SQLite pragmas, timestamps, the schema-version check, write turns."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from hearth import db
from hearth.accounts.models import User
from hearth.bootstrap import Hearth
from hearth.errors import SchemaNotMigrated, SchemaTooNew


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'h.db'}")
    async with engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    await engine.dispose()


async def test_foreign_keys_are_enforced(hearth: Hearth) -> None:
    with pytest.raises(IntegrityError):
        async with hearth.sessions() as session, session.begin():
            session.add(
                User(username="x", display_name="x", password_hash="x", partner_id="ptn_none")
            )


async def test_timestamps_come_back_timezone_aware_utc(hearth: Hearth) -> None:
    moment = datetime(2026, 5, 1, 12, 30, tzinfo=UTC)
    async with hearth.sessions() as session, session.begin():
        session.add(User(username="mia", display_name="Mia", password_hash="x", created_at=moment))
    async with hearth.sessions() as session:
        user = (await session.execute(text("SELECT id FROM users"))).scalar_one()
        loaded = await session.get(User, user)
        assert loaded is not None
        assert loaded.created_at == moment
        assert loaded.created_at.tzinfo is not None


async def test_naive_timestamps_are_refused(hearth: Hearth) -> None:
    with pytest.raises(Exception, match="naive"):
        async with hearth.sessions() as session, session.begin():
            session.add(
                User(
                    username="mia",
                    display_name="Mia",
                    password_hash="x",
                    created_at=datetime(2026, 5, 1),  # noqa: DTZ001 - the point of the test
                )
            )


async def test_unmigrated_database_gives_an_instruction(database_url: str) -> None:
    engine = db.create_engine(database_url, pool=False)
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM alembic_version"))
    with pytest.raises(SchemaNotMigrated, match="hearth db upgrade"):
        await db.check_schema(engine)
    await engine.dispose()


async def test_older_schema_asks_for_an_upgrade_and_upgrade_restores_it(
    database_url: str,
) -> None:
    engine = db.create_engine(database_url, pool=False)
    async with engine.begin() as conn:
        await conn.run_sync(_downgrade_one_step)
    with pytest.raises(SchemaNotMigrated, match="hearth db upgrade"):
        await db.check_schema(engine)
    await db.upgrade(engine)
    await db.check_schema(engine)
    await engine.dispose()


def _downgrade_one_step(connection: Connection) -> None:
    from alembic import command

    command.downgrade(db._alembic_config(connection), "-1")


async def test_database_from_a_newer_hearth_is_refused_and_left_alone(database_url: str) -> None:
    engine = db.create_engine(database_url, pool=False)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = 'fromthefuture'"))
    with pytest.raises(SchemaTooNew, match="newer hearth"):
        await db.check_schema(engine)
    with pytest.raises(SchemaTooNew):
        await db.upgrade(engine)
    assert await db.current_revision(engine) == "fromthefuture"
    await engine.dispose()


async def test_upgrade_is_idempotent(database_url: str) -> None:
    engine = db.create_engine(database_url, pool=False)
    before, after = await db.upgrade(engine)
    assert before == after == db.head_revision()
    await db.check_schema(engine)
    await engine.dispose()


# -- write turns ---------------------------------------------------------------------------


async def _taking_turns(turns: db.Turns, order: list[str], name: str, *, urgent: bool) -> None:
    async with turns.turn(urgent=urgent):
        order.append(f"{name} starts")
        await asyncio.sleep(0)  # others run here and queue up behind
        order.append(f"{name} ends")


async def test_on_sqlite_writers_take_turns_and_urgent_ones_go_before_ordinary_ones() -> None:
    turns = db.Turns(serial=True)
    order: list[str] = []
    async with turns.turn():  # an ingest batch under way
        waiting = [
            asyncio.create_task(_taking_turns(turns, order, "batch 2", urgent=False)),
            asyncio.create_task(_taking_turns(turns, order, "batch 3", urgent=False)),
            asyncio.create_task(_taking_turns(turns, order, "run", urgent=True)),
            asyncio.create_task(_taking_turns(turns, order, "command", urgent=True)),
        ]
        await asyncio.sleep(0)
        assert order == []  # all of them wait for the batch
    await asyncio.gather(*waiting)
    assert order == [
        "run starts",
        "run ends",
        "command starts",
        "command ends",
        "batch 2 starts",
        "batch 2 ends",
        "batch 3 starts",
        "batch 3 ends",
    ]


async def test_turns_are_granted_at_once_where_the_database_takes_many_writers() -> None:
    turns = db.Turns(serial=False)
    order: list[str] = []
    async with turns.turn():
        await asyncio.gather(
            _taking_turns(turns, order, "a", urgent=False),
            _taking_turns(turns, order, "b", urgent=True),
        )
    assert order == ["a starts", "b starts", "a ends", "b ends"]


async def test_a_writer_cancelled_while_it_waits_or_as_it_is_handed_the_turn_hands_it_on() -> None:
    turns = db.Turns(serial=True)
    order: list[str] = []
    async with turns.turn():
        gone = asyncio.create_task(_taking_turns(turns, order, "gone", urgent=True))
        handed = asyncio.create_task(_taking_turns(turns, order, "handed", urgent=True))
        last = asyncio.create_task(_taking_turns(turns, order, "last", urgent=False))
        await asyncio.sleep(0)
        gone.cancel()
    handed.cancel()  # the turn was just handed to it; it has not run yet
    await asyncio.gather(gone, handed, last, return_exceptions=True)
    assert order == ["last starts", "last ends"]
    async with asyncio.timeout(1):
        async with turns.turn():  # and nobody holds it any more
            pass


async def test_a_task_inside_its_turn_may_ask_again_without_waiting_for_itself() -> None:
    turns = db.Turns(serial=True)
    async with asyncio.timeout(1), turns.turn(urgent=True), turns.turn():
        pass


async def test_every_session_factory_of_one_database_shares_its_turns(database_url: str) -> None:
    engine = db.create_engine(database_url)
    try:
        one, two = db.session_factory(engine), db.session_factory(engine)
        assert db.turns(one) is db.turns(two)
        assert db.turns(one).serial is database_url.startswith("sqlite")
    finally:
        await engine.dispose()


async def test_on_sqlite_a_savepoint_that_opens_the_transaction_takes_the_write_lock_first(
    tmp_path: Path,
) -> None:
    """A page writes inside a savepoint after reading. Opened as a deferred transaction,
    its reads would pin a snapshot, and a write another connection committed meanwhile
    would make its own write fail at once with "database is locked" (no busy wait
    helps a stale snapshot). Opened with the write lock, the other writer waits."""
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'h.db'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE rooms (name TEXT PRIMARY KEY)"))
    sessions = db.session_factory(engine)
    async with sessions() as page, sessions() as cloud:
        async with page.begin_nested():
            assert (await page.execute(text("SELECT count(*) FROM rooms"))).scalar() == 0

            async def other_writer() -> None:
                await cloud.execute(text("INSERT INTO rooms VALUES ('hall')"))
                await cloud.commit()

            meanwhile = asyncio.create_task(other_writer())
            await asyncio.sleep(0.2)
            await page.execute(text("INSERT INTO rooms VALUES ('kitchen')"))
        await page.commit()
        await meanwhile
    async with sessions() as session:
        names = (await session.execute(text("SELECT name FROM rooms ORDER BY name"))).scalars()
        assert list(names) == ["hall", "kitchen"]
    await engine.dispose()
