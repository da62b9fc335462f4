"""hearth's own connection to the MQTT broker, embedded or external.

``MqttLink`` keeps one client connected, reconnecting with back-off when the broker goes
away, re-subscribes after every reconnection, and hands each message to the handler of
the subscription it matched. Handlers are async and must not raise; a handler that does
is logged and counted, and the link goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import aiomqtt
import structlog

from hearth import metrics
from hearth.kit.ids import new_id

log = structlog.get_logger(__name__)

Handler = Callable[[aiomqtt.Message], Awaitable[None]]


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool = False
    mqtt5: bool = True

    @classmethod
    def from_url(cls, url: str) -> BrokerAddress:
        """Parse ``mqtt://user:pass@host:port`` (or ``mqtts://``)."""
        parts = urlsplit(url)
        tls = parts.scheme == "mqtts"
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or (8883 if tls else 1883),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            tls=tls,
        )

    def describe(self) -> str:
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"


class MqttLink:
    """A self-healing MQTT client shared by everything in one hearth process."""

    def __init__(self, address: BrokerAddress, *, client_prefix: str = "hearth") -> None:
        self.address = address
        self.client_id = new_id(client_prefix)
        self._subscriptions: dict[str, tuple[int, Handler]] = {}
        self._client: aiomqtt.Client | None = None
        self._task: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self.last_error: str | None = None

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def start(self) -> None:
        """Start connecting in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="mqtt-link")

    async def wait_connected(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for a connection; tell whether there is one."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), seconds)
        return self.connected

    async def stop(self) -> None:
        """Disconnect and stop reconnecting."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._connected.clear()

    async def subscribe(self, topic_filter: str, handler: Handler, *, qos: int = 1) -> None:
        """Route messages matching ``topic_filter`` to ``handler``, now and after reconnects."""
        self._subscriptions[topic_filter] = (qos, handler)
        if self._client is not None and self.connected:
            await self._client.subscribe(topic_filter, qos=qos)

    async def publish(
        self, topic: str, payload: bytes | str, *, qos: int = 1, retain: bool = False
    ) -> None:
        """Publish one message; raise ``ConnectionError`` if the broker is not connected."""
        client = self._client
        if client is None or not self.connected:
            raise ConnectionError("not connected to the MQTT broker")
        await client.publish(topic, payload, qos=qos, retain=retain)
        metrics.MQTT_MESSAGES.labels(direction="out").inc()

    async def _run(self) -> None:
        delay = 0.2
        while True:
            try:
                await self._session()
            except asyncio.CancelledError:
                raise
            except aiomqtt.MqttError as err:
                self.last_error = str(err)
            except Exception as err:
                self.last_error = repr(err)
                log.exception("mqtt_link_failed")
            if self.connected:
                log.warning("mqtt_disconnected", broker=self.address.describe())
            self._connected.clear()
            self._client = None
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def _session(self) -> None:
        versions = aiomqtt.ProtocolVersion
        protocol = versions.V5 if self.address.mqtt5 else versions.V311
        async with aiomqtt.Client(
            self.address.host,
            self.address.port,
            username=self.address.username,
            password=self.address.password,
            identifier=self.client_id,
            protocol=protocol,
            tls_params=aiomqtt.TLSParameters() if self.address.tls else None,
            keepalive=30,
            max_queued_incoming_messages=100_000,
            # paho leaves Nagle on: a command written while an earlier packet awaits its
            # TCP ack would wait for the peer's delayed ack (40 ms on Linux).
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
        ) as client:
            self._client = client
            for topic_filter, (qos, _handler) in self._subscriptions.items():
                await client.subscribe(topic_filter, qos=qos)
            self._connected.set()
            self.last_error = None
            log.info("mqtt_connected", broker=self.address.describe())
            async for message in client.messages:
                metrics.MQTT_MESSAGES.labels(direction="in").inc()
                await self._dispatch(message)

    async def _dispatch(self, message: aiomqtt.Message) -> None:
        for topic_filter, (_qos, handler) in self._subscriptions.items():
            if message.topic.matches(_unshared(topic_filter)):
                try:
                    await handler(message)
                except Exception:
                    metrics.ERRORS.labels(area="mqtt").inc()
                    log.exception("mqtt_handler_failed", topic=str(message.topic))
                return


def _unshared(topic_filter: str) -> str:
    """Strip a ``$share/<group>/`` prefix: messages arrive on the plain topic."""
    if topic_filter.startswith("$share/"):
        return topic_filter.split("/", 2)[2]
    return topic_filter
