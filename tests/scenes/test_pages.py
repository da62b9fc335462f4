"""The Scenes tab over real HTTP: lists, builder data fed by the home's specs, the log
page, switches, and another home's pages answering 404."""

from __future__ import annotations

import json
import re

import httpx

from hearth.bootstrap import Hearth
from hearth.scenes.events import AutomationsChanged
from tests.helpers import csrf_token, post_json
from tests.scenes.test_api import _furnish, _rule, other  # noqa: F401  (other is a fixture)


async def test_the_scenes_tab_lists_scenes_and_automations_with_their_words(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    home, lamp = await _furnish(hearth, client, "mia")
    await post_json(client, f"/api/v1/homes/{home}/automations", _rule(lamp))
    await post_json(
        client,
        f"/api/v1/homes/{home}/scenes",
        {"name": "Movie night", "actions": _rule(lamp)["actions"]},
    )
    page = await client.get("/scenes")
    assert page.status_code == 200
    assert "Movie night" in page.text
    assert "Warm evening" in page.text
    assert "When Test lamp · Temperature is at least 28 °C" in page.text
    assert "Schedules run in UTC" in page.text
    assert f'href="/homes/{home}/settings#place-title"' in page.text
    assert "not built yet" not in page.text


async def test_the_builder_offers_the_homes_devices_and_what_each_can_do(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    home, lamp = await _furnish(hearth, client, "mia")
    page = await client.get(f"/scenes/automations/new?home={home}")
    assert page.status_code == 200
    found = re.search(r'<script type="application/json" id="scene-data">(.*?)</script>', page.text)
    assert found is not None
    data = json.loads(found.group(1))
    (device,) = data["devices"]
    assert device["id"] == lamp
    props = {p["key"]: p for p in device["properties"]}
    assert props["2.4"]["watch"] and not props["2.4"]["write"]
    assert props["2.5"]["write"] and not props["2.5"]["watch"]
    assert props["2.2"]["range"] == {"min": 1, "max": 100, "step": 1}
    assert [a["key"] for a in device["actions"]] == ["2.1"]


async def test_the_log_page_and_the_switch_work_and_other_homes_answer_404(
    hearth: Hearth,
    client: httpx.AsyncClient,
    other: httpx.AsyncClient,  # noqa: F811
) -> None:
    home, lamp = await _furnish(hearth, client, "mia")
    await _furnish(hearth, other, "leo")
    created = await post_json(client, f"/api/v1/homes/{home}/automations", _rule(lamp))
    automation_id = created.json()["id"]
    page = await client.get(f"/scenes/automations/{automation_id}")
    assert page.status_code == 200
    assert "Nothing yet" in page.text
    token = await csrf_token(client)
    switched = await client.post(
        f"/scenes/automations/{automation_id}/switch",
        data={"csrftoken": token, "enabled": "false"},
    )
    assert switched.status_code == 303
    assert (await client.get(f"/api/v1/automations/{automation_id}")).json()["enabled"] is False
    for url in (
        f"/scenes/automations/{automation_id}",
        f"/scenes/automations/{automation_id}/edit",
        f"/scenes/automations/new?home={home}",
        f"/scenes?home={home}",
    ):
        assert (await other.get(url)).status_code == 404, url
    theirs = await other.post(
        f"/scenes/automations/{automation_id}/switch",
        data={"csrftoken": await csrf_token(other), "enabled": "true"},
    )
    assert theirs.status_code == 404


async def test_the_edit_page_starts_from_the_saved_rule(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    home, lamp = await _furnish(hearth, client, "mia")
    rule = _rule(lamp, conditions={"match": "any", "items": [{"kind": "weekdays", "days": [5, 6]}]})
    created = await post_json(client, f"/api/v1/homes/{home}/automations", rule)
    automation_id = created.json()["id"]
    page = await client.get(f"/scenes/automations/{automation_id}/edit")
    found = re.search(r'<script type="application/json" id="scene-data">(.*?)</script>', page.text)
    assert found is not None
    data = json.loads(found.group(1))
    assert data["method"] == "PUT"
    assert data["save_url"] == f"/api/v1/automations/{automation_id}"
    assert data["initial"]["triggers"] == rule["triggers"]
    assert data["initial"]["condition_items"] == [{"kind": "weekdays", "days": [5, 6]}]
    assert 'value="any" selected' in page.text


async def test_the_pages_switch_and_delete_tell_every_runner(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    home, lamp = await _furnish(hearth, client, "mia")
    created = await post_json(client, f"/api/v1/homes/{home}/automations", _rule(lamp))
    automation_id = created.json()["id"]
    told: list[AutomationsChanged] = []

    async def heard(event: AutomationsChanged) -> None:
        told.append(event)

    hearth.bus.subscribe(AutomationsChanged, heard)
    token = await csrf_token(client)
    form = {"csrftoken": token, "enabled": "false", "back": "list"}
    switched = await client.post(f"/scenes/automations/{automation_id}/switch", data=form)
    assert switched.headers["location"] == f"/scenes?home={home}"
    deleted = await client.post(
        f"/scenes/automations/{automation_id}/delete", data={"csrftoken": token}
    )
    assert deleted.headers["location"] == f"/scenes?home={home}"
    assert told == [AutomationsChanged(home, [automation_id])] * 2


async def test_a_tap_that_cannot_run_says_why_where_it_was_tapped(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    home, lamp = await _furnish(hearth, client, "mia")
    made = await post_json(
        client,
        f"/api/v1/homes/{home}/scenes",
        {"name": "Movie night", "actions": _rule(lamp)["actions"]},
    )
    url = f"/scenes/{made.json()['id']}/run"
    form = {"csrftoken": await csrf_token(client)}
    tapped = await client.post(url, data=form, headers={"HX-Request": "true"})
    assert tapped.status_code == 200  # htmx swaps in only what succeeds
    assert "Movie night did not run: scenes do not run in this process" in tapped.text
    assert 'role="alert"' in tapped.text
    assert (await client.post(url, data=form)).status_code == 409  # no broker in this process
