"""Every trigger, condition and action kind, end to end: a simulated device reports over the
real broker, the automation fires, and another simulated device receives the command."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select

from hearth.kit.clock import FrozenClock
from hearth.notifications.models import Notification
from hearth.scenes.models import Automation, SceneRun
from tests.hub.conftest import eventually, state_of
from tests.scenes.conftest import Furnished


async def test_a_threshold_crossing_turns_on_a_lamp_of_another_device(home: Furnished) -> None:
    home.lamp.device.state["2.1"] = False
    home.sensor.report({"2.4": 20.0})
    automation_id = await home.automation(
        triggers=[
            {"kind": "property", "device_id": home.sensor.id, "key": "2.4", "op": ">", "value": 30}
        ],
        actions=[{"kind": "set", "device_id": home.lamp.id, "props": {"2.1": True, "2.2": 80}}],
    )
    await home.report(home.sensor, {"2.4": 25.0})  # below: nothing
    await home.report(home.sensor, {"2.4": 31.5})  # crosses
    await home.lamp_has("2.2", 80)
    (run,) = await home.finished_runs(automation_id)
    assert run.status == "succeeded"
    assert run.cause == {
        "kind": "property",
        "index": 0,
        "device_id": home.sensor.id,
        "key": "2.4",
        "value": 31.5,
        "before": 25.0,
    }
    assert [s["status"] for s in run.steps] == ["ok"]
    assert home.lamp.device.state["2.1"] is True
    await home.report(home.sensor, {"2.4": 33.0})  # still above: no second crossing
    await home.report(home.sensor, {"2.4": 10.0})
    await home.report(home.sensor, {"2.4": 35.0})  # crosses again
    await home.finished_runs(automation_id, 2)
    assert len(await home.runs(automation_id)) == 2


async def test_a_trigger_is_judged_as_the_report_arrives_before_it_is_written(
    home: Furnished,
) -> None:
    home.lamp.device.state["2.1"] = False
    automation_id = await home.automation(
        triggers=[
            {"kind": "property", "device_id": home.sensor.id, "key": "2.4", "op": ">", "value": 30}
        ],
        actions=[{"kind": "set", "device_id": home.lamp.id, "props": {"2.1": True}}],
    )
    await home.report(home.sensor, {"2.4": 20.0})

    async def written_20() -> bool:
        return (await state_of(home.rig.hearth, home.sensor.id)).reported.get("2.4") == 20.0

    await eventually(written_20)
    ingest = home.rig.hearth.cloud.ingest  # type: ignore[union-attr]
    assert ingest is not None
    ingest.interval = 3600.0  # the batch now waits (the flush loop's current sleep ends)
    # A fixed wait on purpose: the flush loop's current sleep (at most 0.05 s) must end so
    # that it sleeps the new interval; nothing observable says when it has.
    await asyncio.sleep(0.2)
    home.sensor.report({"2.4": 31.5})
    await home.lamp_has("2.1", True)  # the command went out...
    written = await state_of(home.rig.hearth, home.sensor.id)
    assert written.reported["2.4"] == 20.0  # ...while the report still waits to be written
    await ingest.flush()
    assert (await state_of(home.rig.hearth, home.sensor.id)).reported["2.4"] == 31.5
    ingest.interval = 0.05
    await ingest.flush()  # the lamp's answer
    (run,) = await home.finished_runs(automation_id)
    assert run.status == "succeeded"


async def test_an_event_with_matching_arguments_fires_and_others_do_not(home: Furnished) -> None:
    automation_id = await home.automation(
        triggers=[{"kind": "event", "device_id": home.lock.id, "event": "2.1", "args": {"2.2": 2}}],
        actions=[{"kind": "action", "device_id": home.lamp.id, "action": "2.1"}],
    )
    before = home.lamp.device.state["2.1"]
    home.lock.fire("2.1", {"2.2": 1})  # opened by app: filtered out
    home.lock.fire("2.1", {"2.2": 2})  # by fingerprint
    (run,) = await home.finished_runs(automation_id)
    assert run.status == "succeeded"
    assert run.cause["args"] == {"2.2": 2}
    await home.lamp_has("2.1", not before)
    assert len(await home.runs(automation_id)) == 1


async def test_a_device_going_offline_notifies_the_home(home: Furnished) -> None:
    automation_id = await home.automation(
        triggers=[{"kind": "availability", "device_id": home.lock.id, "to": "offline"}],
        actions=[{"kind": "notify", "title": "The lock went offline"}],
    )
    await home.lock.stop()
    (run,) = await home.finished_runs(automation_id)
    assert run.status == "succeeded"
    assert run.cause["to"] == "offline"
    async with home.rig.hearth.sessions() as session:
        titles = list(
            await session.scalars(
                select(Notification.title).where(Notification.user_id == home.user.id)
            )
        )
    assert titles == ["The lock went offline"]


async def test_conditions_that_do_not_hold_are_logged_and_nothing_runs(home: Furnished) -> None:
    home.lamp.device.state["2.2"] = 50
    automation_id = await home.automation(
        triggers=[{"kind": "property", "device_id": home.sensor.id, "key": "2.2"}],
        conditions={
            "match": "all",
            "items": [
                {
                    "kind": "property",
                    "device_id": home.lamp.id,
                    "key": "2.1",
                    "op": "=",
                    "value": True,
                },
                {"kind": "weekdays", "days": [0, 1, 2, 3, 4, 5, 6]},
            ],
        },
        actions=[{"kind": "set", "device_id": home.lamp.id, "props": {"2.2": 5}}],
    )
    home.lamp.device.state["2.1"] = False
    await home.report(home.lamp, {"2.1": False})
    home.sensor.report({"2.2": 42})
    (run,) = await home.finished_runs(automation_id)
    assert (run.status, run.conditions) == ("not_met", [False, True])
    assert home.lamp.device.state["2.2"] == 50


async def test_actions_run_a_scene_and_disable_an_automation(home: Furnished) -> None:
    scene_id = await home.scene(
        "Dim", [{"kind": "set", "device_id": home.lamp.id, "props": {"2.2": 7}}]
    )
    other = await home.automation(
        name="Other",
        triggers=[{"kind": "availability", "device_id": home.lock.id, "to": "online"}],
        actions=[{"kind": "notify", "title": "back"}],
    )
    automation_id = await home.automation(
        triggers=[{"kind": "event", "device_id": home.lock.id, "event": "2.1"}],
        actions=[
            {"kind": "scene", "scene_id": scene_id},
            {"kind": "automation", "automation_id": other, "enabled": False},
        ],
    )
    home.lock.fire("2.1", {"2.2": 1})
    (run,) = await home.finished_runs(automation_id)
    assert run.status == "succeeded", run.steps
    await home.lamp_has("2.2", 7)
    async with home.rig.hearth.sessions() as session:
        assert (await session.get(Automation, other)).enabled is False  # type: ignore[union-attr]
        scene_runs = list(
            await session.scalars(select(SceneRun).where(SceneRun.scene_id == scene_id))
        )
    assert [r.chain for r in scene_runs] == [[automation_id]]


async def test_a_failed_action_is_logged_with_why_and_the_rest_still_runs(home: Furnished) -> None:
    await home.lamp.stop()

    async def lamp_offline() -> bool:
        return not (await state_of(home.rig.hearth, home.lamp.id)).online

    await eventually(lamp_offline)  # triggers are judged on arrival, before any write
    automation_id = await home.automation(
        triggers=[{"kind": "event", "device_id": home.lock.id, "event": "2.1"}],
        actions=[
            {"kind": "set", "device_id": home.lamp.id, "props": {"2.1": True}},
            {"kind": "notify", "title": "tried"},
        ],
    )
    home.lock.fire("2.1", {"2.2": 1})
    (run,) = await home.finished_runs(automation_id)
    assert run.status == "failed"
    assert [s["status"] for s in run.steps] == ["failed", "ok"]
    assert "offline" in run.steps[0]["detail"]


async def test_an_automation_that_retriggers_itself_is_stopped_disabled_and_reported(
    home: Furnished,
) -> None:
    automation_id = await home.automation(
        name="Flip flop",
        mode="queued",  # in mode single the echo would arrive mid-run and be skipped
        triggers=[{"kind": "property", "device_id": home.lamp.id, "key": "2.1"}],
        actions=[{"kind": "action", "device_id": home.lamp.id, "action": "2.1"}],
    )
    home.lamp.device.state["2.1"] = not home.lamp.device.state["2.1"]
    await home.report(home.lamp, {"2.1": home.lamp.device.state["2.1"]})

    async def stopped() -> bool:
        return any(r.status == "stopped" for r in await home.runs(automation_id))

    await eventually(stopped)
    runs = await home.finished_runs(automation_id, 3)  # the second may still await its answer
    assert sorted(r.status for r in runs) == ["stopped", "succeeded", "succeeded"]
    assert [r.chain for r in runs if r.status == "stopped"] == [[automation_id] * 3]
    assert "Flip flop → Flip flop → Flip flop" in runs[-1].reason
    async with home.rig.hearth.sessions() as session:
        row = await session.get(Automation, automation_id)
        assert row is not None
        assert row.enabled is False
        assert row.disabled_reason is not None and "loop" in row.disabled_reason
        notices = list(await session.scalars(select(Notification.title)))
    assert notices == ["Flip flop was stopped: it kept triggering itself"]
    commands = home.lamp.commands
    # A fixed wait on purpose: it checks that nothing more happens, not for an event.
    await asyncio.sleep(0.5)
    assert home.lamp.commands == commands  # nothing spins on


async def test_two_automations_that_trigger_each_other_are_stopped(home: Furnished) -> None:
    ping = await home.automation(
        name="Ping",
        mode="parallel",
        triggers=[{"kind": "property", "device_id": home.lamp.id, "key": "2.1"}],
        actions=[{"kind": "action", "device_id": home.sensor.id, "action": "2.1"}],
    )
    pong = await home.automation(
        name="Pong",
        mode="parallel",
        triggers=[{"kind": "property", "device_id": home.sensor.id, "key": "2.1"}],
        actions=[{"kind": "action", "device_id": home.lamp.id, "action": "2.1"}],
    )
    home.lamp.device.state["2.1"] = not home.lamp.device.state["2.1"]
    await home.report(home.lamp, {"2.1": home.lamp.device.state["2.1"]})

    async def stopped() -> bool:
        return any(r.status == "stopped" for r in await home.runs(ping))

    await eventually(stopped)
    ping_runs, pong_runs = await home.finished_runs(ping, 3), await home.finished_runs(pong, 2)
    assert sorted(r.status for r in ping_runs) == ["stopped", "succeeded", "succeeded"]
    assert [r.status for r in pong_runs] == ["succeeded", "succeeded"]
    (stop,) = [r for r in ping_runs if r.status == "stopped"]
    assert "Ping → Pong → Ping → Pong → Ping" in stop.reason
    async with home.rig.hearth.sessions() as session:
        found = [await session.get(Automation, a) for a in (ping, pong)]
    assert [a.enabled for a in found if a is not None] == [False, True]


async def test_any_condition_in_the_home_time_window_lets_the_run_through(
    home: Furnished,
) -> None:
    home.rig.hearth.clock = FrozenClock(datetime(2026, 6, 1, 23, 30, tzinfo=UTC))  # UTC home
    automation_id = await home.automation(
        triggers=[{"kind": "availability", "device_id": home.lock.id, "to": "online"}],
        conditions={
            "match": "any",
            "items": [
                {
                    "kind": "property",
                    "device_id": home.lamp.id,
                    "key": "2.2",
                    "op": ">",
                    "value": 100,
                },
                {"kind": "time", "after": "22:00", "before": "06:00"},
            ],
        },
        actions=[{"kind": "set", "device_id": home.lamp.id, "props": {"2.2": 3}}],
    )
    await home.lock.stop()

    async def offline() -> bool:
        return not (await state_of(home.rig.hearth, home.lock.id)).online

    await eventually(offline)
    await home.lock.connect()
    (run,) = await home.finished_runs(automation_id)
    assert (run.status, run.conditions, run.cause["to"]) == ("succeeded", [False, True], "online")
    await home.lamp_has("2.2", 3)
