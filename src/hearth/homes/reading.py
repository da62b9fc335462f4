"""What a home's members may read: its devices, each one's spec, state and history.

Every function checks membership first; a device or home that is not the caller's
answers ``NotFound``. The reads themselves are the device cloud's (``hearth.hub``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.homes.service import device_for_member, require_member
from hearth.hub import history
from hearth.hub import reading as hub_reading
from hearth.hub.models import Command
from hearth.hub.reading import DeviceView


async def home_devices(session: AsyncSession, *, user: User, home_id: str) -> list[DeviceView]:
    """Return the devices of one of the user's homes, in the order they were added."""
    await require_member(session, user, home_id)
    return await hub_reading.devices_in_home(session, home_id=home_id)


async def device_view(session: AsyncSession, *, user: User, device_id: str) -> DeviceView:
    """Return one device of the user's homes with its product and state."""
    device = await device_for_member(session, user=user, device_id=device_id)
    return await hub_reading.view_of(session, device)


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
    return await hub_reading.command_of(session, device_id=device_id, command_id=command_id)
