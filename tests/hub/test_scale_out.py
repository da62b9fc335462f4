"""Two hearth workers share device traffic through Mosquitto and one PostgreSQL database,
and every report is applied exactly once, duplicates and reordering included."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hearth.bootstrap import Hearth
from hearth.errors import BrokerError
from hearth.hub import protocol
from hearth.hub.acl import SERVICE_USERNAME, service_password
from hearth.hub.models import DeviceState, HistoryPoint
from hearth.hub.mosquitto import MosquittoSync
from hearth.hub.protocol import Up
from hearth.kit.ports import free_port
from hearth.mqtt.wire import WireClient
from tests.conftest import TEST_SECRET, make_settings
from tests.hub.conftest import add_model, bind, eventually, fan_with_home, mint
from tests.servers import Mosquitto, Postgres, start_mosquitto, stop_mosquitto

pytestmark = [pytest.mark.postgres, pytest.mark.mosquitto]
DEVICES = 25
REPORTS = 40
_names = itertools.count()


@pytest.fixture
def pg_url(postgres: Postgres, postgres_template: str) -> Iterator[str]:
    name = f"scale_{os.getpid()}_{next(_names)}"
    postgres.psql(f"CREATE DATABASE {name} TEMPLATE {postgres_template}")
    yield postgres.url(name)
    postgres.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
async def workers(tmp_path: Path, pg_url: str) -> AsyncIterator[tuple[Hearth, Hearth, int]]:
    """Two started hearth workers on one Mosquitto (configured by hearth) and PostgreSQL."""
    password = service_password(TEST_SECRET)
    files = tmp_path / "mosquitto" / "hearth"
    service_port = free_port()
    device_port = free_port(other_than={service_port})
    url = f"mqtt://{SERVICE_USERNAME}:{password}@127.0.0.1:{service_port}"
    listener = f"{device_port} 127.0.0.1"
    owner = make_settings(
        tmp_path / "a",
        pg_url,
        mqtt_url=url,
        mosquitto_dir=files,
        mosquitto_pid_file=tmp_path / "mosquitto" / "mosquitto.pid",
        mosquitto_device_listener=listener,
    )
    first = Hearth.from_settings(owner)
    second = Hearth.from_settings(make_settings(tmp_path / "b", pg_url, mqtt_url=url))
    sync = MosquittoSync(
        first.sessions,
        directory=files,
        service_username=SERVICE_USERNAME,
        service_password=password,
        service_listener=f"{service_port} 127.0.0.1",
        device_listener=listener,
    )
    config = sync.write_static()
    await sync.sync(force=True)
    broker: Mosquitto = start_mosquitto(
        tmp_path / "mosquitto",
        f"pid_file {tmp_path / 'mosquitto' / 'mosquitto.pid'}\n" + config.read_text(),
        port=service_port,
        own_listener=False,  # hearth's file declares both listeners
    )
    try:
        await first.start()
        await second.start()
        try:
            yield first, second, device_port
        finally:
            await first.stop()
            await second.stop()
    finally:
        stop_mosquitto(broker)


async def _connect(port: int, device_id: str, secret: str) -> WireClient:
    for _ in range(100):
        try:
            return await WireClient.connect(
                "127.0.0.1", port, client_id=device_id, username=device_id, password=secret
            )
        except BrokerError:
            await asyncio.sleep(0.05)  # the broker has not re-read its password file yet
    raise AssertionError(f"{device_id} could not connect")


async def test_two_workers_apply_every_report_exactly_once(
    workers: tuple[Hearth, Hearth, int],
) -> None:
    first, second, port = workers
    await add_model(first)
    user, home = await fan_with_home(first)
    units = await mint(first, DEVICES)
    await bind(first, user, home, *units)
    clients = [await _connect(port, u.device_id, u.secret) for u in units]

    async def send(client: WireClient, device_id: str) -> None:
        topic = protocol.up_topic(device_id, Up.REPORT)
        for seq in range(1, REPORTS + 1):
            body = json.dumps({"boot": 9, "seq": seq, "props": {"2.2": seq, "2.1": seq % 2 == 0}})
            await client.publish(topic, body.encode(), qos=1)
            if seq % 7 == 0:  # a redelivery, as QoS 1 allows
                await client.publish(topic, body.encode(), qos=1)

    await asyncio.gather(*(send(c, u.device_id) for c, u in zip(clients, units, strict=True)))

    async def total() -> int:
        async with first.sessions() as session:
            return int(await session.scalar(select(func.sum(DeviceState.reports))) or 0)

    async def all_applied() -> bool:
        return await total() >= DEVICES * REPORTS

    await eventually(all_applied, within=30)
    await asyncio.sleep(0.5)  # anything applied twice would show up now
    assert await total() == DEVICES * REPORTS
    async with first.sessions() as session:
        per_device = dict(
            (row[0], row[1])
            for row in await session.execute(
                select(HistoryPoint.device_id, func.count()).group_by(HistoryPoint.device_id)
            )
        )
        states = list(await session.scalars(select(DeviceState)))
    assert per_device == {u.device_id: REPORTS * 2 for u in units}
    assert all(s.reported == {"2.2": REPORTS, "2.1": True} and s.reports == REPORTS for s in states)
    assert first.cloud is not None and second.cloud is not None
    assert first.cloud.ingest is not None and second.cloud.ingest is not None
    shares = (first.cloud.ingest.applied, second.cloud.ingest.applied)
    assert sum(shares) == DEVICES * REPORTS
    assert min(shares) > 0, f"one worker did all the work: {shares}"
    for client in clients:
        await client.disconnect()
