"""Operator tasks for the CLI: mint, rotate, revoke, prepare a simulated fleet, announce.

The CLI is not a running hearth, so after a change it *announces* it: its unit of work
(``unit_for``) hands the events it committed to an ``Announcer``, which connects to the
broker as hearth's service account for a moment and relays them (``hearth.relay``) to
every running process, which then drops a revoked device or rewrites Mosquitto's files.
If no hearth is running there is nobody to tell; the change applies when one starts,
since every check reads the database.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from hearth import db
from hearth.config import Settings
from hearth.devices import library
from hearth.devices.native import guess_format, spec_from_text
from hearth.devices.spec import Spec
from hearth.errors import InvalidInput
from hearth.hub import catalog, identity, supervised
from hearth.hub.acl import SERVICE_USERNAME, service_password
from hearth.hub.simulator import Credentials
from hearth.mqtt.address import BrokerAddress
from hearth.mqtt.link import MqttLink
from hearth.outbox import Publish, unit_of_work
from hearth.relay import encode, topic


@contextlib.asynccontextmanager
async def session_for(settings: Settings) -> AsyncIterator[AsyncSession]:
    """Open one transaction on the configured (and fully migrated) database."""
    engine = db.create_engine(settings.resolved_database_url, pool=False)
    try:
        await db.check_schema(engine)
        async with db.transaction(db.session_factory(engine)) as session:
            yield session
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def unit_for(settings: Settings, publish: Publish) -> AsyncIterator[AsyncSession]:
    """Open a unit of work on the configured (fully migrated) database: committed, then
    the events it recorded handed to ``publish``."""
    engine = db.create_engine(settings.resolved_database_url, pool=False)
    try:
        await db.check_schema(engine)
        async with unit_of_work(db.session_factory(engine), publish) as session:
            yield session
    finally:
        await engine.dispose()


def service_address(settings: Settings) -> BrokerAddress:
    """Where hearth's own processes reach the broker."""
    if settings.mqtt_url:
        return BrokerAddress.from_url(settings.mqtt_url)
    if settings.embedded_mosquitto is not None:
        directory = supervised.supervised_directory(settings.data_dir, settings.embedded_mqtt_port)
        port = supervised.kept_service_port(directory)
        if port is not None:
            return supervised.service_address(port, settings.secret)
    return BrokerAddress(
        settings.embedded_mqtt_host,
        settings.embedded_mqtt_port,
        SERVICE_USERNAME,
        service_password(settings.secret),
        mqtt5=False,
    )


async def announce(settings: Settings, *events: object, wait: float = 3.0) -> bool:
    """Relay events to running hearth processes; tell whether a broker took them."""
    link = MqttLink(service_address(settings), client_prefix="hearth-cli")
    await link.start()
    try:
        if not await link.wait_connected(wait):
            return False
        for event in events:
            await link.publish(topic(event, "cli"), encode(event, "cli"), qos=1)
        return True
    finally:
        await link.stop()


class Announcer:
    """A CLI command's ``publish``: announces committed events to running hearth processes.

    ``delivered`` tells whether a broker took them (None: there was nothing to tell).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.delivered: bool | None = None

    async def __call__(self, *events: object) -> None:
        self.delivered = await announce(self.settings, *events)


def write_secret_file(path: Path, text: str) -> None:
    """Write a file only its owner may read (it holds device secrets)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def load_spec_files(paths: Sequence[Path]) -> list[Spec]:
    """Read native spec files (JSON or YAML)."""
    specs = []
    for path in paths:
        try:
            text = path.read_bytes()
        except OSError as err:
            raise InvalidInput(f"cannot read {path}: {err.strerror}") from err
        specs.append(spec_from_text(text, fmt=guess_format(path.name)))
    return specs


async def ensure_products(
    session: AsyncSession, extra: Sequence[Spec] = (), *, now: datetime
) -> None:
    """Register the built-in library and any extra specs (idempotent)."""
    await catalog.register_library(session, library.list_specs(), now=now)
    for spec in extra:
        await catalog.save_model(session, spec=spec, now=now)


async def mint_fleet(
    session: AsyncSession, *, products: Sequence[str], count: int, now: datetime
) -> list[identity.Minted]:
    """Mint ``count`` units spread evenly over ``products``."""
    if not products:
        raise InvalidInput("name at least one product")
    units: list[identity.Minted] = []
    for index, model_id in enumerate(products):
        share = count // len(products) + (1 if index < count % len(products) else 0)
        if share:
            units.extend(await identity.mint(session, model_id=model_id, count=share, now=now))
    return units


def fleet_credentials(units: Sequence[identity.Minted]) -> list[Credentials]:
    return [Credentials(u.device_id, u.model_id, u.secret) for u in units]
