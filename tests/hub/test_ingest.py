"""Device traffic becomes state, history and events; bad traffic is refused and counted.

Each test runs against the embedded broker and a real Mosquitto, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from structlog.testing import capture_logs

from hearth import db
from hearth.bootstrap import Hearth
from hearth.bus import EventBus
from hearth.devices.compiled import CompiledSpec
from hearth.hub import batchsql, protocol
from hearth.hub.catalog import SpecCache
from hearth.hub.events import (
    DeviceCameOnline,
    DeviceReportArrived,
    DeviceStateChanged,
    DeviceWentOffline,
)
from hearth.hub.ingest import REJECTED, Ingest
from hearth.hub.models import DeviceModel, HistoryPoint, Rollup5m
from hearth.hub.protocol import Up
from hearth.kit.clock import FrozenClock
from hearth.mqtt.wire import WireClient
from hearth.outbox import discard
from tests.hub.conftest import (
    TEST_MODEL,
    Rig,
    add_model,
    bind,
    eventually,
    fan_with_home,
    simulated,
    state_of,
)


def _ingest(runtime: Hearth, specs: SpecCache, **options: Any) -> Ingest:
    return Ingest(
        sessions=runtime.sessions,
        clock=runtime.clock,
        bus=runtime.bus,
        publish=runtime.publish,
        link=runtime.mqtt,
        specs=specs,
        **options,
    )


async def _bound_unit(rig: Rig):  # type: ignore[no-untyped-def]
    await add_model(rig.hearth)
    user, home = await fan_with_home(rig.hearth)
    (unit,) = await rig.mint(1)
    await bind(rig.hearth, user, home, unit)
    return unit, home


async def _raw(rig: Rig, unit) -> WireClient:  # type: ignore[no-untyped-def]
    return await WireClient.connect(
        "127.0.0.1",
        rig.device_port,
        client_id=unit.device_id,
        username=unit.device_id,
        password=unit.secret,
    )


async def _history(rig: Rig, device_id: str, key: str | None = None) -> int:
    query = (
        select(func.count()).select_from(HistoryPoint).where(HistoryPoint.device_id == device_id)
    )
    if key is not None:
        query = query.where(HistoryPoint.key == key)
    async with rig.hearth.sessions() as session:
        return int(await session.scalar(query) or 0)


async def _points(rig: Rig, device_id: str) -> list[HistoryPoint]:
    async with rig.hearth.sessions() as session:
        query = select(HistoryPoint).where(HistoryPoint.device_id == device_id)
        return list(await session.scalars(query))


async def test_reports_become_state_history_and_events(rig: Rig) -> None:
    unit, home = await _bound_unit(rig)
    device = simulated(rig, unit)
    async with rig.hearth.bus.listen() as events:
        await device.connect()

        async def synced() -> bool:
            state = await state_of(rig.hearth, unit.device_id)
            return state.online and state.reported == device.device.readable()

        await eventually(synced)
        device.report({"2.2": 42})

        async def brightness_42() -> bool:
            return bool((await state_of(rig.hearth, unit.device_id)).reported["2.2"] == 42)

        await eventually(brightness_42)
        seen = []
        while not events.empty():
            seen.append(events.get_nowait())
    state = await state_of(rig.hearth, unit.device_id)
    assert state.firmware == "sim-1.0" and state.last_seen is not None
    assert state.reports == 2 and state.rejected == 0
    assert any(isinstance(e, DeviceCameOnline) and e.home_id == home.id for e in seen)
    assert any(
        isinstance(e, DeviceStateChanged) and e.changed == {"2.2": 42} and e.home_id == home.id
        for e in seen
    )
    assert await _history(rig, unit.device_id, "2.2") == 2
    assert rig.hearth.cloud is not None
    last = max(p.at for p in await _points(rig, unit.device_id))
    rig.hearth.clock = FrozenClock(last + timedelta(minutes=5, seconds=5))  # its bucket closed
    taken = await rig.hearth.cloud.roll_up_once()
    assert taken.spans and taken.spans[-1][1] > last
    lag = REGISTRY.get_sample_value("hearth_history_rollup_lag_seconds")
    assert lag is not None and 5 <= lag <= 5 * 60 + 5  # up to the last closed bucket
    async with rig.hearth.sessions() as session:
        rolled = await session.scalars(
            select(Rollup5m.count).where(
                Rollup5m.device_id == unit.device_id, Rollup5m.key == "2.2"
            )
        )
        assert sum(rolled) == 2  # the same two values, taken in by the rollup job
    await device.stop()


BAD = [
    (Up.REPORT, b"{nope", "malformed_json"),
    (Up.REPORT, b'{"boot": 1, "seq": 1, "props": {"9.9": 1}}', "unknown"),
    (Up.REPORT, b'{"boot": 1, "seq": 2, "props": {"2.1": "yes"}}', "wrong_type"),
    (Up.REPORT, b'{"boot": 1, "seq": 3, "props": {"2.2": 101}}', "out_of_range"),
    (Up.REPORT, b'{"boot": 1, "seq": 4, "props": {"2.2": 5.5}}', "not_integer"),
    (Up.REPORT, b'{"boot": 1, "seq": 5, "props": {"2.4": 20.05}}', "off_step"),
    (Up.REPORT, b'{"boot": 1, "seq": 6, "props": {"2.3": 7}}', "not_in_list"),
    (Up.REPORT, b'{"boot": 1, "seq": 7, "props": {"2.5": "x"}}', "not_readable"),
    (
        Up.REPORT,
        b'{"boot": 1, "seq": 8, "props": {"2.2": 1}, "pad": "' + b"x" * 9000 + b'"}',
        "oversized",
    ),
    (Up.REPORT, b'{"seq": 9, "props": {"2.2": 1}}', "bad_field"),
    (Up.EVENT, b'{"boot": 1, "seq": 10, "event": "2.9"}', "unknown"),
    (Up.REPORT, b'{"boot": 1, "seq": 12, "props": {"2.2": 9}, "home": "hom_x"}', "unknown_field"),
    (Up.EVENT, b'{"boot": 1, "seq": 13, "event": "2.1", "args": {}, "x": 1}', "unknown_field"),
    (Up.INFO, b'{"boot": 1, "seq": 11, "model": "someone.else.v1", "fw": "1"}', "wrong_model"),
]


async def test_every_kind_of_bad_payload_is_refused_counted_and_never_stops_the_consumer(
    rig: Rig,
) -> None:
    unit, _ = await _bound_unit(rig)
    before = {reason: REJECTED.labels(reason=reason)._value.get() for _, _, reason in BAD}
    device = await _raw(rig, unit)
    for kind, payload, _reason in BAD:
        await device.publish(protocol.up_topic(unit.device_id, kind), payload, qos=1)
    good = b'{"boot": 1, "seq": 20, "props": {"2.2": 77}}'
    await device.publish(protocol.up_topic(unit.device_id, Up.REPORT), good, qos=1)

    async def good_one_applied() -> bool:
        return (await state_of(rig.hearth, unit.device_id)).reported == {"2.2": 77}

    await eventually(good_one_applied)
    state = await state_of(rig.hearth, unit.device_id)
    assert state.rejected == len(BAD)
    assert state.last_rejection == "wrong_model"
    assert state.reports == 1
    for reason in {r for _, _, r in BAD}:
        expected = sum(1 for _, _, r in BAD if r == reason)
        assert REJECTED.labels(reason=reason)._value.get() - before[reason] == expected, reason
    await device.disconnect()


async def test_a_rejection_is_logged_with_the_device_and_the_reason(rig: Rig) -> None:
    unit, _ = await _bound_unit(rig)
    device = await _raw(rig, unit)
    with capture_logs() as logs:
        await device.publish(
            protocol.up_topic(unit.device_id, Up.REPORT),
            b'{"boot": 1, "seq": 1, "props": {"2.2": 500}}',
            qos=1,
        )

        async def logged() -> bool:
            return any(entry["event"] == "device_message_rejected" for entry in logs)

        await eventually(logged)
    entry = next(e for e in logs if e["event"] == "device_message_rejected")
    assert entry["device_id"] == unit.device_id
    assert entry["reason"] == "out_of_range"
    assert "500" in entry["detail"]
    await device.disconnect()


async def test_a_redelivered_report_is_applied_once(rig: Rig) -> None:
    unit, _ = await _bound_unit(rig)
    device = await _raw(rig, unit)
    topic = protocol.up_topic(unit.device_id, Up.REPORT)
    report = json.dumps({"boot": 5, "seq": 1, "props": {"2.1": True, "2.2": 10}}).encode()
    for _ in range(3):
        await device.publish(topic, report, qos=1)
    await device.publish(topic, b'{"boot": 5, "seq": 2, "props": {"2.2": 11}}', qos=1)

    async def second_applied() -> bool:
        return (await state_of(rig.hearth, unit.device_id)).reported.get("2.2") == 11

    await eventually(second_applied)
    assert (await state_of(rig.hearth, unit.device_id)).reports == 2
    assert await _history(rig, unit.device_id) == 3
    await device.disconnect()


async def test_an_unbound_device_is_heard_but_nothing_it_reports_is_kept(rig: Rig) -> None:
    await add_model(rig.hearth)
    (unit,) = await rig.mint(1)
    device = simulated(rig, unit)
    await device.connect()

    async def online() -> bool:
        return (await state_of(rig.hearth, unit.device_id)).online

    await eventually(online)
    before = (await state_of(rig.hearth, unit.device_id)).last_seen
    device.report({"2.2": 33})

    async def heard() -> bool:  # the report was applied: it only moved last_seen
        return (await state_of(rig.hearth, unit.device_id)).last_seen != before

    await eventually(heard)
    state = await state_of(rig.hearth, unit.device_id)
    assert state.reported == {} and state.reports == 0
    assert await _history(rig, unit.device_id) == 0
    await device.stop()


async def test_a_crashed_device_goes_offline_through_its_last_will(rig: Rig) -> None:
    unit, _ = await _bound_unit(rig)
    device = simulated(rig, unit)
    async with rig.hearth.bus.listen() as events:
        await device.connect()

        async def online() -> bool:
            return (await state_of(rig.hearth, unit.device_id)).online

        await eventually(online)
        await device.stop(crash=True)

        async def offline() -> bool:
            return not (await state_of(rig.hearth, unit.device_id)).online

        await eventually(offline)
        seen = [events.get_nowait() for _ in range(events.qsize())]
    assert any(isinstance(e, DeviceWentOffline) and e.device_id == unit.device_id for e in seen)


async def test_a_device_that_stops_its_heartbeats_is_marked_offline(rig: Rig) -> None:
    unit, _ = await _bound_unit(rig)
    clock = FrozenClock(datetime.now(UTC))
    rig.hearth.clock = clock
    device = simulated(rig, unit, heartbeat=10)
    await device.connect()

    async def online() -> bool:
        return (await state_of(rig.hearth, unit.device_id)).online

    await eventually(online)
    assert rig.hearth.cloud is not None
    clock.advance(timedelta(seconds=24))  # 2.4 missed heartbeats: not yet
    await rig.hearth.cloud.upkeep_once()
    assert (await state_of(rig.hearth, unit.device_id)).online
    clock.advance(timedelta(seconds=7))  # past 3 heartbeats (offline within 2.5 to 3)
    await rig.hearth.cloud.upkeep_once()
    assert not (await state_of(rig.hearth, unit.device_id)).online
    await device.stop()


async def test_a_device_s_messages_keep_their_order_while_it_is_looked_up(rig: Rig) -> None:
    """Messages that arrive while a device is first looked up wait behind its first one,
    even when another device of the same product has meanwhile brought the spec."""
    unit, _home = await _bound_unit(rig)
    specs = _GatedSpecs(rig.hearth.sessions)
    ingest = _ingest(rig.hearth, specs)
    topic = protocol.up_topic(unit.device_id, Up.REPORT)

    def report(seq: int) -> bytes:
        return json.dumps({"boot": 1, "seq": seq, "props": {"2.2": seq % 50 + 1}}).encode()

    for seq in range(1, 101):  # the first message starts the lookup; the rest wait for it
        ingest.receive(topic, report(seq))
    await eventually(lambda: _model_known(ingest, unit.device_id), within=5)
    async with rig.hearth.sessions() as session:  # another device's lookup brings the spec
        row = await session.get(DeviceModel, TEST_MODEL)
        assert row is not None
        specs.put(row)
    ingest.receive(topic, report(101))
    specs.gate.set()
    await eventually(lambda: _settled(ingest), within=5)
    await ingest.flush()

    state = await state_of(rig.hearth, unit.device_id)
    assert state.reports == 101 and state.rejected == 0
    assert state.reported["2.2"] == 101 % 50 + 1


class _GatedSpecs(SpecCache):
    """A spec cache whose loads wait for the test to open the gate."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(sessions)
        self.gate = asyncio.Event()

    async def get(self, model_id: str, *, fresh: bool = False) -> CompiledSpec:
        await self.gate.wait()
        return await super().get(model_id, fresh=fresh)


async def _model_known(ingest: Ingest, device_id: str) -> bool:
    return device_id in ingest._models


async def _settled(ingest: Ingest) -> bool:
    return not ingest._waiting


async def test_a_burst_read_in_one_go_asks_for_one_flush_and_fills_its_batches(rig: Rig) -> None:
    """Messages taken in one read arrive with no await between them: a full buffer asks
    for one flush, which writes whole batches, not a flush per message past the limit."""
    unit, _home = await _bound_unit(rig)
    ingest = _ingest(rig.hearth, SpecCache(rig.hearth.sessions), max_batch=100)
    topic = protocol.up_topic(unit.device_id, Up.REPORT)

    def report(seq: int) -> bytes:
        return json.dumps({"boot": 1, "seq": seq, "props": {"2.2": seq % 50 + 1}}).encode()

    ingest.receive(topic, report(1))
    await eventually(lambda: _model_known(ingest, unit.device_id), within=5)
    await eventually(lambda: _settled(ingest), within=5)
    batches = REGISTRY.get_sample_value("hearth_ingest_batch_seconds_count") or 0.0
    for seq in range(2, 1002):
        ingest.receive(topic, report(seq))
    assert len(ingest._pending) == 1
    await ingest.drain()
    await ingest.flush()

    state = await state_of(rig.hearth, unit.device_id)
    assert state.reports == 1001
    written = (REGISTRY.get_sample_value("hearth_ingest_batch_seconds_count") or 0.0) - batches
    assert written <= 11


async def test_a_batch_gives_way_once_to_an_urgent_write_that_comes_while_it_reads(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite, a scene's write that comes while a batch reads and folds goes first: the
    batch rolls back and is applied again, once, after it; a second urgent write has to
    wait for the batch. Nothing of the batch is written twice."""
    unit, _home = await _bound_unit(rig)
    ingest = _ingest(rig.hearth, SpecCache(rig.hearth.sessions))
    topic = protocol.up_topic(unit.device_id, Up.REPORT)
    ingest.receive(topic, b'{"boot": 1, "seq": 1, "props": {"2.2": 7}}')
    await eventually(lambda: _model_known(ingest, unit.device_id), within=5)
    await eventually(lambda: _settled(ingest), within=5)
    sessions = rig.hearth.sessions
    order: list[str] = []
    urgent: list[asyncio.Task[None]] = []
    load_states = batchsql.load_states

    async def urgent_write(name: str) -> None:
        async with db.turn(sessions, urgent=True):
            order.append(name)

    async def loading(session: AsyncSession, ids: Sequence[str]) -> list[Mapping[str, Any]]:
        order.append("batch reads")
        # A scene's write comes while the batch reads (it runs once the batch yields).
        urgent.append(asyncio.create_task(urgent_write(f"urgent write {len(urgent) + 1}")))
        return await load_states(session, ids)

    monkeypatch.setattr(batchsql, "load_states", loading)
    await ingest.flush()
    await asyncio.gather(*urgent)

    serial = rig.hearth.engine.dialect.name == "sqlite"
    assert order == (
        ["batch reads", "urgent write 1", "batch reads", "urgent write 2"]
        if serial
        else ["batch reads", "urgent write 1"]  # PostgreSQL: nobody waits for a turn
    )
    state = await state_of(rig.hearth, unit.device_id)
    assert state.reports == 1 and state.reported["2.2"] == 7
    assert await _history(rig, unit.device_id, "2.2") == 1


async def test_arrivals_are_told_only_for_watched_devices_and_never_twice(rig: Rig) -> None:
    """A listener says which devices it watches: reports of the others make no event, and
    a watched device's repeat is not told again."""
    await add_model(rig.hearth)
    user, home = await fan_with_home(rig.hearth)
    watched, other = await rig.mint(2)
    for unit in (watched, other):
        await bind(rig.hearth, user, home, unit)
    bus = EventBus()
    heard: list[tuple[str, dict[str, Any]]] = []
    bus.on(
        DeviceReportArrived,
        lambda event: heard.append((event.device_id, event.values)),
        about=lambda device_id: device_id == watched.device_id,
    )
    ingest = Ingest(
        sessions=rig.hearth.sessions,
        clock=rig.hearth.clock,
        bus=bus,
        publish=discard,
        link=None,
        specs=SpecCache(rig.hearth.sessions),
    )

    def report(seq: int, value: int) -> bytes:
        return json.dumps({"boot": 1, "seq": seq, "props": {"2.2": value}}).encode()

    for unit in (watched, other):  # first messages: each device looked up
        ingest.receive(protocol.up_topic(unit.device_id, Up.REPORT), report(1, 10))
    await eventually(lambda: _settled(ingest), within=5)
    for unit in (watched, other):
        topic = protocol.up_topic(unit.device_id, Up.REPORT)
        ingest.receive(topic, report(2, 20))
        ingest.receive(topic, report(2, 20))  # redelivered
    await ingest.flush()
    assert heard == [
        (watched.device_id, {"2.2": 10}),
        (watched.device_id, {"2.2": 20}),
    ]
    assert (await state_of(rig.hearth, other.device_id)).reported["2.2"] == 20
