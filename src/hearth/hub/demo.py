"""Demo devices: two homes for the demo fan, furnished from the built-in library.

The units are minted and paired once; their credentials go to ``demo-fleet.csv`` in the
data directory (owner-only), which ``hearth demo`` runs as a simulated fleet inside the
server, so the homes fill with live devices.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth.config import Settings
from hearth.hub import identity
from hearth.hub.models import Device
from hearth.hub.operator import bind_all, ensure_products, home_of, write_secret_file
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
            user, home = await home_of(session, username=fan, name=name, now=now)
            for model_id, count in products:
                minted = await identity.mint(session, model_id=model_id, count=count, now=now)
                await bind_all(session, user=user, home=home, units=minted, now=now)
                units.extend(minted)
    write_secret_file(path, identity.factory_csv(units))
    return path
