"""The ingest's bulk statements, spoken to each database driver directly.

At thousands of reports a second, an ORM or even Core ``executemany`` spends more time
building parameters than the database spends applying them. So the hot path talks to
the driver underneath the session, inside the session's own transaction:

- PostgreSQL (asyncpg): one ``SELECT ... FOR UPDATE`` of the batch's state rows, one
  ``UPDATE ... FROM unnest($1::device_states[])`` writing them all back (one array of the
  table's row type), ``COPY`` for history, and, for
  late rows, one ``INSERT ... SELECT FROM unnest(...) ON CONFLICT DO UPDATE`` per rollup
  width;
- SQLite (aiosqlite): the same with ``executemany``, after a first write that takes the
  write lock (SQLite's driver only opens a transaction at the first write).

Rollups (``hub.buckets``) are made from history by a job (``hub.rollups``); a batch adds
to them only its rows from before the job's mark, in its own transaction, one upsert per
device, key and bucket, folded in Python first. Two batches never add to the same rollup
row at once: each batch has already locked its devices' state rows (``load_states``),
and a rollup row belongs to one device.

The columns come from the tables' metadata (``DeviceState``, ``HistoryPoint``), so the SQL
follows the model: every column of ``device_states`` is carried by the batch unless
``LEFT_TO_OTHERS`` names it. State rows travel as mappings keyed by column name, read
and written by name; JSON travels as text (orjson). History rows stay tuples in
``HISTORY_COLUMNS`` order: there is one per reported value, the hottest loop of ingest,
and ``COPY`` takes tuples. Timestamps are aware UTC datetimes here, stored as
``hearth.db.UTCDateTime`` stores them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import JSON, Boolean, Table
from sqlalchemy.ext.asyncio import AsyncSession

from hearth import db
from hearth.db import UTCDateTime
from hearth.hub import buckets
from hearth.hub.models import DeviceState, HistoryPoint, Rollup1h, Rollup5m

STATES = cast(Table, DeviceState.__table__)
HISTORY = cast(Table, HistoryPoint.__table__)
# Columns of device_states the batch does not carry: rejections are counted by a statement
# of their own (``store``), and ``updated_at`` is set to the batch's time.
LEFT_TO_OTHERS = frozenset({"rejected", "last_rejection", "last_rejected_at", "updated_at"})
STATE_COLUMNS = tuple(c.name for c in STATES.columns if c.name not in LEFT_TO_OTHERS)
KEY = STATES.primary_key.columns.keys()[0]
JSON_COLUMNS = frozenset(c.name for c in STATES.columns if isinstance(c.type, JSON))
TIME_COLUMNS = frozenset(
    c.name for c in STATES.columns if isinstance(c.type, UTCDateTime) and c.name in STATE_COLUMNS
)
BOOL_COLUMNS = frozenset(
    c.name for c in STATES.columns if isinstance(c.type, Boolean) and c.name in STATE_COLUMNS
)
HISTORY_COLUMNS = tuple(c.name for c in HISTORY.columns if not c.primary_key)
ROLLUPS = {
    buckets.FIVE_MINUTES: cast(Table, Rollup5m.__table__),
    buckets.HOUR: cast(Table, Rollup1h.__table__),
}
ROLLUP_COLUMNS = ("device_id", "key", "start", "count", "sum", "min", "max", "last", "last_at")
_SQLITE_CHUNK = 500  # bound parameters per IN (...)


_PG_ROW: dict[str, itemgetter[Any]] = {}  # a table's columns in the database's order


class _Row(dict[str, Any]):
    """A state row with every column the batch leaves to others as NULL (unused)."""

    def __missing__(self, _name: str) -> None:
        return None


def _is_sqlite(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _lite_time(value: datetime | None) -> str | None:
    # "%Y-%m-%d %H:%M:%S.%f", as SQLAlchemy stores it, at half strftime's cost (the years
    # hearth keeps have four digits: ``kit.timebounds``).
    return None if value is None else value.astimezone(UTC).isoformat(" ", "microseconds")[:26]


def _from_lite_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


_SELECT = (
    "SELECT {cols}, d.home_id AS home_id, d.model_id AS model_id FROM device_states s "
    "JOIN devices d ON d.id = s.device_id WHERE s.device_id {match} ORDER BY s.device_id"
)


async def load_states(session: AsyncSession, ids: Sequence[str]) -> list[Mapping[str, Any]]:
    """Lock and return the state rows of ``ids`` (sorted), by name: columns, home, model."""
    driver = await db.driver(session)
    if _is_sqlite(session):
        # A first write takes the write lock, as FOR UPDATE would.
        await driver.execute(f"UPDATE device_states SET seq = seq WHERE {KEY} = ?", (ids[0],))
        cols = ", ".join(f"s.{c} AS {c}" for c in STATE_COLUMNS)
        rows: list[Mapping[str, Any]] = []
        for start in range(0, len(ids), _SQLITE_CHUNK):
            chunk = ids[start : start + _SQLITE_CHUNK]
            sql = _SELECT.format(cols=cols, match=f"IN ({', '.join('?' * len(chunk))})")
            async with driver.execute(sql, chunk) as cursor:
                names = [column[0] for column in cursor.description]
                rows.extend(
                    _from_lite(dict(zip(names, r, strict=True))) for r in await cursor.fetchall()
                )
        rows.sort(key=lambda r: r[KEY])
        return rows
    cols = ", ".join(
        f"s.{c}::text AS {c}" if c in JSON_COLUMNS else f"s.{c} AS {c}" for c in STATE_COLUMNS
    )
    sql = _SELECT.format(cols=cols, match="= ANY($1::varchar[])") + " FOR UPDATE OF s"
    found: list[Mapping[str, Any]] = await driver.fetch(sql, list(ids))  # asyncpg Records
    return found


def _from_lite(row: dict[str, Any]) -> dict[str, Any]:
    """Turn SQLite's text timestamps and 0/1 booleans into what PostgreSQL returns."""
    for name in TIME_COLUMNS:
        row[name] = _from_lite_time(row[name])
    for name in BOOL_COLUMNS:
        row[name] = bool(row[name])
    return row


async def write_states(
    session: AsyncSession, rows: Sequence[Mapping[str, Any]], now: datetime
) -> None:
    """Write state rows back: mappings with every name of ``STATE_COLUMNS``, JSON as text."""
    driver = await db.driver(session)
    names = [c for c in STATE_COLUMNS if c != KEY]
    if _is_sqlite(session):
        times = [name in TIME_COLUMNS for name in names]
        sets = ", ".join(f"{name} = ?" for name in names)
        params = [
            (
                *(
                    _lite_time(row[name]) if time else row[name]
                    for name, time in zip(names, times, strict=True)
                ),
                _lite_time(now),
                row[KEY],
            )
            for row in rows
        ]
        await driver.executemany(
            f"UPDATE device_states SET {sets}, updated_at = ? WHERE {KEY} = ?", params
        )
        return
    # One array of the table's own row type, not an array per column: the driver checks
    # each element of an array for being an array itself, at a cost per value.
    order = _PG_ROW.get("device_states")
    if order is None:
        found = await driver.fetch(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'device_states'::regclass "
            "AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
        )
        order = _PG_ROW["device_states"] = itemgetter(*(r[0] for r in found))
    sets = ", ".join(f"{c} = v.{c}" for c in names)
    sql = (
        f"UPDATE device_states AS s SET {sets}, updated_at = $2 "
        f"FROM unnest($1::device_states[]) AS v WHERE s.{KEY} = v.{KEY}"
    )
    await driver.execute(sql, [order(_Row(row)) for row in rows], now)


async def insert_history(
    session: AsyncSession, rows: Sequence[tuple[Any, ...]], *, late_before: datetime
) -> None:
    """Append history rows, tuples in ``HISTORY_COLUMNS`` order, and add the numbers of
    those from before ``late_before`` (the rollups' mark: ``hub.rollups.hold``) to the
    rollups; the rollup job takes in the others."""
    driver = await db.driver(session)
    if _is_sqlite(session):
        at = HISTORY_COLUMNS.index("at")
        await driver.executemany(
            f"INSERT INTO device_history ({', '.join(HISTORY_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(HISTORY_COLUMNS))})",
            [(*r[:at], _lite_time(r[at]), *r[at + 1 :]) for r in rows],
        )
    else:
        await driver.copy_records_to_table("device_history", records=rows, columns=HISTORY_COLUMNS)
    at = HISTORY_COLUMNS.index("at")
    late = [r for r in rows if r[at] < late_before]
    if late:
        await add_rollups(session, *buckets.fold(late))


# Adding a tally to a rollup row: sums add up, the extremes widen, and the last value is
# the one with the latest time (of two at the same time, the larger), whatever the order
# in which batches arrive.
ADD_TALLY = (
    "ON CONFLICT (device_id, key, start) DO UPDATE SET "
    "count = r.count + excluded.count, sum = r.sum + excluded.sum, "
    "min = {least}(r.min, excluded.min), max = {greatest}(r.max, excluded.max), "
    "last = CASE WHEN (excluded.last_at, excluded.last) > (r.last_at, r.last) "
    "THEN excluded.last ELSE r.last END, "
    "last_at = {greatest}(r.last_at, excluded.last_at)"
)
_PG_ROLLUP_TYPES = (
    "varchar[]", "varchar[]", "timestamptz[]", "bigint[]", "float8[]", "float8[]",
    "float8[]", "float8[]", "timestamptz[]",
)  # fmt: skip
_PG_ADD = {
    width: f"INSERT INTO {table.name} AS r ({', '.join(ROLLUP_COLUMNS)}) "
    f"SELECT * FROM unnest("
    + ", ".join(f"${i + 1}::{t}" for i, t in enumerate(_PG_ROLLUP_TYPES))
    + ") "
    + ADD_TALLY.format(least="least", greatest="greatest")
    for width, table in ROLLUPS.items()
}
_LITE_ADD = {
    width: f"INSERT INTO {table.name} AS r ({', '.join(ROLLUP_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(ROLLUP_COLUMNS))}) "
    + ADD_TALLY.format(least="min", greatest="max")
    for width, table in ROLLUPS.items()
}


async def add_rollups(session: AsyncSession, five: buckets.Rollup, hourly: buckets.Rollup) -> None:
    """Add tallies (``buckets.fold``) to the five-minute and hourly rollups."""
    driver = await db.driver(session)
    lite = _is_sqlite(session)
    for width, tallies in ((buckets.FIVE_MINUTES, five), (buckets.HOUR, hourly)):
        if not tallies:
            continue
        # In key order, as every batch does, so two statements wait for each other's rows
        # in one order (should a device's rows ever be written by two batches at once).
        slots = sorted(tallies)
        if lite:
            await driver.executemany(
                _LITE_ADD[width],
                [
                    (
                        device_id,
                        key,
                        _lite_time(start),
                        (t := tallies[device_id, key, start]).count,
                        t.sum,
                        t.min,
                        t.max,
                        t.last,
                        _lite_time(t.last_at),
                    )
                    for device_id, key, start in slots
                ],
            )
            continue
        held = [tallies[slot] for slot in slots]
        await driver.execute(
            _PG_ADD[width],
            [s[0] for s in slots],
            [s[1] for s in slots],
            [s[2] for s in slots],
            [t.count for t in held],
            [t.sum for t in held],
            [t.min for t in held],
            [t.max for t in held],
            [t.last for t in held],
            [t.last_at for t in held],
        )
