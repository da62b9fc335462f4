"""The ingest's bulk SQL follows the model: a new column cannot be left behind unnoticed.

``batchsql`` takes its columns from ``DeviceState`` and ``HistoryPoint``; ``store`` turns
rows into twins and back by column name. A column added to the model shows up in the
batch at once, and these tests fail until the twin carries it (or ``LEFT_TO_OTHERS`` says
which other statement keeps it).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
from sqlalchemy import select

from hearth import db
from hearth.bootstrap import Hearth
from hearth.hub import batchsql
from hearth.hub.models import DeviceState, HistoryPoint
from hearth.hub.state import Mark, Twin
from hearth.hub.store import history_row, state_row, twin_from_row
from tests.hub.conftest import add_model, mint

AT = datetime(2026, 11, 23, 8, 30, 15, 123456, tzinfo=UTC)


def _twin(device_id: str = "dev_01jd0000000000000000000000") -> Twin:
    """A twin whose every field differs from its default."""
    return Twin(
        device_id=device_id,
        reported={"2.1": True, "2.2": 80},
        stamps={"2.1": [7, 41], "2.2": [7, 42]},
        desired={"2.2": 55},
        mark=Mark(7, 42, 0b1011),
        reports=42,
        online=True,
        link=(7, 3),
        heartbeat=45,
        firmware="1.4.2",
        last_seen=AT,
        stale_at=AT + timedelta(seconds=112),
        availability_at=AT - timedelta(minutes=5),
    )


def test_the_batch_carries_every_state_column_but_those_other_statements_keep() -> None:
    columns = {c.name for c in DeviceState.__table__.columns}
    assert batchsql.LEFT_TO_OTHERS < columns  # no stale names
    assert set(batchsql.STATE_COLUMNS) == columns - batchsql.LEFT_TO_OTHERS
    assert batchsql.KEY == "device_id"


def test_a_twin_becomes_a_row_of_exactly_the_batch_columns_and_back() -> None:
    twin = _twin()
    row = state_row(twin)
    assert set(row) == set(batchsql.STATE_COLUMNS)
    assert twin_from_row(row) == twin


def test_history_rows_name_each_column_of_the_history_table() -> None:
    columns = [c.name for c in HistoryPoint.__table__.columns if not c.primary_key]
    assert list(batchsql.HISTORY_COLUMNS) == columns
    assert history_row("dev_1", "2.2", AT, 21) == {
        "device_id": "dev_1",
        "key": "2.2",
        "at": AT,
        "num": 21.0,
        "value": "21",
    }
    assert history_row("dev_1", "e:3.1", AT, {"3.2": "x"})["num"] is None


async def test_a_state_row_comes_back_unchanged_through_load_and_write(hearth: Hearth) -> None:
    """On SQLite and PostgreSQL: every column the batch carries, read and written by name."""
    await add_model(hearth)
    (unit,) = await mint(hearth)
    wanted = _twin(unit.device_id)
    expected = state_row(wanted)
    for name in batchsql.JSON_COLUMNS:
        expected[name] = orjson.loads(expected[name])
    async with db.transaction(hearth.sessions) as session:
        state = await session.get(DeviceState, unit.device_id)
        assert state is not None
        for name, value in expected.items():
            setattr(state, name, value)
        state.rejected, state.last_rejection = 3, "out_of_range"
    async with db.transaction(hearth.sessions) as session:
        (row,) = await batchsql.load_states(session, [unit.device_id])
        assert row["home_id"] is None and row["model_id"] == unit.model_id
        assert twin_from_row(row) == wanted
        await batchsql.write_states(session, [state_row(twin_from_row(row))], AT)
    async with hearth.sessions() as session:
        stored = await session.scalar(
            select(DeviceState).where(DeviceState.device_id == unit.device_id)
        )
    assert stored is not None
    assert {name: getattr(stored, name) for name in batchsql.STATE_COLUMNS} == expected
    assert (stored.rejected, stored.last_rejection) == (3, "out_of_range")  # left alone
    assert stored.updated_at == AT
