"""Binding: a home's owner adds a device with its pairing code, or removes it.

A device belongs to at most one home. Removing it from its home also deletes what it
reported there (state, history, commands), so the next owner starts clean and the last
one's data does not travel with the device. Another owner can only add it again with
the pairing code, which they can only have by holding the device.

The device cloud (``hearth.hub``) owns the devices and their pairing codes; which home a
device is in, and who may put it there, is the home app's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.errors import Conflict, InvalidInput, NotFound
from hearth.homes.models import Home
from hearth.homes.service import require_member
from hearth.hub import credentials, history, identity
from hearth.hub.events import DeviceBound, DeviceUnbound
from hearth.hub.models import Command, Device, DeviceState
from hearth.hub.status import DeviceStatus
from hearth.outbox import record


@dataclass(frozen=True)
class Bound:
    """The device a pairing code named, and whether this call bound it (False: the device
    was in that home already, and nothing changed)."""

    device: Device
    new: bool


async def bind(
    session: AsyncSession, *, user: User, home_id: str, pairing_code: str, now: datetime
) -> Bound:
    """Add the device with this pairing code to one of the user's homes (as its owner)."""
    await require_member(session, user, home_id, owner=True)
    code = credentials.normalise_pairing_code(pairing_code)
    if code is None:
        raise InvalidInput(
            "A pairing code has 16 letters and digits, like 7K3M-Q9XD-2HWA-P4TN.",
            detail=[{"field": "pairing_code", "message": "16 letters and digits"}],
        )
    device = await session.scalar(
        select(Device)
        .where(Device.pairing_digest == credentials.pairing_digest(code))
        .with_for_update()
    )
    if device is None or device.status != DeviceStatus.ACTIVE:
        raise NotFound("No device has this pairing code. Check it against the label.")
    if device.home_id == home_id:
        return Bound(device, new=False)
    if device.home_id is not None:
        raise Conflict("This device is in another home. Its owner must remove it from there first.")
    device.home_id = home_id
    device.bound_at = now
    record(session, DeviceBound(device.id, home_id, device.model_id))
    return Bound(device, new=True)


async def bind_all(
    session: AsyncSession,
    *,
    user: User,
    home: Home,
    units: Sequence[identity.Minted],
    now: datetime,
) -> None:
    """Pair every unit with the home, as its owner would with the codes."""
    for unit in units:
        await bind(session, user=user, home_id=home.id, pairing_code=unit.pairing_code, now=now)


async def _owned_device(session: AsyncSession, user: User, device_id: str) -> Device:
    device = await session.scalar(select(Device).where(Device.id == device_id).with_for_update())
    if device is None or device.home_id is None:
        raise NotFound("There is no such device in your homes.")
    try:
        await require_member(session, user, device.home_id, owner=True)
    except NotFound:
        raise NotFound("There is no such device in your homes.") from None
    return device


async def unbind(session: AsyncSession, *, user: User, device_id: str) -> Device:
    """Remove a device from its home, with everything it reported there."""
    device = await _owned_device(session, user, device_id)
    home_id = device.home_id
    assert home_id is not None
    device.home_id = None
    device.bound_at = None
    await forget_shared_data(session, device_id=device.id)
    record(session, DeviceUnbound(device.id, home_id))
    return device


async def forget_shared_data(session: AsyncSession, *, device_id: str) -> None:
    """Delete what a device reported to its home; keep only its place in the sequence."""
    await history.forget(session, device_id=device_id)
    await session.execute(delete(Command).where(Command.device_id == device_id))
    state = await session.get(DeviceState, device_id, with_for_update=True)
    if state is not None:
        state.reported = {}
        state.stamps = {}
        state.desired = {}
        state.reports = 0
        state.rejected = 0
        state.last_rejection = None
        state.last_rejected_at = None


async def move(
    session: AsyncSession, *, user: User, device_id: str, home_id: str, now: datetime
) -> Device:
    """Move a device between two homes the user owns; its history goes with it."""
    device = await _owned_device(session, user, device_id)
    await require_member(session, user, home_id, owner=True)
    old = device.home_id
    if old == home_id:
        return device
    assert old is not None
    device.home_id = home_id
    device.bound_at = now
    record(session, DeviceUnbound(device.id, old), DeviceBound(device.id, home_id, device.model_id))
    return device
