"""The device cloud inside one hearth process: wires ingest, commands and upkeep together.

The composition root (``hearth.bootstrap``) builds one ``DeviceCloud`` per process that
connects to a broker, from the narrow things it needs. It consumes
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db
from hearth.bus import EventBus, relayed
from hearth.config import Settings
from hearth.errors import HearthError
from hearth.hub import protocol, rollups, upkeep
from hearth.hub.access import DeviceAccess
from hearth.hub.broker import EmbeddedBroker
from hearth.hub.catalog import SpecCache
from hearth.hub.commands import Commands, MayUse
from hearth.hub.credentials import simulated_secret
from hearth.hub.events import (
    CommandAnswered,
    DeviceBound,
    DeviceCameOnline,
    DeviceCredentialsChanged,
    DevicesMinted,
    DeviceUnbound,
    DeviceUpdatesApplied,
    expand,
)
from hearth.hub.identity import SIMULATED_BATCH
from hearth.hub.ingest import Ingest, read_state
from hearth.hub.models import Device
from hearth.hub.mosquitto import MosquittoSync
from hearth.hub.simulator import Credentials, Fleet, SimulatedDevice, read_fleet
from hearth.hub.status import DeviceStatus
from hearth.hub.store import readable_keys
from hearth.hub.traffic import TrafficLink
from hearth.kit.clock import Clock
from hearth.kit.rounds import Rounds, finish
from hearth.mqtt.link import MqttLink
from hearth.outbox import Publish, record, unit_of_work

log = structlog.get_logger(__name__)

SHARE_GROUP = "hearth"
UPKEEP_SECONDS = 2.0
PRUNE_EVERY = 600.0


@dataclass(frozen=True)
class CloudSettings:
    """The device cloud's section of the settings."""

    secret: str
    embedded_broker: bool
    background: bool  # device upkeep (offline marks, orphaned commands, history) runs here
    ingest: bool
    ingest_flush_ms: int
    retention: upkeep.Retention
    mosquitto_dir: Path | None
    mosquitto_pid_file: Path | None
    mosquitto_device_listener: str
    mosquitto_service_listener: str
    simulate_fleet: Path | None
    embedded_host: str
    embedded_port: int
    # A persistent session on the broker for device traffic, acknowledged as it is written
    # (the Mosquitto hearth runs itself: one process reads all of its traffic).
    ingest_session: str | None = None

    @classmethod
    def of(cls, settings: Settings) -> CloudSettings:
        """Take the device cloud's section out of the whole settings."""
        return cls(
            secret=settings.secret,
            embedded_broker=settings.uses_embedded_broker,
            background=settings.background,
            ingest=settings.ingest and settings.background,
            ingest_flush_ms=settings.ingest_flush_ms,
            retention=upkeep.Retention(
                settings.history_days, settings.history_5m_days, settings.history_hourly_days
            ),
            mosquitto_dir=settings.mosquitto_dir,
            mosquitto_pid_file=settings.mosquitto_pid_file,
            mosquitto_device_listener=settings.mosquitto_device_listener,
            mosquitto_service_listener=settings.resolved_mosquitto_service_listener,
            simulate_fleet=settings.simulate_fleet,
            embedded_host=settings.embedded_mqtt_host,
            embedded_port=settings.embedded_mqtt_port,
        )


class DeviceCloud:
    """Everything the device cloud runs in one process."""

    def __init__(
        self,
        *,
        settings: CloudSettings,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        bus: EventBus,
        publish: Publish,
        link: MqttLink,
        may_use: MayUse,
        broker: EmbeddedBroker | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.clock = clock
        self.bus = bus
        self.publish = publish
        self.link = link
        self.broker = broker
        self.specs = SpecCache(sessions)
        self.access = (
            broker.access
            if broker is not None and isinstance(broker.access, DeviceAccess)
            else DeviceAccess(settings.secret, sessions)
        )
        self.commands = Commands(
            sessions=sessions,
            clock=clock,
            publish=publish,
            link=link,
            specs=self.specs,
            may_use=may_use,
        )
        self.ingest: Ingest | None = None
        self.traffic: TrafficLink | None = None
        self.mosquitto: MosquittoSync | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._rounds: list[Rounds] = []
        self._placing: asyncio.Task[None] | None = None
        self._next_prune: float | None = None
        # Devices hearth simulates for people trying the app (background role only).
        self._virtual: dict[str, tuple[SimulatedDevice, asyncio.Event, asyncio.Task[None]]] = {}

    @property
    def traffic_filter(self) -> str:
        """The subscription for device traffic: shared between workers on an external broker."""
        if self.settings.embedded_broker or self.settings.ingest_session is not None:
            # amqtt has no shared subscriptions, and one process reads a persistent
            # session's traffic alone.
            return protocol.UP_FILTER
        return f"$share/{SHARE_GROUP}/{protocol.UP_FILTER}"

    async def start(self) -> None:
        """Subscribe to events and traffic and start the background work."""
        bus = self.bus
        bus.subscribe(DeviceCredentialsChanged, self._credentials_changed)
        bus.subscribe(DevicesMinted, self._minted)
        bus.subscribe(DeviceUpdatesApplied, self._expand)
        bus.subscribe(CommandAnswered, self.commands.answered)
        bus.subscribe(DeviceCameOnline, self.commands.came_online)
        bus.subscribe(DeviceBound, self._bound)
        bus.subscribe(DeviceUnbound, self._unbound)
        settings = self.settings
        if settings.ingest:
            await self.start_ingest()
        if settings.mosquitto_dir is not None:
            address = self.link.address
            self.mosquitto = MosquittoSync(
                self.sessions,
                directory=settings.mosquitto_dir,
                service_username=address.username or "",
                service_password=address.password or "",
                service_listener=settings.mosquitto_service_listener,
                device_listener=settings.mosquitto_device_listener,
                pid_file=settings.mosquitto_pid_file,
            )
            self._spawn(self.mosquitto.run(), "mosquitto-sync")
        if settings.background:
            self._rounds += [
                Rounds(
                    self._upkeep,
                    name="device-upkeep",
                    every=UPKEEP_SECONDS,
                    first_after=UPKEEP_SECONDS,
                    area="hub",
                    failed="device_upkeep_failed",
                ),
                Rounds(
                    self.roll_up_once,
                    name="device-rollups",
                    every=rollups.EVERY,
                    first_after=random.uniform(0, rollups.EVERY),  # processes started together
                    area="hub",
                    failed="device_rollups_failed",
                ),
            ]
            for rounds in self._rounds:
                rounds.start()
            # Awaited on stop rather than cancelled: it is short, and a cancel could land
            # inside its query.
            self._placing = asyncio.create_task(self._simulate_placed(), name="simulated-devices")
        if settings.simulate_fleet is not None:
            self._spawn(self._simulate(settings.simulate_fleet), "simulated-fleet")

    async def start_ingest(self) -> None:
        """Start consuming device traffic on a connection of its own."""
        if self.ingest is not None:
            return
        interval = self.settings.ingest_flush_ms / 1000
        self.ingest = Ingest(
            sessions=self.sessions,
            clock=self.clock,
            bus=self.bus,
            publish=self.publish,
            link=self.link,
            specs=self.specs,
            interval=interval,
        )
        self.traffic = TrafficLink(
            self.link.address,
            self.traffic_filter,
            self.ingest.receive,
            session=self.settings.ingest_session,
        )
        self.ingest.on_backlog = self.traffic.hold
        if self.settings.ingest_session is not None:
            self.ingest.acks = self.traffic
        await self.traffic.start()
        self._spawn(self.ingest.run(), "ingest-flush")

    async def wait_ready(self, seconds: float = 5.0) -> bool:
        """Wait until device traffic flows into this process (if it consumes any)."""
        return self.traffic is None or await self.traffic.wait_connected(seconds)

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        self._tasks.append(asyncio.create_task(work, name=name))

    async def stop(self) -> None:
        """Stop consuming, flush what is buffered, stop the background work."""
        if self.traffic is not None:
            await self.traffic.stop()
            self.traffic = None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        for rounds in self._rounds:
            await rounds.stop()
        self._rounds.clear()
        if self._placing is not None:
            await finish(self._placing)
            self._placing = None
        for device_id in list(self._virtual):
            await self._stop_virtual(device_id)
        if self.ingest is not None:
            await self.ingest.drain()

    async def _upkeep(self) -> None:
        """One round of upkeep; history is pruned every ``PRUNE_EVERY`` seconds, first at a
        random moment so processes started together do not prune together."""
        now = asyncio.get_running_loop().time()
        if self._next_prune is None:
            self._next_prune = now + random.uniform(0, PRUNE_EVERY)
        prune = now >= self._next_prune
        if prune:
            self._next_prune += PRUNE_EVERY
        await self.upkeep_once(prune=prune)

    async def roll_up_once(self) -> rollups.Rolled:
        """Take device history's closed five-minute buckets into the rollups (``hub.rollups``);
        show how far behind now they are (``hearth_history_rollup_lag_seconds``)."""
        now = self.clock.now()
        taken = await rollups.roll_up(self.sessions, until=rollups.due(now))
        async with self.sessions() as session:
            rollups.LAG.set(max(0.0, (now - await rollups.rolled(session)).total_seconds()))
        return taken

    async def upkeep_once(self, *, prune: bool = False) -> None:
        """Mark silent devices offline, time out orphaned commands, maybe prune history."""
        now = self.clock.now()
        async with unit_of_work(
            self.sessions, self.publish, turn=db.turn(self.sessions)
        ) as session:
            offline = await upkeep.mark_silent_offline(session, now=now)
            answered = await upkeep.time_out_orphans(session, now=now)
            if offline:
                record(session, DeviceUpdatesApplied(offline))
            record(session, *answered)
        if prune:
            kept = await upkeep.keep_history(
                self.sessions, now=now, retention=self.settings.retention
            )
            if kept.created or kept.dropped or kept.raw_deleted or kept.rollups_deleted:
                log.info(
                    "device_history_kept",
                    created=kept.created,
                    dropped=kept.dropped,
                    moved=kept.moved,
                    rows=kept.raw_deleted,
                    rollups=kept.rollups_deleted,
                )

    def device_address(self) -> tuple[str, int]:
        """Where this hearth's own simulated devices connect."""
        settings = self.settings
        if settings.embedded_broker:
            return settings.embedded_host, settings.embedded_port
        port, *address = settings.mosquitto_device_listener.split()
        host = address[0] if address and address[0] not in ("0.0.0.0", "::") else None  # noqa: S104
        return host or self.link.address.host, int(port)

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
        broker = self.broker
        if broker is not None:
            if await broker.disconnect(event.device_id):
                log.info("device_dropped", device_id=event.device_id, revoked=event.revoked)
        if self.mosquitto is not None:
            self.mosquitto.wake()

    async def _bound(self, event: DeviceBound) -> None:
        """Ask a device that just joined a home for its whole state (once: in the process
        where it was bound), so that the home shows it at once rather than as each value
        next changes. An offline device is asked when it reconnects (``hub.store``). A
        device hearth simulates starts running in the background process."""
        if self.settings.background:
            await self._simulate_one(event.device_id)
        if relayed():
            return
        spec = await self.specs.get(event.model_id)
        await read_state(self.link, event.device_id, readable_keys(spec))

    async def _unbound(self, event: DeviceUnbound) -> None:
        await self._stop_virtual(event.device_id)

    async def _simulate_placed(self) -> None:
        """Run every simulated device that is in a home (they run in the background role)."""
        async with self.sessions() as session:
            found = list(
                await session.scalars(
                    select(Device.id).where(
                        Device.batch == SIMULATED_BATCH,
                        Device.home_id.is_not(None),
                        Device.status == DeviceStatus.ACTIVE.value,
                    )
                )
            )
        for device_id in found:
            await self._simulate_one(device_id)

    async def _simulate_one(self, device_id: str) -> None:
        """Start simulating a device hearth made for that (anything else is left alone)."""
        if device_id in self._virtual:
            return
        async with self.sessions() as session:
            device = await session.get(Device, device_id)
        if (
            device is None
            or device.batch != SIMULATED_BATCH
            or device.home_id is None
            or device.status != DeviceStatus.ACTIVE.value
            or device_id in self._virtual
        ):
            return
        spec = await self.specs.get(device.model_id)
        host, port = self.device_address()
        secret = simulated_secret(self.settings.secret, device_id)
        virtual = SimulatedDevice(
            Credentials(device_id, device.model_id, secret),
            spec,
            host=host,
            port=port,
            report_every=10.0,
        )
        stop = asyncio.Event()
        task = asyncio.create_task(virtual.run(stop), name=f"simulated-{device_id}")
        self._virtual[device_id] = (virtual, stop, task)
        log.info("simulated_device_started", device_id=device_id, model=device.model_id)

    async def _stop_virtual(self, device_id: str) -> None:
        found = self._virtual.pop(device_id, None)
        if found is None:
            return
        virtual, stop, task = found
        stop.set()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        with contextlib.suppress(Exception):
            await virtual.stop()

    async def _minted(self, _event: DevicesMinted) -> None:
        if self.mosquitto is not None:
            self.mosquitto.wake()

    async def _expand(self, batch: DeviceUpdatesApplied) -> None:
        await self.bus.publish(*expand(batch))
