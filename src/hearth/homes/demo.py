"""Demo rooms: the demo fan's homes get rooms, their devices a place, some favourites.

Runs after the device cloud's demo seed (which creates the homes and binds a simulated
fleet); seeded once: a home that has rooms already is left as it is.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth.accounts.models import User
from hearth.homes import placement, rooms
from hearth.homes import service as homes
from hearth.homes.models import Room
from hearth.hub.models import Device
from hearth.kit.clock import SystemClock
from hearth.outbox import discard, unit_of_work

# home name → room name → the models placed there, in binding order.
DEMO_ROOMS: dict[str, dict[str, tuple[str, ...]]] = {
    "Home": {
        "Living room": (
            "hearth.light.v1",
            "hearth.air-purifier.v1",
            "hearth.curtain.v1",
            "hearth.th-sensor.v1",
        ),
        "Bedroom": ("hearth.light.v1",),
        "Kitchen": ("hearth.plug.v1",),
        "Hall": ("hearth.door-lock.v1", "hearth.motion-sensor.v1"),
    },
    "Weekend cottage": {
        "Living room": ("hearth.light.v1", "hearth.fan.v1", "hearth.th-sensor.v1"),
        "Porch": ("hearth.door-sensor.v1",),
    },
}
FAVOURITES = ("hearth.light.v1", "hearth.door-lock.v1", "hearth.th-sensor.v1")


async def seed_rooms(sessions: async_sessionmaker[AsyncSession], *, fan: str) -> None:
    """Furnish the demo fan's homes with rooms once."""
    now = SystemClock().now()
    # The demo seeds before its server starts: no open home view is there to refresh.
    async with unit_of_work(sessions, discard) as session:
        user = await session.scalar(select(User).where(User.username == fan))
        if user is None:
            return
        for home, _role in await homes.list_homes(session, user=user):
            layout = DEMO_ROOMS.get(home.name)
            furnished = await session.scalar(select(Room.id).where(Room.home_id == home.id))
            if layout is None or furnished is not None:
                continue
            found = await session.scalars(
                select(Device).where(Device.home_id == home.id).order_by(Device.bound_at, Device.id)
            )
            devices = list(found)
            liked: set[str] = set()
            for name, models in layout.items():
                room = await rooms.create_room(
                    session, user=user, home_id=home.id, name=name, now=now
                )
                for model_id in models:
                    device = next((d for d in devices if d.model_id == model_id), None)
                    if device is None:
                        continue
                    devices.remove(device)
                    await placement.place_device(
                        session, user=user, device_id=device.id, room_id=room.id
                    )
                    if model_id in FAVOURITES and model_id not in liked:
                        liked.add(model_id)
                        await placement.set_favourite(
                            session, user=user, device_id=device.id, favourite=True, now=now
                        )
