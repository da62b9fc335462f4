"""Rooms of a home: owners create, rename, reorder and delete them; everyone sees them.

Deleting a room leaves its devices in the home, placed in no room.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.errors import Conflict, NotFound
from hearth.homes.events import HomeChanged
from hearth.homes.models import Room
from hearth.homes.rules import HomeAction, clean_name, name_key
from hearth.homes.service import require
from hearth.outbox import record

MAX_ROOMS = 50


async def list_rooms(session: AsyncSession, *, user: User, home_id: str) -> list[Room]:
    """Return a home's rooms in their order."""
    await require(session, user=user, home_id=home_id)
    rows = await session.scalars(
        select(Room).where(Room.home_id == home_id).order_by(Room.position, Room.created_at)
    )
    return list(rows)


async def _check_name_free(session: AsyncSession, home_id: str, name: str, but: str = "") -> str:
    """Return the name's key, or raise ``Conflict`` naming the room that reads alike."""
    key = name_key(name)
    same = await session.scalar(
        select(Room).where(Room.home_id == home_id, Room.name_key == key, Room.id != but)
    )
    if same is not None:
        raise _taken(same)
    return key


def _taken(room: Room) -> Conflict:
    return Conflict(
        f"This home already has a room called “{room.name}”.",
        detail=[{"field": "name", "message": f"the room {room.name!r} has this name"}],
    )


async def _written(session: AsyncSession, room: Room) -> None:
    """Flush the room; a room named alike a moment ago by someone else is a ``Conflict``."""
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        with session.no_autoflush:  # the refused room must not be written again
            same = await session.scalar(
                select(Room).where(
                    Room.home_id == room.home_id,
                    Room.name_key == room.name_key,
                    Room.id != room.id,
                )
            )
        raise _taken(same or room) from None


async def create_room(
    session: AsyncSession, *, user: User, home_id: str, name: str, now: datetime
) -> Room:
    """Add a room at the end of a home the user owns."""
    home, _ = await require(session, user=user, home_id=home_id, action=HomeAction.MANAGE)
    cleaned = clean_name(name, what="a room")
    count = await session.scalar(select(func.count()).where(Room.home_id == home.id))
    if (count or 0) >= MAX_ROOMS:
        raise Conflict(f"A home has at most {MAX_ROOMS} rooms.")
    key = await _check_name_free(session, home.id, cleaned)
    last = await session.scalar(select(func.max(Room.position)).where(Room.home_id == home.id))
    room = Room(
        home_id=home.id, name=cleaned, name_key=key, position=(last or 0) + 1, created_at=now
    )
    session.add(room)
    await _written(session, room)
    record(session, HomeChanged(home.id, "rooms"))
    return room


async def room_of(
    session: AsyncSession, *, user: User, room_id: str, action: HomeAction = HomeAction.VIEW
) -> Room:
    """Return a room of one of the user's homes (``NotFound`` for anyone else's)."""
    room = await session.get(Room, room_id)
    if room is None:
        raise NotFound("There is no such room in your homes.")
    try:
        await require(session, user=user, home_id=room.home_id, action=action)
    except NotFound:
        raise NotFound("There is no such room in your homes.") from None
    return room


async def rename_room(session: AsyncSession, *, user: User, room_id: str, name: str) -> Room:
    """Rename a room of a home the user owns."""
    room = await room_of(session, user=user, room_id=room_id, action=HomeAction.MANAGE)
    cleaned = clean_name(name, what="a room")
    room.name_key = await _check_name_free(session, room.home_id, cleaned, but=room.id)
    room.name = cleaned
    await _written(session, room)
    record(session, HomeChanged(room.home_id, "rooms"))
    return room


async def delete_room(session: AsyncSession, *, user: User, room_id: str) -> None:
    """Delete a room; its devices stay in the home without a room."""
    room = await room_of(session, user=user, room_id=room_id, action=HomeAction.MANAGE)
    home_id = room.home_id
    await session.delete(room)
    await session.flush()
    record(session, HomeChanged(home_id, "rooms"))
