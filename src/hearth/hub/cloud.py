"""The device cloud inside one hearth process: wires ingest, commands and upkeep together.

``Hearth.start`` builds one ``DeviceCloud`` when it connects to a broker. It consumes
device traffic on its own broker connection (a shared subscription on an external
broker, so workers split the traffic), sends commands, expands ingest batches into
fine-grained events, drops revoked devices from the embedded broker, keeps Mosquitto's
files current when this process owns them, and runs the periodic upkeep that any
process may run.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog

from hearth import db, metrics
from hearth.errors import HearthError
from hearth.hub import protocol, upkeep
from hearth.hub.access import DeviceAccess
from hearth.hub.catalog import SpecCache
from hearth.hub.commands import Commands
from hearth.hub.events import (
    CommandAnswered,
    DeviceCameOnline,
    DeviceCredentialsChanged,
    DevicesMinted,
    DeviceUpdatesApplied,
    expand,
)
from hearth.hub.ingest import Ingest
from hearth.hub.mosquitto import MosquittoSync
from hearth.hub.simulator import Fleet, SimulatedDevice, read_fleet
from hearth.hub.traffic import TrafficLink

if TYPE_CHECKING:
    from hearth.runtime import Hearth

log = structlog.get_logger(__name__)

SHARE_GROUP = "hearth"
UPKEEP_SECONDS = 2.0
PRUNE_EVERY = 600.0


class DeviceCloud:
    """Everything the device cloud runs in one process."""

    def __init__(self, hearth: Hearth) -> None:
        self.hearth = hearth
        self.specs = SpecCache(hearth.sessions)
        broker = hearth.broker
        self.access = (
            broker.access
            if broker is not None and isinstance(broker.access, DeviceAccess)
            else DeviceAccess(hearth.settings.secret, hearth.sessions)
        )
        self.commands = Commands(hearth, self.specs)
        self.ingest: Ingest | None = None
        self.link: TrafficLink | None = None
        self.mosquitto: MosquittoSync | None = None
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def traffic_filter(self) -> str:
        """The subscription for device traffic: shared between workers on an external broker."""
        if self.hearth.settings.uses_embedded_broker:
            return protocol.UP_FILTER  # amqtt has no shared subscriptions; one process anyway
        return f"$share/{SHARE_GROUP}/{protocol.UP_FILTER}"

    async def start(self) -> None:
        """Subscribe to events and traffic and start the background work."""
        bus = self.hearth.bus
        bus.subscribe(DeviceCredentialsChanged, self._credentials_changed)
        bus.subscribe(DevicesMinted, self._minted)
        bus.subscribe(DeviceUpdatesApplied, self._expand)
        bus.subscribe(CommandAnswered, self.commands.answered)
        bus.subscribe(DeviceCameOnline, self.commands.came_online)
        settings = self.hearth.settings
        if settings.ingest:
            await self.start_ingest()
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
        self._spawn(self._upkeep(), "device-upkeep")
        if settings.simulate_fleet is not None:
            self._spawn(self._simulate(settings.simulate_fleet), "simulated-fleet")

    async def start_ingest(self) -> None:
        """Start consuming device traffic on a connection of its own."""
        if self.ingest is not None:
            return
        interval = self.hearth.settings.ingest_flush_ms / 1000
        self.ingest = Ingest(self.hearth, self.specs, interval=interval)
        self.link = TrafficLink(
            self.hearth.broker_address(), self.traffic_filter, self.ingest.receive
        )
        self.ingest.on_backlog = self.link.hold
        await self.link.start()
        self._spawn(self.ingest.run(), "ingest-flush")

    async def wait_ready(self, seconds: float = 5.0) -> bool:
        """Wait until device traffic flows into this process (if it consumes any)."""
        return self.link is None or await self.link.wait_connected(seconds)

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        self._tasks.append(asyncio.create_task(work, name=name))

    async def stop(self) -> None:
        """Stop consuming, flush what is buffered, stop the background work."""
        if self.link is not None:
            await self.link.stop()
            self.link = None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self.ingest is not None:
            await self.ingest.drain()

    async def _upkeep(self) -> None:
        next_prune = asyncio.get_running_loop().time() + random.uniform(0, PRUNE_EVERY)
        while True:
            await asyncio.sleep(UPKEEP_SECONDS)
            try:
                await self.upkeep_once(prune=asyncio.get_running_loop().time() >= next_prune)
            except Exception:
                metrics.ERRORS.labels(area="hub").inc()
                log.exception("device_upkeep_failed")
            if asyncio.get_running_loop().time() >= next_prune:
                next_prune += PRUNE_EVERY

    async def upkeep_once(self, *, prune: bool = False) -> None:
        """Mark silent devices offline, time out orphaned commands, maybe prune history."""
        now = self.hearth.clock.now()
        async with db.transaction(self.hearth.sessions) as session:
            offline = await upkeep.mark_silent_offline(session, now=now)
            answered = await upkeep.time_out_orphans(session, now=now)
        if offline:
            await self.hearth.publish(DeviceUpdatesApplied(offline))
        if answered:
            await self.hearth.publish(*answered)
        if prune:
            async with db.transaction(self.hearth.sessions) as session:
                pruned = await upkeep.prune_history(
                    session, now=now, days=self.hearth.settings.history_days
                )
            if pruned:
                log.info("device_history_pruned", rows=pruned)

    def device_address(self) -> tuple[str, int]:
        """Where this hearth's own simulated devices connect."""
        settings = self.hearth.settings
        if settings.uses_embedded_broker:
            return settings.embedded_mqtt_host, settings.embedded_mqtt_port
        return self.hearth.broker_address().host, int(settings.mosquitto_device_listener.split()[0])

    async def _simulate(self, path: Path) -> None:
        """Run a fleet of simulated devices in this process until stopped (the demo)."""
        try:
            credentials = read_fleet(path)
            specs = {m: await self.specs.get(m) for m in {c.model_id for c in credentials}}
        except (OSError, HearthError) as err:
            log.warning("simulated_fleet_not_started", fleet=str(path), error=str(err))
            return
        host, port = self.device_address()
        fleet = Fleet(
            SimulatedDevice(c, specs[c.model_id], host=host, port=port, report_every=10.0)
            for c in credentials
        )
        try:
            connected = await fleet.start()
            log.info("simulated_fleet_started", devices=connected)
            await asyncio.Event().wait()
        finally:
            await fleet.stop()

    async def _credentials_changed(self, event: DeviceCredentialsChanged) -> None:
        self.access.forget(event.device_id)
        broker = self.hearth.broker
        if broker is not None:
            if await broker.disconnect(event.device_id):
                log.info("device_dropped", device_id=event.device_id, revoked=event.revoked)
        if self.mosquitto is not None:
            self.mosquitto.wake()

    async def _minted(self, _event: DevicesMinted) -> None:
        if self.mosquitto is not None:
            self.mosquitto.wake()

    async def _expand(self, batch: DeviceUpdatesApplied) -> None:
        await self.hearth.bus.publish(*expand(batch))
