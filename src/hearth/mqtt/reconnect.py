"""The one way hearth keeps a long-lived broker connection: reconnect with jittered back-off.

``keep_connected`` runs one connection's life (a *session*: connect, subscribe, serve until
the connection ends) again and again until ``stop`` is set. Between attempts it waits
``Backoff.delay``: ``first`` seconds, doubling up to ``most``, each drawn within
±``jitter`` of that, so that clients one broker restart dropped together do not all come
back in the same millisecond (10,000 simulated devices would). A session calls ``up()``
once it is connected, which starts the back-off from ``first`` again. Every ended or failed
attempt is logged with its number, the wait and the error; a failure that is not a
``BrokerError`` is a bug and is logged with its traceback, and the link goes on. Setting
``stop`` cancels the session under way, or ends the wait, at once.

Every long-lived link uses it: hearth's own link (``mqtt.link.MqttLink``, which the relay
and commands ride on), the device-traffic link (``hub.traffic.TrafficLink``) and each
simulated device (``hub.simulator.SimulatedDevice``).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import structlog

from hearth.errors import BrokerError
from hearth.mqtt.address import BrokerAddress

log = structlog.get_logger(__name__)

MarkUp = Callable[[], None]
Session = Callable[[MarkUp], Awaitable[None]]


@dataclass(frozen=True)
class Backoff:
    """Waits between attempts: ``first`` seconds doubling up to ``most``, ±``jitter``."""

    first: float
    most: float
    jitter: float = 0.5

    def delay(self, failures: int, rng: random.Random) -> float:
        """Return the wait after ``failures`` (1 or more) attempts in a row that ended."""
        base = min(self.first * 2.0 ** min(failures - 1, 32), self.most)
        return base * rng.uniform(1 - self.jitter, 1 + self.jitter)


# hearth's own links: a handful per process, not a crowd, so no jitter. They must be back
# before the devices are, on a schedule that stays predictable: a device's first messages
# after it reconnects (status, full report) are lost if no hearth worker is subscribed
# yet, and the embedded broker was seen to lose devices' messages when hearth's links came
# back in the same instant as the fleet (tests/hub/test_resilience.py failed about one run
# in twenty-five with hearth's waits jittered by ±20%, never in sixty without).
SERVICE_BACKOFF = Backoff(first=0.2, most=5.0, jitter=0.0)
# Devices: docs/device-protocol.md, "Connecting" (jittered, doubling up to 10 s); a whole
# fleet that a broker restart dropped must spread out as it comes back.
DEVICE_BACKOFF = Backoff(first=0.5, most=10.0, jitter=0.5)


async def keep_connected(
    session: Session,
    *,
    name: str,
    stop: asyncio.Event,
    backoff: Backoff,
    rng: random.Random | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    quiet: bool = False,
    **fields: Any,
) -> None:
    """Run ``session`` until ``stop`` is set, starting it again with back-off when it ends.

    ``on_error`` hears each exception a session ended with; ``quiet`` logs attempts at
    debug level (a fleet of simulated devices); ``fields`` go into every log line.
    """
    rng = rng or random.Random()
    report = log.debug if quiet else log.warning
    failures = 0

    def up() -> None:
        nonlocal failures
        failures = 0

    stopping = asyncio.ensure_future(stop.wait())
    try:
        while not stop.is_set():
            attempt = asyncio.ensure_future(session(up))
            try:
                await asyncio.wait((attempt, stopping), return_when=asyncio.FIRST_COMPLETED)
            finally:
                if not attempt.done():  # stopped, or this task was cancelled
                    attempt.cancel()
                    await asyncio.wait((attempt,))
                error = None if attempt.cancelled() else attempt.exception()
            if error is not None and not isinstance(error, BrokerError):
                log.error("link_failed", link=name, exc_info=error, **fields)  # a bug
            if stop.is_set():
                return
            if error is not None and on_error is not None:
                on_error(error)
            failures += 1
            wait = backoff.delay(failures, rng)
            report(
                "link_retrying",
                link=name,
                attempt=failures,
                wait=round(wait, 3),
                error=str(error) if error is not None else "connection ended",
                **fields,
            )
            await asyncio.wait((stopping,), timeout=wait)
    finally:
        stopping.cancel()


class KeptLink:
    """A long-lived link of hearth's own that ``keep_connected`` keeps up: the start, wait
    and stop that hearth's link and the device-traffic link share. A subclass sets ``name``
    and writes ``_session``, which sets ``_connected`` once it is ready."""

    name = "link"

    def __init__(self, address: BrokerAddress) -> None:
        self.address = address
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._connected = asyncio.Event()
        self.last_error: str | None = None

    @property
    def connected(self) -> bool:
        """Tell whether the link is connected (and, for a subscriber, subscribed) now."""
        return self._connected.is_set()

    async def _session(self, up: MarkUp) -> None:
        raise NotImplementedError

    def _failed(self, error: BaseException) -> None:
        self.last_error = str(error) or repr(error)

    async def start(self) -> None:
        """Start connecting in the background."""
        if self._task is None:
            self._stop.clear()
            self._task = asyncio.create_task(
                keep_connected(
                    self._session,
                    name=self.name,
                    stop=self._stop,
                    backoff=SERVICE_BACKOFF,
                    on_error=self._failed,
                    broker=self.address.describe(),
                ),
                name=self.name.replace("_", "-"),
            )

    async def wait_connected(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for the link to be up; tell whether it is."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), seconds)
        return self.connected

    async def stop(self) -> None:
        """Disconnect and stop reconnecting (the session under way says goodbye as it ends)."""
        if self._task is not None:
            self._stop.set()
            await self._task
            self._task = None
        self._connected.clear()
