"""The migration that readies the community for scale, on SQLite and PostgreSQL: suggestions
written before it are still found after it goes up (SQLite's search index is made again and
rebuilt) and after it goes back down, and a word being typed is found by its first two
letters."""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db
from hearth.community import search, suggestions
from hearth.community.rules import PLATFORM_BOARD
from hearth.outbox import discard, unit_of_work
from tests.community.world import T0
from tests.helpers import create_account

BEFORE = "8e41c07d2b95"  # the community as first built
INDEX = "ix_community_suggestions_board_category_status"


def _downgrade_to(connection: Connection, revision: str) -> None:
    from alembic import command

    command.downgrade(db._alembic_config(connection), revision)


def _indexes(connection: Connection) -> set[str]:
    return {str(i["name"]) for i in inspect(connection).get_indexes("community_suggestions")}


async def _found_by_the_index(sessions: async_sessionmaker[AsyncSession], word: str) -> list[str]:
    """Ask the database's own search structure for ``word``, in SQL that any revision of the
    schema answers (the services speak the newest one)."""
    async with sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            query = text(
                "SELECT id FROM community_suggestions"
                " WHERE search @@ to_tsquery('english', :word || ':*')"
            )
        else:
            query = text(
                "SELECT s.id FROM community_search JOIN community_suggestions AS s"
                " ON s.rowid = community_search.rowid WHERE community_search MATCH :word || '*'"
            )
        return [str(row[0]) for row in await session.execute(query, {"word": word})]


async def test_suggestions_stay_searchable_through_the_migration_both_ways(
    database_url: str,
) -> None:
    engine = db.create_engine(database_url, pool=False)
    sessions = db.session_factory(engine)
    try:
        async with unit_of_work(sessions, discard) as session:
            mia = await create_account(session, "mia")
            posted = await suggestions.post(
                session, user=mia, board_id=PLATFORM_BOARD, title="Timer for the porch light",
                body="Off at midnight.", category="feature", now=T0,
            )  # fmt: skip
        async with engine.begin() as conn:
            await conn.run_sync(_downgrade_to, BEFORE)
            assert INDEX not in await conn.run_sync(_indexes)
        assert await _found_by_the_index(sessions, "porch") == [posted.id]
        await db.upgrade(engine)
        async with engine.connect() as conn:
            assert INDEX in await conn.run_sync(_indexes)
        async with sessions() as session:
            typed = [s.id for s in await search.search(session, "porch ti")]
            body = [s.id for s in await search.search(session, "midnight")]
        assert typed == body == [posted.id]

        async with engine.begin() as conn:
            await conn.run_sync(_downgrade_to, BEFORE)
            assert INDEX not in await conn.run_sync(_indexes)
        assert await _found_by_the_index(sessions, "porch") == [posted.id]
        assert await _found_by_the_index(sessions, "midnight") == [posted.id]
    finally:
        await engine.dispose()
