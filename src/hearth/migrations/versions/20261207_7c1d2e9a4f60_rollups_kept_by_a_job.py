"""rollups kept by a job

Device history's rollups were added to by every ingest batch. They are now made from raw
history by a periodic job (``hearth.hub.rollups``), up to the times ``device_rollup_mark``
holds; a batch adds to them itself only the rows that arrive late, behind that mark.
Every row already kept was rolled up by the batch that wrote it, so the mark starts at the
migration's time. On PostgreSQL, ``device_history`` gets a BRIN index on ``at`` for the
job's reads of a time range (SQLite keeps its B-tree index). ``device_history`` also loses
its foreign key to ``devices``: checking it cost PostgreSQL about as much as writing the
row; ingest writes history only for devices whose state rows it holds locked, and devices
are never deleted (their history is, when they leave a home). On PostgreSQL the state rows
get a fill factor of 70, room for their next versions in the same page.

Revision ID: 7c1d2e9a4f60
Revises: 4be3ad600d8b
Create Date: 2026-12-07 07:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hearth.db

revision: str = "7c1d2e9a4f60"
down_revision: str | Sequence[str] | None = "4be3ad600d8b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "device_rollup_mark",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("rolled", hearth.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("until", hearth.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("through_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_rollup_mark")),
    )
    if op.get_bind().dialect.name == "sqlite":  # as hearth.db.UTCDateTime stores it
        now = "strftime('%Y-%m-%d %H:%M:%S', 'now') || '.000000'"
    else:
        now = "now()"
    op.execute(
        f"INSERT INTO device_rollup_mark (id, rolled, until, through_id) VALUES (1, {now}, {now}, 0)"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_device_history_at ON device_history USING brin (at)")
        # Room in each page for a state row's next version: updated in place (HOT).
        op.execute("ALTER TABLE device_states SET (fillfactor = 70)")
    with op.batch_alter_table("device_history", schema=None) as batch_op:
        batch_op.drop_constraint("fk_device_history_device_id_devices", type_="foreignkey")


def _bucket(seconds: int, dialect: str) -> str:
    if dialect == "sqlite":
        return (
            f"strftime('%Y-%m-%d %H:%M:%S', (CAST(strftime('%s', substr(at, 1, 19)) AS INTEGER)"
            f" / {seconds})"
            f" * {seconds}, 'unixepoch') || '.000000'"
        )
    return f"date_bin('{seconds} seconds', at, TIMESTAMPTZ '1970-01-01 00:00:00+00')"


def _take_in_the_rest(dialect: str) -> None:
    """Add the history the job has not taken in yet to the rollups, as batches did before."""
    least, greatest = ("least", "greatest") if dialect == "postgresql" else ("min", "max")
    for table, seconds in (("device_rollups_5m", 300), ("device_rollups_1h", 3600)):
        bucket = _bucket(seconds, dialect)
        op.execute(
            f"INSERT INTO {table} AS r (device_id, key, start, count, sum, min, max, last, "
            "last_at) SELECT device_id, key, bucket, count(*), sum(num), min(num), max(num), "
            "max(CASE WHEN place = 1 THEN num END), max(at) FROM ("
            f"SELECT device_id, key, at, num, {bucket} AS bucket, row_number() OVER ("
            f"PARTITION BY device_id, key, {bucket} ORDER BY at DESC, num DESC) AS place "
            "FROM device_history WHERE num IS NOT NULL "
            # Not yet taken in by the job, nor added by their batches (hearth.hub.rollups).
            "AND EXISTS (SELECT 1 FROM device_rollup_mark AS m WHERE at >= m.rolled "
            "AND (at >= m.until OR id <= m.through_id))) AS h "
            "WHERE true GROUP BY device_id, key, bucket "
            "ON CONFLICT (device_id, key, start) DO UPDATE SET "
            "count = r.count + excluded.count, sum = r.sum + excluded.sum, "
            f"min = {least}(r.min, excluded.min), max = {greatest}(r.max, excluded.max), "
            "last = CASE WHEN (excluded.last_at, excluded.last) > (r.last_at, r.last) "
            "THEN excluded.last ELSE r.last END, "
            f"last_at = {greatest}(r.last_at, excluded.last_at)"
        )


def downgrade() -> None:
    _take_in_the_rest(op.get_bind().dialect.name)
    op.execute(  # what a foreign key would have kept out
        "DELETE FROM device_history WHERE device_id NOT IN (SELECT id FROM devices)"
    )
    with op.batch_alter_table("device_history", schema=None) as batch_op:
        batch_op.create_foreign_key(
            "fk_device_history_device_id_devices",
            "devices",
            ["device_id"],
            ["id"],
            ondelete="CASCADE",
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE device_states RESET (fillfactor)")
        op.execute("DROP INDEX ix_device_history_at")
    op.drop_table("device_rollup_mark")
