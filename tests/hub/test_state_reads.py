"""A home knows a device's state at once: the cloud reads it on pairing and on every
reconnection, and a value the device confirmed is its current state, even when the
device sends no report of it.

Each test runs against the embedded broker and a real Mosquitto, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from hearth.hub.models import HistoryPoint
from tests.hub.conftest import (
    Rig,
    add_model,
    bind,
    eventually,
    fan_with_home,
    simulated,
    state_of,
)


async def test_a_device_paired_while_connected_shows_its_whole_state_without_sending_a_change(
    rig: Rig,
) -> None:
    await add_model(rig.hearth)
    user, home = await fan_with_home(rig.hearth)
    (unit,) = await rig.mint(1)
    device = simulated(rig, unit)
    await device.connect()

    async def online() -> bool:
        return (await state_of(rig.hearth, unit.device_id)).online

    await eventually(online)
    assert (await state_of(rig.hearth, unit.device_id)).reported == {}  # nobody's: not kept
    sent = device.seq
    await bind(rig.hearth, user, home, unit)

    async def known() -> bool:
        return (await state_of(rig.hearth, unit.device_id)).reported == device.device.readable()

    await eventually(known)
    assert device.seq == sent  # no report: the answer to the cloud's read did it
    assert device.reads >= 1 and device.commands == 0
    await device.stop()


async def test_a_reconnecting_device_is_asked_for_its_state_again(rig: Rig) -> None:
    await add_model(rig.hearth)
    user, home = await fan_with_home(rig.hearth)
    (unit,) = await rig.mint(1)
    await bind(rig.hearth, user, home, unit)
    device = simulated(rig, unit)
    await device.connect()

    async def asked() -> bool:
        return device.reads >= 1

    await eventually(asked)
    await device.stop(crash=True)

    async def offline() -> bool:
        return not (await state_of(rig.hearth, unit.device_id)).online

    await eventually(offline)
    reads = device.reads
    await device.connect()

    async def asked_again() -> bool:
        return device.reads > reads

    await eventually(asked_again)
    await device.stop()


async def test_a_value_the_device_confirmed_is_its_state_though_it_reports_nothing(
    rig: Rig,
) -> None:
    await add_model(rig.hearth)
    user, home = await fan_with_home(rig.hearth)
    (unit,) = await rig.mint(1)
    await bind(rig.hearth, user, home, unit)
    device = simulated(rig, unit)
    device.device.state["2.2"] = 30
    await device.connect()

    async def known() -> bool:
        return (await state_of(rig.hearth, unit.device_id)).reported.get("2.2") == 30

    await eventually(known)
    device.device.state["2.2"] = 55  # moved by hand at the lamp: it tells nobody
    sent = device.seq
    assert rig.hearth.cloud is not None
    command = await rig.hearth.cloud.commands.execute(
        user=user, device_id=unit.device_id, kind="set", payload={"props": {"2.2": 55}}
    )
    assert command.status == "succeeded"

    async def confirmed() -> bool:
        return (await state_of(rig.hearth, unit.device_id)).reported.get("2.2") == 55

    await eventually(confirmed)
    assert device.seq == sent  # the lamp had nothing to report: 55 was its value already
    state = await state_of(rig.hearth, unit.device_id)
    assert state.desired == {}
    async with rig.hearth.sessions() as session:
        points = (
            await session.scalars(
                HistoryPoint.__table__.select()
                .with_only_columns(HistoryPoint.num)
                .where(HistoryPoint.device_id == unit.device_id, HistoryPoint.key == "2.2")
            )
        ).all()
    assert 55.0 in points  # the confirmed value is history too
    await device.stop()
