"""Tables of the device cloud.

``device_states`` holds one row per device, created when the device is minted, so the
ingest path only ever updates; ``device_history`` is append-only and pruned by age, and
its numbers are also kept as rollups per five minutes and per hour
(``device_rollups_5m``, ``device_rollups_1h``), each pruned by an age of its own, up to
the time ``device_rollup_mark`` holds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from hearth.db import Base, UTCDateTime
from hearth.kit.clock import utcnow
from hearth.kit.ids import new_id

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL wants room to grow.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class DeviceModel(Base):
    """A product as the cloud sees it: a model id and its spec document.

    ``partner_id`` is NULL for the platform's built-in library.
    """

    __tablename__ = "device_models"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    spec_version: Mapped[int] = mapped_column(Integer, default=1)
    partner_id: Mapped[str | None] = mapped_column(
        ForeignKey("partners.id", ondelete="RESTRICT"), index=True
    )
    # ``catalog.save_model`` sets both from its ``now``; the defaults remain for the rows
    # certification (``mall.certification.service``) and tests insert directly.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Device(Base):
    """One device unit: its credentials, its life, and the home it is bound to."""

    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    model_id: Mapped[str] = mapped_column(
        ForeignKey("device_models.id", ondelete="RESTRICT"), index=True
    )
    secret_hash: Mapped[str] = mapped_column(String(160))
    pairing_digest: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    batch: Mapped[str] = mapped_column(String(32), index=True)
    home_id: Mapped[str | None] = mapped_column(
        ForeignKey("homes.id", ondelete="SET NULL"), index=True
    )
    bound_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Bumped on mint, rotation and revocation: the broker-config writer watches it.
    credentials_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DeviceState(Base):
    """What the cloud knows of a device now: reported and desired state, availability."""

    __tablename__ = "device_states"

    device_id: Mapped[str] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    reported: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # key → [boot, seq] of the message that set the reported value (see hub.state)
    stamps: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    desired: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The newest (boot, seq) applied and the window of earlier ones: a redelivered
    # message is not applied again (hub.state.Mark).
    boot: Mapped[int] = mapped_column(BigInteger, default=0)
    seq: Mapped[int] = mapped_column(BigInteger, default=-1)
    seq_window: Mapped[int] = mapped_column(BigInteger, default=0)
    reports: Mapped[int] = mapped_column(BigInteger, default=0)
    rejected: Mapped[int] = mapped_column(BigInteger, default=0)
    last_rejection: Mapped[str | None] = mapped_column(String(200))
    last_rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    online: Mapped[bool] = mapped_column(default=False)
    # The connection (boot, link number) availability belongs to: a late last will
    # of an older connection does not mark a reconnected device offline.
    link_boot: Mapped[int] = mapped_column(BigInteger, default=0)
    link: Mapped[int] = mapped_column(BigInteger, default=-1)
    last_seen: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When an online device that stays silent counts as offline (missed heartbeats).
    stale_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    availability_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    heartbeat: Mapped[int] = mapped_column(Integer, default=60)
    firmware: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class HistoryPoint(Base):
    """One reported property value (``key`` ``"2.1"``) or event (``"e:2.1"``) at a time.

    ``num`` holds numbers and booleans (as 0/1) for averaging; ``value`` the JSON text.
    On PostgreSQL the table is partitioned by day on ``at`` (``hub.partitions``; made by
    the migration ``history partitioned by day, with rollups``): its primary key there is
    ``(id, at)``, and its index on ``at`` alone is a BRIN index (a few pages per day, next
    to nothing to keep up), enough for the rollup job's reads of a time range.
    """

    __tablename__ = "device_history"
    __table_args__ = (Index("ix_device_history_device_key_at", "device_id", "key", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # No foreign key: checking one costs PostgreSQL about as much as writing the row.
    # Ingest writes history only for devices whose state rows it holds locked, and a
    # device's history goes with it (``hub.history.forget``).
    device_id: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    num: Mapped[float | None] = mapped_column(Float)
    value: Mapped[str] = mapped_column(Text)


class RollupRow:
    """The columns of a rollup table: one row per device, key and bucket (``hub.buckets``)."""

    device_id: Mapped[str] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(24), primary_key=True)
    start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True, index=True)
    count: Mapped[int] = mapped_column(BigInteger)
    sum: Mapped[float] = mapped_column(Float)
    min: Mapped[float] = mapped_column(Float)
    max: Mapped[float] = mapped_column(Float)
    last: Mapped[float] = mapped_column(Float)  # the value with the latest ``at``
    last_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Rollup5m(RollupRow, Base):
    """A property's numbers per five minutes."""

    __tablename__ = "device_rollups_5m"


class Rollup1h(RollupRow, Base):
    """A property's numbers per hour."""

    __tablename__ = "device_rollups_1h"


class RollupMark(Base):
    """How far the rollups have taken history in (``hub.rollups``). One row.

    Every number reported before ``rolled`` is counted in them. Batches add their rows
    from before ``until`` themselves; the rows from ``rolled`` to ``until`` with ids up to
    ``through_id`` are the job's, still to take in while ``rolled < until``."""

    __tablename__ = "device_rollup_mark"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    rolled: Mapped[datetime] = mapped_column(UTCDateTime())
    until: Mapped[datetime] = mapped_column(UTCDateTime())
    through_id: Mapped[int] = mapped_column(BigInteger, default=0)


class Command(Base):
    """A set, get or action sent to a device, with its outcome; one per request id."""

    __tablename__ = "device_commands"
    __table_args__ = (UniqueConstraint("device_id", "request_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("cmd"))
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    requested_by: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
