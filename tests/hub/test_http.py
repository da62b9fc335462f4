"""The device cloud over real HTTP on a running broker: commands, and EMQX's hooks."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from hearth.hub.access import hook_token
from hearth.web.app import create_app
from tests.conftest import TEST_SECRET
from tests.helpers import login, post_json
from tests.hub.conftest import Rig, add_model, bind, eventually, fan_with_home, simulated, state_of


@pytest.fixture
async def http(rig: Rig) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(hearth=rig.hearth))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_commands_over_http_answer_time_out_and_report_offline(
    rig: Rig, http: httpx.AsyncClient
) -> None:
    await add_model(rig.hearth)
    user, home = await fan_with_home(rig.hearth)
    (unit,) = await rig.mint(1)
    await bind(rig.hearth, user, home, unit)
    assert (await login(http, "mia")).status_code == 200
    url = f"/api/v1/devices/{unit.device_id}/commands"

    offline = await post_json(http, url, {"kind": "set", "props": {"2.1": True}})
    assert (offline.status_code, offline.json()["error"]) == (409, "device_offline")
    assert offline.json()["command_id"].startswith("cmd_")

    device = simulated(rig, unit)
    await device.connect()

    async def online() -> bool:
        return (await state_of(rig.hearth, unit.device_id)).online

    await eventually(online)
    done = await post_json(http, url, {"kind": "set", "props": {"2.2": 70}, "request_id": "r-1"})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "succeeded"
    assert done.json()["result"]["results"] == {"2.2": {"code": "ok"}}
    again = await post_json(http, url, {"kind": "set", "props": {"2.2": 70}, "request_id": "r-1"})
    assert again.json()["id"] == done.json()["id"] and device.commands == 1
    reused = await post_json(http, url, {"kind": "set", "props": {"2.2": 5}, "request_id": "r-1"})
    assert reused.status_code == 409

    refused = await post_json(http, url, {"kind": "set", "props": {"2.2": 700}})
    assert (refused.status_code, refused.json()["reason"]) == (422, "out_of_range")
    for bad in [
        {"kind": "set"},
        {"kind": "wave"},
        {"kind": "set", "props": {}, "timeout": 900},
        {"kind": "action"},
    ]:
        assert (await post_json(http, url, bad)).status_code == 422, bad

    device.answering = False
    late = await post_json(http, url, {"kind": "set", "props": {"2.1": False}, "timeout": 0.3})
    assert (late.status_code, late.json()["error"]) == (504, "command_timed_out")
    command_id = late.json()["command_id"]
    detail = await http.get(f"{url}/{command_id}")
    assert detail.json()["status"] == "timed_out"
    assert device.commands == 2
    await device.stop()


async def _hook(
    rig: Rig,
    client: httpx.AsyncClient,
    path: str,
    body: dict[str, object],
    token: str | None = None,
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token or hook_token(TEST_SECRET)}"}
    return await client.post(f"/api/v1/broker/emqx/{path}", json=body, headers=headers)


async def test_emqx_hooks_apply_the_same_rules_as_the_other_brokers(
    rig: Rig, http: httpx.AsyncClient
) -> None:
    await add_model(rig.hearth)
    unit, other = await rig.mint(2)
    device = unit.device_id

    async def auth(clientid: str, username: str, password: str) -> str:
        body: dict[str, object] = {"clientid": clientid, "username": username, "password": password}
        answer = await _hook(rig, http, "auth", body)
        assert answer.status_code == 200
        return str(answer.json()["result"])

    assert await auth(device, device, unit.secret) == "allow"
    assert await auth(device, device, other.secret) == "deny"
    assert await auth(other.device_id, device, unit.secret) == "deny"

    async def acl(topic: str, action: str) -> str:
        answer = await _hook(
            rig, http, "acl", {"username": device, "topic": topic, "action": action}
        )
        return str(answer.json()["result"])

    assert await acl(f"dev/v1/{device}/up/report", "publish") == "allow"
    assert await acl(f"dev/v1/{device}/down/+", "subscribe") == "allow"
    assert await acl(f"dev/v1/{other.device_id}/up/report", "publish") == "deny"
    assert await acl(f"dev/v1/{other.device_id}/down/+", "subscribe") == "deny"
    assert await acl("#", "subscribe") == "deny"

    forged = await _hook(rig, http, "auth", {"clientid": "x", "username": "x"}, token="guess")
    assert forged.status_code == 401
    anonymous = await http.post(
        "/api/v1/broker/emqx/acl", json={"topic": "#", "action": "subscribe"}
    )
    assert anonymous.status_code == 401
