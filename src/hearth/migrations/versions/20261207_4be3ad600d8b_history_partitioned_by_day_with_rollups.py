"""history partitioned by day, with rollups

Device history gets five-minute and hourly rollups of its numbers (``device_rollups_5m``,
``device_rollups_1h``: count, sum, min, max and the last value per device, key and
bucket), built here from every row already kept. On PostgreSQL ``device_history`` becomes
a table partitioned by range of ``at``: a partition per day (UTC) for every day its rows
fall on (within ten years before and four days after the database's clock; anything else
goes to the default partition), today's and the next three days', and a default
partition. Its rows are copied over with their ids, the id sequence carries on, and the
primary key becomes ``(id, at)`` (a partitioned table's key must hold the partition key);
the index on ``at`` alone is gone, since old days are dropped whole. SQLite keeps its one
table.

Revision ID: 4be3ad600d8b
Revises: 5b184ac6c5ac
Create Date: 2026-12-07 03:51:43.000000
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op

import hearth.db

revision: str = "4be3ad600d8b"
down_revision: str | Sequence[str] | None = "5b184ac6c5ac"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AHEAD_DAYS = 3  # as hearth.hub.partitions.AHEAD_DAYS at this revision
_COLUMNS = "id, device_id, key, at, num, value"


def _bucket(column: str, seconds: int, dialect: str) -> str:
    """SQL for the start of the epoch-aligned bucket of ``seconds`` holding ``column``, as
    ``hearth.db.UTCDateTime`` stores it."""
    if dialect == "sqlite":
        return (
            f"strftime('%Y-%m-%d %H:%M:%S', "
            f"(CAST(strftime('%s', {column}) AS INTEGER) / {seconds}) * {seconds}, 'unixepoch')"
            " || '.000000'"
        )
    return f"to_timestamp(floor(extract(epoch FROM {column}) / {seconds}) * {seconds})"


def _rollup_table(name: str) -> None:
    op.create_table(
        name,
        sa.Column("device_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=24), nullable=False),
        sa.Column("start", hearth.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("sum", sa.Float(), nullable=False),
        sa.Column("min", sa.Float(), nullable=False),
        sa.Column("max", sa.Float(), nullable=False),
        sa.Column("last", sa.Float(), nullable=False),
        sa.Column("last_at", hearth.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            name=op.f(f"fk_{name}_device_id_devices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("device_id", "key", "start", name=op.f(f"pk_{name}")),
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{name}_start"), ["start"], unique=False)


def _build_rollups(dialect: str) -> None:
    """Fill the rollups from raw history: five minutes from the rows, hours from those.
    The last value is the one with the latest time, of two at the same time the larger
    (as ``hearth.hub.buckets.Tally`` at this revision)."""
    five = _bucket("at", 300, dialect)
    op.execute(
        "INSERT INTO device_rollups_5m (device_id, key, start, count, sum, min, max, last, last_at) "
        "SELECT device_id, key, bucket, count(*), sum(num), min(num), max(num), "
        "max(CASE WHEN place = 1 THEN num END), max(at) FROM ("
        f"SELECT device_id, key, at, num, {five} AS bucket, row_number() OVER ("
        f"PARTITION BY device_id, key, {five} ORDER BY at DESC, num DESC) AS place "
        "FROM device_history WHERE num IS NOT NULL) AS h "
        "GROUP BY device_id, key, bucket"
    )
    hour = _bucket("start", 3600, dialect)
    op.execute(
        "INSERT INTO device_rollups_1h (device_id, key, start, count, sum, min, max, last, last_at) "
        "SELECT device_id, key, bucket, sum(count), sum(sum), min(min), max(max), "
        "max(CASE WHEN place = 1 THEN last END), max(last_at) FROM ("
        f"SELECT r.*, {hour} AS bucket, row_number() OVER ("
        f"PARTITION BY device_id, key, {hour} ORDER BY last_at DESC, last DESC) AS place "
        "FROM device_rollups_5m AS r) AS f "
        "GROUP BY device_id, key, bucket"
    )


def _day_partition(parent: str, day: date) -> None:
    until = day + timedelta(days=1)
    op.execute(
        f"CREATE TABLE device_history_{day:%Y%m%d} PARTITION OF {parent} "
        f"FOR VALUES FROM ('{day:%Y-%m-%d} 00:00:00+00') TO ('{until:%Y-%m-%d} 00:00:00+00')"
    )


def _partition_history() -> None:
    bind = op.get_bind()
    op.execute(
        "CREATE TABLE device_history_parted ("
        "id BIGINT NOT NULL DEFAULT nextval('device_history_id_seq'), "
        "device_id VARCHAR(32) NOT NULL, key VARCHAR(24) NOT NULL, "
        "at TIMESTAMP WITH TIME ZONE NOT NULL, num FLOAT, value TEXT NOT NULL"
        ") PARTITION BY RANGE (at)"
    )
    op.execute("CREATE TABLE device_history_default PARTITION OF device_history_parted DEFAULT")
    today: date = bind.execute(
        sa.text("SELECT CAST(now() AT TIME ZONE 'UTC' AS date)")
    ).scalar_one()
    days = set(
        bind.execute(
            sa.text(
                "SELECT DISTINCT CAST(at AT TIME ZONE 'UTC' AS date) FROM device_history "
                "WHERE at >= now() - interval '3650 days' AND at < :until"
            ),
            {"until": today + timedelta(days=AHEAD_DAYS + 1)},
        ).scalars()
    )
    days.update(today + timedelta(days=n) for n in range(AHEAD_DAYS + 1))
    for day in sorted(days):
        _day_partition("device_history_parted", day)
    op.execute(
        f"INSERT INTO device_history_parted ({_COLUMNS}) SELECT {_COLUMNS} FROM device_history"
    )
    op.execute("ALTER SEQUENCE device_history_id_seq OWNED BY device_history_parted.id")
    op.execute("DROP TABLE device_history")
    op.execute("ALTER TABLE device_history_parted RENAME TO device_history")
    op.execute("ALTER TABLE device_history ADD CONSTRAINT pk_device_history PRIMARY KEY (id, at)")
    op.execute(
        "ALTER TABLE device_history ADD CONSTRAINT fk_device_history_device_id_devices "
        "FOREIGN KEY (device_id) REFERENCES devices (id) ON DELETE CASCADE"
    )
    op.execute(
        "CREATE INDEX ix_device_history_device_key_at ON device_history (device_id, key, at)"
    )


def _unpartition_history() -> None:
    op.execute(
        "CREATE TABLE device_history_plain ("
        "id BIGINT NOT NULL DEFAULT nextval('device_history_id_seq'), "
        "device_id VARCHAR(32) NOT NULL, key VARCHAR(24) NOT NULL, "
        "at TIMESTAMP WITH TIME ZONE NOT NULL, num FLOAT, value TEXT NOT NULL, "
        "CONSTRAINT pk_device_history_plain PRIMARY KEY (id), "
        "CONSTRAINT fk_device_history_device_id_devices FOREIGN KEY (device_id) "
        "REFERENCES devices (id) ON DELETE CASCADE)"
    )
    op.execute(
        f"INSERT INTO device_history_plain ({_COLUMNS}) SELECT {_COLUMNS} FROM device_history"
    )
    op.execute("ALTER SEQUENCE device_history_id_seq OWNED BY device_history_plain.id")
    op.execute("DROP TABLE device_history")  # and every partition
    op.execute("ALTER TABLE device_history_plain RENAME TO device_history")
    op.execute(
        "ALTER TABLE device_history RENAME CONSTRAINT pk_device_history_plain TO pk_device_history"
    )
    op.execute("CREATE INDEX ix_device_history_at ON device_history (at)")
    op.execute(
        "CREATE INDEX ix_device_history_device_key_at ON device_history (device_id, key, at)"
    )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _rollup_table("device_rollups_5m")
    _rollup_table("device_rollups_1h")
    if dialect == "postgresql":
        _partition_history()
    _build_rollups(dialect)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _unpartition_history()
    for name in ("device_rollups_1h", "device_rollups_5m"):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{name}_start"))
        op.drop_table(name)
