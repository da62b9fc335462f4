"""The internal event bus: frozen, past-tense events published after commit.

Handlers run in the publishing process, one after the other; a failing handler is logged
and counted and never fails the command that emitted the event. ``listen`` gives a
bounded stream for server-sent events; a slow listener loses its oldest events rather than
slowing publishers down.

A few events must be heard at once, from code that cannot wait (a device report the
moment it comes off the wire): ``on`` registers a plain function for them and
``tell`` calls those functions right away, never awaiting anything. Such events come by
the thousand a second, so a function may say what it is about (``about``: which devices
it watches), and the teller asks ``hears`` first, making no event nobody wants.

Events that other processes must see (device state for a browser connected elsewhere)
travel between processes over the broker; this bus is the in-process fan-out on each side.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

import structlog

from hearth import metrics

log = structlog.get_logger(__name__)

EventHandler = Callable[[Any], Awaitable[None]]
E = TypeVar("E")
_SHARED: dict[str, type[Any]] = {}
# True while a handler runs for an event another process emitted: work that must happen
# once (evaluating automation triggers) is done only where the event arose.
RELAYED: ContextVar[bool] = ContextVar("relayed", default=False)
InstantHandler = Callable[[Any], None]


@dataclass(frozen=True)
class Event:
    """Base of every event; subclasses are frozen dataclasses named in the past tense."""


def shared_event(cls: type[E]) -> type[E]:
    """Mark a frozen event dataclass as one every hearth process must see (``hearth.relay``
    carries it); areas declare their events with this and import nothing of the broker."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls.__name__} must be a dataclass to be shared")
    _SHARED[cls.__name__] = cls
    return cls


def is_shared(event: object) -> bool:
    """Tell whether ``event`` is of a class registered with ``@shared_event``."""
    return _SHARED.get(type(event).__name__) is type(event)


def shared_events() -> dict[str, type[Any]]:
    """Return every class registered with ``@shared_event``, by the name it travels under."""
    return dict(_SHARED)


def relayed() -> bool:
    """Tell whether the event being handled now came from another hearth process."""
    return RELAYED.get()


@dataclass
class EventBus:
    _handlers: dict[type[Any], list[EventHandler]] = field(default_factory=dict)
    _listeners: set[asyncio.Queue[Any]] = field(default_factory=set)
    _instant: dict[type[Any], list[InstantHandler]] = field(default_factory=dict)
    # per event type, what each instant handler is about (None: everything)
    _about: dict[type[Any], list[Callable[[Any], bool] | None]] = field(default_factory=dict)

    def subscribe(self, event_type: type[Any], handler: EventHandler) -> None:
        """Call ``handler`` for every event of ``event_type`` (or a subclass)."""
        self._handlers.setdefault(event_type, []).append(handler)

    def on(
        self,
        event_type: type[Any],
        handler: InstantHandler,
        *,
        about: Callable[[Any], bool] | None = None,
    ) -> None:
        """Call the plain function ``handler`` whenever ``tell`` is given an ``event_type``;
        ``about`` says which keys the teller names (``hears``) it cares about."""
        self._instant.setdefault(event_type, []).append(handler)
        self._about.setdefault(event_type, []).append(about)

    def hears(self, event_type: type[Any], about: Any = None) -> bool:
        """Tell whether anything listens for ``event_type`` through ``on`` (about ``about``,
        when the teller names what the event would be about)."""
        interests = self._about.get(event_type)
        if not interests:
            return False
        if about is None:
            return True
        return any(cares is None or cares(about) for cares in interests)

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
