"""The tables of ecosystem insights: who was active on which day, the daily figures, and
which day's count is whose to make.

``insights_active_days`` has one row per person per UTC day they used hearth, written at
most once (``activity``). ``insights_daily`` holds every figure the dashboards read, per
day and key (``rules``); pages read it alone, never the raw history. ``insights_days`` says
how far each day is counted: a worker claims a day with a conditional update of its lease
(``rollup.claim``), so any number of processes can run the job and each day is counted by
one at a time.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hearth.db import Base, UTCDateTime


class ActiveDay(Base):
    """A person was active on a UTC day."""

    __tablename__ = "insights_active_days"
    __table_args__ = (Index("ix_insights_active_days_day", "day", "user_id"),)

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)


class DailyFigure(Base):
    """One figure's number for one UTC day and key (``""``: the whole)."""

    __tablename__ = "insights_daily"

    figure: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class CountedDay(Base):
    """How far a UTC day is counted, and who is counting it now."""

    __tablename__ = "insights_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    counted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    final: Mapped[bool] = mapped_column(Boolean, default=False)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    counts: Mapped[int] = mapped_column(Integer, default=0)  # times counted
