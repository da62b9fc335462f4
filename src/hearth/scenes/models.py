"""Tables of smart scenes: scenes, automations, their timers and their runs.

Where a home is (its time zone and location) is the home's own (``homes.service.home_place``).

Everything a run needs to continue lives here, not in a process: a run in a delay is a
row with ``resume_at``; a schedule is a timer row with ``due_at``. Any hearth process
may pick either up, with a conditional update so that exactly one does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hearth.db import Base, UTCDateTime
from hearth.kit.ids import new_id


class Scene(Base):
    """A manual scene: an ordered list of actions a member runs with one tap."""

    __tablename__ = "scenes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("scn"))
    home_id: Mapped[str] = mapped_column(ForeignKey("homes.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Automation(Base):
    """Triggers, conditions and actions; runs as the member who last saved it."""

    __tablename__ = "automations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("aut"))
    home_id: Mapped[str] = mapped_column(ForeignKey("homes.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    mode: Mapped[str] = mapped_column(String(16), default="single")
    rule: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Why hearth disabled it (a loop), shown until someone enables it again.
    disabled_reason: Mapped[str | None] = mapped_column(String(300))
    # When it last started a run, for its cooldown (kept only by automations with one).
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SceneTimer(Base):
    """The next time one schedule or sun trigger of an automation fires, or when a property
    trigger that must hold ``for_minutes`` fires if it still holds (written when it crosses,
    deleted when it clears: nothing is written for a report that crosses nothing)."""

    __tablename__ = "scene_timers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("tmr"))
    automation_id: Mapped[str] = mapped_column(
        ForeignKey("automations.id", ondelete="CASCADE"), index=True
    )
    trigger_index: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class SceneRun(Base):
    """One run of an automation or a scene: why it started and what each action did."""

    __tablename__ = "scene_runs"
    __table_args__ = (
        Index("ix_scene_runs_automation_status", "automation_id", "status"),
        Index("ix_scene_runs_status_resume", "status", "resume_at"),
        Index("ix_scene_runs_home_started", "home_id", "started_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("run"))
    home_id: Mapped[str] = mapped_column(ForeignKey("homes.id", ondelete="CASCADE"))
    automation_id: Mapped[str | None] = mapped_column(
        ForeignKey("automations.id", ondelete="CASCADE")
    )
    scene_id: Mapped[str | None] = mapped_column(
        ForeignKey("scenes.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    # What started it: {"kind", "index", "device_id", "key", "before", "value", ...}
    cause: Mapped[dict[str, Any]] = mapped_column(JSON)
    conditions: Mapped[list[bool]] = mapped_column(JSON, default=list)
    chain: Mapped[list[str]] = mapped_column(JSON, default=list)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    next_step: Mapped[int] = mapped_column(Integer, default=0)
    resume_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
