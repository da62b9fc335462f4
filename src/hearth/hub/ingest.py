"""The consumer of device traffic: decode, validate, batch, apply, announce.

Each message is parsed once and checked against its device's compiled spec; a bad one
is rejected with a reason code, counted for the device (in its state row), logged (at
most once per device per ``LOG_EVERY`` seconds) and never stops the consumer. Good ones
wait in a buffer for at most ``interval`` seconds (or until ``max_batch`` arrive) and
are applied together by ``hub.store``; while one batch is written the next one fills.
A light load makes small batches (``interval``'s worth); under a heavy one they grow to
``max_batch``, and a batch reads and writes each device's state row once however many of
its messages it holds: at 10,000 devices, batches of 20,000 messages rather than 5,000
cost hearth 20 µs of CPU per report rather than 26, and PostgreSQL 11.5 rather than 16.5.

Delivery: hearth subscribes at QoS 1, so the broker redelivers what a crashed worker
had not acknowledged; the per-device sequence numbers make redelivery harmless. When the
traffic connection holds back its acknowledgements (``acks``: a persistent session, as on
the Mosquitto hearth runs itself), a batch's messages are acknowledged only once it is
committed, and a batch the database would not take is sent again by the broker; nothing
acknowledged is lost. Otherwise a message acknowledged but still in a worker's buffer
when that worker dies is lost, as are at most ``interval`` seconds of reports; the next
report repairs the state.

Listeners that cannot wait for the batch (scene triggers) hear each accepted report and
event at once as ``DeviceReportArrived``; a small per-device mark of the newest
``(boot, seq)`` keeps repeats from being told twice. The database stays the authority.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any, Literal, Protocol

import structlog
from prometheus_client import Counter, Histogram
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db
from hearth.bus import EventBus
from hearth.devices.compiled import CompiledSpec
from hearth.errors import BrokerError, ValueRejected
from hearth.hub import protocol, store
from hearth.hub.catalog import SpecCache
from hearth.hub.events import DeviceReportArrived, DeviceUpdatesApplied
from hearth.hub.models import Device
from hearth.hub.protocol import EventMessage, Info, ProtocolViolation, Report, SetRequest
from hearth.hub.state import Mark
from hearth.hub.store import Inbound, Rejection
from hearth.kit.clock import Clock
from hearth.kit.ids import new_id
from hearth.mqtt.link import MqttLink
from hearth.outbox import Publish

log = structlog.get_logger(__name__)

MESSAGES = Counter("hearth_device_messages_total", "Device messages by outcome", ["outcome"])
REJECTED = Counter("hearth_device_rejected_total", "Rejected device messages", ["reason"])
BATCH_SECONDS = Histogram(
    "hearth_ingest_batch_seconds",
    "Time to apply one ingest batch",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
LOG_EVERY = 10.0
LOOKUP_BATCH = 1000
BACKLOG_BATCHES = 2  # full batches buffered, beyond which reading pauses
RETRIES = 5
NO_MARK = Mark()


def _checked(spec: CompiledSpec, model_id: str, message: protocol.UpMessage) -> protocol.UpMessage:
    """Return the message with its values coerced by the spec; raise ``ValueRejected``."""
    if isinstance(message, Report):
        accepted, rejected = spec.check_values(message.props, op="report")
        if rejected:
            raise next(iter(rejected.values()))
        return Report(message.boot, message.seq, accepted)
    if isinstance(message, EventMessage):
        siid, eiid = protocol.split_key(message.event)
        args = spec.check_event(siid, eiid, message.args)
        return EventMessage(message.boot, message.seq, message.event, args)
    if isinstance(message, Info) and message.model != model_id:
        raise ValueRejected(
            f"the device is a {model_id}, not a {message.model}", reason="wrong_model"
        )
    return message


class Acks(Protocol):
    """The traffic connection's held-back acknowledgements (``hub.traffic.TrafficLink``)."""

    def mark(self) -> Any:
        """Note how far the connection has read."""

    def release(self, mark: Any) -> None:
        """Acknowledge what was read up to ``mark``."""

    def redeliver(self) -> None:
        """Have the broker send again everything not acknowledged."""


class Ingest:
    """Consumes device messages for one hearth process."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        bus: EventBus,
        publish: Publish,
        link: MqttLink | None,
        specs: SpecCache,
        max_batch: int = 20000,
        interval: float = 0.05,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.bus = bus  # only to tell arrivals at once; batches are published after commit
        self.publish = publish
        self.link = link
        self.specs = specs
        self.max_batch = max_batch
        self.interval = interval
        self._items: list[Inbound] = []
        self._rejections: list[Rejection] = []
        self._models: dict[str, str] = {}
        self._logged: dict[str, float] = {}
        self._lock = asyncio.Lock()
        self.paused = False
        self.on_backlog: Callable[[bool], None] | None = None  # pause (True) / resume reading
        self.acks: Acks | None = None  # acknowledge only what is written (see the module)
        self._pending: set[asyncio.Task[None]] = set()
        self._waiting: dict[str, list[tuple[protocol.Up, bytes]]] = {}
        self._unknown: list[str] = []  # devices waiting for a lookup, first heard first
        self._looker: asyncio.Task[None] | None = None
        self._full: asyncio.Task[None] | None = None  # the flush a full buffer asked for
        self._marks: dict[str, Mark] = {}  # newest (boot, seq) told, per device
        self.applied = 0  # reports applied by this process, for benchmarks and tests

    def receive(self, topic: str, payload: bytes) -> None:
        """Take one message straight off the wire.

        A known device's message is checked and queued right here, with no await; the
        first message of a device this process has not seen yet looks it up first.
        """
        parsed = protocol.parse_up_topic(topic)
        if parsed is None:
            MESSAGES.labels(outcome="bad_topic").inc()
            return
        device_id, kind = parsed
        model_id = self._models.get(device_id)
        spec = self.specs.peek(model_id) if model_id is not None else None
        waiting = self._waiting.get(device_id)
        if model_id is None or spec is None or waiting is not None:
            # Unknown here yet, or still looked up: queue behind its earlier messages.
            if waiting is None:
                self._waiting[device_id] = [(kind, payload)]
                self._unknown.append(device_id)
                if self._looker is None or self._looker.done():
                    self._looker = asyncio.get_running_loop().create_task(self._look_up())
            else:
                waiting.append((kind, payload))
            return
        self._accept(device_id, kind, payload, model_id, spec)

    async def _look_up(self) -> None:
        """Learn the models and specs of devices first heard of, many per query (a fleet
        reconnecting after a restart is thousands at once), then take what each sent in
        the meantime, in order."""
        while self._unknown:
            batch, self._unknown = self._unknown[:LOOKUP_BATCH], self._unknown[LOOKUP_BATCH:]
            specs: dict[str, CompiledSpec] = {}
            try:
                await self._models_of(batch)
                for model in {self._models[d] for d in batch if d in self._models}:
                    specs[model] = self.specs.peek(model) or await self.specs.get(model)
            except Exception:
                log.exception("ingest_lookup_failed", devices=len(batch))
            for device_id in batch:
                waiting = self._waiting.pop(device_id, [])
                model_id = self._models.get(device_id)
                spec = specs.get(model_id) if model_id is not None else None
                if model_id is None or spec is None:
                    MESSAGES.labels(outcome="unknown_device").inc(len(waiting))
                    continue
                for kind, payload in waiting:
                    self._accept(device_id, kind, payload, model_id, spec)

    async def _models_of(self, device_ids: list[str]) -> None:
        async with self.sessions() as session:
            rows = await session.execute(
                select(Device.id, Device.model_id).where(Device.id.in_(device_ids))
            )
            self._models.update({row[0]: row[1] for row in rows})

    def _accept(
        self, device_id: str, kind: protocol.Up, payload: bytes, model_id: str, spec: CompiledSpec
    ) -> None:
        now = self.clock.now()
        try:
            message = _checked(spec, model_id, protocol.decode_up(kind, payload))
        except ProtocolViolation as err:
            self._reject(device_id, err.reason, str(err), now)
            return
        except ValueRejected as err:
            self._reject(device_id, err.reason, err.message, now)
            return
        self._items.append(Inbound(device_id, now, message))
        if isinstance(message, Report | EventMessage):
            self._tell_arrival(device_id, message, now)
        if len(self._items) >= self.max_batch:
            if self._full is None or self._full.done():
                # One flush at a time is asked for: a burst read in one go must not
                # queue a flush per message, each taking the lock for a few items.
                self._full = self._spawn(self._flush_full())
            elif len(self._items) >= BACKLOG_BATCHES * self.max_batch and not self.paused:
                # The database is behind: stop reading so the broker holds the traffic
                # (its in-flight limit then slows the devices) instead of this process.
                self.paused = True
                if self.on_backlog is not None:
                    self.on_backlog(True)

    def _tell_arrival(self, device_id: str, message: Report | EventMessage, now: datetime) -> None:
        if not self.bus.hears(DeviceReportArrived):
            return
        mark = self._marks.get(device_id, NO_MARK).admit(message.boot, message.seq)
        if mark is None:
            return  # a repeat: the store will count it
        self._marks[device_id] = mark  # kept for every device: watched ones change
        if not self.bus.hears(DeviceReportArrived, about=device_id):
            return  # nobody watches this device: no event to make
        if isinstance(message, Report):
            arrived = DeviceReportArrived(device_id, None, message.props, now)
        else:
            arrived = DeviceReportArrived(device_id, message.event, message.args, now)
        self.bus.tell(arrived)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        return task

    async def _flush_full(self) -> None:
        """Flush while a full batch is waiting (the buffer refills during each write)."""
        while len(self._items) >= self.max_batch:
            await self.flush()

    def _reject(self, device_id: str, reason: str, detail: str, now: datetime) -> None:
        MESSAGES.labels(outcome="rejected").inc()
        REJECTED.labels(reason=reason).inc()
        self._rejections.append(Rejection(device_id, reason, now))
        clock = time.monotonic()
        if self._logged.get(device_id, 0.0) <= clock:
            if len(self._logged) > 10_000:
                self._logged.clear()
            self._logged[device_id] = clock + LOG_EVERY
            log.warning(
                "device_message_rejected", device_id=device_id, reason=reason, detail=detail[:300]
            )

    async def flush(self) -> None:
        """Apply what is buffered; announce it after commit. Never raises."""
        async with self._lock:
            items, self._items = self._items, []
            rejections, self._rejections = self._rejections, []
            # Everything read so far is in this batch or an earlier one, unless it waits
            # for its device to be looked up: then the next batch acknowledges it.
            mark = self.acks.mark() if self.acks is not None and not self._waiting else None
            if not items and not rejections:
                if mark is not None and self.acks is not None:
                    self.acks.release(mark)
                return
            started = time.perf_counter()
            applied = await self._apply(items, rejections)
            BATCH_SECONDS.observe(time.perf_counter() - started)
            if self.acks is not None:
                if applied == "unwritten":
                    self.acks.redeliver()
                elif mark is not None:
                    self.acks.release(mark)
            if self.paused and len(self._items) < self.max_batch:
                self.paused = False
                if self.on_backlog is not None:
                    self.on_backlog(False)
        if isinstance(applied, str):
            return
        self.applied += applied.reports
        MESSAGES.labels(outcome="applied").inc(len(items) - applied.repeats - applied.unknown)
        if applied.repeats:
            MESSAGES.labels(outcome="repeat").inc(applied.repeats)
        if applied.unbound:
            MESSAGES.labels(outcome="unbound").inc(applied.unbound)
        await self._announce(applied)

    async def _apply(
        self, items: list[Inbound], rejections: list[Rejection]
    ) -> store.Applied | Literal["unwritten", "failed"]:
        """Write one batch: retried while the database refuses it (then "unwritten");
        "failed" for any other error, a bug, logged and not retried."""
        for attempt in range(RETRIES):
            try:
                return await self._write(items, rejections)
            except DBAPIError as err:
                # Lock timeouts, deadlocks, a restarting database: wait and try again.
                log.warning("ingest_batch_retry", attempt=attempt + 1, error=str(err)[:200])
                await asyncio.sleep(0.05 * 2**attempt)
            except Exception:
                MESSAGES.labels(outcome="lost").inc(len(items))
                log.exception("ingest_batch_failed", messages=len(items))
                return "failed"
        outcome = "resent" if self.acks is not None else "lost"
        MESSAGES.labels(outcome=outcome).inc(len(items))
        log.error("ingest_batch_failed", messages=len(items), attempts=RETRIES, outcome=outcome)
        return "unwritten"

    async def _write(self, items: list[Inbound], rejections: list[Rejection]) -> store.Applied:
        """Write a batch in an ordinary write turn (``db.turn``), so a scene's or a
        person's command waiting for SQLite's one writer goes first. One that comes while
        the batch reads and folds (before it writes) is let through too: the batch rolls
        back, waits for it and is applied again, giving way once, so a stream of urgent
        writes cannot hold ingest back. An urgent write waits at most for a batch's
        writing and commit, not its reading and folding."""
        turns = db.turns(self.sessions)
        give_way: Callable[[], bool] | None = turns.urgent_waiting
        while True:
            try:
                async with db.transaction(self.sessions, turn=turns.turn()) as session:
                    return await store.apply(
                        session,
                        items,
                        rejections,
                        specs=self.specs,
                        now=self.clock.now(),
                        give_way=give_way,
                    )
            except store.GaveWay:
                give_way = None

    async def _announce(self, applied: store.Applied) -> None:
        try:
            await self._tell(applied)
        except Exception:
            # The batch is committed; listeners missing it must not stop the consumer.
            MESSAGES.labels(outcome="unannounced").inc()
            log.exception("ingest_announce_failed")

    async def _tell(self, applied: store.Applied) -> None:
        if applied.updates:
            await self.publish(DeviceUpdatesApplied(applied.updates))
        if applied.answered:
            await self.publish(*applied.answered)
        link = self.link
        if link is None:
            return
        for device_id, request_id, props in applied.resync:
            kind, payload = protocol.encode_down(SetRequest(request_id, props))
            with contextlib.suppress(BrokerError):
                await link.publish(protocol.down_topic(device_id, kind), payload, qos=1)
        for device_id, keys in applied.reads:
            await read_state(link, device_id, keys)

    async def drain(self) -> None:
        """Wait for lookups and flushes still under way (on the way out, after ``run``)."""
        if self._looker is not None:
            self._looker.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._looker
        while self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    async def run(self) -> None:
        """Flush every ``interval`` seconds until cancelled; flush what is left on the way out."""
        try:
            while True:
                await asyncio.sleep(self.interval)
                await self.flush()
        finally:
            with contextlib.suppress(Exception):
                await asyncio.shield(self.flush())


async def read_state(link: MqttLink, device_id: str, keys: list[str]) -> None:
    """Ask a device for the values of ``keys`` (its whole state), without waiting: its
    answer is folded into its reported state when it comes (``hub.store``). A broker that
    cannot be reached now loses the request; the device reports its state when it next
    connects."""
    for request in protocol.state_reads(keys, new_id("req")):
        kind, payload = protocol.encode_down(request)
        with contextlib.suppress(BrokerError):
            await link.publish(protocol.down_topic(device_id, kind), payload, qos=1)
