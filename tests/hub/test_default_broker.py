"""The default setup's broker: the Mosquitto hearth runs itself loses nothing it acknowledged.

A device's QoS 1 report is acknowledged by the broker; hearth, reading on a persistent
session, acknowledges it to the broker only once it is written. These tests hold hearth
back (its database locked, its reading paused), then stop the broker or hearth itself,
and count that every report the device had an acknowledgement for is in the history.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from hearth import db
from hearth.bootstrap import Hearth
from hearth.config import Settings
from hearth.hub import identity, protocol
from hearth.hub.models import HistoryPoint
from hearth.hub.protocol import Report
from hearth.kit.ports import free_port
from hearth.mqtt.wire import WireClient
from tests.conftest import TEST_SECRET, make_settings
from tests.hub.conftest import add_model, bind, eventually, fan_with_home, mint

pytestmark = pytest.mark.mosquitto

REPORTS = 2000


@pytest.fixture
async def runtime(tmp_path: Path, database_url: str) -> AsyncIterator[Hearth]:
    """A hearth on the default embedded broker (Mosquitto, installed for these tests)."""
    hearth = Hearth.from_settings(make_settings(tmp_path, database_url, embedded_broker="auto"))
    await hearth.start()
    try:
        assert hearth.supervised is not None and hearth.supervised.running
        yield hearth
    finally:
        await hearth.stop()


async def _device(runtime: Hearth) -> identity.Minted:
    await add_model(runtime)
    user, home = await fan_with_home(runtime)
    (unit,) = await mint(runtime)
    await bind(runtime, user, home, unit)
    return unit


async def _connect(port: int, unit: identity.Minted) -> WireClient:
    for _ in range(600):  # until the broker is up and has read the device's password
        with contextlib.suppress(Exception):
            return await WireClient.connect(
                "127.0.0.1",
                port,
                client_id=unit.device_id,
                username=unit.device_id,
                password=unit.secret,
            )
        await asyncio.sleep(0.05)
    raise AssertionError("the device could not connect")


async def _report(client: WireClient, unit: identity.Minted, count: int) -> int:
    """Publish ``count`` reports at QoS 1 (brightness 1, 2, ... 100, 1, ...); return how
    many the broker acknowledged."""
    acks = []
    for seq in range(1, count + 1):
        kind, payload = protocol.encode_up(Report(1, seq, {"2.2": 1 + seq % 100}))
        acks.append(client.publish_nowait(protocol.up_topic(unit.device_id, kind), payload, qos=1))
    done = await asyncio.gather(*(a for a in acks if a is not None), return_exceptions=True)
    return sum(1 for outcome in done if not isinstance(outcome, BaseException))


async def _history(settings: Settings, unit: identity.Minted) -> int:
    probe = Hearth.from_settings(settings)
    try:
        async with probe.sessions() as session:
            count = await session.scalar(
                select(func.count()).where(
                    HistoryPoint.device_id == unit.device_id, HistoryPoint.key == "2.2"
                )
            )
    finally:
        await probe.engine.dispose()
    return int(count or 0)


@contextlib.asynccontextmanager
async def _writes_blocked(database_url: str) -> AsyncIterator[None]:
    """Hold the database's history table so no batch of reports can be written."""
    if database_url.startswith("sqlite"):
        held = sqlite3.connect(database_url.split("///", 1)[1], isolation_level=None)
        held.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            held.execute("ROLLBACK")
            held.close()
        return
    engine = db.create_engine(database_url, pool=False)
    try:
        async with engine.connect() as connection, connection.begin() as transaction:
            await connection.execute(text("LOCK TABLE device_history IN EXCLUSIVE MODE"))
            yield
            await transaction.rollback()
    finally:
        await engine.dispose()


async def test_a_hearth_far_behind_loses_no_acknowledged_report(
    runtime: Hearth, database_url: str
) -> None:
    unit = await _device(runtime)
    client = await _connect(runtime.settings.embedded_mqtt_port, unit)
    try:
        async with _writes_blocked(database_url):
            acked = await _report(client, unit, REPORTS)
            assert acked == REPORTS
            # Everything is acknowledged to the device, nothing is written yet.
            assert await _history(runtime.settings, unit) == 0
        await eventually(lambda: _written(runtime.settings, unit, acked), within=60)
    finally:
        await client.disconnect()


async def test_a_restarted_broker_loses_no_acknowledged_report(
    runtime: Hearth, database_url: str
) -> None:
    unit = await _device(runtime)
    supervised, cloud = runtime.supervised, runtime.cloud
    assert supervised is not None and cloud is not None and cloud.traffic is not None
    client = await _connect(runtime.settings.embedded_mqtt_port, unit)
    # hearth stops reading: what the device sends waits in the broker, for hearth.
    cloud.traffic.hold(True)
    try:
        acked = await _report(client, unit, REPORTS)
        assert acked == REPORTS
    finally:
        await client.disconnect()
    assert supervised.process is not None
    restarts = supervised.restarts
    supervised.process.terminate()  # as an operator's restart, or the system's, would
    await eventually(lambda: _true(supervised.restarts > restarts and supervised.running))
    cloud.traffic.hold(False)
    await eventually(lambda: _written(runtime.settings, unit, acked), within=60)


async def test_a_hearth_killed_mid_stream_loses_no_acknowledged_report(
    tmp_path: Path, database_url: str
) -> None:
    settings = make_settings(tmp_path, database_url, embedded_broker="auto")
    setup = Hearth.from_settings(settings)
    await setup.start(mqtt=False)
    try:
        unit = await _device(setup)
    finally:
        await setup.stop()
    port = settings.embedded_mqtt_port
    with _worker(settings) as first:
        client = await _connect(port, unit)
        try:
            async with _writes_blocked(database_url):
                acked = await _report(client, unit, REPORTS)
                assert acked == REPORTS
                first.send_signal(signal.SIGKILL)  # while every report waits to be written
                first.wait()
        finally:
            client.abort()
    with _worker(settings):
        await eventually(lambda: _written(settings, unit, acked), within=60)


@contextlib.contextmanager
def _worker(settings: Settings) -> Iterator[subprocess.Popen[bytes]]:
    """``hearth worker`` on ``settings``, as a process of its own, its broker listening."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")},
        "HEARTH_DATA_DIR": str(settings.data_dir),
        "HEARTH_CONFIG": str(settings.data_dir / "none.toml"),
        "HEARTH_DATABASE_URL": settings.resolved_database_url,
        "HEARTH_SECRET_KEY": TEST_SECRET,
        "HEARTH_EMBEDDED_MQTT_PORT": str(settings.embedded_mqtt_port),
        "HEARTH_INGEST_FLUSH_MS": "20",
    }
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    log = (settings.data_dir / f"worker-{free_port()}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "hearth.cli.main", "worker"], env=env, stdout=log, stderr=log
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


async def _written(settings: Settings, unit: identity.Minted, count: int) -> bool:
    return await _history(settings, unit) >= count


async def _true(value: bool) -> bool:
    return value
