"""hearth's link to its broker: embedded by default, or a real Mosquitto."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiomqtt
import httpx
import pytest

from hearth.bootstrap import Hearth
from hearth.hub.acl import SERVICE_USERNAME
from hearth.web.app import create_app
from tests.conftest import make_settings
from tests.servers import Mosquitto


async def _health(runtime: Hearth) -> dict[str, object]:
    transport = httpx.ASGITransport(app=create_app(hearth=runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/healthz")
    body: dict[str, object] = response.json()
    body["status"] = response.status_code
    return body


async def test_embedded_broker_serves_hearth_and_healthz_says_so(
    tmp_path: Path, database_url: str
) -> None:
    runtime = Hearth.from_settings(make_settings(tmp_path, database_url))
    await runtime.start()
    try:
        health = await _health(runtime)
        assert health["status"] == 200
        assert health["broker"] == {
            "ok": True,
            "kind": "embedded",
            "address": runtime.mqtt_link.address.describe(),
        }
        # The link really carries messages: publish and receive our own message.
        assert runtime.mqtt is not None
        received: asyncio.Queue[bytes] = asyncio.Queue()

        async def on_message(message: aiomqtt.Message) -> None:
            await received.put(bytes(message.payload))

        await runtime.mqtt.subscribe("hearth/test/echo", on_message)
        await runtime.mqtt.publish("hearth/test/echo", b"ping")
        assert await asyncio.wait_for(received.get(), 5) == b"ping"
    finally:
        await runtime.stop()


@pytest.mark.parametrize(
    ("username", "password"),
    [(None, None), (SERVICE_USERNAME, "wrong"), ("someone", "anything")],
)
async def test_embedded_broker_refuses_clients_without_valid_credentials(
    tmp_path: Path, database_url: str, username: str | None, password: str | None
) -> None:
    runtime = Hearth.from_settings(make_settings(tmp_path, database_url))
    await runtime.start()
    try:
        with pytest.raises(aiomqtt.MqttError):
            async with aiomqtt.Client(
                "127.0.0.1",
                runtime.settings.embedded_mqtt_port,
                username=username,
                password=password,
                protocol=aiomqtt.ProtocolVersion.V311,
                timeout=5,
            ) as intruder:
                await intruder.subscribe("#")
                await intruder.publish("devices/x/report", b"{}")
    finally:
        await runtime.stop()


@pytest.mark.mosquitto
async def test_hearth_uses_an_external_mosquitto_when_given_its_url(
    tmp_path: Path, database_url: str, mosquitto: Mosquitto
) -> None:
    runtime = Hearth.from_settings(make_settings(tmp_path, database_url, mqtt_url=mosquitto.url))
    await runtime.start()
    try:
        health = await _health(runtime)
        assert health["status"] == 200
        assert health["broker"] == {"ok": True, "kind": "external", "address": mosquitto.url}
        assert runtime.broker is None
    finally:
        await runtime.stop()


@pytest.mark.mosquitto
async def test_healthz_reports_a_broker_that_went_away(
    tmp_path: Path, database_url: str, mosquitto: Mosquitto
) -> None:
    runtime = Hearth.from_settings(make_settings(tmp_path, database_url, mqtt_url=mosquitto.url))
    await runtime.start()
    try:
        mosquitto.process.terminate()
        mosquitto.process.wait(10)
        for _ in range(100):
            health = await _health(runtime)
            if health["status"] == 503:
                break
            await asyncio.sleep(0.05)
        assert health["status"] == 503
        broker = health["broker"]
        assert isinstance(broker, dict)
        assert broker["ok"] is False
        assert broker["error"]
    finally:
        await runtime.stop()
