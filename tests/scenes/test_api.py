"""The scenes API over real HTTP: rules checked against the home's specs with specific
errors, bad input that changes nothing, and every attempt to reach another home's scenes,
automations or runs answering 404."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hearth.bootstrap import Hearth
from hearth.hub import identity
from hearth.hub.models import DeviceModel
from hearth.outbox import unit_of_work
from hearth.scenes import service
from hearth.scenes.events import AutomationsChanged
from hearth.scenes.models import Automation
from hearth.scenes.rules import CompareOp
from hearth.web.app import create_app
from tests.helpers import csrf_token, post_json, signup
from tests.hub.specs import LAMP


@pytest.fixture
async def other(hearth: Hearth) -> AsyncIterator[httpx.AsyncClient]:
    """A second browser, for a second person."""
    transport = httpx.ASGITransport(app=create_app(hearth=hearth))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def _furnish(hearth: Hearth, client: httpx.AsyncClient, username: str) -> tuple[str, str]:
    """Sign up, create a home and pair a lamp; return (home id, device id)."""
    await signup(client, username)
    home = (await post_json(client, "/api/v1/homes", {"name": "Flat"})).json()["id"]
    async with unit_of_work(hearth.sessions, hearth.publish) as session:
        if await session.get(DeviceModel, "test.lamp.v1") is None:
            session.add(DeviceModel(id="test.lamp.v1", name="Test lamp", spec=LAMP))
            await session.flush()
        (unit,) = await identity.mint(
            session, model_id="test.lamp.v1", count=1, now=hearth.clock.now()
        )
    paired = await post_json(
        client, f"/api/v1/homes/{home}/devices", {"pairing_code": unit.pairing_code}
    )
    assert paired.status_code == 201, paired.text
    return home, unit.device_id


def _rule(device_id: str, **patch: Any) -> dict[str, Any]:
    return {
        "name": "Warm evening",
        "triggers": [
            {"kind": "property", "device_id": device_id, "key": "2.4", "op": ">=", "value": 28}
        ],
        "actions": [{"kind": "set", "device_id": device_id, "props": {"2.2": 40}}],
        **patch,
    }


async def _put(client: httpx.AsyncClient, url: str, body: Any) -> httpx.Response:
    return await client.put(url, json=body, headers={"X-CSRFToken": await csrf_token(client)})


async def test_a_member_creates_lists_edits_and_disables_an_automation(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    home, lamp = await _furnish(hearth, client, "mia")
    created = await post_json(client, f"/api/v1/homes/{home}/automations", _rule(lamp))
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["enabled"], body["mode"], body["name"]) == (True, "single", "Warm evening")
    listed = (await client.get(f"/api/v1/homes/{home}/automations")).json()
    assert [a["id"] for a in listed] == [body["id"]]
    edited = await _put(client, f"/api/v1/automations/{body['id']}", _rule(lamp, mode="restart"))
    assert edited.json()["mode"] == "restart"
    disabled = await post_json(client, f"/api/v1/automations/{body['id']}/disable", {})
    assert disabled.json()["enabled"] is False
    assert (await client.get(f"/api/v1/automations/{body['id']}/runs")).json() == []


@pytest.mark.parametrize(
    ("action", "reason", "field"),
    [
        ({"kind": "set", "props": {"2.9": 1}}, "unknown", "actions.0.props.2.9"),
        ({"kind": "set", "props": {"2.4": 20.5}}, "not_writable", "actions.0.props.2.4"),
        ({"kind": "set", "props": {"2.2": 200}}, "out_of_range", "actions.0.props.2.2"),
        ({"kind": "set", "props": {"2.3": 7}}, "not_in_list", "actions.0.props.2.3"),
        ({"kind": "action", "action": "2.7"}, "unknown", "actions.0.action"),
    ],
)
async def test_an_action_the_spec_does_not_allow_is_rejected_with_its_reason(
    hearth: Hearth, client: httpx.AsyncClient, action: dict[str, Any], reason: str, field: str
) -> None:
    home, lamp = await _furnish(hearth, client, "mia")
    rule = _rule(lamp, actions=[{**action, "device_id": lamp}])
    response = await post_json(client, f"/api/v1/homes/{home}/automations", rule)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "rule_rejected"
    assert response.json()["reason"] == reason
    (problem,) = response.json()["errors"]
    assert (problem["field"], problem["reason"]) == (field, reason)
    assert (await client.get(f"/api/v1/homes/{home}/automations")).json() == []


async def test_a_trigger_on_a_property_that_is_never_reported_is_rejected(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    home, lamp = await _furnish(hearth, client, "mia")
    trigger = {"kind": "property", "device_id": lamp, "key": "2.5", "op": "changes"}
    response = await post_json(
        client, f"/api/v1/homes/{home}/automations", _rule(lamp, triggers=[trigger])
    )
    assert response.json()["reason"] == "not_readable"
    assert [p["field"] for p in response.json()["errors"]] == ["triggers.0.key"]


async def test_malformed_rules_name_the_field_and_change_nothing(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    home, lamp = await _furnish(hearth, client, "mia")
    rule = _rule(
        lamp, triggers=[{"kind": "property", "device_id": lamp, "key": "2.4", "op": "hotter"}]
    )
    response = await post_json(client, f"/api/v1/homes/{home}/automations", rule)
    assert response.status_code == 422
    (problem,) = response.json()["errors"]
    assert problem == {"field": "triggers.0.op", "message": "one of " + ", ".join(CompareOp)}
    assert (await client.get(f"/api/v1/homes/{home}/automations")).json() == []


@pytest.mark.parametrize(
    ("path", "patch", "field", "message"),
    [
        ("automations", {"colour": "red"}, "colour", "not a known field"),
        (
            "automations",
            {"triggers": [{"kind": "sun", "event": "sunset", "offset": 5}]},
            "triggers.0.offset",
            "not a known field",
        ),
        (
            "automations",
            {"triggers": [{"kind": "weather"}]},
            "triggers.0.kind",
            "one of property, event, availability, schedule, sun",
        ),
        ("automations", {"name": "x" * 81}, "name", "1-80 characters"),
        ("automations", {"name": "\x00"}, "name", "no control characters (U+0000 is one)"),
        ("automations", {"name": "Night\x1b[2J"}, "name", "no control characters (U+001B is one)"),
        ("automations", {"name": " \n "}, "name", "1-80 characters"),
        ("scenes", {"name": "Dim\x07"}, "name", "no control characters (U+0007 is one)"),
        ("scenes", {"name": "\u202eDim"}, "name", "no control characters (U+202E is one)"),
        ("automations", {"enabled": "yes"}, "enabled", "true or false"),
        (
            "scenes",
            {"actions": [{"kind": "scene", "scene_id": "scn_1"}]},
            "actions.0.kind",
            "one of set, action, delay, notify",
        ),
        ("scenes", {"actions": []}, "actions", "a non-empty list"),
    ],
)
async def test_a_malformed_body_is_refused_in_hearths_error_shape(
    hearth: Hearth,
    client: httpx.AsyncClient,
    path: str,
    patch: dict[str, Any],
    field: str,
    message: str,
) -> None:
    home, lamp = await _furnish(hearth, client, "mia")
    body = _rule(lamp, **patch)
    if path == "scenes":
        body = {"name": patch.get("name", "Dim"), "actions": body["actions"]}
    response = await post_json(client, f"/api/v1/homes/{home}/{path}", body)
    assert response.status_code == 422, response.text
    answer = response.json()
    assert set(answer) == {"error", "detail", "errors"}
    assert answer["error"] == "invalid_input"
    assert answer["errors"] == [{"field": field, "message": message}]
    assert answer["detail"] == f"{field}: {message}"
    assert (await client.get(f"/api/v1/homes/{home}/{path}")).json() == []


async def test_a_home_place_is_refused_at_the_coordinate_that_is_missing(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    home, _ = await _furnish(hearth, client, "mia")
    half = {"timezone": "Asia/Shanghai", "latitude": 31.23}
    refused = await _put(client, f"/api/v1/homes/{home}/place", half)
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "longitude", "message": "give both coordinates or neither"}
    ]
    far = await _put(client, f"/api/v1/homes/{home}/place", {**half, "longitude": 181})
    assert far.json()["errors"] == [{"field": "longitude", "message": "between -180 and 180"}]


async def test_every_change_to_a_homes_automations_is_told_once_it_has_committed(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    home, lamp = await _furnish(hearth, client, "mia")
    told: list[tuple[AutomationsChanged, int]] = []

    async def heard(event: AutomationsChanged) -> None:
        async with hearth.sessions() as session:  # what a listener reads is already there
            rows = await session.scalars(select(Automation.id).where(Automation.home_id == home))
            told.append((event, len(list(rows))))

    hearth.bus.subscribe(AutomationsChanged, heard)
    created = await post_json(client, f"/api/v1/homes/{home}/automations", _rule(lamp))
    automation_id = created.json()["id"]
    assert told == [(AutomationsChanged(home, [automation_id]), 1)]
    url = f"/api/v1/automations/{automation_id}"
    await _put(client, url, _rule(lamp, mode="restart"))
    await post_json(client, f"{url}/disable", {})
    await post_json(client, f"{url}/enable", {})
    await _put(client, f"/api/v1/homes/{home}/place", {"timezone": "Europe/Paris"})
    assert told[1:] == [(AutomationsChanged(home, [automation_id]), 1)] * 4
    refused = await post_json(
        client, f"/api/v1/homes/{home}/automations", _rule(lamp, actions=[{"kind": "x"}])
    )
    assert refused.status_code == 422
    deleted = await client.delete(url, headers={"X-CSRFToken": await csrf_token(client)})
    assert deleted.status_code == 204
    assert told[5:] == [(AutomationsChanged(home, [automation_id]), 0)]


async def test_a_sun_trigger_needs_the_home_location_first(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    home, lamp = await _furnish(hearth, client, "mia")
    rule = _rule(lamp, triggers=[{"kind": "sun", "event": "sunset", "offset_minutes": -10}])
    refused = await post_json(client, f"/api/v1/homes/{home}/automations", rule)
    assert refused.json()["reason"] == "no_location"
    place = {"timezone": "Asia/Shanghai", "latitude": 31.23, "longitude": 121.47}
    assert (await _put(client, f"/api/v1/homes/{home}/place", place)).status_code == 200
    bad = await _put(client, f"/api/v1/homes/{home}/place", {**place, "timezone": "Mars/Base"})
    assert bad.status_code == 422
    assert (await client.get(f"/api/v1/homes/{home}/place")).json() == place
    accepted = await post_json(client, f"/api/v1/homes/{home}/automations", rule)
    assert accepted.status_code == 201, accepted.text


async def test_a_rule_naming_a_device_of_another_home_is_rejected(
    hearth: Hearth, client: httpx.AsyncClient, other: httpx.AsyncClient
) -> None:
    home, _ = await _furnish(hearth, client, "mia")
    _, leos_lamp = await _furnish(hearth, other, "leo")
    for rule in (
        _rule(leos_lamp),
        {
            **_rule(leos_lamp),
            "triggers": [{"kind": "availability", "device_id": leos_lamp, "to": "offline"}],
        },
    ):
        response = await post_json(client, f"/api/v1/homes/{home}/automations", rule)
        assert response.status_code == 422
        assert response.json()["reason"] == "device_not_in_home"
    scene = {"name": "Leo's lamp", "actions": _rule(leos_lamp)["actions"]}
    response = await post_json(client, f"/api/v1/homes/{home}/scenes", scene)
    assert response.json()["reason"] == "device_not_in_home"


async def test_another_homes_scenes_automations_and_runs_answer_404(
    hearth: Hearth, client: httpx.AsyncClient, other: httpx.AsyncClient
) -> None:
    home, lamp = await _furnish(hearth, client, "mia")
    await _furnish(hearth, other, "leo")
    automation = await post_json(client, f"/api/v1/homes/{home}/automations", _rule(lamp))
    automation_id = automation.json()["id"]
    scene = await post_json(
        client, f"/api/v1/homes/{home}/scenes", {"name": "Dim", "actions": _rule(lamp)["actions"]}
    )
    scene_id = scene.json()["id"]
    token = {"X-CSRFToken": await csrf_token(other)}
    attempts = [
        ("GET", f"/api/v1/homes/{home}/automations"),
        ("GET", f"/api/v1/homes/{home}/scenes"),
        ("GET", f"/api/v1/homes/{home}/place"),
        ("GET", f"/api/v1/automations/{automation_id}"),
        ("GET", f"/api/v1/automations/{automation_id}/runs"),
        ("PUT", f"/api/v1/automations/{automation_id}"),
        ("POST", f"/api/v1/automations/{automation_id}/disable"),
        ("POST", f"/api/v1/automations/{automation_id}/run"),
        ("DELETE", f"/api/v1/automations/{automation_id}"),
        ("GET", f"/api/v1/scenes/{scene_id}"),
        ("PUT", f"/api/v1/scenes/{scene_id}"),
        ("POST", f"/api/v1/scenes/{scene_id}/run"),
        ("GET", f"/api/v1/scenes/{scene_id}/runs"),
        ("DELETE", f"/api/v1/scenes/{scene_id}"),
        ("POST", f"/api/v1/homes/{home}/automations"),
        ("POST", f"/api/v1/homes/{home}/scenes"),
        ("GET", "/api/v1/runs/run_not_theirs"),
    ]
    for method, url in attempts:
        body: dict[str, Any] | None = None
        if method in ("PUT", "POST"):
            body = {**_rule(lamp), "name": "Mine now"}
            if "/scenes" in url:
                body = {"name": "Mine now", "actions": body["actions"]}
        response = await other.request(method, url, json=body, headers=token)
        assert response.status_code == 404, (method, url, response.text)
    still = (await client.get(f"/api/v1/automations/{automation_id}")).json()
    assert (still["enabled"], still["name"]) == (True, "Warm evening")


async def test_a_home_has_a_limit_of_automations_and_scenes(
    hearth: Hearth, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "MAX_AUTOMATIONS", 1)
    monkeypatch.setattr(service, "MAX_SCENES", 1)
    home, lamp = await _furnish(hearth, client, "mia")
    scene = {"name": "Dim", "actions": _rule(lamp)["actions"]}
    for url, body in (
        (f"/api/v1/homes/{home}/automations", _rule(lamp)),
        (f"/api/v1/homes/{home}/scenes", scene),
    ):
        assert (await post_json(client, url, body)).status_code == 201
        refused = await post_json(client, url, body)
        assert refused.status_code == 409
        assert refused.json()["error"] == "scene_limit_reached"
