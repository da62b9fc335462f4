"""Carry shared events between hearth processes over the broker.

An event class registered with ``@shared_event`` is published by whichever process emits
it to ``hearth/internal/events/<name>/<origin>``; every process subscribes to that tree (without a
shared subscription: each process needs every event) and republishes other processes'
events on its own ``EventBus``. So a browser connected to process A sees a device change
that process B applied, and no process holds state the others need.

Events travel as readable JSON, ``{"origin": ..., "event": <class name>, "fields": {...}}``,
encoded and decoded by a pydantic ``TypeAdapter`` of the event's dataclass: what a field's
annotation names comes back as that type at any depth (datetimes, enums, tuples, nested
dataclasses, dicts and lists of them); values under ``Any`` come back as JSON values.
"""

from __future__ import annotations

from typing import Any

import aiomqtt
import orjson
import structlog
from pydantic import TypeAdapter

from hearth import metrics
from hearth.bus import RELAYED, EventBus, is_shared, shared_events
from hearth.errors import BrokerError
from hearth.kit.ids import new_id
from hearth.mqtt.link import MqttLink

log = structlog.get_logger(__name__)

TOPIC_PREFIX = "hearth/internal/events/"
_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def adapter(cls: type[Any]) -> TypeAdapter[Any]:
    """Return the pydantic adapter that encodes and decodes events of ``cls``.

    Built on first use, not at registration: an annotation may name a class defined later
    in the event's module.
    """
    found = _ADAPTERS.get(cls)
    if found is None:
        found = _ADAPTERS[cls] = TypeAdapter(cls)
    return found


def topic(event: object, origin: str) -> str:
    """Return the topic an event goes out on: its class's name, then its origin, so that
    a process passes over its own events without reading them."""
    return f"{TOPIC_PREFIX}{type(event).__name__}/{origin}"


def encode(event: object, origin: str) -> bytes:
    """Serialise a shared event with the id of the process that emitted it (the fields
    straight to JSON, by pydantic: a batch of device updates is thousands of values)."""
    head = orjson.dumps({"origin": origin, "event": type(event).__name__})
    return head[:-1] + b',"fields":' + adapter(type(event)).dump_json(event) + b"}"


def decode(payload: bytes) -> tuple[str, object]:
    """Return ``(origin, event)`` from a relayed message; raise ``ValueError`` if it is not one.

    pydantic's ``ValidationError`` (fields that do not fit the class) is a ``ValueError``.
    """
    body = orjson.loads(payload)
    if not isinstance(body, dict):
        raise ValueError("a relayed event is a JSON object")
    cls = shared_events().get(body.get("event", ""))
    if cls is None:
        raise ValueError(f"unknown shared event {body.get('event')!r}")
    return str(body["origin"]), adapter(cls).validate_python(body["fields"])


class EventRelay:
    """Bridges one process's ``EventBus`` and the broker, in both directions."""

    def __init__(self, bus: EventBus, link: MqttLink) -> None:
        self.bus = bus
        self.link = link
        self.origin = new_id("proc")
        self._own = "/" + self.origin

    async def start(self) -> None:
        """Start receiving other processes' events."""
        await self.link.subscribe(TOPIC_PREFIX + "#", self._received, qos=0)

    async def stop(self) -> None:
        """Nothing to undo: the subscription ends with the broker link."""

    async def publish(self, *events: object) -> None:
        """Publish events locally, and to other processes when they are shared."""
        await self.bus.publish(*events)
        for event in events:
            if not is_shared(event):
                continue
            try:
                await self.link.publish(
                    topic(event, self.origin), encode(event, self.origin), qos=0
                )
            except BrokerError:
                # Other processes miss this event; state itself is in the database, so a
                # reconnecting page reloads it. Count it so operators can see it happen.
                metrics.ERRORS.labels(area="relay").inc()
                log.warning("event_not_relayed", name=type(event).__name__)

    async def _received(self, message: aiomqtt.Message) -> None:
        if message.topic.value.endswith(self._own):
            return  # this process's own event, already published here
        try:
            origin, event = decode(bytes(message.payload))
        except (ValueError, TypeError, KeyError) as err:
            metrics.ERRORS.labels(area="relay").inc()
            log.warning("bad_relayed_event", topic=str(message.topic), error=str(err))
            return
        if origin != self.origin:
            token = RELAYED.set(True)
            try:
                await self.bus.publish(event)
            finally:
                RELAYED.reset(token)
