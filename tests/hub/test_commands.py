"""Commands reach devices and come back answered, timed out or refused as offline.

Each test runs against the embedded broker and a real Mosquitto, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from sqlalchemy import func, select

from hearth.accounts.models import User
from hearth.errors import CommandTimedOut, DeviceOffline, NotFound, ValueRejected
from hearth.hub import identity, protocol
from hearth.hub.commands import Commands
from hearth.hub.events import DeviceEventRaised
from hearth.hub.models import Command
from hearth.hub.simulator import SimulatedDevice
from hearth.mqtt.wire import WireClient
from tests.hub.conftest import (
    LOCK_MODEL,
    Rig,
    add_model,
    bind,
    eventually,
    fan_with_home,
    simulated,
    state_of,
)


async def _setup(
    rig: Rig, model_id: str | None = None
) -> tuple[User, identity.Minted, SimulatedDevice, Commands]:
    if model_id:
        await add_model(rig.hearth, model_id)
    else:
        await add_model(rig.hearth)
    user, home = await fan_with_home(rig.hearth)
    (unit,) = await rig.mint(1, **({"model_id": model_id} if model_id else {}))
    await bind(rig.hearth, user, home, unit)
    assert rig.hearth.cloud is not None
    return user, unit, simulated(rig, unit), rig.hearth.cloud.commands


async def _online(rig: Rig, device: SimulatedDevice) -> None:
    await device.connect()

    async def online() -> bool:
        return (await state_of(rig.hearth, device.id)).online

    await eventually(online)


async def _commands_of(rig: Rig, device_id: str) -> int:
    async with rig.hearth.sessions() as session:
        found = await session.scalar(
            select(func.count()).select_from(Command).where(Command.device_id == device_id)
        )
    return int(found or 0)


async def _row(rig: Rig, command_id: str) -> Command:
    async with rig.hearth.sessions() as session:
        row = await session.get(Command, command_id)
    assert row is not None
    return row


async def test_a_set_reaches_the_device_which_applies_and_acknowledges_it(rig: Rig) -> None:
    user, unit, device, commands = await _setup(rig)
    await _online(rig, device)
    command = await commands.execute(
        user=user, device_id=unit.device_id, kind="set", payload={"props": {"2.1": True, "2.2": 30}}
    )
    assert command.status == "succeeded"
    assert command.result == {
        "code": "ok",
        "results": {"2.1": {"code": "ok"}, "2.2": {"code": "ok"}},
        "out": {},
    }
    assert device.device.state["2.1"] is True and device.device.state["2.2"] == 30

    async def reported() -> bool:
        state = await state_of(rig.hearth, unit.device_id)
        return state.reported["2.2"] == 30 and state.reported["2.1"] is True

    await eventually(reported)
    assert (await state_of(rig.hearth, unit.device_id)).desired == {}
    await device.stop()


async def test_a_device_that_refuses_part_of_a_set_says_which_part_and_why(rig: Rig) -> None:
    user, unit, _device, commands = await _setup(rig)
    raw = await WireClient.connect(
        "127.0.0.1",
        rig.device_port,
        client_id=unit.device_id,
        username=unit.device_id,
        password=unit.secret,
        on_message=lambda topic, payload: answer(payload),
    )

    def answer(payload: bytes) -> None:
        request = json.loads(payload)
        body = {"id": request["id"], "results": {"2.1": {"code": "ok"}, "2.2": {"code": "busy"}}}
        raw.publish_nowait(
            protocol.up_topic(unit.device_id, protocol.Up.RESULT), json.dumps(body).encode(), qos=1
        )

    await raw.subscribe(protocol.down_filter(unit.device_id))
    await raw.publish(
        protocol.up_topic(unit.device_id, protocol.Up.STATUS),
        b'{"boot": 1, "link": 1, "online": true}',
        qos=1,
    )

    async def online() -> bool:
        return (await state_of(rig.hearth, unit.device_id)).online

    await eventually(online)
    command = await commands.execute(
        user=user, device_id=unit.device_id, kind="set", payload={"props": {"2.1": True, "2.2": 5}}
    )
    assert command.status == "failed"
    assert command.result is not None
    assert command.result["results"]["2.2"] == {"code": "busy"}
    await raw.disconnect()


async def test_a_device_that_never_answers_times_out_and_the_wish_stays_desired(rig: Rig) -> None:
    user, unit, device, commands = await _setup(rig)
    await _online(rig, device)
    device.answering = False
    with pytest.raises(CommandTimedOut) as timed_out:
        await commands.execute(
            user=user,
            device_id=unit.device_id,
            kind="set",
            payload={"props": {"2.2": 55}},
            answer_within=0.5,
        )
    assert (await _row(rig, timed_out.value.command_id)).status == "timed_out"
    assert device.commands == 1
    state = await state_of(rig.hearth, unit.device_id)
    assert state.desired == {"2.2": 55}
    await device.stop()


async def test_a_command_to_an_offline_device_fails_fast_and_sends_nothing(rig: Rig) -> None:
    user, unit, device, commands = await _setup(rig)
    started = time.monotonic()
    with pytest.raises(DeviceOffline) as offline:
        await commands.execute(
            user=user, device_id=unit.device_id, kind="set", payload={"props": {"2.1": True}}
        )
    assert time.monotonic() - started < 1.0
    assert offline.value.command_id is not None
    assert (await _row(rig, offline.value.command_id)).status == "offline"
    await _online(rig, device)
    # A fixed wait on purpose: it checks that nothing is sent now the device is back.
    await asyncio.sleep(0.3)
    assert device.commands == 0


async def test_a_caller_may_wait_for_an_offline_device_to_come_back(rig: Rig) -> None:
    user, unit, device, commands = await _setup(rig)
    waiting = asyncio.create_task(
        commands.execute(
            user=user,
            device_id=unit.device_id,
            kind="set",
            payload={"props": {"2.2": 64}},
            wait_online=10,
        )
    )

    async def recorded_waiting() -> bool:
        async with rig.hearth.sessions() as session:
            status = await session.scalar(
                select(Command.status).where(Command.device_id == unit.device_id)
            )
        return status == "waiting"

    await eventually(recorded_waiting)
    assert not waiting.done()
    await _online(rig, device)
    command = await asyncio.wait_for(waiting, 10)
    assert command.status == "succeeded"
    assert device.device.state["2.2"] == 64
    await device.stop()


async def test_waiting_for_a_device_that_never_comes_back_ends_with_offline(rig: Rig) -> None:
    user, unit, _device, commands = await _setup(rig)
    with pytest.raises(DeviceOffline, match="did not come back"):
        await commands.execute(
            user=user,
            device_id=unit.device_id,
            kind="set",
            payload={"props": {"2.2": 64}},
            wait_online=0.5,
        )


async def test_retrying_a_request_id_returns_the_first_outcome_without_acting_twice(
    rig: Rig,
) -> None:
    user, unit, device, commands = await _setup(rig)
    await _online(rig, device)
    payload = {"props": {"2.2": 12}}
    first = await commands.execute(
        user=user, device_id=unit.device_id, kind="set", payload=payload, request_id="tap-1"
    )
    again = await commands.execute(
        user=user, device_id=unit.device_id, kind="set", payload=payload, request_id="tap-1"
    )
    assert again.id == first.id and again.status == "succeeded"
    assert device.commands == 1
    await device.stop()


@pytest.mark.parametrize(
    ("kind", "payload", "reason"),
    [
        ("set", {"props": {"2.4": 20.0}}, "not_writable"),
        ("set", {"props": {"2.2": 500}}, "out_of_range"),
        ("set", {"props": {"9.9": 1}}, "unknown"),
        ("set", {"props": {"2.1": "on"}}, "wrong_type"),
        ("get", {"keys": ["2.5"]}, "not_readable"),
        ("action", {"action": "2.7", "args": {}}, "unknown"),
    ],
)
async def test_a_command_that_breaks_the_spec_is_refused_before_anything_is_sent(
    rig: Rig, kind: str, payload: dict[str, object], reason: str
) -> None:
    user, unit, device, commands = await _setup(rig)
    await _online(rig, device)
    with pytest.raises(ValueRejected) as refused:
        await commands.execute(user=user, device_id=unit.device_id, kind=kind, payload=payload)
    assert refused.value.reason == reason
    # A fixed wait on purpose: it checks that nothing reaches the device.
    await asyncio.sleep(0.2)
    assert device.commands == 0
    assert await _commands_of(rig, unit.device_id) == 0
    await device.stop()


async def test_an_action_returns_its_outputs_and_a_lock_that_opens_says_so(rig: Rig) -> None:
    user, unit, device, commands = await _setup(rig, LOCK_MODEL)
    await _online(rig, device)
    async with rig.hearth.bus.listen() as events:
        command = await commands.execute(
            user=user,
            device_id=unit.device_id,
            kind="action",
            payload={"action": "2.1", "args": {"2.2": 1}},
        )
        assert command.status == "succeeded"
        assert command.result is not None and set(command.result["out"]) == {"2.1"}

        async def opened() -> DeviceEventRaised:
            while True:
                event = await events.get()
                if isinstance(event, DeviceEventRaised):
                    return event

        event = await asyncio.wait_for(opened(), 5)
    assert (event.device_id, event.event, event.args) == (unit.device_id, "2.1", {"2.2": 1})
    await device.stop()


async def test_a_get_returns_the_devices_current_values(rig: Rig) -> None:
    user, unit, device, commands = await _setup(rig)
    await _online(rig, device)
    command = await commands.execute(
        user=user, device_id=unit.device_id, kind="get", payload={"keys": ["2.2", "2.4"]}
    )
    assert command.result is not None
    assert command.result["results"]["2.2"] == {"code": "ok", "value": device.device.state["2.2"]}
    await device.stop()


async def test_what_was_desired_while_a_device_was_unreachable_is_sent_when_it_returns(
    rig: Rig,
) -> None:
    user, unit, device, commands = await _setup(rig)
    await _online(rig, device)
    device.answering = False
    with pytest.raises(CommandTimedOut):
        await commands.execute(
            user=user,
            device_id=unit.device_id,
            kind="set",
            payload={"props": {"2.2": 88}},
            answer_within=0.3,
        )
    device.device.state["2.2"] = 10  # it never applied the command
    await device.stop(crash=True)

    async def offline() -> bool:
        return not (await state_of(rig.hearth, unit.device_id)).online

    await eventually(offline)
    device.answering = True
    await device.connect()

    async def resynced() -> bool:
        state = await state_of(rig.hearth, unit.device_id)
        return state.reported.get("2.2") == 88 and state.desired == {}

    await eventually(resynced)
    assert device.device.state["2.2"] == 88
    await device.stop()


async def test_nobody_outside_the_home_can_command_its_devices(rig: Rig) -> None:
    _user, unit, device, commands = await _setup(rig)
    stranger, _ = await fan_with_home(rig.hearth, "stranger")
    await _online(rig, device)
    with pytest.raises(NotFound):
        await commands.execute(
            user=stranger, device_id=unit.device_id, kind="set", payload={"props": {"2.1": True}}
        )
    assert await _commands_of(rig, unit.device_id) == 0
    assert device.commands == 0
    await device.stop()
