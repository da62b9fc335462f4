"""Fixtures for the device cloud: products, minted devices, and brokers that enforce access.

``rig`` runs each test on the embedded broker and on a real Mosquitto configured the way
hearth configures it (its generated password and ACL files, reloaded on change).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiomqtt
import pytest

from hearth import db
from hearth.accounts import service as accounts
from hearth.accounts.models import User
from hearth.bootstrap import Hearth
from hearth.devices.compiled import compile_spec
from hearth.devices.rules import parse_spec
from hearth.errors import BrokerError
from hearth.homes import binding
from hearth.homes import service as homes
from hearth.homes.models import Home
from hearth.hub import identity
from hearth.hub.acl import SERVICE_USERNAME, service_password
from hearth.hub.models import DeviceModel, DeviceState
from hearth.hub.mosquitto import MosquittoSync
from hearth.hub.simulator import Credentials, SimulatedDevice
from hearth.kit.ports import free_port
from hearth.mqtt.wire import WireClient
from hearth.outbox import unit_of_work
from tests.conftest import TEST_SECRET, make_settings
from tests.helpers import PASSWORD
from tests.hub.specs import LAMP, LOCK
from tests.servers import Mosquitto, start_mosquitto, stop_mosquitto

TEST_MODEL = "test.lamp.v1"
LOCK_MODEL = "test.lock.v1"


async def add_model(
    runtime: Hearth,
    model_id: str = TEST_MODEL,
    *,
    spec: dict[str, Any] | None = None,
    partner_id: str | None = None,
) -> None:
    """Register a product directly (the catalog's own tests cover registration)."""
    document = dict(spec or (LAMP if model_id == TEST_MODEL else LOCK))
    document["model"] = model_id
    async with db.transaction(runtime.sessions) as session:
        session.add(DeviceModel(id=model_id, name=model_id, spec=document, partner_id=partner_id))


async def fan_with_home(runtime: Hearth, username: str = "mia") -> tuple[User, Home]:
    """Create a fan with one home."""
    async with db.transaction(runtime.sessions) as session:
        user = await accounts.create_user(
            session, now=datetime.now(UTC), username=username, password=PASSWORD
        )
        home = await homes.create_home(
            session, owner=user, name=f"{username}'s flat", now=runtime.clock.now()
        )
    return user, home


async def bind(runtime: Hearth, user: User, home: Home, *units: identity.Minted) -> None:
    """Add devices to a home with their pairing codes, as the fan would."""
    for unit in units:
        async with unit_of_work(runtime.sessions, runtime.publish) as session:
            await binding.bind(
                session,
                user=user,
                home_id=home.id,
                pairing_code=unit.pairing_code,
                now=runtime.clock.now(),
            )


async def mint(
    runtime: Hearth, count: int = 1, model_id: str = TEST_MODEL
) -> list[identity.Minted]:
    """Mint units in a unit of work that announces them, as the API and the CLI do."""
    async with unit_of_work(runtime.sessions, runtime.publish) as session:
        units = await identity.mint(
            session, model_id=model_id, count=count, now=runtime.clock.now()
        )
    return units


@dataclass
class Rig:
    """A started hearth and the broker its devices connect to: "embedded" (the default
    setup: the Mosquitto hearth runs itself where installed), "amqtt" (the fallback inside
    the process) or "mosquitto" (an external one, run by the operator)."""

    kind: str
    hearth: Hearth
    device_port: int
    service_port: int
    service_password: str
    mosquitto: Mosquitto | None = None
    _observers: list[aiomqtt.Client] = field(default_factory=list)

    @property
    def mqtt5(self) -> bool:
        return self.hearth.broker is None  # every broker but amqtt

    @property
    def files_based(self) -> bool:
        """Whether device credentials reach the broker through Mosquitto's files."""
        return self.hearth.broker is None

    @contextlib.asynccontextmanager
    async def observer(self, topic_filter: str) -> AsyncIterator[asyncio.Queue[aiomqtt.Message]]:
        """Watch ``topic_filter`` with hearth's service account; yield the messages seen."""
        seen: asyncio.Queue[aiomqtt.Message] = asyncio.Queue()
        async with aiomqtt.Client(
            "127.0.0.1",
            self.service_port,
            username=SERVICE_USERNAME,
            password=self.service_password,
            protocol=aiomqtt.ProtocolVersion.V311,
        ) as client:
            await client.subscribe(topic_filter, qos=1)

            async def pump() -> None:
                async for message in client.messages:
                    await seen.put(message)

            task = asyncio.create_task(pump())
            try:
                yield seen
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def mint(self, count: int = 1, model_id: str = TEST_MODEL) -> list[identity.Minted]:
        """Mint units and wait until the broker lets them in."""
        units = await mint(self.hearth, count, model_id)
        if self.files_based:
            probe = units[-1]
            for _ in range(100):
                try:
                    client = await WireClient.connect(
                        "127.0.0.1",
                        self.device_port,
                        client_id=probe.device_id,
                        username=probe.device_id,
                        password=probe.secret,
                    )
                except BrokerError:
                    await asyncio.sleep(0.05)
                    continue
                await client.disconnect()
                break
        return units

    async def restart_broker(self, *, down_for: float = 0.5) -> None:
        """Stop the broker and start it again on the same ports, as an operator would."""
        supervised = self.hearth.supervised
        if supervised is not None:
            # Stopped from outside: hearth notices and starts it again.
            assert supervised.process is not None
            restarts = supervised.restarts
            supervised.process.terminate()
            await eventually(lambda: _true(supervised.restarts > restarts and supervised.running))
            return
        if self.mosquitto is None:
            assert self.hearth.broker is not None
            await self.hearth.broker.stop()
            await asyncio.sleep(down_for)  # the outage itself, not a wait for anything
            await self.hearth.broker.start()
            return
        old = self.mosquitto
        stop_mosquitto(old)
        await asyncio.sleep(down_for)  # the outage itself, not a wait for anything
        self.mosquitto = start_mosquitto(
            old.directory,
            old.extra_config,
            port=old.port,
            own_listener=old.own_listener,
            include_dir=old.include_dir,
        )

    async def service_publish(self, topic: str, payload: bytes) -> None:
        assert self.hearth.mqtt is not None
        await self.hearth.mqtt.publish(topic, payload, qos=1)


async def _true(value: bool) -> bool:
    return value


# The default embedded broker (Mosquitto run by hearth, as the tests have it installed), an
# external Mosquitto, and (in this directory only) the amqtt fallback.
RIGS = ["embedded", pytest.param("mosquitto", marks=pytest.mark.mosquitto)]


@pytest.fixture(params=[*RIGS, "amqtt"])
async def rig(
    request: pytest.FixtureRequest, tmp_path: Path, database_url: str
) -> AsyncIterator[Rig]:
    """A hearth with the device cloud on each broker it runs with."""
    async with running_rig(request.param, tmp_path, database_url) as built:
        yield built


@pytest.fixture(params=RIGS, name="rig")
async def default_and_external_rig(
    request: pytest.FixtureRequest, tmp_path: Path, database_url: str
) -> AsyncIterator[Rig]:
    """``rig`` for other areas' tests: the default embedded broker and an external
    Mosquitto (the amqtt fallback is covered by the device cloud's own tests). Import it
    into a conftest to use it."""
    async with running_rig(request.param, tmp_path, database_url) as built:
        yield built


@contextlib.asynccontextmanager
async def running_rig(kind: str, tmp_path: Path, database_url: str) -> AsyncIterator[Rig]:
    """A hearth with the device cloud on the default embedded broker ("embedded"), on amqtt,
    or on an external Mosquitto ("mosquitto")."""
    password = service_password(TEST_SECRET)
    if kind in ("embedded", "amqtt"):
        choice = "auto" if kind == "embedded" else "amqtt"
        runtime = Hearth.from_settings(
            make_settings(tmp_path, database_url, embedded_broker=choice)
        )
        port = runtime.settings.embedded_mqtt_port
        try:
            await runtime.start()
            supervised = runtime.supervised
            service_port = supervised.service_port if supervised is not None else port
            yield Rig(kind, runtime, port, service_port, password)
        finally:
            await runtime.stop()
        return
    directory = tmp_path / "mosquitto"
    files = directory / "hearth"
    service_port = free_port()
    device_port = free_port(other_than={service_port})
    url = f"mqtt://{SERVICE_USERNAME}:{password}@127.0.0.1:{service_port}"
    settings = make_settings(
        tmp_path,
        database_url,
        mqtt_url=url,
        mosquitto_dir=files,
        mosquitto_pid_file=directory / "mosquitto.pid",
        mosquitto_device_listener=f"{device_port} 127.0.0.1",
    )
    runtime = Hearth.from_settings(settings)
    broker = None
    try:
        # What `hearth broker mosquitto` does before the broker first starts.
        bootstrap = MosquittoSync(
            runtime.sessions,
            directory=files,
            service_username=SERVICE_USERNAME,
            service_password=password,
            service_listener=f"{service_port} 127.0.0.1",
            device_listener=f"{device_port} 127.0.0.1",
        )
        config = bootstrap.write_static()
        await bootstrap.sync(force=True)
        broker = start_mosquitto(  # hearth's file declares both listeners
            directory,
            f"pid_file {directory / 'mosquitto.pid'}\n" + config.read_text(),
            port=service_port,
            own_listener=False,
        )
        rig = Rig("mosquitto", runtime, device_port, service_port, password, broker)
        await runtime.start()
        yield rig
    finally:
        await runtime.stop()  # closes the database even when setting up failed
        if broker is not None:
            assert rig.mosquitto is not None
            stop_mosquitto(rig.mosquitto)  # the one running now, after any restart


def simulated(rig: Rig, unit: identity.Minted, **options: Any) -> SimulatedDevice:
    """A simulated device for ``unit`` that reports only when told (unless options say)."""
    document = LAMP if unit.model_id == TEST_MODEL else LOCK
    spec = compile_spec(parse_spec({**document, "model": unit.model_id}))
    options.setdefault("report_every", 3600.0)
    return SimulatedDevice(
        Credentials(unit.device_id, unit.model_id, unit.secret),
        spec,
        host="127.0.0.1",
        port=rig.device_port,
        rng=random.Random(7),
        **options,
    )


async def state_of(runtime: Hearth, device_id: str) -> DeviceState:
    async with runtime.sessions() as session:
        state = await session.get(DeviceState, device_id)
    assert state is not None
    return state


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 10.0) -> None:
    """Wait until ``check`` passes; fail with a clear message if it never does."""
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"still not true after {within} s")
        await asyncio.sleep(0.05)
