"""The Mosquitto setup `hearth broker mosquitto` prints, followed to the letter on a real
Mosquitto: loaded with ``include_dir`` as it says, or appended to ``mosquitto.conf``.

Either way a device reaches only its own topics, the service account reaches everything
on its own listener, and nothing listens on a wildcard address unless asked to.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiomqtt
import pytest

from hearth.bootstrap import Hearth
from hearth.errors import BrokerError
from hearth.hub import identity
from hearth.hub.acl import SERVICE_USERNAME, service_password
from hearth.hub.protocol import ROOT
from hearth.kit.ports import free_port
from hearth.mqtt.wire import WireClient
from tests.conftest import TEST_SECRET, make_settings
from tests.hub.conftest import add_model, mint
from tests.servers import Mosquitto, start_mosquitto, stop_mosquitto

pytestmark = pytest.mark.mosquitto
PASSWORD = service_password(TEST_SECRET)


@dataclass
class Setup:
    broker: Mosquitto
    service_port: int
    device_port: int
    units: list[identity.Minted]


def listening(pid: int) -> set[tuple[str, int]]:
    """Return the (address, port) pairs process ``pid`` listens on over TCP."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    found = set()
    for table, width in (("tcp", 4), ("tcp6", 16)):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state != "0A" or inode not in inodes:  # 0A: LISTEN
                continue
            address, port = local.split(":")
            raw = bytes.fromhex(address)
            # The kernel prints each 32-bit word of the address in host (little-endian) order.
            packed = b"".join(raw[i : i + 4][::-1] for i in range(0, width, 4))
            found.add((str(ipaddress.ip_address(packed)), int(port, 16)))
    return found


def hearth_cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "hearth.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


@pytest.fixture(params=["included", "inline"])
async def setup(
    request: pytest.FixtureRequest, tmp_path: Path, database_url: str
) -> AsyncIterator[Setup]:
    """Mosquitto configured as `hearth broker mosquitto` says, in one of its two forms."""
    service_port = free_port()
    device_port = free_port(other_than={service_port})
    url = f"mqtt://{SERVICE_USERNAME}:{PASSWORD}@127.0.0.1:{service_port}"
    runtime = Hearth.from_settings(make_settings(tmp_path, database_url, mqtt_url=url))
    await runtime.start(mqtt=False)
    broker = None
    try:
        await add_model(runtime)
        units = await mint(runtime, 2)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")},
            "HEARTH_CONFIG": str(tmp_path / "none.toml"),
            "HEARTH_DATA_DIR": str(tmp_path / "var"),
            "HEARTH_DATABASE_URL": database_url,
            "HEARTH_SECRET_KEY": TEST_SECRET,
            "HEARTH_MQTT_URL": url,
            "COLUMNS": "500",  # one line per sentence, as a wide terminal shows it
        }
        files = tmp_path / "mosquitto" / "hearth"
        printed = hearth_cli(
            env,
            "broker",
            "mosquitto",
            "--dir",
            str(files),
            "--device-listener",
            f"{device_port} 127.0.0.1",
        )
        found = re.search(r"include_dir (\S+)", printed)
        assert found is not None, printed
        if request.param == "included":
            broker = start_mosquitto(
                tmp_path / "mosquitto",
                port=service_port,
                own_listener=False,
                include_dir=Path(found[1]),
            )
        else:
            broker = start_mosquitto(
                tmp_path / "mosquitto",
                (Path(found[1]) / "hearth.conf").read_text(),
                port=service_port,
                own_listener=False,
            )
        yield Setup(broker, service_port, device_port, units)
    finally:
        if broker is not None:
            stop_mosquitto(broker)
        await runtime.stop()


async def device(setup: Setup, unit: identity.Minted) -> WireClient:
    received: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
    client = await WireClient.connect(
        "127.0.0.1",
        setup.device_port,
        client_id=unit.device_id,
        username=unit.device_id,
        password=unit.secret,
        on_message=lambda topic, payload: received.put_nowait((topic, payload)),
    )
    client.received = received  # type: ignore[attr-defined]
    return client


def inbox(client: WireClient) -> asyncio.Queue[tuple[str, bytes]]:
    queue: asyncio.Queue[tuple[str, bytes]] = client.received  # type: ignore[attr-defined]
    return queue


def service(setup: Setup) -> aiomqtt.Client:
    return aiomqtt.Client(
        "127.0.0.1",
        setup.service_port,
        username=SERVICE_USERNAME,
        password=PASSWORD,
        protocol=aiomqtt.ProtocolVersion.V311,
    )


async def next_message(client: aiomqtt.Client) -> aiomqtt.Message:
    async for message in client.messages:
        return message
    raise AssertionError("the service account's connection closed")


async def test_nothing_listens_on_a_wildcard_address_unless_asked(setup: Setup) -> None:
    assert listening(setup.broker.process.pid) == {
        ("127.0.0.1", setup.service_port),
        ("127.0.0.1", setup.device_port),
    }


async def test_the_service_account_reads_and_writes_every_topic_on_its_own_listener(
    setup: Setup,
) -> None:
    unit = setup.units[0]
    lamp = await device(setup, unit)
    try:
        assert await lamp.subscribe(f"{ROOT}/{unit.device_id}/down/+") == 1
        async with service(setup) as hearth:
            await hearth.subscribe("#", qos=1)
            await lamp.publish(f"{ROOT}/{unit.device_id}/up/report", b"from the lamp", qos=1)
            heard = await asyncio.wait_for(next_message(hearth), 5)
            assert bytes(heard.payload) == b"from the lamp"
            await hearth.publish("hearth/internal/events/Probe", b"relayed", qos=1)
            heard = await asyncio.wait_for(next_message(hearth), 5)
            assert (str(heard.topic), heard.payload) == ("hearth/internal/events/Probe", b"relayed")
            await hearth.publish(f"{ROOT}/{unit.device_id}/down/set", b"command", qos=1)
            assert (await asyncio.wait_for(inbox(lamp).get(), 5))[1] == b"command"
    finally:
        await lamp.disconnect()


async def test_each_account_is_refused_on_the_other_listener(setup: Setup) -> None:
    unit = setup.units[0]
    with pytest.raises(aiomqtt.MqttError):
        async with aiomqtt.Client(
            "127.0.0.1",
            setup.device_port,
            username=SERVICE_USERNAME,
            password=PASSWORD,
            protocol=aiomqtt.ProtocolVersion.V311,
        ):
            pass
    with pytest.raises(BrokerError, match="refused|closed"):
        await WireClient.connect(
            "127.0.0.1",
            setup.service_port,
            client_id=unit.device_id,
            username=unit.device_id,
            password=unit.secret,
        )


async def test_a_device_reads_and_writes_nothing_but_its_own_topics(setup: Setup) -> None:
    unit, other = setup.units
    intruder = await device(setup, unit)
    victim = await device(setup, other)
    try:
        for wanted in (f"{ROOT}/{other.device_id}/down/+", f"{ROOT}/+/up/+", "hearth/#", "#"):
            await intruder.subscribe(wanted)  # Mosquitto grants it, then filters deliveries
        await victim.subscribe(f"{ROOT}/{other.device_id}/down/+")
        async with service(setup) as hearth:
            await hearth.subscribe("#", qos=1)
            await intruder.publish(f"{ROOT}/{other.device_id}/up/report", b"forged", qos=1)
            await intruder.publish(f"{ROOT}/{unit.device_id}/down/set", b"to myself", qos=1)
            await intruder.publish("hearth/internal/events/DeviceBound", b"{}", qos=1)
            await victim.publish(f"{ROOT}/{other.device_id}/up/report", b"genuine", qos=1)
            heard = await asyncio.wait_for(next_message(hearth), 5)
            assert bytes(heard.payload) == b"genuine"
            await hearth.publish("hearth/internal/events/Probe", b"internal", qos=1)
            assert bytes((await asyncio.wait_for(next_message(hearth), 5)).payload) == (b"internal")
            await hearth.publish(f"{ROOT}/{other.device_id}/down/set", b"for the victim", qos=1)
            assert (await asyncio.wait_for(inbox(victim).get(), 5))[1] == b"for the victim"
            heard = await asyncio.wait_for(next_message(hearth), 5)  # its own, through "#"
            assert bytes(heard.payload) == b"for the victim"
            # A fixed wait on purpose: it checks that nothing else arrives anywhere.
            await asyncio.sleep(0.3)
            assert inbox(intruder).empty()
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(next_message(hearth), 0.3)
    finally:
        await intruder.disconnect()
        await victim.disconnect()
