"""The certification runs table: one row per run, the report once it is done."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hearth.db import Base, UTCDateTime
from hearth.kit.ids import new_id


class CertificationRun(Base):
    """A run of the certification suite against one spec version of a product."""

    __tablename__ = "certification_runs"
    __table_args__ = (Index("ix_certification_runs_product_started", "product_id", "started_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("crt"))
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    spec_version: Mapped[int] = mapped_column(Integer)
    device: Mapped[str] = mapped_column(String(16), default="simulated")  # or "real"
    device_id: Mapped[str | None] = mapped_column(String(32))  # the test unit
    status: Mapped[str] = mapped_column(String(16), default="running")
    reason: Mapped[str] = mapped_column(Text, default="")
    total: Mapped[int] = mapped_column(Integer, default=0)
    passed: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    started_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
