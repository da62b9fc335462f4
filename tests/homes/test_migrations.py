"""Migrations of the home app's tables, run on a database that already holds rows."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from hearth import db
from hearth.accounts.service import hash_password
from hearth.homes.rules import name_key
from tests.helpers import PASSWORD

BEFORE_NAME_KEYS = "d8cca099414e"
NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)


async def old_home(conn: AsyncConnection, owner_id: str, name: str) -> str:
    """Insert a home as the tables were before it held its place (the model has moved on)."""
    home_id = f"hom_{name.lower()}"
    await conn.execute(
        text("INSERT INTO homes (id, name, owner_id, created_at) VALUES (:id, :name, :owner, :at)"),
        {"id": home_id, "name": name, "owner": owner_id, "at": NOW},
    )
    await conn.execute(
        text(
            "INSERT INTO home_members (home_id, user_id, role, joined_at)"
            " VALUES (:home, :user, 'owner', :at)"
        ),
        {"home": home_id, "user": owner_id, "at": NOW},
    )
    return home_id


async def old_user(conn: AsyncConnection, username: str) -> str:
    """Insert a person as the users table was before accounts kept email, zone and language."""
    user_id = f"usr_{username}"
    await conn.execute(
        text(
            "INSERT INTO users (id, username, display_name, password_hash, role, is_active,"
            " created_at) VALUES (:id, :name, :name, :hash, 'fan', :active, :at)"
        ),
        {
            "id": user_id,
            "name": username,
            "hash": hash_password(PASSWORD),
            "active": True,
            "at": NOW,
        },
    )
    return user_id


def _downgrade_to(connection: Connection, revision: str) -> None:
    from alembic import command

    command.downgrade(db._alembic_config(connection), revision)


async def test_the_migration_tells_apart_rooms_that_read_alike_and_keys_every_room(
    database_url: str,
) -> None:
    engine = db.create_engine(database_url, pool=False)
    async with engine.begin() as conn:
        await conn.run_sync(_downgrade_to, BEFORE_NAME_KEYS)
    async with engine.begin() as conn:
        user_id = await old_user(conn, "mia")
        home_id = await old_home(conn, user_id, "Flat")
    rooms = [("rom_1", "Ä", 1), ("rom_2", "ä", 2), ("rom_3", "Kitchen", 3), ("rom_4", "Hall", 4)]
    async with engine.begin() as conn:
        for room_id, name, minute in rooms:
            await conn.execute(
                text(
                    "INSERT INTO rooms (id, home_id, name, position, created_at)"
                    " VALUES (:id, :home, :name, :position, :at)"
                ),
                {
                    "id": room_id,
                    "home": home_id,
                    "name": name,
                    "position": minute,
                    "at": NOW.replace(minute=minute),
                },
            )
    await db.upgrade(engine)
    async with engine.connect() as conn:
        found = (await conn.execute(text("SELECT id, name, name_key FROM rooms ORDER BY id"))).all()
    await engine.dispose()
    assert [(r[0], r[1]) for r in found] == [
        ("rom_1", "Ä"),
        ("rom_2", "ä (2)"),
        ("rom_3", "Kitchen"),
        ("rom_4", "Hall"),
    ]
    assert [r[2] for r in found] == [name_key(r[1]) for r in found]
