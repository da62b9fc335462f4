"""The device cloud inside one hearth process: wires ingest, commands and upkeep together.

``Hearth.start`` builds one ``DeviceCloud`` when it connects to a broker. It subscribes
to device traffic (a shared subscription on an external broker, so workers split it),
answers commands, expands ingest batches into fine-grained events, drops revoked
devices from the embedded broker, and runs the periodic upkeep every process may run
(marking silent devices offline, timing out orphaned commands, pruning history).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

import structlog

from hearth.hub.access import DeviceAccess
from hearth.hub.events import (
    DeviceCredentialsChanged,
    DevicesMinted,
    DeviceUpdatesApplied,
    expand,
)
from hearth.hub.mosquitto import MosquittoSync

if TYPE_CHECKING:
    from hearth.runtime import Hearth

log = structlog.get_logger(__name__)


class DeviceCloud:
    """Everything the device cloud runs in one process."""

    def __init__(self, hearth: Hearth) -> None:
        self.hearth = hearth
        self.mosquitto: MosquittoSync | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Subscribe to events and traffic and start the background work."""
        bus = self.hearth.bus
        bus.subscribe(DeviceCredentialsChanged, self._credentials_changed)
        bus.subscribe(DeviceUpdatesApplied, self._expand)
        bus.subscribe(DevicesMinted, self._minted)
        settings = self.hearth.settings
        if settings.mosquitto_dir is not None:
            address = self.hearth.broker_address()
            self.mosquitto = MosquittoSync(
                self.hearth.sessions,
                directory=settings.mosquitto_dir,
                service_username=address.username or "",
                service_password=address.password or "",
                device_listener=settings.mosquitto_device_listener,
                pid_file=settings.mosquitto_pid_file,
            )
            self._spawn(self.mosquitto.run(), "mosquitto-sync")

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        self._tasks.append(asyncio.create_task(work, name=name))

    async def stop(self) -> None:
        """Stop the background work."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def _credentials_changed(self, event: DeviceCredentialsChanged) -> None:
        broker = self.hearth.broker
        if broker is not None:
            if isinstance(broker.access, DeviceAccess):
                broker.access.forget(event.device_id)
            if await broker.disconnect(event.device_id):
                log.info("device_dropped", device_id=event.device_id, revoked=event.revoked)
        if self.mosquitto is not None:
            self.mosquitto.wake()

    async def _minted(self, _event: DevicesMinted) -> None:
        if self.mosquitto is not None:
            self.mosquitto.wake()

    async def _expand(self, batch: DeviceUpdatesApplied) -> None:
        await self.hearth.bus.publish(*expand(batch))
