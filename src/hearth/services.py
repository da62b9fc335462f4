"""Operator tasks shared by the CLI and the tests: migrate, check, create users, run a worker."""

from __future__ import annotations

import asyncio
import signal

import structlog

from hearth import db
from hearth.accounts import service as accounts
from hearth.accounts.models import User
from hearth.accounts.roles import Role
from hearth.bootstrap import Hearth
from hearth.config import Settings
from hearth.kit.clock import SystemClock
from hearth.kit.heap import tune_collector
from hearth.mall import partners

log = structlog.get_logger(__name__)


async def migrate(settings: Settings) -> tuple[str | None, str]:
    """Migrate the configured database to the newest schema."""
    from hearth.devices import library
    from hearth.hub.catalog import register_library
    from hearth.kit.clock import SystemClock

    engine = db.create_engine(settings.resolved_database_url, pool=False)
    try:
        revisions = await db.upgrade(engine)
        # The built-in products are data the schema ships with: keep them current too.
        async with db.transaction(db.session_factory(engine)) as session:
            await register_library(session, library.list_specs(), now=SystemClock().now())
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
    """Create a user in the configured database; a partner member joins (or founds) the
    company ``partner_name``."""
    engine = db.create_engine(settings.resolved_database_url, pool=False)
    try:
        await db.check_schema(engine)
        async with db.transaction(db.session_factory(engine)) as session:
            company = (
                await partners.join_or_found(session, name=partner_name) if partner_name else None
            )
            return await accounts.create_user(
                session,
                now=SystemClock().now(),
                username=username,
                password=password,
                role=role,
                partner_id=company.id if company else None,
                display_name=display_name,
            )
    finally:
        await engine.dispose()


async def run_worker(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Run a hearth's background work, without HTTP, until SIGINT or SIGTERM (or ``stop``)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    runtime = Hearth.from_settings(settings.model_copy(update={"background": True}))
    try:
        await runtime.start()
        tune_collector()
        log.info("worker_started", components=[type(c).__name__ for c in runtime.started])
        await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        await runtime.stop()
        log.info("worker_stopped")
