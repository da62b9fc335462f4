"""Home app benchmark: the home view's read and the live stream's fan-out.

In one process, on a fresh SQLite database in a temporary data dir, a home with N devices
from the built-in library spread over 6 rooms, each device with a reported state:

1. *devices*: ``GET /api/v1/homes/{id}/devices`` (the device cloud's raw list) R times;
2. *board*: ``GET /api/v1/homes/{id}`` (rooms, placements, favourites and a card per
   device derived from its spec) R times;
3. *page*: ``GET /`` (the rendered home view) R times;
4. *fan-out*: S open live streams of the home, E state changes published on the bus; the
   time until every stream has yielded every frame.

It prints each rate, the board's and page's cost relative to the raw list, and the frames
per second the streams deliver. No timed asserts.

    .venv/bin/python bench/home_view.py [--devices 60] [--requests 100] \
        [--streams 50] [--events 200]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import select  # noqa: E402

from hearth import db  # noqa: E402
from hearth.accounts import service as accounts  # noqa: E402
from hearth.accounts.service import Credential  # noqa: E402
from hearth.bootstrap import Hearth  # noqa: E402
from hearth.config import Settings  # noqa: E402
from hearth.devices import library  # noqa: E402
from hearth.homes import live, placement, rooms  # noqa: E402
from hearth.homes import service as homes  # noqa: E402
from hearth.hub import identity  # noqa: E402
from hearth.hub.events import DeviceStateChanged  # noqa: E402
from hearth.hub.models import DeviceState  # noqa: E402
from hearth.hub.operator import ensure_products  # noqa: E402
from hearth.hub.virtual import plausible  # noqa: E402
from hearth.kit.clock import SystemClock  # noqa: E402
from hearth.outbox import unit_of_work  # noqa: E402
from hearth.web.app import create_app  # noqa: E402
from hearth.web.deps import SESSION_COOKIE  # noqa: E402

PASSWORD = "a-long-enough-password"
ROOMS = ("Living room", "Kitchen", "Bedroom", "Study", "Hall", "Bathroom")


async def furnish(hearth: Hearth, devices: int) -> tuple[str, str, str]:
    """Create a user, a home with rooms and ``devices`` units with a reported state."""
    import random

    rng = random.Random(7)
    specs = library.list_specs()
    now = hearth.clock.now()
    async with unit_of_work(hearth.sessions, hearth.publish) as session:
        await ensure_products(session, now=now)
        user = await accounts.create_user(
            session, now=SystemClock().now(), username="mia", password=PASSWORD
        )
        home = await homes.create_home(session, owner=user, name="Bench home", now=now)
        made = [
            await rooms.create_room(session, user=user, home_id=home.id, name=n, now=now)
            for n in ROOMS
        ]
        first = ""
        for n in range(devices):
            spec = specs[n % len(specs)]
            (unit,) = await identity.mint(session, model_id=spec.model, count=1, now=now)
            await placement.add_device(
                session,
                user=user,
                home_id=home.id,
                pairing_code=unit.pairing_code,
                room_id=made[n % len(made)].id,
                now=now,
            )
            state = await session.scalar(
                select(DeviceState).where(DeviceState.device_id == unit.device_id)
            )
            assert state is not None
            state.reported = {
                f"{s.iid}.{p.iid}": plausible(p, rng) for s in spec.services for p in s.properties
            }
            state.online = True
            if n % 5 == 0:
                await placement.set_favourite(
                    session, user=user, device_id=unit.device_id, favourite=True, now=now
                )
            first = first or unit.device_id
        return user.id, home.id, first


async def rate(http: httpx.AsyncClient, url: str, requests: int) -> float:
    for _ in range(3):  # warm caches
        assert (await http.get(url)).status_code == 200
    started = time.perf_counter()
    for _ in range(requests):
        response = await http.get(url)
        assert response.status_code == 200, response.text
    return requests / (time.perf_counter() - started)


async def fan_out(
    hearth: Hearth,
    user_id: str,
    home_id: str,
    device_id: str,
    credential: Credential,
    streams: int,
    events: int,
) -> float:
    open_streams = [
        live.stream(hearth, user_id=user_id, home_id=home_id, credential=credential)
        for _ in range(streams)
    ]
    for stream in open_streams:
        await anext(stream)  # "ready"

    async def drain(stream: object) -> None:
        for _ in range(events):
            await anext(stream)  # type: ignore[call-overload]

    started = time.perf_counter()
    readers = [asyncio.create_task(drain(s)) for s in open_streams]
    now = hearth.clock.now()
    for n in range(events):
        await hearth.bus.publish(DeviceStateChanged(device_id, home_id, {"2.1": n % 2 == 0}, now))
        await asyncio.sleep(0)
    await asyncio.gather(*readers)
    elapsed = time.perf_counter() - started
    for stream in open_streams:
        await stream.aclose()
    return streams * events / elapsed


async def run(devices: int, requests: int, streams: int, events: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        settings = Settings(
            data_dir=data_dir,
            database_url=f"sqlite+aiosqlite:///{data_dir / 'hearth.db'}",
            secret_key="bench-secret-key-that-is-long-enough-for-signing",
        )
        engine = db.create_engine(settings.resolved_database_url, pool=False)
        await db.upgrade(engine)
        await engine.dispose()
        hearth = Hearth.from_settings(settings)
        await hearth.start(mqtt=False)
        try:
            user_id, home_id, device_id = await furnish(hearth, devices)
            transport = httpx.ASGITransport(app=create_app(hearth=hearth))
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
                await http.get("/login")
                login = await http.post(
                    "/api/v1/auth/login",
                    json={"username": "mia", "password": PASSWORD},
                    headers={"X-CSRFToken": http.cookies["csrftoken"]},
                )
                assert login.status_code == 200, login.text
                raw = await rate(http, f"/api/v1/homes/{home_id}/devices", requests)
                board = await rate(http, f"/api/v1/homes/{home_id}", requests)
                page = await rate(http, "/", requests)
                signed_in = Credential.session(http.cookies[SESSION_COOKIE])
            frames = await fan_out(hearth, user_id, home_id, device_id, signed_in, streams, events)
        finally:
            await hearth.stop()
    print(f"home with {devices} devices in {len(ROOMS)} rooms, SQLite, one process")
    print(f"  devices list (hub)   {raw:8.1f} req/s")
    print(f"  home board (cards)   {board:8.1f} req/s   {raw / board:5.2f}x the list's cost")
    print(f"  home view page       {page:8.1f} req/s   {raw / page:5.2f}x the list's cost")
    print(
        f"  live fan-out         {frames:8.0f} frames/s to {streams} streams "
        f"({events} state changes, {1e6 / frames:.0f} µs per frame)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=60)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.devices, args.requests, args.streams, args.events))


if __name__ == "__main__":
    main()
