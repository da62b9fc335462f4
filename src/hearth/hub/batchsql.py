"""The ingest's bulk statements, spoken to each database driver directly.

At thousands of reports a second, an ORM or even Core ``executemany`` spends more time
building parameters than the database spends applying them. So the hot path talks to
the driver underneath the session, inside the session's own transaction:

- PostgreSQL (asyncpg): one ``SELECT ... FOR UPDATE`` of the batch's state rows, one
  ``UPDATE ... FROM unnest(...)`` writing them all back, and ``COPY`` for history;
- SQLite (aiosqlite): the same with ``executemany``, after a first write that takes the
  write lock (SQLite's driver only opens a transaction at the first write).

Rows travel as tuples in ``STATE_COLUMNS`` order; JSON travels as text (orjson).
Timestamps are aware UTC datetimes here, stored as ``hearth.db.UTCDateTime`` stores them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

STATE_COLUMNS = (
    "device_id", "reported", "stamps", "desired", "boot", "seq", "seq_window", "reports",
    "online", "link_boot", "link", "heartbeat", "firmware", "last_seen", "stale_at",
    "availability_at",
)  # fmt: skip
JSON_COLUMNS = frozenset({"reported", "stamps", "desired"})
TIME_COLUMNS = frozenset({"last_seen", "stale_at", "availability_at"})
HISTORY_COLUMNS = ("device_id", "key", "at", "num", "value")
_SQLITE_CHUNK = 500  # bound parameters per IN (...)
_PG_TYPES = {
    "device_id": "varchar", "reported": "text", "stamps": "text", "desired": "text",
    "boot": "int8", "seq": "int8", "seq_window": "int8", "reports": "int8", "online": "bool",
    "link_boot": "int8", "link": "int8", "heartbeat": "int4", "firmware": "varchar",
    "last_seen": "timestamptz", "stale_at": "timestamptz", "availability_at": "timestamptz",
}  # fmt: skip


async def _driver(session: AsyncSession) -> Any:
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    if not _is_sqlite(session) and not driver.is_in_transaction():
        # SQLAlchemy opens asyncpg's transaction at its first statement; statements sent
        # to the driver directly before that would each commit on their own.
        await session.execute(text("SELECT 1"))
    return driver


def _is_sqlite(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _lite_time(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _from_lite_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


_SELECT = (
    "SELECT {cols}, d.home_id, d.model_id FROM device_states s "
    "JOIN devices d ON d.id = s.device_id WHERE s.device_id {match} ORDER BY s.device_id"
)


async def load_states(session: AsyncSession, ids: Sequence[str]) -> list[tuple[Any, ...]]:
    """Lock and return the state rows of ``ids`` (sorted): columns, then home and model."""
    driver = await _driver(session)
    if _is_sqlite(session):
        await driver.execute("UPDATE device_states SET seq = seq WHERE device_id = ?", (ids[0],))
        cols = ", ".join(f"s.{c}" for c in STATE_COLUMNS)
        rows: list[tuple[Any, ...]] = []
        for start in range(0, len(ids), _SQLITE_CHUNK):
            chunk = ids[start : start + _SQLITE_CHUNK]
            sql = _SELECT.format(cols=cols, match=f"IN ({', '.join('?' * len(chunk))})")
            async with driver.execute(sql, chunk) as cursor:
                rows.extend(await cursor.fetchall())
        rows.sort(key=lambda r: r[0])
        at = [STATE_COLUMNS.index(c) for c in TIME_COLUMNS]
        online = STATE_COLUMNS.index("online")
        fixed = []
        for row in rows:
            values = list(row)
            for index in at:
                values[index] = _from_lite_time(values[index])
            values[online] = bool(values[online])
            fixed.append(tuple(values))
        return fixed
    cols = ", ".join(f"s.{c}::text" if c in JSON_COLUMNS else f"s.{c}" for c in STATE_COLUMNS)
    sql = _SELECT.format(cols=cols, match="= ANY($1::varchar[])") + " FOR UPDATE OF s"
    return [tuple(r) for r in await driver.fetch(sql, list(ids))]


async def write_states(
    session: AsyncSession, rows: Sequence[tuple[Any, ...]], now: datetime
) -> None:
    """Write state rows back (tuples in ``STATE_COLUMNS`` order, JSON as text)."""
    driver = await _driver(session)
    names = STATE_COLUMNS[1:]
    if _is_sqlite(session):
        at = {STATE_COLUMNS.index(c) for c in TIME_COLUMNS}
        sets = ", ".join(f"{name} = ?" for name in names)
        params = [
            (
                *(_lite_time(v) if i in at else v for i, v in enumerate(row) if i),
                _lite_time(now),
                row[0],
            )
            for row in rows
        ]
        await driver.executemany(
            f"UPDATE device_states SET {sets}, updated_at = ? WHERE device_id = ?", params
        )
        return
    arrays = [f"${i + 1}::{_PG_TYPES[c]}[]" for i, c in enumerate(STATE_COLUMNS)]
    sets = ", ".join(f"{c} = v.{c}::json" if c in JSON_COLUMNS else f"{c} = v.{c}" for c in names)
    sql = (
        f"UPDATE device_states AS s SET {sets}, updated_at = ${len(arrays) + 1} "
        f"FROM unnest({', '.join(arrays)}) AS v({', '.join(STATE_COLUMNS)}) "
        "WHERE s.device_id = v.device_id"
    )
    columns = [list(column) for column in zip(*rows, strict=True)]
    await driver.execute(sql, *columns, now)


async def insert_history(session: AsyncSession, rows: Sequence[tuple[Any, ...]]) -> None:
    """Append history rows ``(device_id, key, at, num, value)``."""
    driver = await _driver(session)
    if _is_sqlite(session):
        await driver.executemany(
            "INSERT INTO device_history (device_id, key, at, num, value) VALUES (?, ?, ?, ?, ?)",
            [(d, k, _lite_time(at), n, v) for d, k, at, n, v in rows],
        )
        return
    await driver.copy_records_to_table("device_history", records=rows, columns=HISTORY_COLUMNS)
