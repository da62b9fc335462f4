"""A change to a home publishes its events once the request's unit of work has committed,
before the answer goes out; a change the home refuses publishes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hearth.bootstrap import Hearth
from hearth.homes.events import HomeChanged, HomeLeft
from hearth.hub.events import DeviceBound, DeviceUnbound
from tests.helpers import csrf_token, post_json, signup
from tests.homes.conftest import mint


@pytest.fixture
def heard(hearth: Hearth) -> list[object]:
    """The home app's and the device binding's events, in the order the bus got them."""
    events: list[object] = []

    async def keep(event: Any) -> None:
        events.append(event)

    for kind in (HomeChanged, HomeLeft, DeviceBound, DeviceUnbound):
        hearth.bus.subscribe(kind, keep)
    return events


async def test_each_change_of_a_home_is_published_after_it_commits(
    client: httpx.AsyncClient, hearth: Hearth, heard: list[object]
) -> None:
    await signup(client, "mia")
    home = (await post_json(client, "/api/v1/homes", {"name": "Flat"})).json()["id"]
    room = (await post_json(client, f"/api/v1/homes/{home}/rooms", {"name": "Hall"})).json()
    assert heard == [HomeChanged(home, "rooms")]
    unit = await mint(hearth)
    added = await post_json(
        client,
        f"/api/v1/homes/{home}/devices/add",
        {"pairing_code": unit.pairing_code, "room_id": room["id"]},
    )
    assert added.status_code == 201, added.text
    assert heard[1:] == [
        DeviceBound(unit.device_id, home, "hearth.light.v1"),
        HomeChanged(home, "devices"),
    ]
    heard.clear()
    headers = {"X-CSRFToken": await csrf_token(client)}
    deleted = await client.delete(f"/api/v1/homes/{home}", headers=headers)
    assert deleted.status_code == 204
    assert heard == [DeviceUnbound(unit.device_id, home), HomeLeft(home, None)]


async def test_a_refused_form_publishes_nothing(
    client: httpx.AsyncClient, heard: list[object]
) -> None:
    await signup(client, "mia")
    home = (await post_json(client, "/api/v1/homes", {"name": "Flat"})).json()["id"]
    token = await csrf_token(client)
    kitchen = await client.post(
        f"/homes/{home}/rooms", data={"name": "Kitchen", "csrftoken": token}
    )
    assert kitchen.status_code == 303
    assert heard == [HomeChanged(home, "rooms")]
    again = await client.post(f"/homes/{home}/rooms", data={"name": "kitchen", "csrftoken": token})
    last_owner = await client.post(f"/homes/{home}/leave", data={"csrftoken": token})
    assert (again.status_code, last_owner.status_code) == (409, 409)
    assert heard == [HomeChanged(home, "rooms")]


async def test_bad_json_is_named_in_the_error_shape_and_a_bad_form_gets_a_page(
    client: httpx.AsyncClient,
) -> None:
    await signup(client, "mia")
    home = (await post_json(client, "/api/v1/homes", {"name": "Flat"})).json()["id"]
    response = await post_json(client, f"/api/v1/homes/{home}/invitations", {"role": "king"})
    body = response.json()
    assert response.status_code == 422
    assert body["error"] == "invalid_input"
    assert body["detail"].startswith("role: ")
    assert [e["field"] for e in body["errors"]] == ["role"]
    long_name = {"name": "x" * 201, "csrftoken": await csrf_token(client)}
    page = await client.post(f"/homes/{home}/rooms", data=long_name)
    assert page.status_code == 422
    assert "text/html" in page.headers["content-type"]
    assert "name" in page.text
