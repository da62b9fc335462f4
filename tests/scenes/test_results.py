"""A scene's run told in words: right after a tap (the fragment htmx swaps in, or the run's
page without scripts), in the API and on the scene's page of runs; devices named as the
home named them; the builder offering only what is worth watching or setting."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from hearth.homes import placement, rooms
from hearth.outbox import unit_of_work
from hearth.scenes.picker import Describer
from hearth.web.app import create_app
from tests.helpers import csrf_token, login
from tests.hub.conftest import eventually, state_of
from tests.scenes.conftest import Furnished


@pytest.fixture
async def browser(home: Furnished) -> AsyncIterator[httpx.AsyncClient]:
    """The home's owner, signed in over HTTP to the app of the furnished hearth."""
    transport = httpx.ASGITransport(app=create_app(hearth=home.rig.hearth))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        assert (await login(http, home.user.username)).status_code == 200
        yield http


async def _name(home: Furnished, device_id: str, name: str, room: str) -> None:
    hearth = home.rig.hearth
    async with unit_of_work(hearth.sessions, hearth.publish) as session:
        made = await rooms.create_room(
            session, user=home.user, home_id=home.home.id, name=room, now=hearth.clock.now()
        )
        await placement.place_device(
            session, user=home.user, device_id=device_id, room_id=made.id, name=name
        )


async def _tap(browser: httpx.AsyncClient, scene_id: str, *, htmx: bool) -> httpx.Response:
    headers = {"HX-Request": "true"} if htmx else {}
    data = {"csrftoken": await csrf_token(browser), "back": "home"}
    return await browser.post(f"/scenes/{scene_id}/run", data=data, headers=headers)


async def test_a_tap_tells_at_once_that_the_offline_lamp_was_not_sent_and_the_rest_ran(
    home: Furnished, browser: httpx.AsyncClient
) -> None:
    await _name(home, home.lamp.id, "Desk lamp", "Study")
    await home.lamp.stop()

    async def lamp_offline() -> bool:
        return not (await state_of(home.rig.hearth, home.lamp.id)).online

    await eventually(lamp_offline)
    scene_id = await home.scene(
        "Evening",
        [
            {"kind": "set", "device_id": home.lamp.id, "props": {"2.1": True}},
            {"kind": "notify", "title": "Evening started"},
        ],
    )
    tapped = await _tap(browser, scene_id, htmx=True)
    assert tapped.status_code == 200
    fragment = tapped.text
    assert 'data-run-status="failed"' in fragment
    assert "1 of 2 actions failed; the others ran." in fragment
    assert "Set Desk lamp · Study · " in fragment
    assert "Not sent: Desk lamp · Study is offline." in fragment
    assert "Notify the home: Evening started" in fragment
    assert "hx-trigger" not in fragment  # settled: it does not ask again

    without_scripts = await _tap(browser, scene_id, htmx=False)
    assert without_scripts.status_code == 303
    run_url = without_scripts.headers["location"]
    run_id = run_url.rsplit("/", 1)[-1]

    async def settled() -> bool:
        found = (await browser.get(f"/api/v1/runs/{run_id}")).json()
        return bool(found["settled"])

    await eventually(settled)
    page = await browser.get(run_url)
    assert "What Evening did" in page.text
    assert "Not sent: Desk lamp · Study is offline." in page.text
    run = (await browser.get(f"/api/v1/runs/{run_id}")).json()
    assert run["summary"] == "1 of 2 actions failed; the others ran."
    assert [(s["status"], s["message"]) for s in run["told"]] == [
        ("failed", "Not sent: Desk lamp · Study is offline."),
        ("ok", "Sent to the one person in the home."),
    ]
    listed = await browser.get(f"/scenes/{scene_id}")
    assert listed.status_code == 200
    assert listed.text.count('data-status="failed"') == 2
    assert "Run by " in listed.text and "Not sent: Desk lamp · Study is offline." in listed.text
    runs = (await browser.get(f"/api/v1/scenes/{scene_id}/runs")).json()
    assert [r["summary"] for r in runs] == ["1 of 2 actions failed; the others ran."] * 2


async def test_a_tap_on_a_scene_that_works_says_it_is_done(
    home: Furnished, browser: httpx.AsyncClient
) -> None:
    scene_id = await home.scene(
        "Lights on", [{"kind": "set", "device_id": home.lamp.id, "props": {"2.1": True}}]
    )
    tapped = await _tap(browser, scene_id, htmx=True)
    assert 'data-run-status="succeeded"' in tapped.text
    assert "Done." in tapped.text
    assert "Done: the device confirmed it." in tapped.text
    await home.lamp_has("2.1", True)


async def test_the_home_view_offers_scenes_that_answer_in_place(
    home: Furnished, browser: httpx.AsyncClient
) -> None:
    scene_id = await home.scene(
        "Lights on", [{"kind": "set", "device_id": home.lamp.id, "props": {"2.1": True}}]
    )
    view = await browser.get(f"/homes/{home.home.id}")
    assert f'hx-post="/scenes/{scene_id}/run" hx-target="#scene-result"' in view.text
    assert '<div id="scene-result"' in view.text


async def test_the_builder_names_devices_by_name_and_room_and_offers_what_is_worth_it(
    home: Furnished, browser: httpx.AsyncClient
) -> None:
    await _name(home, home.sensor.id, "Hall sensor", "Hall")
    home.sensor.report({"2.4": 21.5})  # no automation watches it yet: wait for the write

    async def stored() -> bool:
        state = await state_of(home.rig.hearth, home.sensor.id)
        return state.reported.get("2.4") == 21.5

    await eventually(stored)
    page = await browser.get(f"/scenes/automations/new?home={home.home.id}")
    found = re.search(r'<script type="application/json" id="scene-data">(.*?)</script>', page.text)
    assert found is not None
    devices = {d["id"]: d for d in json.loads(found.group(1))["devices"]}
    sensor = devices[home.sensor.id]
    assert (sensor["name"], sensor["room"]) == ("Hall sensor · Hall", "Hall")
    props = {p["key"]: p for p in sensor["properties"]}
    assert props["2.4"]["watch"] and props["2.4"]["current"] == 21.5  # a threshold starts here
    assert not props["2.5"]["watch"]  # write-only text is never reported


def test_what_a_device_refused_or_left_unanswered_is_said_in_a_sentence() -> None:
    describe = Describer({}, {})
    assert (
        describe.step(
            {"status": "failed", "kind": "set", "code": "refused", "refusals": {"2.2": "busy"}},
            {"kind": "set", "device_id": "dev_gone", "props": {"2.2": 5}},
        )
        == "Refused by a removed device: 2.2 cannot do it now: the device is busy."
    )
    assert (
        describe.step(
            {"status": "failed", "kind": "set", "code": "timed_out", "detail": "…"},
            {"kind": "set", "device_id": "dev_gone", "props": {"2.2": 5}},
        )
        == "No answer from a removed device within 5 seconds: it may still carry it out."
    )
    assert (
        describe.step(
            {"status": "failed", "kind": "scene", "detail": "the scene no longer exists"}, None
        )
        == "The scene no longer exists."
    )
