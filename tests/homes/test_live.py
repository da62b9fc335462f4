"""The live stream of a home: its own devices' news arrives, another home's never does,
and the stream ends when its user leaves the home."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import httpx

from hearth.bootstrap import Hearth
from hearth.homes import live
from hearth.homes.events import HomeLeft
from hearth.hub.events import (
    CommandAnswered,
    DeviceCameOnline,
    DeviceEventRaised,
    DeviceStateChanged,
    DeviceUpdatesApplied,
    expand,
)
from tests.helpers import post_json, signup
from tests.homes.conftest import mint

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)


async def _home_with_lamp(
    client: httpx.AsyncClient, hearth: Hearth, username: str
) -> tuple[str, str, str]:
    user = await signup(client, username)
    home = (await post_json(client, "/api/v1/homes", {"name": "Flat"})).json()["id"]
    unit = await mint(hearth)
    added = await post_json(
        client, f"/api/v1/homes/{home}/devices/add", {"pairing_code": unit.pairing_code}
    )
    assert added.status_code == 201
    return str(user["id"]), home, unit.device_id


async def _next(stream: object) -> dict[str, str]:
    frame: dict[str, str] = await asyncio.wait_for(stream.__anext__(), 5)  # type: ignore[attr-defined]
    return frame


async def test_a_stream_carries_its_homes_news_and_nothing_of_another_home(
    client: httpx.AsyncClient, other: httpx.AsyncClient, hearth: Hearth
) -> None:
    mia, home, lamp = await _home_with_lamp(client, hearth, "mia")
    _, elsewhere, their_lamp = await _home_with_lamp(other, hearth, "eve")
    stream = live.stream(hearth, user_id=mia, home_id=home)
    assert (await _next(stream))["event"] == "ready"
    await hearth.publish(
        DeviceStateChanged(their_lamp, elsewhere, {"2.1": True}, NOW),
        DeviceCameOnline(their_lamp, elsewhere, NOW),
        DeviceEventRaised(their_lamp, elsewhere, "2.1", {}, NOW),
        CommandAnswered("cmd_theirs", their_lamp, "succeeded"),
        DeviceStateChanged(their_lamp, home, {"2.1": True}, NOW),  # a forged home id
        DeviceStateChanged(lamp, home, {"2.2": 40}, NOW),
    )
    frame = await _next(stream)
    assert frame["event"] == "state"
    data = json.loads(frame["data"])
    assert data["device_id"] == lamp and data["labels"] == {"2.2": "40 %"}
    await hearth.publish(CommandAnswered("cmd_mine", lamp, "succeeded"))
    assert json.loads((await _next(stream))["data"])["command_id"] == "cmd_mine"
    await stream.aclose()


async def test_an_ingest_batch_reaches_the_stream_as_state_and_availability(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    mia, home, lamp = await _home_with_lamp(client, hearth, "mia")
    stream = live.stream(hearth, user_id=mia, home_id=home)
    await _next(stream)
    batch = DeviceUpdatesApplied(
        [
            {"kind": "online", "device_id": lamp, "home_id": home, "at": NOW.isoformat()},
            {
                "kind": "state",
                "device_id": lamp,
                "home_id": home,
                "at": NOW.isoformat(),
                "changed": {"2.1": False},
            },
        ]
    )
    await hearth.bus.publish(*expand(batch))
    assert json.loads((await _next(stream))["data"]) == {"device_id": lamp, "online": True}
    state = json.loads((await _next(stream))["data"])
    assert state["card"] == {"state": "Off", "switch_on": False}


async def test_the_stream_ends_when_its_user_leaves_the_home(
    client: httpx.AsyncClient, other: httpx.AsyncClient, hearth: Hearth
) -> None:
    mia, home, _ = await _home_with_lamp(client, hearth, "mia")
    stream = live.stream(hearth, user_id=mia, home_id=home)
    await _next(stream)
    await hearth.publish(HomeLeft(home, "usr_someone_else"))
    assert (await _next(stream))["event"] == "home"
    await hearth.publish(HomeLeft(home, mia))
    assert (await _next(stream))["event"] == live.CLOSE
    assert await asyncio.wait_for(anext(stream, None), 5) is None
