"""Triggers that must hold for some minutes, and automations that rest after a run, with a
clock the test moves by hand: the wait lives in the database (a timer any process fires),
starts and ends only on a crossing, and a reading that hovers at its threshold runs an
automation once per rest, not at every crossing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from hearth.bootstrap import Hearth
from hearth.homes import binding
from hearth.hub import identity
from hearth.hub.events import DeviceReportArrived
from hearth.hub.models import DeviceModel, DeviceState
from hearth.outbox import unit_of_work
from hearth.scenes.models import SceneTimer
from hearth.scenes.runner import SceneRunner
from tests.hub.specs import LAMP
from tests.scenes.test_timing import Home, notify
from tests.scenes.test_timing import home as home  # noqa: F401  (the fixture)

pytestmark = pytest.mark.usefixtures("home")


@pytest.fixture
async def sensor(home: Home) -> AsyncIterator[str]:  # noqa: F811
    """A lamp with a thermometer in the home; reports are told to the runners by hand."""
    hearth: Hearth = home.hearth
    async with unit_of_work(hearth.sessions, hearth.publish) as session:
        session.add(DeviceModel(id="test.lamp.v1", name="Test lamp", spec=LAMP))
        await session.flush()
        (unit,) = await identity.mint(
            session, model_id="test.lamp.v1", count=1, now=home.clock.now()
        )
        await binding.bind(
            session,
            user=home.user,
            home_id=home.home_id,
            pairing_code=unit.pairing_code,
            now=home.clock.now(),
        )
    yield unit.device_id


def above(device_id: str) -> dict[str, Any]:
    return {"kind": "property", "device_id": device_id, "key": "2.4", "op": ">", "value": 30}


async def report(home: Home, device_id: str, temperature: float) -> None:
    """Tell every runner a report arrived and store it, as ingest does; let them act."""
    home.hearth.bus.tell(
        DeviceReportArrived(device_id, None, {"2.4": temperature}, home.clock.now())
    )
    async with unit_of_work(home.hearth.sessions, home.hearth.publish) as session:
        state = await session.get(DeviceState, device_id)
        if state is None:
            session.add(DeviceState(device_id=device_id, reported={"2.4": temperature}))
        else:
            state.reported = {**state.reported, "2.4": temperature}
    await home.settle()


async def timers(home: Home) -> int:
    async with home.hearth.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(SceneTimer)) or 0)


async def test_a_trigger_held_for_five_minutes_fires_only_once_it_has_held_that_long(
    home: Home, sensor: str
) -> None:
    runner = await home.runner()
    automation_id = await home.automation(
        triggers=[{**above(sensor), "for_minutes": 5}], actions=[notify("Hot for a while")]
    )
    await report(home, sensor, 25.0)
    await report(home, sensor, 31.0)  # the wait starts: one timer, no run
    assert await timers(home) == 1
    home.clock.advance(timedelta(minutes=3))
    await report(home, sensor, 32.0)  # still above: nothing to write, the wait goes on
    await runner.tick()
    await home.settle()
    assert await home.runs(automation_id) == []
    home.clock.advance(timedelta(minutes=2))
    await runner.tick()
    await home.settle()
    (run,) = await home.runs(automation_id)
    assert run.status == "succeeded"
    assert (run.cause["kind"], run.cause["value"]) == ("property", 32.0)
    assert await home.notices() == ["Hot for a while"]
    assert await timers(home) == 0
    home.clock.advance(timedelta(minutes=10))  # it keeps holding: it fired once, that is all
    await runner.tick()
    await home.settle()
    assert len(await home.runs(automation_id)) == 1


async def test_a_trigger_that_clears_before_its_minutes_are_up_does_not_fire(
    home: Home, sensor: str
) -> None:
    runner = await home.runner()
    automation_id = await home.automation(
        triggers=[{**above(sensor), "for_minutes": 5}], actions=[notify("Hot for a while")]
    )
    await report(home, sensor, 25.0)
    await report(home, sensor, 31.0)
    home.clock.advance(timedelta(minutes=4))
    await report(home, sensor, 29.0)  # it cleared: the wait ends unfired
    assert await timers(home) == 0
    home.clock.advance(timedelta(minutes=2))
    await report(home, sensor, 31.0)  # crossing again starts a new wait, from now
    home.clock.advance(timedelta(minutes=4))
    await runner.tick()
    await home.settle()
    assert await home.runs(automation_id) == []
    home.clock.advance(timedelta(minutes=1))
    await runner.tick()
    await home.settle()
    assert [r.status for r in await home.runs(automation_id)] == ["succeeded"]


async def test_a_wait_is_fired_by_another_process_and_only_once(home: Home, sensor: str) -> None:
    first = await home.runner()
    automation_id = await home.automation(
        triggers=[{**above(sensor), "for_minutes": 5}], actions=[notify("Hot for a while")]
    )
    await report(home, sensor, 25.0)
    await report(home, sensor, 31.0)
    await first.stop()  # the process that saw the crossing is gone
    home.runners.remove(first)
    second, third = await home.runner(), await home.runner()
    home.clock.advance(timedelta(minutes=5))
    await second.tick()
    await third.tick()
    await home.settle()
    assert [r.status for r in await home.runs(automation_id)] == ["succeeded"]


async def test_a_cooldown_stops_a_reading_hovering_at_its_threshold_running_five_times(
    home: Home, sensor: str
) -> None:
    runner: SceneRunner = await home.runner()
    automation_id = await home.automation(
        cooldown_minutes=10, triggers=[above(sensor)], actions=[notify("Too warm")]
    )
    for _ in range(5):  # up and down across 30 every minute, five times in five minutes
        await report(home, sensor, 30.2)
        await report(home, sensor, 29.8)
        home.clock.advance(timedelta(minutes=1))
    runs = await home.runs(automation_id)
    assert [r.status for r in runs] == ["succeeded"] + ["skipped"] * 4
    assert runs[1].reason == "resting: it ran 1 minute ago and waits 10 minutes between runs"
    assert await home.notices() == ["Too warm"]
    home.clock.advance(timedelta(minutes=6))  # ten minutes after the first run: it may again
    await report(home, sensor, 30.2)
    assert [r.status for r in await home.runs(automation_id)][-1] == "succeeded"
    assert await home.notices() == ["Too warm", "Too warm"]
    await runner.run_automation(user=home.user, automation_id=automation_id)
    await home.settle()
    assert [r.status for r in await home.runs(automation_id)][-1] == "succeeded"  # by hand


async def test_without_a_cooldown_the_hovering_reading_runs_it_every_time(
    home: Home, sensor: str
) -> None:
    await home.runner()
    automation_id = await home.automation(triggers=[above(sensor)], actions=[notify("Too warm")])
    for _ in range(5):
        await report(home, sensor, 30.2)
        await report(home, sensor, 29.8)
        home.clock.advance(timedelta(minutes=1))
    assert [r.status for r in await home.runs(automation_id)] == ["succeeded"] * 5
