"""hearth's own link: errors in the tree, and subscriptions that survive a broker restart."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiomqtt
import pytest

from hearth.errors import BrokerUnavailable
from hearth.kit.ports import free_port
from hearth.mqtt.address import BrokerAddress
from hearth.mqtt.link import MqttLink
from tests.mqtt.conftest import PASSWORD, USERNAME, security, until
from tests.servers import Mosquitto, start_mosquitto, stop_mosquitto


async def test_publishing_without_a_connection_says_the_broker_is_unavailable() -> None:
    link = MqttLink(BrokerAddress("127.0.0.1", free_port(), None, None))
    with pytest.raises(BrokerUnavailable) as raised:
        await link.publish("anything", b"lost")
    assert raised.value.code == "broker_unavailable"


@pytest.mark.mosquitto
async def test_a_link_the_broker_refuses_says_why_and_keeps_trying(broker: Mosquitto) -> None:
    link = MqttLink(BrokerAddress("127.0.0.1", broker.port, USERNAME, "wrong"))
    await link.start()
    try:
        await until(lambda: "not authori" in (link.last_error or "").lower())
        assert not link.connected
    finally:
        await link.stop()


@pytest.mark.mosquitto
async def test_a_link_subscribes_again_after_the_broker_restarts(tmp_path: Path) -> None:
    directory = tmp_path / "restarting"
    directory.mkdir()
    config = security(directory)
    broker = start_mosquitto(directory, config)
    link = MqttLink(BrokerAddress("127.0.0.1", broker.port, USERNAME, PASSWORD))
    heard: asyncio.Queue[bytes] = asyncio.Queue()

    async def handler(message: aiomqtt.Message) -> None:
        await heard.put(bytes(message.payload))

    await link.subscribe("echo/+", handler)
    await link.start()
    try:
        assert await link.wait_connected(10)
        stop_mosquitto(broker)
        await until(lambda: not link.connected)
        with pytest.raises(BrokerUnavailable):
            await link.publish("echo/lost", b"nobody hears this")
        broker = start_mosquitto(directory, config, port=broker.port)
        assert await link.wait_connected(20)
        await link.publish("echo/1", b"back")
        assert await asyncio.wait_for(heard.get(), 5) == b"back"
    finally:
        try:
            await link.stop()
        finally:
            stop_mosquitto(broker)
