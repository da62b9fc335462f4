"""The connection that carries device traffic into a hearth worker.

Device reports are the one stream whose volume grows with the fleet, so they arrive on a
connection of their own, read with hearth's wire client (``hearth.mqtt.wire``): a PUBLISH
costs one slice and one callback, where a general client builds message, property and
matcher objects per message. ``TrafficLink`` keeps that connection up — reconnecting with
jittered back-off (``hearth.mqtt.reconnect``) and subscribing again after every
reconnection — and hands each message to a plain callback. Shared subscriptions
(``$share/<group>/...``) work over MQTT 3.1.1 on Mosquitto and EMQX, so several workers
still split the traffic.

Delivery is at least once. With a ``session`` (a persistent one, as hearth keeps on the
Mosquitto it runs itself) a report is acknowledged only once its consumer has written it
(``mark``, then ``release``), so the broker keeps and sends again what a crash of this
process, or of the database, left unwritten. Without one, a report is acknowledged as it
is read, as any ordinary client does.
"""

from __future__ import annotations

import structlog

from hearth import metrics
from hearth.errors import BrokerRefused
from hearth.kit.ids import new_id
from hearth.mqtt.address import BrokerAddress
from hearth.mqtt.reconnect import KeptLink, MarkUp
from hearth.mqtt.wire import OnMessage, WireClient

log = structlog.get_logger(__name__)

COUNT_EVERY = 256


class TrafficLink(KeptLink):
    """One self-healing subscription to device traffic."""

    name = "traffic_link"

    def __init__(
        self,
        address: BrokerAddress,
        topic_filter: str,
        on_message: OnMessage,
        *,
        client_prefix: str = "hearth-ingest",
        keepalive: int = 30,
        session: str | None = None,
    ) -> None:
        super().__init__(address)
        self.topic_filter = topic_filter
        self.session = session
        self.client_id = session or new_id(client_prefix)
        self.keepalive = keepalive
        self._on_message = on_message
        self._client: WireClient | None = None
        # The message counter is bumped per COUNT_EVERY messages: a locked increment per
        # report would cost a tenth of the consumer's time.
        self._counted = metrics.MQTT_MESSAGES.labels(direction="in")
        self._uncounted = 0
        self._held = False

    def hold(self, paused: bool) -> None:
        """Stop (or resume) reading from the broker while the consumer catches up."""
        self._held = paused
        if self._client is not None:
            self._client.hold(paused)

    def mark(self) -> tuple[WireClient, int] | None:
        """Note how far this link has read: ``release`` it once all of that is written.
        None when acknowledgements are not held back (or no connection is up)."""
        client = self._client
        if self.session is None or client is None:
            return None
        return client, client.messages_read

    def release(self, mark: tuple[WireClient, int] | None) -> None:
        """Acknowledge what was read up to ``mark`` (a connection since lost is skipped:
        the broker sends its messages again on the next one)."""
        if mark is not None and mark[0] is self._client:
            mark[0].release_acks(mark[1])

    def redeliver(self) -> None:
        """Drop the connection so the broker sends again everything not acknowledged (what
        could not be written); the link reconnects by itself."""
        if self.session is not None and self._client is not None:
            self._client.abort()

    def _received(self, topic: str, payload: bytes) -> None:
        self._uncounted += 1
        if self._uncounted >= COUNT_EVERY:
            self._counted.inc(self._uncounted)
            self._uncounted = 0
        try:
            self._on_message(topic, payload)
        except Exception:
            metrics.ERRORS.labels(area="mqtt").inc()
            log.exception("traffic_handler_failed", topic=topic)

    async def _session(self, up: MarkUp) -> None:
        address = self.address
        client = await WireClient.connect(
            address.host,
            address.port,
            client_id=self.client_id,
            username=address.username,
            password=address.password,
            keepalive=self.keepalive,
            on_message=self._received,
            tls=address.tls,
            clean=self.session is None,
            defer_acks=self.session is not None,
        )
        self._client = client
        try:
            client.hold(self._held)
            granted = await client.subscribe(self.topic_filter, qos=1)
            if granted > 2:
                raise BrokerRefused(f"the broker refused the subscription to {self.topic_filter}")
            up()
            self._connected.set()
            self.last_error = None
            log.info("traffic_connected", broker=address.describe(), topic_filter=self.topic_filter)
            await client.wait_closed()
        finally:
            if self.connected and not self._stop.is_set():
                log.warning("traffic_disconnected", broker=address.describe())
            self._connected.clear()
            self._client = None
            await client.disconnect(drain=0)  # at once if the broker already closed it
