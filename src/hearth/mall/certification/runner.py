"""Drive one device through the checks over the real protocol, as the cloud would.

The runner connects to the broker with hearth's service account, watches the device's
``up`` topics, starts a simulated device (or waits for a real one the partner connects
with test credentials), sends ``get``, ``set``, ``action`` and ``prompt`` requests, then
drops the device's socket without a goodbye and waits for its last will. Every wait is
bounded; a silent device fails the check with how long it was given.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from hearth.devices.compiled import CompiledSpec
from hearth.errors import BrokerError
from hearth.hub import protocol
from hearth.hub.protocol import Down, Up
from hearth.kit.ids import new_id
from hearth.mall.certification.checks import Check, Kind, Observed, Outcome, judge, plan
from hearth.mall.certification.faults import CertifiedDevice, prompt_topic
from hearth.mqtt.address import BrokerAddress
from hearth.mqtt.wire import WireClient

Progress = Callable[[int, int, Outcome], None]


@dataclass(frozen=True)
class Timing:
    """How long the runner waits, in milliseconds."""

    online_ms: int = 5_000  # for the device to connect and come online
    answer_ms: int = 2_000  # for each answer, report or event
    will_ms: int = 5_000  # for the last will after the connection drops


@dataclass(frozen=True)
class Endpoint:
    """Where the runner (the service side) and the device connect."""

    service: BrokerAddress
    device_host: str
    device_port: int


@dataclass(frozen=True)
class Unit:
    """The device under test: its id and the model its info must name."""

    device_id: str
    model_id: str


class Inbox:
    """Everything the device published during the run, in order."""

    def __init__(self) -> None:
        self.messages: list[tuple[Up, dict[str, Any]]] = []
        self._arrived = asyncio.Event()

    def put(self, topic: str, payload: bytes) -> None:
        parsed = protocol.parse_up_topic(topic)
        if parsed is None:
            return
        try:
            body = orjson.loads(payload)
        except orjson.JSONDecodeError:
            body = {"malformed": payload[:200].decode(errors="replace")}
        if not isinstance(body, dict):
            body = {"malformed": repr(body)[:200]}
        self.messages.append((parsed[1], body))
        self._arrived.set()

    def mark(self) -> int:
        return len(self.messages)

    async def first(
        self, kind: Up, match: Callable[[dict[str, Any]], bool], *, since: int, within_ms: int
    ) -> tuple[dict[str, Any] | None, int]:
        """Return the first ``kind`` message from ``since`` that matches, and the ms waited."""
        started = time.monotonic()
        deadline = started + within_ms / 1000
        index = since
        while True:
            for up, body in self.messages[index:]:
                if up is kind and match(body):
                    return body, _ms(started)
            index = len(self.messages)
            left = deadline - time.monotonic()
            if left <= 0:
                return None, within_ms
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), left)


def _ms(since: float) -> int:
    return int((time.monotonic() - since) * 1000)


class Session:
    """One certification run against one connected unit."""

    def __init__(
        self,
        spec: CompiledSpec,
        unit: Unit,
        observer: WireClient,
        inbox: Inbox,
        timing: Timing,
    ) -> None:
        self.spec, self.unit, self.observer, self.inbox, self.timing = (
            spec,
            unit,
            observer,
            inbox,
            timing,
        )

    async def request(self, kind: Down, body: dict[str, Any]) -> Observed:
        """Send a request and wait for the result with its id."""
        request_id = new_id("req")
        since = self.inbox.mark()
        topic = protocol.down_topic(self.unit.device_id, kind)
        await self.observer.publish(topic, orjson.dumps({"id": request_id, **body}), qos=1)
        found, waited = await self.inbox.first(
            Up.RESULT,
            lambda m: m.get("id") == request_id,
            since=since,
            within_ms=self.timing.answer_ms,
        )
        return Observed(found, waited)

    async def online(self, since: int) -> Observed:
        within = self.timing.online_ms
        started = time.monotonic()
        info, _ = await self.inbox.first(Up.INFO, _any, since=since, within_ms=within)
        left = max(within - _ms(started), 0)
        status, _ = await self.inbox.first(
            Up.STATUS, lambda m: m.get("online") is True, since=since, within_ms=left
        )
        message = {"info": info, "status": status, "expected_model": self.unit.model_id}
        return Observed(message, _ms(started))

    async def reports(self, since: int) -> tuple[dict[str, Any], int]:
        """Wait for the full report after connecting; return every value reported so far."""
        _, waited = await self.inbox.first(
            Up.REPORT, _any, since=since, within_ms=self.timing.answer_ms
        )
        values: dict[str, Any] = {}
        for kind, body in self.inbox.messages[since:]:
            props = body.get("props")
            if kind is Up.REPORT and isinstance(props, dict):
                values.update(props)
        return values, waited

    async def event(self, key: str) -> Observed:
        since = self.inbox.mark()
        request_id = new_id("req")
        payload = orjson.dumps({"id": request_id, "event": key})
        await self.observer.publish(prompt_topic(self.unit.device_id), payload, qos=1)
        found, waited = await self.inbox.first(
            Up.EVENT,
            lambda m: m.get("event") == key,
            since=since,
            within_ms=self.timing.answer_ms,
        )
        return Observed(found, waited)

    async def last_will(self, since: int) -> Observed:
        found, waited = await self.inbox.first(
            Up.STATUS,
            lambda m: m.get("online") is False,
            since=since,
            within_ms=self.timing.will_ms,
        )
        return Observed(found, waited)


def _any(_body: dict[str, Any]) -> bool:
    return True


async def _connect_device(device: CertifiedDevice, within_ms: int) -> str:
    """Connect, retrying while the broker does not know the new credentials yet."""
    deadline = time.monotonic() + within_ms / 1000
    error = ""
    while time.monotonic() < deadline:
        try:
            await device.connect()
            return ""
        except BrokerError as err:
            error = str(err)
            await asyncio.sleep(0.05)
    return error or "could not connect"


async def certify(
    spec: CompiledSpec,
    *,
    endpoint: Endpoint,
    unit: Unit,
    device: CertifiedDevice | None,
    timing: Timing = Timing(),
    progress: Progress | None = None,
) -> list[Outcome]:
    """Run every check of ``spec`` against ``unit``; ``device`` None waits for a real one."""
    checks = plan(spec)
    outcomes: list[Outcome] = []

    def record(check: Check, seen: Observed) -> None:
        outcome = judge(spec, check, seen)
        outcomes.append(outcome)
        if progress is not None:
            progress(len(outcomes), len(checks), outcome)

    inbox = Inbox()
    address = endpoint.service
    observer = await WireClient.connect(
        address.host,
        address.port,
        client_id=new_id("cert"),
        username=address.username,
        password=address.password,
        tls=address.tls,
        on_message=inbox.put,
    )
    try:
        await observer.subscribe(f"{protocol.ROOT}/{unit.device_id}/up/+", qos=1)
        session = Session(spec, unit, observer, inbox, timing)
        await _run_checks(session, checks, device, record)
    finally:
        if device is not None:
            await device.stop(crash=True)
        await observer.disconnect(drain=0.5)
    return outcomes


async def _run_checks(
    session: Session,
    checks: list[Check],
    device: CertifiedDevice | None,
    record: Callable[[Check, Observed], None],
) -> None:
    timing = session.timing
    since = session.inbox.mark()
    note = ""
    if device is not None:
        note = await _connect_device(device, timing.online_ms)
    online = await session.online(since)
    if note:
        online = Observed(online.message, online.waited_ms, f"connecting failed: {note}")
    reported: dict[str, Any] = {}
    waited = 0
    for check in checks:
        if check.kind is Kind.ONLINE:
            record(check, online)
        elif check.kind is Kind.REPORT:
            if not reported and not waited:
                reported, waited = await session.reports(since)
                waited = max(waited, 1)
            value = reported.get(check.key, _MISSING)
            seen = Observed(None if value is _MISSING else {"value": value}, waited)
            record(check, seen)
        elif check.kind is Kind.GET:
            record(check, await session.request(Down.GET, {"keys": [check.key]}))
        elif check.kind in (Kind.SET_VALID, Kind.SET_INVALID):
            record(check, await session.request(Down.SET, {"props": {check.key: check.value}}))
        elif check.kind is Kind.ACTION:
            body = {"action": check.key, "args": check.value or {}}
            record(check, await session.request(Down.ACTION, body))
        elif check.kind is Kind.EVENT:
            record(check, await session.event(check.key))
        elif check.kind is Kind.LAST_WILL:
            mark = session.inbox.mark()
            if device is not None:
                await device.stop(crash=True)  # the socket drops without DISCONNECT
            record(check, await session.last_will(mark))


_MISSING = object()
