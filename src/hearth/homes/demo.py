"""Demo homes: the demo fan's two homes, a simulated fleet in them, rooms and favourites.

``seed_devices`` mints the units and pairs them once; their credentials go to
``demo-fleet.csv`` in the data directory (owner-only), which ``hearth demo`` runs as a
simulated fleet inside the server, so the homes fill with live devices. ``seed_rooms``
then gives the homes rooms, their devices a place, and the fan some favourites; a home
that has rooms already is left as it is.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth.accounts.models import User
from hearth.config import Settings
from hearth.homes import placement, rooms
from hearth.homes import service as homes
from hearth.homes.binding import bind_all
from hearth.homes.models import Room
from hearth.hub import identity
from hearth.hub.models import Device
from hearth.hub.operator import ensure_products, write_secret_file
from hearth.hub.simulator import Credentials, read_fleet
from hearth.kit.clock import SystemClock
from hearth.outbox import discard, unit_of_work

FLEET_FILE = "demo-fleet.csv"
DEMO_HOMES: dict[str, tuple[tuple[str, int], ...]] = {
    "Home": (
        ("hearth.light.v1", 2),
        ("hearth.plug.v1", 1),
        ("hearth.th-sensor.v1", 1),
        ("hearth.motion-sensor.v1", 1),
        ("hearth.door-lock.v1", 1),
        ("hearth.curtain.v1", 1),
        ("hearth.air-purifier.v1", 1),
    ),
    "Weekend cottage": (
        ("hearth.light.v1", 1),
        ("hearth.door-sensor.v1", 1),
        ("hearth.th-sensor.v1", 1),
        ("hearth.fan.v1", 1),
    ),
}
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


def _fleet_in(path: Path) -> list[Credentials]:
    return read_fleet(path) if path.exists() else []


async def seed_devices(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, *, fan: str
) -> Path:
    """Furnish the demo fan's homes once; return the fleet CSV to simulate."""
    path = settings.data_dir / FLEET_FILE
    now = SystemClock().now()
    # The demo seeds before its server starts: no process is running to hear the events,
    # and the server reads the units and homes from the database when it starts.
    async with unit_of_work(sessions, discard) as session:
        fleet = _fleet_in(path)
        if fleet and await session.get(Device, fleet[0].device_id) is not None:
            return path  # seeded before, in this database
        await ensure_products(session, now=now)
        units: list[identity.Minted] = []
        for name, products in DEMO_HOMES.items():
            user, home = await homes.home_of(session, username=fan, name=name, now=now)
            for model_id, count in products:
                minted = await identity.mint(session, model_id=model_id, count=count, now=now)
                await bind_all(session, user=user, home=home, units=minted, now=now)
                units.extend(minted)
    write_secret_file(path, identity.factory_csv(units))
    return path


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
