"""Operator tasks shared by the CLI and the tests: migrate, check, create users."""

from __future__ import annotations

from hearth import db
from hearth.accounts import service as accounts
from hearth.accounts.models import User
from hearth.accounts.roles import Role
from hearth.config import Settings


async def migrate(settings: Settings) -> tuple[str | None, str]:
    """Migrate the configured database to the newest schema."""
    from hearth.devices import library
    from hearth.hub.catalog import register_library
    from hearth.kit.clock import utcnow

    engine = db.create_engine(settings.resolved_database_url, pool=False)
    try:
        revisions = await db.upgrade(engine)
        # The built-in products are data the schema ships with: keep them current too.
        async with db.transaction(db.session_factory(engine)) as session:
            await register_library(session, library.list_specs(), now=utcnow())
        return revisions
    finally:
        await engine.dispose()


async def check_ready(settings: Settings) -> None:
    """Raise a clear error unless the database is reachable and fully migrated."""
    engine = db.create_engine(settings.resolved_database_url, pool=False)
    try:
        await db.check_schema(engine)
    finally:
        await engine.dispose()


async def create_user(
    settings: Settings,
    *,
    username: str,
    password: str,
    role: Role,
    partner_name: str | None = None,
    display_name: str | None = None,
) -> User:
    """Create a user in the configured database."""
    engine = db.create_engine(settings.resolved_database_url, pool=False)
    try:
        await db.check_schema(engine)
        async with db.transaction(db.session_factory(engine)) as session:
            return await accounts.create_user(
                session,
                username=username,
                password=password,
                role=role,
                partner_name=partner_name,
                display_name=display_name,
            )
    finally:
        await engine.dispose()
