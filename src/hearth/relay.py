"""Carry shared events between hearth processes over the broker.

An event class registered with ``@shared_event`` is published by whichever process emits
it to ``hearth/internal/events/<name>``; every process subscribes to that tree (without a
shared subscription: each process needs every event) and republishes other processes'
events on its own ``EventBus``. So a browser connected to process A sees a device change
that process B applied, and no process holds state the others need.

Events travel as JSON of their dataclass fields; fields must be JSON values (str, int,
float, bool, None, lists and dicts of those). Datetimes are sent as ISO strings and
restored for fields annotated ``datetime``.
"""

from __future__ import annotations

import dataclasses
import json
from contextvars import ContextVar
from datetime import datetime
from typing import Any, TypeVar, get_type_hints

import aiomqtt
import structlog

from hearth import metrics
from hearth.bus import EventBus
from hearth.errors import BrokerError
from hearth.kit.ids import new_id
from hearth.mqtt.link import MqttLink

log = structlog.get_logger(__name__)

TOPIC_PREFIX = "hearth/internal/events/"
E = TypeVar("E")
_REGISTRY: dict[str, type[Any]] = {}
# True while a handler runs for an event another process emitted: work that must happen
# once (evaluating automation triggers) is done only where the event arose.
_RELAYED: ContextVar[bool] = ContextVar("relayed", default=False)


def relayed() -> bool:
    """Tell whether the event being handled now came from another hearth process."""
    return _RELAYED.get()


def shared_event(cls: type[E]) -> type[E]:
    """Mark a frozen event dataclass as one every hearth process must see."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls.__name__} must be a dataclass to be shared")
    _REGISTRY[cls.__name__] = cls
    return cls


def is_shared(event: object) -> bool:
    return _REGISTRY.get(type(event).__name__) is type(event)


def encode(event: object, origin: str) -> bytes:
    """Serialise a shared event with the id of the process that emitted it."""
    fields: dict[str, Any] = {}
    for field in dataclasses.fields(event):  # type: ignore[arg-type]
        value = getattr(event, field.name)
        fields[field.name] = value.isoformat() if isinstance(value, datetime) else value
    return json.dumps({"origin": origin, "event": type(event).__name__, "fields": fields}).encode()


def decode(payload: bytes) -> tuple[str, object]:
    """Return ``(origin, event)`` from a relayed message; raise ``ValueError`` if unknown."""
    body = json.loads(payload)
    cls = _REGISTRY.get(body.get("event", ""))
    if cls is None:
        raise ValueError(f"unknown shared event {body.get('event')!r}")
    hints = get_type_hints(cls)
    fields = dict(body["fields"])
    for name, hint in hints.items():
        if hint is datetime and isinstance(fields.get(name), str):
            fields[name] = datetime.fromisoformat(fields[name])
    return str(body["origin"]), cls(**fields)


class EventRelay:
    """Bridges one process's ``EventBus`` and the broker, in both directions."""

    def __init__(self, bus: EventBus, link: MqttLink) -> None:
        self.bus = bus
        self.link = link
        self.origin = new_id("proc")

    async def start(self) -> None:
        """Start receiving other processes' events."""
        await self.link.subscribe(TOPIC_PREFIX + "#", self._received, qos=0)

    async def publish(self, *events: object) -> None:
        """Publish events locally, and to other processes when they are shared."""
        await self.bus.publish(*events)
        for event in events:
            if not is_shared(event):
                continue
            try:
                await self.link.publish(
                    TOPIC_PREFIX + type(event).__name__, encode(event, self.origin), qos=0
                )
            except BrokerError:
                # Other processes miss this event; state itself is in the database, so a
                # reconnecting page reloads it. Count it so operators can see it happen.
                metrics.ERRORS.labels(area="relay").inc()
                log.warning("event_not_relayed", name=type(event).__name__)

    async def _received(self, message: aiomqtt.Message) -> None:
        try:
            origin, event = decode(bytes(message.payload))
        except (ValueError, TypeError, KeyError) as err:
            metrics.ERRORS.labels(area="relay").inc()
            log.warning("bad_relayed_event", topic=str(message.topic), error=str(err))
            return
        if origin != self.origin:
            token = _RELAYED.set(True)
            try:
                await self.bus.publish(event)
            finally:
                _RELAYED.reset(token)
