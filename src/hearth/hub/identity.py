"""Device identity: mint units of a product, rotate their secrets, revoke them.

Minting creates, per unit, a device id (its MQTT username), a secret (for its firmware)
and a pairing code (for its label); only hashes are stored, so the returned ``Minted``
list is the one and only time the secrets exist outside the devices. A partner mints
units of its own products; platform operators (and the CLI) of any product. A product
that is not the caller's answers ``NotFound``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.accounts.roles import Capability, can
from hearth.errors import DeviceError, InvalidInput, NotFound
from hearth.hub import credentials
from hearth.hub.events import DeviceCredentialsChanged, DevicesMinted
from hearth.hub.models import Device, DeviceModel, DeviceState
from hearth.hub.status import DEVICE_WORKFLOW, DeviceStatus
from hearth.kit.ids import new_id
from hearth.outbox import record

MAX_MINT = 10_000
# The batch of the units hearth makes to simulate a product (to try the app without
# hardware): the background process runs each one in a home as a virtual device.
SIMULATED_BATCH = "simulated"


@dataclass(frozen=True)
class Minted:
    """A new unit and its secrets, as the factory needs them."""

    device_id: str
    model_id: str
    secret: str
    pairing_code: str

    @property
    def qr(self) -> str:
        return credentials.qr_payload(self.device_id, self.pairing_code)


CSV_COLUMNS = ("device_id", "model", "secret", "pairing_code", "qr")


def factory_csv(units: Sequence[Minted]) -> str:
    """Return the factory's CSV: one line per unit with its secret and label data."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for unit in units:
        writer.writerow((unit.device_id, unit.model_id, unit.secret, unit.pairing_code, unit.qr))
    return out.getvalue()


def may_manage(user: User | None, model: DeviceModel) -> bool:
    """Tell whether ``user`` (None: the operator's CLI) may mint and manage this product."""
    if user is None or can(user.role, Capability.OPERATE):
        return True
    return (
        can(user.role, Capability.PARTNER_CONSOLE)
        and model.partner_id is not None
        and model.partner_id == user.partner_id
    )


async def _managed_model(session: AsyncSession, user: User | None, model_id: str) -> DeviceModel:
    model = await session.get(DeviceModel, model_id)
    if model is None or not may_manage(user, model):
        raise NotFound(f"no product {model_id!r}")
    return model


async def mint(
    session: AsyncSession, *, model_id: str, count: int, now: datetime, by: User | None = None
) -> list[Minted]:
    """Create ``count`` units of a product; return their secrets (shown this once)."""
    if not 1 <= count <= MAX_MINT:
        raise InvalidInput(
            f"mint 1-{MAX_MINT} devices at a time",
            detail=[{"field": "count", "message": f"1-{MAX_MINT}"}],
        )
    model = await _managed_model(session, by, model_id)
    batch = new_id("bat")
    units: list[Minted] = []
    for _ in range(count):
        unit = Minted(
            device_id=credentials.new_device_id(),
            model_id=model.id,
            secret=credentials.new_secret(),
            pairing_code=credentials.new_pairing_code(),
        )
        units.append(unit)
        session.add(
            Device(
                id=unit.device_id,
                model_id=model.id,
                secret_hash=credentials.hash_secret(unit.secret),
                pairing_digest=credentials.pairing_digest(unit.pairing_code),
                status=DeviceStatus.ACTIVE.value,
                batch=batch,
                created_at=now,
                credentials_at=now,
            )
        )
    await session.flush()
    session.add_all(DeviceState(device_id=unit.device_id) for unit in units)
    await session.flush()
    record(session, DevicesMinted(model.id, len(units)))
    return units


async def mint_simulated(
    session: AsyncSession, *, model_id: str, key: str, now: datetime
) -> Minted:
    """Make one unit of a built-in product that hearth simulates itself (anyone may try
    one); its secret is derived from ``key`` (``credentials.simulated_secret``)."""
    model = await session.get(DeviceModel, model_id)
    if model is None or model.partner_id is not None:
        raise NotFound("There is no built-in product by that name.")
    device_id = credentials.new_device_id()
    unit = Minted(
        device_id=device_id,
        model_id=model.id,
        secret=credentials.simulated_secret(key, device_id),
        pairing_code=credentials.new_pairing_code(),
    )
    session.add(
        Device(
            id=unit.device_id,
            model_id=model.id,
            secret_hash=credentials.hash_secret(unit.secret),
            pairing_digest=credentials.pairing_digest(unit.pairing_code),
            status=DeviceStatus.ACTIVE.value,
            batch=SIMULATED_BATCH,
            created_at=now,
            credentials_at=now,
        )
    )
    await session.flush()
    session.add(DeviceState(device_id=unit.device_id))
    await session.flush()
    record(session, DevicesMinted(model.id, 1))
    return unit


async def managed_device(session: AsyncSession, *, device_id: str, by: User | None) -> Device:
    """Return a device whose product ``by`` manages; anything else is ``NotFound``."""
    row = await session.execute(
        select(Device, DeviceModel)
        .join(DeviceModel, DeviceModel.id == Device.model_id)
        .where(Device.id == device_id)
    )
    found = row.first()
    if found is None or not may_manage(by, found[1]):
        raise NotFound("no such device")
    return found[0]


async def rotate_secret(
    session: AsyncSession, *, device_id: str, now: datetime, by: User | None = None
) -> str:
    """Give a device a new secret; the old one stops working at once. Return the new one."""
    device = await managed_device(session, device_id=device_id, by=by)
    if device.status != DeviceStatus.ACTIVE:
        raise DeviceError("a revoked device cannot get a new secret")
    secret = credentials.new_secret()
    device.secret_hash = credentials.hash_secret(secret)
    device.credentials_at = now
    record(session, DeviceCredentialsChanged(device.id, False))
    return secret


async def revoke(
    session: AsyncSession, *, device_id: str, now: datetime, by: User | None = None
) -> Device:
    """Revoke a device for good: it can no longer connect, and is dropped if connected."""
    device = await managed_device(session, device_id=device_id, by=by)
    target = DEVICE_WORKFLOW.move(DeviceStatus(device.status), DeviceStatus.REVOKED)
    device.status = target.value
    device.revoked_at = device.credentials_at = now
    record(session, DeviceCredentialsChanged(device.id, True))
    return device


async def list_units(
    session: AsyncSession, *, model_id: str, by: User | None = None, limit: int = 100
) -> list[Device]:
    """Return a product's units, newest first."""
    await _managed_model(session, by, model_id)
    rows = await session.scalars(
        select(Device)
        .where(Device.model_id == model_id)
        .order_by(Device.created_at.desc(), Device.id.desc())
        .limit(limit)
    )
    return list(rows)
