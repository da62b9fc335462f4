"""The internal event bus: frozen, past-tense events published after commit.

Handlers run in the publishing process, one after the other; a failing handler is logged
and counted and never fails the command that emitted the event. ``listen`` gives a
bounded stream for server-sent events; a slow listener loses its oldest events rather than
slowing publishers down.

A few events must be heard at once, from code that cannot wait (a device report the
moment it comes off the wire): ``on`` registers a plain function for them and
``tell`` calls those functions right away, never awaiting anything.

Events that other processes must see (device state for a browser connected elsewhere)
travel between processes over the broker; this bus is the in-process fan-out on each side.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import structlog

from hearth import metrics

log = structlog.get_logger(__name__)

EventHandler = Callable[[Any], Awaitable[None]]
InstantHandler = Callable[[Any], None]


@dataclass(frozen=True)
class Event:
    """Base of every event; subclasses are frozen dataclasses named in the past tense."""


@dataclass
class EventBus:
    _handlers: dict[type[Any], list[EventHandler]] = field(default_factory=dict)
    _listeners: set[asyncio.Queue[Any]] = field(default_factory=set)
    _instant: dict[type[Any], list[InstantHandler]] = field(default_factory=dict)

    def subscribe(self, event_type: type[Any], handler: EventHandler) -> None:
        """Call ``handler`` for every event of ``event_type`` (or a subclass)."""
        self._handlers.setdefault(event_type, []).append(handler)

    def on(self, event_type: type[Any], handler: InstantHandler) -> None:
        """Call the plain function ``handler`` whenever ``tell`` is given an ``event_type``."""
        self._instant.setdefault(event_type, []).append(handler)

    def hears(self, event_type: type[Any]) -> bool:
        """Tell whether anything listens for ``event_type`` through ``on``."""
        return bool(self._instant.get(event_type))

    def tell(self, event: Any) -> None:
        """Call the instant handlers of ``event``'s exact type now; never raise for one."""
        for handler in self._instant.get(type(event), ()):
            try:
                handler(event)
            except Exception:
                metrics.ERRORS.labels(area="bus").inc()
                log.exception("event_handler_failed", event=type(event).__name__)

    async def publish(self, *events: Any) -> None:
        """Deliver events to handlers and listeners; never raise for a handler's failure."""
        for event in events:
            for event_type in type(event).__mro__:
                for handler in self._handlers.get(event_type, ()):
                    try:
                        await handler(event)
                    except Exception:
                        metrics.ERRORS.labels(area="bus").inc()
                        log.exception("event_handler_failed", event=type(event).__name__)
            for queue in self._listeners:
                if queue.full():
                    queue.get_nowait()
                queue.put_nowait(event)

    @asynccontextmanager
    async def listen(self, maxsize: int = 1000) -> AsyncIterator[asyncio.Queue[Any]]:
        """Yield a queue that receives every event published while it is open."""
        queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=maxsize)
        self._listeners.add(queue)
        try:
            yield queue
        finally:
            self._listeners.discard(queue)
