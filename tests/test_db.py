"""The database layer: SQLite pragmas, timestamps, and the schema-version check."""

from __future__ import annotations

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
