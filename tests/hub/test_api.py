"""The fans' device API over real HTTP: homes, pairing, reading, history, and every
attempt to reach a home or device that is not the caller's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, insert, select

from hearth import db
from hearth.bootstrap import Hearth
from hearth.hub import batchsql, identity, rollups
from hearth.hub.events import DeviceBound, DeviceUnbound
from hearth.hub.models import DeviceModel, DeviceState, HistoryPoint, Rollup1h, Rollup5m
from hearth.hub.store import history_row
from hearth.outbox import unit_of_work
from hearth.web.app import create_app
from tests.helpers import csrf_token, post_json, signup
from tests.hub.specs import LAMP


async def _lamp_units(hearth: Hearth, count: int = 1) -> list[identity.Minted]:
    async with unit_of_work(hearth.sessions, hearth.publish) as session:
        session.add(DeviceModel(id="test.lamp.v1", name="Test lamp", spec=LAMP))
        await session.flush()
        return await identity.mint(
            session, model_id="test.lamp.v1", count=count, now=hearth.clock.now()
        )


@pytest.fixture
async def other(hearth: Hearth) -> AsyncIterator[httpx.AsyncClient]:
    """A second browser, for a second person."""
    transport = httpx.ASGITransport(app=create_app(hearth=hearth))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def _home(client: httpx.AsyncClient, name: str = "Flat") -> str:
    response = await post_json(client, "/api/v1/homes", {"name": name})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _delete(client: httpx.AsyncClient, url: str) -> httpx.Response:
    return await client.delete(url, headers={"X-CSRFToken": await csrf_token(client)})


async def _paired(hearth: Hearth, client: httpx.AsyncClient) -> tuple[str, identity.Minted]:
    await signup(client, "mia")
    home = await _home(client)
    (unit,) = await _lamp_units(hearth)
    response = await post_json(
        client, f"/api/v1/homes/{home}/devices", {"pairing_code": unit.pairing_code.lower()}
    )
    assert response.status_code == 201, response.text
    return home, unit


async def test_a_fan_pairs_a_device_with_its_code_and_sees_it_in_the_home(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    home, unit = await _paired(hearth, client)
    listed = (await client.get(f"/api/v1/homes/{home}/devices")).json()
    assert [d["id"] for d in listed] == [unit.device_id]
    assert listed[0]["online"] is False and listed[0]["reported"] == {}
    detail = (await client.get(f"/api/v1/devices/{unit.device_id}")).json()
    assert detail["model"] == "test.lamp.v1" and detail["home_id"] == home
    assert detail["spec"]["services"][0]["iid"] == 2
    homes = (await client.get("/api/v1/homes")).json()
    assert [(h["id"], h["role"]) for h in homes] == [(home, "owner")]


async def test_nothing_of_a_home_is_visible_or_touchable_from_outside_it(
    client: httpx.AsyncClient, other: httpx.AsyncClient, hearth: Hearth
) -> None:
    home, unit = await _paired(hearth, client)
    await signup(other, "eve")
    eves_home = await _home(other, "Eve's")
    device = unit.device_id
    since = "2026-01-01T00:00:00Z"
    for response in [
        await other.get(f"/api/v1/homes/{home}/devices"),
        await other.get(f"/api/v1/devices/{device}"),
        await other.get(f"/api/v1/devices/{device}/history", params={"key": "2.1", "since": since}),
        await other.get(f"/api/v1/devices/{device}/commands/cmd_x"),
        await post_json(other, f"/api/v1/devices/{device}/move", {"home_id": eves_home}),
        await post_json(
            other, f"/api/v1/devices/{device}/commands", {"kind": "set", "props": {"2.1": True}}
        ),
        await _delete(other, f"/api/v1/devices/{device}"),
        await post_json(
            other, f"/api/v1/homes/{home}/devices", {"pairing_code": unit.pairing_code}
        ),
    ]:
        assert response.status_code == 404, response.text
    # Eve's own home cannot take a device that is in Mia's home, even with its code.
    taken = await post_json(
        other, f"/api/v1/homes/{eves_home}/devices", {"pairing_code": unit.pairing_code}
    )
    assert taken.status_code == 409
    assert (await client.get(f"/api/v1/devices/{device}")).json()["home_id"] == home
    assert (await other.get("/api/v1/homes")).json()[0]["id"] == eves_home


@pytest.mark.parametrize(
    ("code", "status"), [("not a code", 422), ("", 422), ("7K3M-Q9XD-2HWA-P4TN", 404)]
)
async def test_a_wrong_pairing_code_is_refused_and_pairs_nothing(
    client: httpx.AsyncClient, hearth: Hearth, code: str, status: int
) -> None:
    await signup(client, "mia")
    home = await _home(client)
    await _lamp_units(hearth)
    response = await post_json(client, f"/api/v1/homes/{home}/devices", {"pairing_code": code})
    assert response.status_code == status
    assert response.json()["error"] in {"invalid_input", "not_found"}
    assert (await client.get(f"/api/v1/homes/{home}/devices")).json() == []


async def test_removing_a_device_deletes_its_data_and_the_next_owner_needs_the_code(
    client: httpx.AsyncClient, other: httpx.AsyncClient, hearth: Hearth
) -> None:
    _home_id, unit = await _paired(hearth, client)
    device = unit.device_id
    now = datetime.now(UTC)
    async with db.transaction(hearth.sessions) as session:
        await batchsql.insert_history(
            session,
            [tuple(history_row(device, "2.2", now, 40).values())],
            late_before=await rollups.hold(session),
        )
        state = await session.get(DeviceState, device)
        assert state is not None
        state.reported = {"2.2": 40}
    await rollups.roll_up(hearth.sessions, until=now + timedelta(seconds=1), span=timedelta(days=1))
    async with hearth.sessions() as session:
        for rollup in (Rollup5m, Rollup1h):
            held = select(func.count()).select_from(rollup).where(rollup.device_id == device)
            assert await session.scalar(held) == 1, rollup.__tablename__
    assert (await _delete(client, f"/api/v1/devices/{device}")).status_code == 204
    assert (await client.get(f"/api/v1/devices/{device}")).status_code == 404
    async with hearth.sessions() as session:
        for table in (HistoryPoint, Rollup5m, Rollup1h):
            left = select(func.count()).select_from(table).where(table.device_id == device)
            assert await session.scalar(left) == 0, table.__tablename__
    await signup(other, "leo")
    leos = await _home(other, "Leo's")
    paired = await post_json(
        other, f"/api/v1/homes/{leos}/devices", {"pairing_code": unit.pairing_code}
    )
    assert paired.status_code == 201
    assert paired.json()["reported"] == {}
    history = await other.get(
        f"/api/v1/devices/{device}/history",
        params={"key": "2.2", "since": (now - timedelta(hours=1)).isoformat()},
    )
    assert history.json() == []


async def test_an_owner_moves_a_device_between_their_homes(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    _home_id, unit = await _paired(hearth, client)
    cottage = await _home(client, "Cottage")
    moved = await post_json(client, f"/api/v1/devices/{unit.device_id}/move", {"home_id": cottage})
    assert moved.status_code == 200 and moved.json()["home_id"] == cottage
    assert [d["id"] for d in (await client.get(f"/api/v1/homes/{cottage}/devices")).json()] == [
        unit.device_id
    ]


async def test_moving_a_device_is_told_as_leaving_one_home_and_joining_the_other(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    home, unit = await _paired(hearth, client)
    cottage = await _home(client, "Cottage")
    heard: list[object] = []

    async def keep(event: Any) -> None:
        heard.append(event)

    hearth.bus.subscribe(DeviceBound, keep)
    hearth.bus.subscribe(DeviceUnbound, keep)
    await post_json(client, f"/api/v1/devices/{unit.device_id}/move", {"home_id": cottage})
    assert heard == [
        DeviceUnbound(unit.device_id, home),
        DeviceBound(unit.device_id, cottage, "test.lamp.v1"),
    ]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"kind": "set"}, "a set command needs props"),
        ({"kind": "set", "props": {}}, "a set command needs props"),
        ({"kind": "action", "args": {"5.2": 1}}, "an action command needs action"),
        ({"kind": "wave"}, "kind: "),
    ],
)
async def test_a_command_without_what_its_kind_needs_is_refused_naming_it(
    client: httpx.AsyncClient, hearth: Hearth, body: dict[str, Any], problem: str
) -> None:
    _home_id, unit = await _paired(hearth, client)
    response = await post_json(client, f"/api/v1/devices/{unit.device_id}/commands", body)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_input"
    assert problem in response.json()["detail"]
    assert response.json()["errors"]


async def _history(hearth: Hearth, device: str, start: datetime, values: list[Any]) -> None:
    rows = [
        history_row(device, "2.2", start + timedelta(minutes=i), v) for i, v in enumerate(values)
    ]
    rows.append(history_row(device, "2.3", start, 1))
    async with db.transaction(hearth.sessions) as session:
        await session.execute(insert(HistoryPoint), rows)


def _minutes(start: datetime, first: int, last: int) -> dict[str, str]:
    """The time range from ``first`` to ``last`` minutes after ``start``, as query values."""
    return {
        "since": (start + timedelta(minutes=first)).isoformat(),
        "until": (start + timedelta(minutes=last)).isoformat(),
    }


async def test_history_in_a_time_range_raw_and_downsampled(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    _home_id, unit = await _paired(hearth, client)
    start = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    await _history(hearth, unit.device_id, start, [10, 20, 30, 40, 50, 60])
    url = f"/api/v1/devices/{unit.device_id}/history"
    raw = await client.get(url, params={"key": "2.2", **_minutes(start, 1, 4)})
    assert [p["value"] for p in raw.json()] == [20, 30, 40]
    two = await client.get(url, params={"key": "2.2", **_minutes(start, 0, 6), "points": 2})
    buckets = two.json()
    assert [(b["value"], b["min"], b["max"], b["count"]) for b in buckets] == [
        (20.0, 10.0, 30.0, 3),
        (50.0, 40.0, 60.0, 3),
    ]
    assert datetime.fromisoformat(buckets[1]["at"]) == start + timedelta(minutes=3)


@pytest.mark.parametrize(
    "params",
    [
        {"key": "2.2", "since": "2026-03-02T00:00:00Z", "until": "2026-03-01T00:00:00Z"},
        {"key": "2.2", "since": "2026-03-01T00:00:00", "until": "2026-03-02T00:00:00Z"},
        {"key": "2.2", "since": "2026-03-01T00:00:00Z", "points": 0},
        {"key": "2.2", "since": "2026-03-01T00:00:00Z", "points": 100000},
        {"since": "2026-03-01T00:00:00Z"},
    ],
)
async def test_a_malformed_history_request_names_the_problem(
    client: httpx.AsyncClient, hearth: Hearth, params: dict[str, Any]
) -> None:
    _home_id, unit = await _paired(hearth, client)
    response = await client.get(f"/api/v1/devices/{unit.device_id}/history", params=params)
    assert response.status_code == 422
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"until": "0001-01-01T00:00:00Z"}, "until"),  # minus a day is year 0
        ({"until": "9999-12-31T23:59:59-14:00"}, "until"),  # in UTC, the year 10000
        ({"since": "9999-12-31T23:59:59-14:00"}, "since"),
        ({"since": "0001-01-01T00:00:00+14:00"}, "since"),  # in UTC, the year 0
        ({"since": "0001-01-01T00:00:00Z", "until": "0001-01-02T00:00:00Z"}, "since until"),
        ({"since": "9999-12-30T00:00:00Z", "until": "9999-12-31T00:00:00Z"}, "since until"),
        ({"since": "2026-03-02T00:00:00Z", "until": "2026-03-01T00:00:00Z"}, "since"),
        ({"since": "2026-03-01T00:00:00Z", "points": 0}, "points"),
    ],
)
async def test_a_history_range_beyond_what_time_can_hold_is_refused_naming_the_parameter(
    client: httpx.AsyncClient, hearth: Hearth, params: dict[str, Any], field: str
) -> None:
    _home_id, unit = await _paired(hearth, client)
    url = f"/api/v1/devices/{unit.device_id}/history"
    response = await client.get(url, params={"key": "2.2", **params})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "invalid_input"
    assert [e["field"] for e in body["errors"]] == field.split()


async def test_a_member_reads_the_homes_devices_but_only_the_owner_removes_them(
    client: httpx.AsyncClient, other: httpx.AsyncClient, hearth: Hearth
) -> None:
    from hearth.homes import service as homes

    home, unit = await _paired(hearth, client)
    leo = await signup(other, "leo")
    async with db.transaction(hearth.sessions) as session:
        await homes.add_member(session, home_id=home, user_id=leo["id"], now=hearth.clock.now())
    assert (await other.get(f"/api/v1/devices/{unit.device_id}")).status_code == 200
    assert (await _delete(other, f"/api/v1/devices/{unit.device_id}")).status_code == 403
    assert (await client.get(f"/api/v1/devices/{unit.device_id}")).json()["home_id"] == home


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "x" * 81}, {"name": "ok", "x": 1}])
async def test_a_home_needs_a_sensible_name(
    client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    await signup(client, "mia")
    response = await post_json(client, "/api/v1/homes", body)
    assert response.status_code == 422
    assert (await client.get("/api/v1/homes")).json() == []
