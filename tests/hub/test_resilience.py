"""A broker restart: devices and hearth reconnect by themselves and the state catches up."""

from __future__ import annotations

import asyncio

from tests.hub.conftest import Rig, add_model, bind, eventually, fan_with_home, simulated, state_of


async def test_after_a_broker_restart_devices_reconnect_and_state_resyncs(rig: Rig) -> None:
    await add_model(rig.hearth)
    user, home = await fan_with_home(rig.hearth)
    units = await rig.mint(3)
    await bind(rig.hearth, user, home, *units)
    devices = [simulated(rig, unit, report_every=0.5) for unit in units]
    running = [asyncio.create_task(d.run()) for d in devices]
    try:

        async def all_synced() -> bool:
            for device in devices:
                state = await state_of(rig.hearth, device.id)
                if not state.online or state.reported != device.device.readable():
                    return False
            return True

        await eventually(all_synced)
        await rig.restart_broker()
        # While the broker was away, someone switched the first lamp by hand.
        devices[0].device.state["2.1"] = not devices[0].device.state["2.1"]
        devices[0].device.state["2.2"] = 77

        async def reconnected() -> bool:
            return all(d.connections >= 2 and d.connected.is_set() for d in devices)

        await eventually(reconnected, within=30)
        await eventually(all_synced, within=30)
        state = await state_of(rig.hearth, devices[0].id)
        assert state.reported["2.2"] == 77
        # Availability follows the new connections (a broker that dies sends no wills).
        for device in devices:
            assert (await state_of(rig.hearth, device.id)).link == device.link >= 2
        # hearth's own links come back too: a command still reaches the device.
        assert rig.hearth.mqtt is not None and rig.hearth.cloud is not None
        assert await rig.hearth.mqtt.wait_connected(15)
        command = await rig.hearth.cloud.commands.execute(
            user=user, device_id=devices[1].id, kind="set", payload={"props": {"2.2": 21}}
        )
        assert command.status == "succeeded"
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        for device in devices:
            await device.stop()
