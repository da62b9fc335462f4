"""A device that leaves a home leaves its automations behind: the old home's triggers stop
firing on it, its conditions stop reading it and its actions stop commanding it, whether
it went to another owner or to another home of the same owner. Everything goes through
the HTTP surface and a real broker, as the people involved would do it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hearth.hub import identity
from hearth.hub.simulator import SimulatedDevice
from hearth.web.app import create_app
from tests.helpers import csrf_token, post_json, signup
from tests.hub.conftest import (
    LOCK_MODEL,
    Rig,
    add_model,
    eventually,
    simulated,
    state_of,
)

API = "/api/v1"


class Person:
    """Someone using hearth through its JSON API."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def post(self, url: str, body: Any) -> dict[str, Any]:
        response = await post_json(self.http, API + url, body)
        assert response.status_code in (200, 201), response.text
        answer: dict[str, Any] = response.json()
        return answer

    async def get(self, url: str) -> Any:
        response = await self.http.get(API + url)
        assert response.status_code == 200, response.text
        return response.json()

    async def delete(self, url: str) -> None:
        headers = {"X-CSRFToken": await csrf_token(self.http)}
        response = await self.http.delete(API + url, headers=headers)
        assert response.status_code == 204, response.text

    async def home(self, name: str) -> str:
        return str((await self.post("/homes", {"name": name}))["id"])

    async def pair(self, home_id: str, unit: identity.Minted) -> None:
        await self.post(f"/homes/{home_id}/devices", {"pairing_code": unit.pairing_code})

    async def automation(self, home_id: str, **rule: Any) -> str:
        rule.setdefault("name", "Watch it")
        return str((await self.post(f"/homes/{home_id}/automations", rule))["id"])

    async def runs(self, automation_id: str) -> list[dict[str, Any]]:
        runs: list[dict[str, Any]] = await self.get(f"/automations/{automation_id}/runs")
        return runs

    async def finished_runs(self, automation_id: str, count: int) -> list[dict[str, Any]]:
        async def done() -> bool:
            runs = await self.runs(automation_id)
            return sum(r["finished_at"] is not None for r in runs) >= count

        await eventually(done)
        return await self.runs(automation_id)

    async def notification_titles(self) -> list[str]:
        inbox = await self.get("/notifications")
        return [item["title"] for item in inbox["items"]]


@pytest.fixture
async def people(rig: Rig) -> AsyncIterator[tuple[Person, Person]]:  # noqa: F811
    """Two people, each with their own browser on the rig's hearth."""
    await add_model(rig.hearth)
    await add_model(rig.hearth, LOCK_MODEL)
    app = create_app(hearth=rig.hearth)
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as one,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as two,
    ):
        await signup(one, "mia")
        await signup(two, "noor")
        yield Person(one), Person(two)


async def _online(rig: Rig, unit: identity.Minted) -> SimulatedDevice:  # noqa: F811
    device = simulated(rig, unit)
    await device.connect()

    async def reported() -> bool:
        state = await state_of(rig.hearth, device.id)
        return state.online and bool(state.reported)

    await eventually(reported)
    return device


def _watching(sensor: str, lock: str, title: str) -> dict[str, Any]:
    """A rule that fires on the sensor's reports and on the lock's events and outages."""
    return {
        "mode": "parallel",
        "triggers": [
            {"kind": "property", "device_id": sensor, "key": "2.4", "op": "changes"},
            {"kind": "event", "device_id": lock, "event": "2.1"},
            {"kind": "availability", "device_id": lock, "to": "offline"},
        ],
        "actions": [{"kind": "notify", "title": title}],
    }


async def test_a_device_paired_into_another_owners_home_no_longer_fires_the_old_homes_automations(
    rig: Rig,  # noqa: F811
    people: tuple[Person, Person],
) -> None:
    mia, noor = people
    (sensor_unit,) = await rig.mint(1)
    (lock_unit,) = await rig.mint(1, LOCK_MODEL)
    flat = await mia.home("Flat")
    await mia.pair(flat, sensor_unit)
    await mia.pair(flat, lock_unit)
    sensor, lock = await _online(rig, sensor_unit), await _online(rig, lock_unit)
    try:
        old = await mia.automation(flat, **_watching(sensor.id, lock.id, "Mia's flat stirred"))
        for device in (sensor, lock):
            await mia.delete(f"/devices/{device.id}")
        house = await noor.home("House")
        await noor.pair(house, sensor_unit)
        await noor.pair(house, lock_unit)
        new = await noor.automation(house, **_watching(sensor.id, lock.id, "Noor's house stirred"))

        sensor.report({"2.4": 21.5})
        lock.fire("2.1", {"2.2": 2})
        await noor.finished_runs(new, 2)
        await lock.stop()
        runs = await noor.finished_runs(new, 3)

        assert sorted(r["cause"]["kind"] for r in runs) == ["availability", "event", "property"]

        assert await mia.runs(old) == []
        assert await mia.notification_titles() == []
        assert await noor.notification_titles() == ["Noor's house stirred"] * 3
    finally:
        await sensor.stop()
        await lock.stop()


async def test_a_device_moved_to_another_home_of_the_same_owner_leaves_the_first_homes_rules(
    rig: Rig,  # noqa: F811
    people: tuple[Person, Person],
) -> None:
    mia, _ = people
    sensor_unit, lamp_unit = await rig.mint(2)
    (lock_unit,) = await rig.mint(1, LOCK_MODEL)
    flat = await mia.home("Flat")
    for unit in (sensor_unit, lamp_unit, lock_unit):
        await mia.pair(flat, unit)
    sensor, lamp, lock = [await _online(rig, u) for u in (sensor_unit, lamp_unit, lock_unit)]
    try:
        sensor.report({"2.4": 30.0})
        lamp.device.state["2.2"] = 10
        by_sensor = await mia.automation(flat, **_watching(sensor.id, lock.id, "The flat stirred"))
        # The lock stays in the flat; what it commands and reads moves away.
        by_lock = await mia.automation(
            flat,
            name="Lock opened",
            triggers=[{"kind": "event", "device_id": lock.id, "event": "2.1"}],
            actions=[{"kind": "set", "device_id": lamp.id, "props": {"2.2": 90}}],
        )
        guarded = await mia.automation(
            flat,
            name="Lock opened while warm",
            triggers=[{"kind": "event", "device_id": lock.id, "event": "2.1"}],
            conditions={
                "match": "all",
                "items": [
                    {
                        "kind": "property",
                        "device_id": sensor.id,
                        "key": "2.4",
                        "op": ">",
                        "value": 0,
                    }
                ],
            },
            actions=[{"kind": "notify", "title": "Warm and open"}],
        )
        cabin = await mia.home("Cabin")
        for device in (sensor, lamp):
            await mia.post(f"/devices/{device.id}/move", {"home_id": cabin})
        there = await mia.automation(
            cabin,
            name="The cabin's sensor",
            triggers=[{"kind": "property", "device_id": sensor.id, "key": "2.4", "op": "changes"}],
            actions=[{"kind": "notify", "title": "The cabin stirred"}],
        )

        sensor.report({"2.4": 21.5})
        await mia.finished_runs(there, 1)
        lock.fire("2.1", {"2.2": 2})
        (commanded,) = await mia.finished_runs(by_lock, 1)
        (checked,) = await mia.finished_runs(guarded, 1)
        await mia.finished_runs(by_sensor, 1)

        sensor_runs = await mia.runs(by_sensor)
        assert [r["cause"]["kind"] for r in sensor_runs] == [
            "event"
        ]  # the lock's, not the sensor's
        assert commanded["status"] == "failed"
        assert commanded["steps"][0]["detail"] == "no such device"
        assert lamp.device.state["2.2"] == 10
        assert checked["status"] == "not_met"
        assert checked["conditions"] == [False]
        assert sorted(await mia.notification_titles()) == ["The cabin stirred", "The flat stirred"]
    finally:
        for device in (sensor, lamp, lock):
            await device.stop()


async def test_a_move_this_process_has_not_heard_of_yet_is_caught_when_the_run_is_recorded(
    rig: Rig,  # noqa: F811
    people: tuple[Person, Person],
) -> None:
    mia, noor = people
    (sensor_unit,) = await rig.mint(1)
    flat = await mia.home("Flat")
    await mia.pair(flat, sensor_unit)
    sensor = await _online(rig, sensor_unit)
    try:
        watching = {"kind": "property", "device_id": sensor.id, "key": "2.4", "op": "changes"}
        old = await mia.automation(
            flat, triggers=[watching], actions=[{"kind": "notify", "title": "Flat"}]
        )
        await mia.delete(f"/devices/{sensor.id}")
        house = await noor.home("House")
        await noor.pair(house, sensor_unit)
        # As if the news of the move were still on its way from another process.
        runner = rig.hearth.scenes
        assert runner is not None
        runner.homes[sensor.id] = flat

        sensor.report({"2.4": 22.5})

        async def judged() -> bool:  # the report arrived, and what it started has ended
            return runner.values.get(sensor.id, {}).get("2.4") == 22.5 and not runner._tasks

        await eventually(judged)
        assert await mia.runs(old) == []
        assert await mia.notification_titles() == []
    finally:
        await sensor.stop()
