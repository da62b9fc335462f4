"""Simulated devices: virtual devices on real connections with real credentials.

Each ``SimulatedDevice`` connects as its device id with its secret, sets its last will
to "offline", says who it is, reports its full state, then reports changes, fires
events, answers commands and sends heartbeats; if the connection drops (a broker
restart) it reconnects with jittered back-off doubling up to 10 s, as the device protocol
asks of firmware (``hearth.mqtt.reconnect``), and re-sends info, status and full state.
Each device is one connection of the wire client (``hearth.mqtt.wire``). A ``Fleet``
starts many at a bounded pace and reports progress.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hearth.devices.compiled import CompiledSpec
from hearth.errors import BrokerError
from hearth.hub import protocol
from hearth.hub.protocol import (
    ActionRequest,
    EventMessage,
    GetRequest,
    Info,
    ProtocolViolation,
    Report,
    Result,
    ResultCode,
    SetRequest,
    Status,
    Up,
)
from hearth.hub.virtual import VirtualDevice
from hearth.mqtt.reconnect import DEVICE_BACKOFF, MarkUp, keep_connected
from hearth.mqtt.wire import Will, WireClient

FIRMWARE = "sim-1.0"


@dataclass(frozen=True)
class Credentials:
    """What a device's firmware holds: its id, its product and its secret."""

    device_id: str
    model_id: str
    secret: str


def read_fleet(path: Path) -> list[Credentials]:
    """Read a factory CSV (``device_id,model,secret,...``)."""
    with path.open(newline="") as handle:
        return [
            Credentials(r["device_id"], r["model"], r["secret"]) for r in csv.DictReader(handle)
        ]


class SimulatedDevice:
    """One virtual device on its own MQTT connection."""

    def __init__(
        self,
        credentials: Credentials,
        spec: CompiledSpec,
        *,
        host: str,
        port: int,
        report_every: float = 5.0,
        heartbeat: int = 30,
        rng: random.Random | None = None,
    ) -> None:
        self.credentials = credentials
        self.id = credentials.device_id
        self.host, self.port = host, port
        self.report_every = report_every
        self.heartbeat = heartbeat
        self.rng = rng or random.Random()
        self.device = VirtualDevice(
            spec,
            self.rng,
            {"serial-number": credentials.device_id[-12:], "firmware-revision": FIRMWARE},
        )
        self.boot = time.time_ns() // 1_000_000  # grows with every start of the simulator
        self.seq = 0
        self.link = 0
        self.connections = 0
        self.commands = 0  # sets and actions heard
        self.reads = 0  # reads heard (the cloud reads the whole state on pairing and reconnecting)
        self.answering = True  # False: a device that hears commands but never answers
        self.client: WireClient | None = None
        self.connected = asyncio.Event()

    # -- outgoing -----------------------------------------------------------------------

    def _next(self) -> int:
        self.seq += 1
        return self.seq

    def _send(self, message: protocol.UpMessage) -> None:
        client = self.client
        if client is None or not client.is_open:
            return
        kind, payload = protocol.encode_up(message)
        with contextlib.suppress(BrokerError):
            client.publish_nowait(protocol.up_topic(self.id, kind), payload, qos=1)

    def report(self, props: dict[str, Any]) -> None:
        """Report property values (nothing if there are none)."""
        if props:
            self._send(Report(self.boot, self._next(), props))

    def fire(self, event: str, args: dict[str, Any]) -> None:
        self._send(EventMessage(self.boot, self._next(), event, args))

    # -- connection ---------------------------------------------------------------------

    async def connect(self) -> None:
        """Connect once: last will, subscription, info, online, full report."""
        self.link += 1
        self.client = await WireClient.connect(
            self.host,
            self.port,
            client_id=self.id,
            username=self.id,
            password=self.credentials.secret,
            keepalive=self.heartbeat * 2,
            will=self._will(),
            on_message=self._on_message,
        )
        await self.client.subscribe(protocol.down_filter(self.id), qos=1)
        self._introduce()
        self._send(Status(self.boot, self.link, True))
        self.report(self._full_report())
        self.connections += 1
        self.connected.set()

    def _will(self) -> Will | None:
        """The offline status the broker publishes if this link drops."""
        _, will = protocol.encode_up(Status(self.boot, self.link, False))
        return Will(protocol.up_topic(self.id, Up.STATUS), will, qos=1)

    def _introduce(self) -> None:
        """Say what the device is: model, firmware, heartbeat."""
        model = self.credentials.model_id
        self._send(Info(self.boot, self._next(), model, FIRMWARE, self.heartbeat))

    def _full_report(self) -> dict[str, Any]:
        """Every readable value, sent on each connection."""
        return self.device.readable()

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Stay connected, reporting and answering, until cancelled or ``stop`` is set."""
        await keep_connected(
            self._session,
            name="simulated_device",
            stop=stop or asyncio.Event(),
            backoff=DEVICE_BACKOFF,
            rng=self.rng,
            quiet=True,  # a fleet of 10,000 would fill the log at every broker restart
            device_id=self.id,
        )

    async def _session(self, up: MarkUp) -> None:
        try:
            if self.client is None or not self.client.is_open:
                self.connected.clear()
                await self.connect()
            up()
            await self._live()
        finally:
            self.connected.clear()

    async def _live(self) -> None:
        """Report, fire events and beat until the connection closes."""
        client = self.client
        assert client is not None
        last_beat = time.monotonic()
        while client.is_open:
            pause = self.report_every * self.rng.uniform(0.8, 1.2)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(client.closed), pause)
            if not client.is_open:
                break
            changed, events = self.device.tick()
            self.report(changed)
            for event, args in events:
                self.fire(event, args)
            if time.monotonic() - last_beat >= self.heartbeat:
                self._send(Status(self.boot, self.link, True))
                last_beat = time.monotonic()

    async def stop(self, *, crash: bool = False) -> None:
        """Disconnect: say offline first, or ``crash`` (the broker sends the last will)."""
        client = self.client
        if client is None or not client.is_open:
            return
        if crash:
            client.abort()
            return
        self._send(Status(self.boot, self.link, False))
        await client.disconnect()

    # -- incoming -----------------------------------------------------------------------

    def _on_message(self, topic: str, payload: bytes) -> None:
        parsed = protocol.parse_down_topic(topic)
        if parsed is None or parsed[0] != self.id:
            return
        try:
            request = protocol.decode_down(parsed[1], payload)
        except ProtocolViolation:
            return  # nothing to answer: without an id, nobody waits for it
        if isinstance(request, GetRequest):
            self.reads += 1
        else:
            self.commands += 1
        if not self.answering:
            return
        if isinstance(request, SetRequest):
            results, changed = self.device.write(request.props)
            self._send(Result(request.request_id, ResultCode.OK.value, results, {}))
            self.report(changed)
        elif isinstance(request, GetRequest):
            self._send(
                Result(request.request_id, ResultCode.OK.value, self.device.read(request.keys), {})
            )
        elif isinstance(request, ActionRequest):
            code, out, changed, events = self.device.act(request.action, request.args)
            self._send(Result(request.request_id, code, {}, out))
            self.report(changed)
            for event, args in events:
                self.fire(event, args)


Progress = Callable[[int, int], None]


class Fleet:
    """Many simulated devices, started at a bounded pace."""

    def __init__(self, devices: Iterable[SimulatedDevice]) -> None:
        self.devices = list(devices)
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def connected(self) -> int:
        return sum(1 for d in self.devices if d.connected.is_set())

    async def start(
        self, *, concurrency: int = 200, progress: Progress | None = None, wait: float = 60.0
    ) -> int:
        """Start every device; wait (up to ``wait`` s) for them to connect; return how many did."""
        gate = asyncio.Semaphore(concurrency)
        done = 0

        async def first_connection(device: SimulatedDevice) -> None:
            nonlocal done
            async with gate:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(device.connected.wait(), wait)
            done += 1
            if progress is not None:
                progress(done, len(self.devices))

        self._tasks = [asyncio.create_task(d.run(), name=f"sim-{d.id}") for d in self.devices]
        await asyncio.gather(*(first_connection(d) for d in self.devices))
        return self.connected

    async def stop(self, *, crash: bool = False) -> None:
        """Stop every device (cleanly, or as if they all lost power)."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await asyncio.gather(*(d.stop(crash=crash) for d in self.devices))
