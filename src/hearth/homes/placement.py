"""Devices in a home: added into a room, moved between rooms, named, marked favourite.

Binding itself (pairing codes, which home holds a device) is ``binding``; this module
adds the home's view of a device on top: its room, its name in this home, and who keeps
it among their favourites.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.devices import library
from hearth.errors import NotFound
from hearth.homes import binding
from hearth.homes.events import HomeChanged, HomeLeft
from hearth.homes.models import DevicePlacement, Favourite, Room
from hearth.homes.rules import HomeAction, clean_name
from hearth.homes.service import device_for_member, require
from hearth.hub import identity
from hearth.hub.catalog import register_library
from hearth.hub.models import Device, DeviceModel
from hearth.outbox import record


async def _room_in(session: AsyncSession, home_id: str, room_id: str | None) -> str | None:
    if room_id is None:
        return None
    room = await session.get(Room, room_id)
    if room is None or room.home_id != home_id:
        raise NotFound("There is no such room in this home.")
    return room.id


async def _placement(session: AsyncSession, device: Device) -> DevicePlacement:
    assert device.home_id is not None
    row = await session.get(DevicePlacement, device.id, with_for_update=True)
    if row is None:
        row = DevicePlacement(device_id=device.id, home_id=device.home_id)
        session.add(row)
    elif row.home_id != device.home_id:  # left over from the device's previous home
        row.home_id, row.room_id, row.name = device.home_id, None, None
    return row


@dataclass(frozen=True)
class Added:
    """The device a pairing code named; ``new`` is False when it was in this home already."""

    device: Device
    new: bool
    name: str  # what the home calls it: the name given, or its product's


async def add_device(
    session: AsyncSession,
    *,
    user: User,
    home_id: str,
    pairing_code: str,
    now: datetime,
    room_id: str | None = None,
    name: str | None = None,
    move_existing: bool = True,
) -> Added:
    """Add the device with this pairing code to a home the user owns, into ``room_id``,
    named ``name`` (None or blank: its product's name). A device already in this home is
    moved into ``room_id`` when one is given, unless ``move_existing`` is False: then
    nothing changes."""
    await require(session, user=user, home_id=home_id, action=HomeAction.MANAGE)
    room = await _room_in(session, home_id, room_id)  # a wrong room changes nothing
    called = clean_name(name, what="a device") if name and name.strip() else None
    bound = await binding.bind(
        session, user=user, home_id=home_id, pairing_code=pairing_code, now=now
    )
    row = await _placement(session, bound.device)
    model = await session.get(DeviceModel, bound.device.model_id)
    assert model is not None  # a device's product is never deleted (RESTRICT)
    if bound.new:
        row.room_id, row.name = room, called
    elif room is not None and move_existing:
        row.room_id = room
    else:
        return Added(bound.device, new=False, name=row.name or model.name)
    await session.flush()
    record(session, HomeChanged(home_id, "devices"))
    return Added(bound.device, new=bound.new, name=row.name or model.name)


async def add_simulated(
    session: AsyncSession,
    *,
    user: User,
    home_id: str,
    model_id: str,
    key: str,
    now: datetime,
    room_id: str | None = None,
    name: str | None = None,
) -> Added:
    """Make a simulated unit of a built-in product and add it to a home the user owns: a
    virtual device that hearth's background process runs, to try the app without hardware."""
    await require(session, user=user, home_id=home_id, action=HomeAction.MANAGE)
    await _room_in(session, home_id, room_id)  # before anything is made
    if name and name.strip():
        clean_name(name, what="a device")
    await ensure_products(session, now=now)
    unit = await identity.mint_simulated(session, model_id=model_id, key=key, now=now)
    return await add_device(
        session,
        user=user,
        home_id=home_id,
        pairing_code=unit.pairing_code,
        now=now,
        room_id=room_id,
        name=name,
    )


async def place_device(
    session: AsyncSession,
    *,
    user: User,
    device_id: str,
    room_id: str | None,
    name: str | None = None,
) -> DevicePlacement:
    """Move a device into a room of its home (None: no room), and optionally rename it."""
    device = await device_for_member(session, user=user, device_id=device_id)
    assert device.home_id is not None
    await require(session, user=user, home_id=device.home_id, action=HomeAction.MANAGE)
    row = await _placement(session, device)
    row.room_id = await _room_in(session, device.home_id, room_id)
    if name is not None:
        row.name = clean_name(name, what="a device") if name.strip() else None
    await session.flush()
    record(session, HomeChanged(device.home_id, "devices"))
    return row


async def ensure_products(session: AsyncSession, *, now: datetime) -> None:
    """Register the built-in library, so that any of its products can be simulated."""
    await register_library(session, library.list_specs(), now=now)


async def set_favourite(
    session: AsyncSession, *, user: User, device_id: str, favourite: bool, now: datetime
) -> bool:
    """Put a device among the user's favourites (first on their home view), or take it out."""
    device = await device_for_member(session, user=user, device_id=device_id)
    assert device.home_id is not None
    await require(session, user=user, home_id=device.home_id, action=HomeAction.CONTROL)
    found = await session.get(Favourite, (user.id, device.id))
    if favourite and found is None:
        session.add(Favourite(user_id=user.id, device_id=device.id, created_at=now))
    elif not favourite and found is not None:
        await session.delete(found)
    await session.flush()
    return favourite


async def placements(session: AsyncSession, *, home_id: str) -> dict[str, DevicePlacement]:
    """Return the current placements of a home's devices by device id (no access check)."""
    rows = await session.scalars(
        select(DevicePlacement)
        .join(Device, Device.id == DevicePlacement.device_id)
        .where(DevicePlacement.home_id == home_id, Device.home_id == home_id)
    )
    return {row.device_id: row for row in rows}


async def favourites(session: AsyncSession, *, user: User, home_id: str) -> set[str]:
    """Return the ids of the user's favourite devices in a home (no access check)."""
    rows = await session.scalars(
        select(Favourite.device_id)
        .join(Device, Device.id == Favourite.device_id)
        .where(Favourite.user_id == user.id, Device.home_id == home_id)
    )
    return set(rows)


async def delete_home(session: AsyncSession, *, user: User, home_id: str) -> None:
    """Delete a home the user owns; its devices leave it with everything they reported."""
    home, _ = await require(session, user=user, home_id=home_id, action=HomeAction.MANAGE)
    device_ids = list(await session.scalars(select(Device.id).where(Device.home_id == home.id)))
    for device_id in device_ids:
        await binding.unbind(session, user=user, device_id=device_id)
    await session.execute(delete(DevicePlacement).where(DevicePlacement.home_id == home.id))
    await session.delete(home)
    await session.flush()
    record(session, HomeLeft(home_id, None))
