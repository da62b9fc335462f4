"""The migration that readies the community for scale, on SQLite and PostgreSQL: the
suggestions written before it are still found afterwards (SQLite's search index is made
again and rebuilt), a word being typed is found by its first two letters, and it goes back
down and up again."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.engine import Connection

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


async def test_suggestions_stay_searchable_through_the_migration_both_ways(
    database_url: str,
) -> None:
    engine = db.create_engine(database_url, pool=False)
    sessions = db.session_factory(engine)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_downgrade_to, BEFORE)
            assert INDEX not in await conn.run_sync(_indexes)
        async with unit_of_work(sessions, discard) as session:
            mia = await create_account(session, "mia")
            posted = await suggestions.post(
                session, user=mia, board_id=PLATFORM_BOARD, title="Timer for the porch light",
                body="Off at midnight.", category="feature", now=T0,
            )  # fmt: skip
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
        async with sessions() as session:
            assert [s.id for s in await search.search(session, "porch ti")] == [posted.id]
    finally:
        await engine.dispose()
