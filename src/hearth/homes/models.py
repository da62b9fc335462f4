"""Tables of the homes area."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hearth.db import Base, UTCDateTime
from hearth.kit.clock import utcnow
from hearth.kit.ids import new_id


class Home(Base):
    """A home; its owner and members share its devices."""

    __tablename__ = "homes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("hom"))
    name: Mapped[str] = mapped_column(String(80))
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class HomeMember(Base):
    """A user's place in a home: ``owner`` or ``member`` (see ``homes.rules.HomeRole``)."""

    __tablename__ = "home_members"

    home_id: Mapped[str] = mapped_column(
        ForeignKey("homes.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
