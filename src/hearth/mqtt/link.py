"""hearth's own connection to the MQTT broker, embedded or external, on aiomqtt.

``MqttLink`` keeps one client connected (``mqtt.reconnect``), subscribes again after every
reconnection, and hands each message to the handler of the subscription it matched.
Everything in a process that is not device traffic rides on it: the event relay between
hearth processes, commands and resyncs sent to devices, the CLI's announcements. That
traffic is a few messages a second, so a full client is the right tool: MQTT 5 where the
broker speaks it, TLS, and messages queued while a handler awaits. Handlers are async and
must not raise; a handler that does is logged and counted, and the link goes on.

aiomqtt's errors leave the link as the error tree's ``BrokerError`` (``LINK_ERRORS``).
"""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable

import aiomqtt
import structlog
from aiomqtt.exceptions import MqttConnectError

from hearth import metrics
from hearth.errors import BrokerRefused, BrokerTimeout, BrokerUnavailable
from hearth.kit.ids import new_id
from hearth.mqtt.address import BrokerAddress
from hearth.mqtt.errors import ErrorMap
from hearth.mqtt.reconnect import KeptLink, MarkUp

log = structlog.get_logger(__name__)

Handler = Callable[[aiomqtt.Message], Awaitable[None]]

# What each of aiomqtt's exceptions becomes where it leaves the link.
LINK_ERRORS = ErrorMap(
    {
        aiomqtt.MqttError: BrokerUnavailable,  # lost, unreachable, timed out, anything else
        MqttConnectError: BrokerRefused,  # CONNACK with a refusal
        OSError: BrokerUnavailable,
        TimeoutError: BrokerTimeout,
    }
)


class MqttLink(KeptLink):
    """A self-healing MQTT client shared by everything in one hearth process."""

    name = "mqtt_link"

    def __init__(self, address: BrokerAddress, *, client_prefix: str = "hearth") -> None:
        super().__init__(address)
        self.client_id = new_id(client_prefix)
        self._subscriptions: dict[str, tuple[int, Handler]] = {}
        self._client: aiomqtt.Client | None = None

    async def subscribe(self, topic_filter: str, handler: Handler, *, qos: int = 1) -> None:
        """Route messages matching ``topic_filter`` to ``handler``, now and after reconnects."""
        self._subscriptions[topic_filter] = (qos, handler)
        if self._client is not None and self.connected:
            with LINK_ERRORS.boundary(f"subscribing to {topic_filter}"):
                await self._client.subscribe(topic_filter, qos=qos)

    async def publish(
        self, topic: str, payload: bytes | str, *, qos: int = 1, retain: bool = False
    ) -> None:
        """Publish one message; raise ``BrokerUnavailable`` if the broker is not connected."""
        client = self._client
        if client is None or not self.connected:
            raise BrokerUnavailable("not connected to the MQTT broker")
        with LINK_ERRORS.boundary(f"publishing to {topic}"):
            await client.publish(topic, payload, qos=qos, retain=retain)
        metrics.MQTT_MESSAGES.labels(direction="out").inc()

    async def _session(self, up: MarkUp) -> None:
        versions = aiomqtt.ProtocolVersion
        protocol = versions.V5 if self.address.mqtt5 else versions.V311
        try:
            with LINK_ERRORS.boundary(self.address.describe()):
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
                    # paho leaves Nagle on: a command written while an earlier packet awaits
                    # its TCP ack would wait for the peer's delayed ack (40 ms on Linux).
                    socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
                ) as client:
                    self._client = client
                    for topic_filter, (qos, _handler) in self._subscriptions.items():
                        await client.subscribe(topic_filter, qos=qos)
                    up()
                    self._connected.set()
                    self.last_error = None
                    log.info("mqtt_connected", broker=self.address.describe())
                    async for message in client.messages:
                        metrics.MQTT_MESSAGES.labels(direction="in").inc()
                        await self._dispatch(message)
        finally:
            if self.connected and not self._stop.is_set():
                log.warning("mqtt_disconnected", broker=self.address.describe())
            self._connected.clear()
            self._client = None

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
