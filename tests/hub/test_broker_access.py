"""Each device reaches only its own topics, on the embedded broker and on Mosquitto alike.

Devices connect with the simulator's own MQTT client, hearth's side with its service
account; every test tries to cross a line and checks that nothing crossed it.
"""

from __future__ import annotations

import asyncio

import pytest

from hearth.errors import BrokerError
from hearth.hub import identity
from hearth.hub.protocol import ROOT
from hearth.mqtt.wire import Will, WireClient
from hearth.outbox import unit_of_work
from tests.hub.conftest import Rig, add_model

REFUSED = 0x80


async def connect(
    rig: Rig, unit: identity.Minted, *, secret: str | None = None, **kw: object
) -> WireClient:
    received: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
    client = await WireClient.connect(
        "127.0.0.1",
        rig.device_port,
        client_id=str(kw.pop("client_id", unit.device_id)),
        username=unit.device_id,
        password=secret if secret is not None else unit.secret,
        on_message=lambda topic, payload: received.put_nowait((topic, payload)),
        **kw,  # type: ignore[arg-type]
    )
    client.received = received  # type: ignore[attr-defined]
    return client


def inbox(client: WireClient) -> asyncio.Queue[tuple[str, bytes]]:
    queue: asyncio.Queue[tuple[str, bytes]] = client.received  # type: ignore[attr-defined]
    return queue


async def two_devices(rig: Rig) -> list[identity.Minted]:
    await add_model(rig.hearth)
    return await rig.mint(2)


async def test_a_device_talks_on_its_own_topics_both_ways(rig: Rig) -> None:
    (unit, _other) = await two_devices(rig)
    device = await connect(rig, unit)
    try:
        assert await device.subscribe(f"{ROOT}/{unit.device_id}/down/+") == 1
        async with rig.observer(f"{ROOT}/+/up/+") as heard:
            await device.publish(f"{ROOT}/{unit.device_id}/up/report", b"hello", qos=1)
            message = await asyncio.wait_for(heard.get(), 5)
            assert (str(message.topic), bytes(message.payload)) == (
                f"{ROOT}/{unit.device_id}/up/report",
                b"hello",
            )
        await rig.service_publish(f"{ROOT}/{unit.device_id}/down/set", b"command")
        topic, payload = await asyncio.wait_for(inbox(device).get(), 5)
        assert (topic, payload) == (f"{ROOT}/{unit.device_id}/down/set", b"command")
    finally:
        await device.disconnect()


@pytest.mark.parametrize(
    "topic_filter",
    ["{root}/{other}/down/+", "{root}/+/down/+", "{root}/{other}/up/+", "#", "{root}/#"],
)
async def test_a_device_cannot_read_other_devices_topics(rig: Rig, topic_filter: str) -> None:
    unit, other = await two_devices(rig)
    device = await connect(rig, unit)
    victim = await connect(rig, other)
    try:
        wanted = topic_filter.format(root=ROOT, other=other.device_id)
        granted = await device.subscribe(wanted)
        # The embedded broker refuses the subscription; Mosquitto grants it but checks
        # every delivery against the ACL. Either way nothing may arrive.
        assert granted == REFUSED or rig.files_based
        await victim.subscribe(f"{ROOT}/{other.device_id}/down/+")
        async with rig.observer(f"{ROOT}/+/up/+") as heard:
            await victim.publish(f"{ROOT}/{other.device_id}/up/report", b"victim's report", qos=1)
            assert bytes((await asyncio.wait_for(heard.get(), 5)).payload) == b"victim's report"
        await rig.service_publish(f"{ROOT}/{other.device_id}/down/set", b"for the victim")
        assert (await asyncio.wait_for(inbox(victim).get(), 5))[1] == b"for the victim"
        # A fixed wait on purpose: it checks that nothing reaches the other device.
        await asyncio.sleep(0.3)
        assert inbox(device).empty()
    finally:
        await device.disconnect()
        await victim.disconnect()


async def test_a_device_cannot_publish_as_another_device(rig: Rig) -> None:
    unit, other = await two_devices(rig)
    device = await connect(rig, unit)
    try:
        async with rig.observer(f"{ROOT}/#") as heard:
            await device.publish(f"{ROOT}/{other.device_id}/up/report", b"forged", qos=1)
            await device.publish(f"{ROOT}/{unit.device_id}/down/set", b"to myself", qos=1)
            await device.publish("hearth/internal/events/DeviceBound", b"{}", qos=1)
            await device.publish(f"{ROOT}/{unit.device_id}/up/report", b"genuine", qos=1)
            message = await asyncio.wait_for(heard.get(), 5)
            assert bytes(message.payload) == b"genuine"
            # A fixed wait on purpose: it checks that none of the forged messages follows.
            await asyncio.sleep(0.3)
            assert heard.empty()
    finally:
        await device.disconnect()


async def test_wrong_or_borrowed_credentials_are_refused(rig: Rig) -> None:
    unit, other = await two_devices(rig)
    for username, password in [
        (unit.device_id, other.secret),
        (unit.device_id, ""),
        ("dev_01jaaaaaaaaaaaaaaaaaaaaaaa", unit.secret),
        ("hearth-service", unit.secret),
    ]:
        with pytest.raises(BrokerError, match="refused|closed"):
            client = await WireClient.connect(
                "127.0.0.1",
                rig.device_port,
                client_id=username,
                username=username,
                password=password,
            )
            await client.disconnect()


async def test_a_device_cannot_take_over_another_devices_connection(rig: Rig) -> None:
    unit, other = await two_devices(rig)
    victim = await connect(rig, other)
    try:
        try:
            intruder = await connect(rig, unit, client_id=other.device_id)
        except BrokerError:
            intruder = None  # the embedded broker refuses a client id that is not the username
        await victim.subscribe(f"{ROOT}/{other.device_id}/down/+")
        await rig.service_publish(f"{ROOT}/{other.device_id}/down/set", b"still here?")
        assert (await asyncio.wait_for(inbox(victim).get(), 5))[1] == b"still here?"
        assert victim.is_open
        if intruder is not None:
            await intruder.disconnect()
    finally:
        await victim.disconnect()


async def test_a_last_will_aimed_at_another_device_is_never_delivered(rig: Rig) -> None:
    unit, other = await two_devices(rig)
    async with rig.observer(f"{ROOT}/+/up/+") as heard:
        forged = Will(f"{ROOT}/{other.device_id}/up/status", b"forged will")
        try:
            device = await connect(rig, unit, will=forged)
            device.abort()
            await device.closed
        except BrokerError:
            pass  # refused at connect: the embedded broker checks the will up front
        honest = await connect(rig, unit)
        await honest.publish(f"{ROOT}/{unit.device_id}/up/status", b"marker", qos=1)
        message = await asyncio.wait_for(heard.get(), 5)
        assert bytes(message.payload) == b"marker"
        await honest.disconnect()


async def test_a_rotated_secret_stops_working_and_the_new_one_works(rig: Rig) -> None:
    unit, _ = await two_devices(rig)
    # The unit of work publishes the change it recorded, as the API's and the CLI's do.
    async with unit_of_work(rig.hearth.sessions, rig.hearth.publish) as session:
        new_secret = await identity.rotate_secret(
            session, device_id=unit.device_id, now=rig.hearth.clock.now()
        )

    async def old_refused() -> None:
        while True:
            try:
                client = await connect(rig, unit)
            except BrokerError:
                return
            await client.disconnect()
            await asyncio.sleep(0.1)

    await asyncio.wait_for(old_refused(), 10)
    fresh = await connect(rig, unit, secret=new_secret)
    assert fresh.is_open
    await fresh.disconnect()


async def test_a_revoked_device_is_dropped_and_cannot_come_back(rig: Rig) -> None:
    unit, other = await two_devices(rig)
    device = await connect(rig, unit)
    bystander = await connect(rig, other)
    try:
        async with unit_of_work(rig.hearth.sessions, rig.hearth.publish) as session:
            await identity.revoke(session, device_id=unit.device_id, now=rig.hearth.clock.now())
        await asyncio.wait_for(device.closed, 10)
        with pytest.raises(BrokerError):
            await connect(rig, unit)
        assert bystander.is_open
    finally:
        await bystander.disconnect()
