"""What the device cloud tells about a device: the device with its product and state.

These reads check nobody's right to the device; the home app asks membership first
(``hearth.homes.reading``) and then reads through them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.errors import NotFound
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


async def devices_in_home(session: AsyncSession, *, home_id: str) -> list[DeviceView]:
    """Return the devices bound to a home, in the order they were added."""
    rows = await session.execute(
        select(Device, DeviceModel, DeviceState)
        .join(DeviceModel, DeviceModel.id == Device.model_id)
        .join(DeviceState, DeviceState.device_id == Device.id)
        .where(Device.home_id == home_id)
        .order_by(Device.bound_at, Device.id)
    )
    return [DeviceView(row[0], row[1], row[2]) for row in rows]


async def view_of(session: AsyncSession, device: Device) -> DeviceView:
    """Return a device with its product and state."""
    model = await session.get(DeviceModel, device.model_id)
    state = await session.get(DeviceState, device.id)
    assert model is not None and state is not None
    return DeviceView(device, model, state)


async def command_of(session: AsyncSession, *, device_id: str, command_id: str) -> Command:
    """Return a command sent to this device; another device's command is ``NotFound``."""
    command = await session.get(Command, command_id)
    if command is None or command.device_id != device_id:
        raise NotFound("no such command")
    return command
