"""Tables of the homes area."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hearth.db import Base, UTCDateTime
from hearth.kit.ids import new_id


class Home(Base):
    """A home; its owner and members share its devices."""

    __tablename__ = "homes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("hom"))
    name: Mapped[str] = mapped_column(String(80))
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Where the home is: its IANA time zone (None until chosen: UTC stands in) for its
    # schedules and the times its pages show, and its coordinates for sunrise and sunset.
    timezone: Mapped[str | None] = mapped_column(String(64))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)


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
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Room(Base):
    """A room of a home; devices are placed in rooms (or nowhere in particular)."""

    __tablename__ = "rooms"
    # Unique by what a name reads as (``rules.name_key``), not by its exact letters.
    __table_args__ = (UniqueConstraint("home_id", "name_key", name="uq_rooms_home_id_name_key"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("rom"))
    home_id: Mapped[str] = mapped_column(ForeignKey("homes.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    name_key: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DevicePlacement(Base):
    """Where a device sits in its home and what the home calls it.

    ``home_id`` records the home the placement was made in: after the device moves to
    another home (or is removed), the stale row is ignored and replaced on the next write.
    """

    __tablename__ = "device_placements"

    device_id: Mapped[str] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    home_id: Mapped[str] = mapped_column(ForeignKey("homes.id", ondelete="CASCADE"), index=True)
    room_id: Mapped[str | None] = mapped_column(
        ForeignKey("rooms.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str | None] = mapped_column(String(80))


class Favourite(Base):
    """A device one member wants first on their home view."""

    __tablename__ = "home_favourites"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    device_id: Mapped[str] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HomeInvitation(Base):
    """An invitation into a home: for one named user, or a single-use link (token digest).

    One with neither was addressed to a name nobody holds: it answers like any other
    (inviting must not tell who has an account) and nobody can accept it."""

    __tablename__ = "home_invitations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("hin"))
    home_id: Mapped[str] = mapped_column(ForeignKey("homes.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    invitee_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The username the owner typed (an invitation by name), shown in the open invitations.
    addressed_to: Mapped[str | None] = mapped_column(String(40))
    invited_by: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    accepted_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
