"""What a home's members may read: its devices, each one's spec, state and history.

Every function checks membership first; a device or home that is not the caller's
answers ``NotFound``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.errors import NotFound
from hearth.homes.service import require_member
from hearth.hub import history
from hearth.hub.commands import device_for_member
from hearth.hub.models import Command, Device, DeviceModel, DeviceState
from hearth.hub.state import Twin


@dataclass(frozen=True)
class DeviceView:
    """A device as its home's members see it."""

    device: Device
    model: DeviceModel
    state: DeviceState

    @property
    def delta(self) -> dict[str, Any]:
        twin = Twin(self.device.id, reported=self.state.reported, desired=self.state.desired)
        return twin.delta()


async def home_devices(session: AsyncSession, *, user: User, home_id: str) -> list[DeviceView]:
    """Return the devices of one of the user's homes, in the order they were added."""
    await require_member(session, user, home_id)
    rows = await session.execute(
        select(Device, DeviceModel, DeviceState)
        .join(DeviceModel, DeviceModel.id == Device.model_id)
        .join(DeviceState, DeviceState.device_id == Device.id)
        .where(Device.home_id == home_id)
        .order_by(Device.bound_at, Device.id)
    )
    return [DeviceView(row[0], row[1], row[2]) for row in rows]


async def device_view(session: AsyncSession, *, user: User, device_id: str) -> DeviceView:
    """Return one device of the user's homes with its product and state."""
    device = await device_for_member(session, user=user, device_id=device_id)
    model = await session.get(DeviceModel, device.model_id)
    state = await session.get(DeviceState, device.id)
    assert model is not None and state is not None
    return DeviceView(device, model, state)


async def device_history(
    session: AsyncSession,
    *,
    user: User,
    device_id: str,
    key: str,
    since: datetime,
    until: datetime,
    points: int | None = None,
) -> list[history.Point]:
    """Return one property's (or event's) history for a device of the user's homes."""
    await device_for_member(session, user=user, device_id=device_id)
    return await history.read(
        session, device_id=device_id, key=key, since=since, until=until, points=points
    )


async def command_of(
    session: AsyncSession, *, user: User, device_id: str, command_id: str
) -> Command:
    """Return a command sent to a device of the user's homes."""
    await device_for_member(session, user=user, device_id=device_id)
    command = await session.get(Command, command_id)
    if command is None or command.device_id != device_id:
        raise NotFound("no such command")
    return command
