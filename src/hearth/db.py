"""The database: engine, sessions, the declarative base, and the schema-version check.

SQLite (embedded default) runs in WAL mode with foreign keys on, so readers never block
the writer and references are enforced as on PostgreSQL. Each area keeps its tables in its
own ``models.py``; ``hearth.models`` imports them all so Alembic sees the whole schema.
SQLite has one writer at a time; inside one process the writes of the hot paths take
turns (``turn``) rather than meet in SQLite's busy handler.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, MetaData, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

from hearth.errors import DatabaseError, SchemaNotMigrated, SchemaTooNew
from hearth.outbox import HearthSession

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def insert_for(session: AsyncSession) -> Any:
    """Return the INSERT construct of the session's dialect: both know ``ON CONFLICT``
    (``on_conflict_do_nothing``, ``on_conflict_do_update``), which the generic one lacks."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_write_lock_first(connection: Connection, _name: str) -> None:
    """Open with the write lock a transaction that a savepoint would open.

    SQLite's driver begins a transaction at the first write, so reads before it pin no
    snapshot. A savepoint taken outside a transaction instead opens a deferred one: its
    reads pin a snapshot, and once another connection commits a write, its own first
    write fails at once with "database is locked" (waiting cannot refresh a snapshot).
    hearth takes a savepoint only to write, so it takes the write lock first, and any
    other writer waits for it as usual."""
    driver: Any = connection.connection.driver_connection
    if not driver.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(
    url: str, *, pool: bool = True, pool_size: int = 10, echo: bool = False
) -> AsyncEngine:
    """Create the async engine for ``url`` with hearth's connection settings.

    On PostgreSQL the pool keeps ``pool_size`` connections: a connection opened beyond them
    is closed again when returned, so a pool smaller than the requests a process has in
    flight opens and closes a connection (a server process) per request under load."""
    kwargs: dict[str, Any] = {"echo": echo}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
        if not pool:
            kwargs["poolclass"] = NullPool
        else:
            kwargs["pool_size"] = pool_size
            kwargs["max_overflow"] = max(10, pool_size // 2)
    engine = create_async_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "savepoint", _sqlite_write_lock_first)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return the session factory every service uses (objects stay usable after commit)."""
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=HearthSession)


async def driver(session: AsyncSession) -> Any:
    """Return the driver connection under ``session``, inside the session's transaction,
    for the few hot paths that speak to the driver directly (``hub.batchsql``,
    ``funding.flashsql``)."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    found: Any = raw.driver_connection
    if session.get_bind().dialect.name != "sqlite" and not found.is_in_transaction():
        # SQLAlchemy opens asyncpg's transaction at its first statement; statements sent
        # to the driver directly before that would each commit on their own.
        await session.execute(text("SELECT 1"))
    return found


@asynccontextmanager
async def held_driver(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Any]:
    """Check a connection out of the pool and hand over its driver connection (PostgreSQL's
    asyncpg), outside any transaction, for a hot path that runs many short transactions of
    its own on it (``funding.flash``): each checkout pays the pool's liveness ping, three
    round trips. A connection an error left closed or inside a transaction, or one
    interrupted (cancelled), is closed rather than put back."""
    async with sessions() as session:
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        found: Any = raw.driver_connection
        try:
            yield found
        except BaseException as err:
            if not isinstance(err, Exception) or found.is_closed() or found.is_in_transaction():
                await connection.invalidate()
            raise


class Turns:
    """One write transaction at a time in this process on SQLite, urgent ones first.

    SQLite has one writer at a time. A connection that finds the write lock taken sleeps
    in SQLite's busy handler and tries again, after 1, 2, 5, 10, 15, 20, 25... ms: a
    scene's short write behind a 5 ms ingest batch woke after 8 ms, one behind a 10 ms
    batch after 18 ms, and py-spy found the connection threads of a worker ingesting
    1,000 reports/s asleep there for a tenth of their time. Writers of one process queue
    here instead and each is handed the turn the moment the one before it is done; an
    urgent write (someone waits on it: a scene's run and its command, a command a person
    sent) goes before every ordinary one waiting (ingest batches, upkeep), so it waits
    for at most the write under way. Between processes SQLite's busy timeout still
    decides. PostgreSQL locks rows and takes many writers: there a turn is granted at
    once (``serial`` false).

    The turn belongs to the task that took it; the same task asking again (a helper
    inside a turn) goes straight through instead of waiting for itself.
    """

    def __init__(self, *, serial: bool) -> None:
        self.serial = serial
        self._holder: asyncio.Task[Any] | None = None
        self._taken = False
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._ordinary: deque[asyncio.Future[None]] = deque()

    @asynccontextmanager
    async def turn(self, *, urgent: bool = False) -> AsyncIterator[None]:
        """Hold the process's write turn for the block (at once where writes are not serial)."""
        task = asyncio.current_task()
        if not self.serial or (self._holder is not None and self._holder is task):
            yield
            return
        if self._taken:
            waiter = asyncio.get_running_loop().create_future()
            (self._urgent if urgent else self._ordinary).append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._pass_on()  # handed the turn as it was cancelled: hand it on
                else:
                    waiter.cancel()  # _pass_on skips it
                raise
        self._taken, self._holder = True, task
        try:
            yield
        finally:
            self._pass_on()

    def urgent_waiting(self) -> bool:
        """Tell whether an urgent write waits for the turn (never where writes are not serial)."""
        return any(not waiter.done() for waiter in self._urgent)

    def _pass_on(self) -> None:
        self._holder = None
        for queue in (self._urgent, self._ordinary):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)  # still taken: the turn is the waiter's now
                    return
        self._taken = False


_TURNS: weakref.WeakKeyDictionary[Any, Turns] = weakref.WeakKeyDictionary()


def turns(sessions: async_sessionmaker[AsyncSession]) -> Turns:
    """Return the write turns of the database behind ``sessions`` (one per engine)."""
    engine = sessions.kw["bind"].sync_engine
    found = _TURNS.get(engine)
    if found is None:
        found = _TURNS[engine] = Turns(serial=engine.dialect.name == "sqlite")
    return found


def turn(
    sessions: async_sessionmaker[AsyncSession], *, urgent: bool = False
) -> AbstractAsyncContextManager[None]:
    """Hold this process's write turn on the database behind ``sessions`` (see ``Turns``).

    Hand it to ``transaction`` or ``outbox.unit_of_work`` (``turn=``): they hold it from
    the transaction's start to its commit, not while events are published."""
    return turns(sessions).turn(urgent=urgent)


@asynccontextmanager
async def transaction(
    sessions: async_sessionmaker[AsyncSession],
    *,
    turn: AbstractAsyncContextManager[None] | None = None,
) -> AsyncIterator[AsyncSession]:
    """Open a session in a transaction: committed on success, rolled back on any error.

    With ``turn`` (``db.turn(...)``), the transaction runs in that write turn, which is
    handed on as soon as it has committed."""
    async with sessions() as session, turn or nullcontext(), session.begin():
        yield session


# -- schema version ---------------------------------------------------------------------


def _alembic_config(connection: Connection | None = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "hearth:migrations")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """Return the newest migration this hearth knows."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def _current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(engine: AsyncEngine) -> str | None:
    """Return the migration the database is at, or None if it was never migrated."""
    async with engine.connect() as conn:
        return await conn.run_sync(_current_revision)


async def check_schema(engine: AsyncEngine) -> None:
    """Raise a clear error unless the database schema is exactly the one this hearth needs."""
    try:
        revision = await current_revision(engine)
    except (SQLAlchemyError, OSError) as err:
        raise DatabaseError(f"cannot reach the database: {err}") from err
    if revision is None:
        raise SchemaNotMigrated(
            "the database has no hearth schema yet; run `hearth db upgrade` first"
        )
    if revision == head_revision():
        return
    if revision not in _known_revisions():
        raise SchemaTooNew(
            f"the database is at migration {revision}, which this hearth does not know; "
            "it was upgraded by a newer hearth: run that version, or restore a backup"
        )
    raise SchemaNotMigrated(
        f"the database is at an older migration ({revision}); run `hearth db upgrade`"
    )


def _upgrade(connection: Connection, target: str) -> None:
    from alembic import command

    command.upgrade(_alembic_config(connection), target)


async def upgrade(engine: AsyncEngine, target: str = "head") -> tuple[str | None, str]:
    """Apply migrations up to ``target``; return the revisions before and after."""
    try:
        before = await current_revision(engine)
        if before is not None and before not in _known_revisions():
            raise SchemaTooNew(
                f"the database is at migration {before}, newer than this hearth; not touching it"
            )
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade, target)
        after = await current_revision(engine)
    except SQLAlchemyError as err:
        raise DatabaseError(f"migration failed: {err}") from err
    assert after is not None
    return before, after


async def ping(engine: AsyncEngine) -> None:
    """Run a trivial query; raise ``DatabaseError`` if the database does not answer."""
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as err:
        raise DatabaseError(f"database unreachable: {err}") from err
