"""The migration to partitioned history with rollups, run on a database that holds history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Connection

from hearth import db
from hearth.hub import partitions
from hearth.hub.models import HistoryPoint
from tests.hub.history_rows import (
    add_devices,
    differences,
    raw_rows,
    recompute,
    row,
    stored,
    write,
)

BEFORE_ROLLUPS = "5b184ac6c5ac"
T0 = datetime(2026, 2, 27, 22, 58, 31, 250000, tzinfo=UTC)


def _to(revision: str) -> Any:
    def move(connection: Connection) -> None:
        from alembic import command

        if revision == "head":
            command.upgrade(db._alembic_config(connection), revision)
        else:
            command.downgrade(db._alembic_config(connection), revision)

    return move


def _old_rows() -> list[dict[str, Any]]:
    """Three days of numbers, words and events from two devices, and one row from a clock
    that ran far ahead."""
    rows: list[tuple[Any, ...]] = []
    for n in range(3 * 24 * 6):
        at = T0 + timedelta(minutes=10 * n, seconds=n % 7)
        rows.append(row("dev_a", "2.1", at, 18 + (n * 7) % 11 + 0.25))
        rows.append(row("dev_b", "2.2", at, n % 3 == 0))
        if n % 40 == 0:
            rows.append(row("dev_b", "3.1", at, f"mode-{n}"))
            rows.append(row("dev_a", "e:4.1", at, {"4.1": n}))
    rows.append(row("dev_a", "2.1", datetime(2099, 1, 1, tzinfo=UTC), 99.5))
    names = ("device_id", "key", "at", "num", "value")
    return [dict(zip(names, r, strict=True)) for r in rows]


async def test_the_migration_keeps_every_history_row_and_rolls_them_all_up(
    database_url: str,
) -> None:
    engine = db.create_engine(database_url, pool=False)
    sessions = db.session_factory(engine)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_to(BEFORE_ROLLUPS))
        await add_devices(sessions, "dev_a", "dev_b")
        async with db.transaction(sessions) as session:
            await session.execute(insert(HistoryPoint), _old_rows())
        columns = select(
            HistoryPoint.id,
            HistoryPoint.device_id,
            HistoryPoint.key,
            HistoryPoint.at,
            HistoryPoint.num,
            HistoryPoint.value,
        )
        async with sessions() as session:
            before = {tuple(r) for r in await session.execute(columns)}

        await db.upgrade(engine)

        async with sessions() as session:
            after = {tuple(r) for r in await session.execute(columns)}
            partitioned = await partitions.is_partitioned(session)
            days = await partitions.days(session) if partitioned else []
        assert after == before and len(after) == len(_old_rows())
        raw = await raw_rows(sessions)
        assert differences(recompute(raw, 300), await stored(sessions, 300)) == []
        assert differences(recompute(raw, 3600), await stored(sessions, 3600)) == []
        # Two devices report numbers over 72 hours from 22:58, 73 hours begun, and 2099.
        assert len(await stored(sessions, 3600)) == 2 * 73 + 1
        if engine.dialect.name == "postgresql":
            assert partitioned
            assert {T0.date() + timedelta(days=n) for n in range(4)} <= set(days)
            async with sessions() as session:
                found = await session.execute(
                    text("SELECT tableoid::regclass::text, count(*) FROM device_history GROUP BY 1")
                )
                places = {r[0]: r[1] for r in found}
            assert places[partitions.DEFAULT] == 1  # the row from 2099
            first_day = [r for r in _old_rows() if r["at"].date() == T0.date()]
            assert places[partitions.name_of(T0.date())] == len(first_day)
        else:
            assert not partitioned

        # New rows carry on the ids, and the way back keeps every row too.
        later = T0 + timedelta(days=5)
        await write(sessions, [row("dev_a", "2.1", later, 1.0)])
        async with sessions() as session:
            old = await session.scalar(
                select(func.max(HistoryPoint.id)).where(HistoryPoint.at != later)
            )
            new = await session.scalar(select(HistoryPoint.id).where(HistoryPoint.at == later))
        assert old is not None and new is not None and new > old
        async with engine.begin() as conn:
            await conn.run_sync(_to(BEFORE_ROLLUPS))
        async with sessions() as session:
            back = {tuple(r) for r in await session.execute(columns)}
            assert not await partitions.is_partitioned(session)
        assert len(back) == len(before) + 1 and before < back
    finally:
        await engine.dispose()
