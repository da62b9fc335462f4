"""The live stream of a home: its own devices' news arrives, another home's never does,
and the stream ends when its user leaves the home, logs out or revokes the token that
opened it."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import httpx
import pytest

from hearth.accounts.service import Credential
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
from hearth.hub.models import DeviceState
from hearth.web.deps import SESSION_COOKIE
from tests.helpers import csrf_token, post_json, signup
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


def _signed_in(client: httpx.AsyncClient) -> Credential:
    return Credential.session(client.cookies[SESSION_COOKIE])


async def _next(stream: object) -> dict[str, str]:
    frame: dict[str, str] = await asyncio.wait_for(stream.__anext__(), 5)  # type: ignore[attr-defined]
    return frame


async def test_a_stream_carries_its_homes_news_and_nothing_of_another_home(
    client: httpx.AsyncClient, other: httpx.AsyncClient, hearth: Hearth
) -> None:
    mia, home, lamp = await _home_with_lamp(client, hearth, "mia")
    _, elsewhere, their_lamp = await _home_with_lamp(other, hearth, "eve")
    stream = live.stream(hearth, user_id=mia, home_id=home, credential=_signed_in(client))
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
    stream = live.stream(hearth, user_id=mia, home_id=home, credential=_signed_in(client))
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
    assert json.loads((await _next(stream))["data"]) == {
        "device_id": lamp,
        "online": True,
        "at": NOW.isoformat(),
    }
    state = json.loads((await _next(stream))["data"])
    assert state["card"] == {"state": "Off", "switch_on": False}


async def test_a_device_pages_stream_starts_with_all_that_is_known_of_its_device(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    mia, home, lamp = await _home_with_lamp(client, hearth, "mia")
    async with hearth.sessions.begin() as session:
        state = await session.get(DeviceState, lamp)
        assert state is not None
        state.reported = {"2.1": True, "2.2": 40}
    stream = live.stream(
        hearth, user_id=mia, home_id=home, credential=_signed_in(client), device_id=lamp
    )
    assert (await _next(stream))["event"] == "ready"
    first = await _next(stream)
    assert first["event"] == "state"
    data = json.loads(first["data"])
    assert data["changed"] == {"2.1": True, "2.2": 40}
    assert data["labels"]["2.2"] == "40 %" and data["card"]["switch_on"] is True
    availability = await _next(stream)
    assert availability["event"] == "availability"
    assert json.loads(availability["data"]) == {"device_id": lamp, "online": False, "at": None}
    await stream.aclose()


async def test_the_stream_ends_when_its_user_leaves_the_home(
    client: httpx.AsyncClient, other: httpx.AsyncClient, hearth: Hearth
) -> None:
    mia, home, _ = await _home_with_lamp(client, hearth, "mia")
    stream = live.stream(hearth, user_id=mia, home_id=home, credential=_signed_in(client))
    await _next(stream)
    await hearth.publish(HomeLeft(home, "usr_someone_else"))
    assert (await _next(stream))["event"] == "home"
    await hearth.publish(HomeLeft(home, mia))
    assert (await _next(stream))["event"] == live.CLOSE
    assert await asyncio.wait_for(anext(stream, None), 5) is None


async def _chatter(hearth: Hearth, lamp: str, home: str) -> None:
    """Keep the home busy: a state change every 50 ms, so the stream is never idle."""
    level = 0
    while True:
        level = level % 100 + 1
        await hearth.publish(DeviceStateChanged(lamp, home, {"2.2": level}, NOW))
        await asyncio.sleep(0.05)


async def _live_until_closed(
    client: httpx.AsyncClient, home: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    """GET the live stream; the in-process transport answers once the stream has ended."""
    return await client.get(f"/api/v1/homes/{home}/live", headers=headers)


async def test_a_busy_stream_ends_soon_after_its_session_logs_out(
    client: httpx.AsyncClient, hearth: Hearth, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live, "RECHECK_SECONDS", 0.2)
    _, home, lamp = await _home_with_lamp(client, hearth, "mia")
    busy = asyncio.create_task(_chatter(hearth, lamp, home))
    watching = asyncio.create_task(_live_until_closed(client, home))
    try:
        await asyncio.sleep(0.5)  # several re-checks pass while still signed in
        assert not watching.done()
        assert (await post_json(client, "/api/v1/auth/logout", {})).status_code == 204
        response = await asyncio.wait_for(watching, 5)
    finally:
        busy.cancel()
        watching.cancel()
    assert response.status_code == 200
    body = response.text
    assert "event: state" in body  # the news flowed while the session stood...
    assert body.rstrip().splitlines()[-2:] == [
        "event: closed",
        f"data: {json.dumps({'home_id': home})}",
    ]  # ...and the stream ended, without being asked to, once it was gone


async def test_a_stream_opened_with_an_api_token_ends_when_the_token_is_revoked(
    client: httpx.AsyncClient, hearth: Hearth, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live, "RECHECK_SECONDS", 0.2)
    _, home, lamp = await _home_with_lamp(client, hearth, "mia")
    made = (await post_json(client, "/api/v1/tokens", {"name": "wall panel"})).json()
    bearer = {"Authorization": f"Bearer {made['token']}"}
    busy = asyncio.create_task(_chatter(hearth, lamp, home))
    watching = asyncio.create_task(_live_until_closed(client, home, bearer))
    try:
        await asyncio.sleep(0.5)
        assert not watching.done()
        revoked = await client.delete(
            f"/api/v1/tokens/{made['id']}", headers={"X-CSRFToken": await csrf_token(client)}
        )
        assert revoked.status_code == 200
        response = await asyncio.wait_for(watching, 5)
    finally:
        busy.cancel()
        watching.cancel()
    assert response.status_code == 200
    assert "event: closed" in response.text
