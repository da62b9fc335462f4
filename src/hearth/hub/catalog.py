"""Products as the cloud knows them: device models, each a model id and its spec.

The platform's built-in library is registered with ``partner_id`` NULL; a partner's
model ids start with its slug (``lumi-labs.sensor.v1``), so nobody can squat another's
names. Two namespaces are the platform's: only the library uses ``hearth.``, and only a
product's certification flow uses ``certify.<product id>`` (``hearth.mall.certification``
builds that model itself); no company may take either as its slug, and nobody registers a
model in them through ``save_model``. Which partner a caller speaks for is the
mall's to say (``hearth.mall.makers``); here a partner is the plain ``Maker`` values.
``SpecCache`` keeps each spec compiled once per process and version: it is derived data,
rebuilt from the table at will.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth.accounts.models import User
from hearth.accounts.roles import Capability, can
from hearth.devices.compiled import CompiledSpec, compile_spec
from hearth.devices.rules import parse_spec
from hearth.devices.spec import Spec, spec_to_dict
from hearth.errors import Conflict, InvalidInput, NotFound
from hearth.hub.models import DeviceModel

LIBRARY_PREFIX = "hearth."
CERTIFICATION_PREFIX = "certify."
RESERVED_SLUGS = frozenset(p.rstrip(".") for p in (LIBRARY_PREFIX, CERTIFICATION_PREFIX))


def reserved_slug(slug: str) -> bool:
    """Tell whether a company slug would collide with a namespace the platform reserves."""
    return slug in RESERVED_SLUGS


@dataclass(frozen=True)
class Maker:
    """The partner company a product belongs to: its id, and its name and slug, which
    every one of its model ids starts with."""

    partner_id: str
    name: str
    slug: str


def _check_owner(model_id: str, maker: Maker | None) -> None:
    if model_id.startswith(CERTIFICATION_PREFIX):
        # A product's certification model is made by its certification run, for that
        # product's partner; registered ahead by anyone, it would hand over the product's
        # test units and its unreleased spec.
        message = f"model ids starting with {CERTIFICATION_PREFIX} are reserved for certification"
        raise InvalidInput.fields([{"field": "model", "message": message}])
    if maker is None:
        return
    if model_id.startswith(LIBRARY_PREFIX) or not model_id.startswith(maker.slug + "."):
        raise InvalidInput(
            f"a {maker.name} model id starts with {maker.slug + '.'!r}",
            detail=[{"field": "model", "message": f"start with {maker.slug}."}],
        )


async def save_model(
    session: AsyncSession, *, spec: Spec, now: datetime, maker: Maker | None = None
) -> tuple[DeviceModel, bool]:
    """Register a spec as a product (the platform's when ``maker`` is None), or move it to a
    newer version; tell whether it changed.

    Re-registering the same version changes nothing; an older version is refused.
    """
    _check_owner(spec.model, maker)
    partner_id = maker.partner_id if maker else None
    row = await session.get(DeviceModel, spec.model, with_for_update=True)
    document = spec_to_dict(spec)
    if row is None:
        row = DeviceModel(
            id=spec.model,
            name=spec.name,
            spec=document,
            spec_version=spec.version,
            partner_id=partner_id,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        await session.flush()
        return row, True
    if row.partner_id != partner_id:
        raise NotFound(f"no product {spec.model!r}")
    if spec.version < row.spec_version or (
        spec.version == row.spec_version and document != row.spec
    ):
        raise Conflict(f"{spec.model} is at version {row.spec_version}; publish a higher version")
    if spec.version == row.spec_version:
        return row, False
    row.spec, row.spec_version, row.name, row.updated_at = document, spec.version, spec.name, now
    return row, True


async def register_library(session: AsyncSession, specs: Iterable[Spec], *, now: datetime) -> int:
    """Register the built-in library (idempotent); return how many models changed."""
    changed = 0
    for spec in specs:
        _, did = await save_model(session, spec=spec, now=now)
        changed += did
    return changed


async def list_models(session: AsyncSession, *, by: User | None = None) -> list[DeviceModel]:
    """Return the products ``by`` may manage (all for operators), by model id."""
    query = select(DeviceModel).order_by(DeviceModel.id)
    if by is not None and not can(by.role, Capability.OPERATE):
        query = query.where(DeviceModel.partner_id == by.partner_id)
    return list(await session.scalars(query))


def compile_model(row: DeviceModel) -> CompiledSpec:
    """Compile a model row's spec document."""
    return compile_spec(parse_spec(row.spec))


class SpecCache:
    """Compiled specs by model id, reloaded when the stored version moves on."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._compiled: dict[str, tuple[int, CompiledSpec]] = {}

    def peek(self, model_id: str) -> CompiledSpec | None:
        """Return the compiled spec if it is already here (no I/O)."""
        entry = self._compiled.get(model_id)
        return entry[1] if entry else None

    async def get(self, model_id: str, *, fresh: bool = False) -> CompiledSpec:
        """Return the compiled spec of ``model_id``; ``fresh`` re-checks the version."""
        entry = self._compiled.get(model_id)
        if entry is not None and not fresh:
            return entry[1]
        async with self._sessions() as session:
            row = await session.get(DeviceModel, model_id)
        if row is None:
            raise NotFound(f"no product {model_id!r}")
        return self.put(row)

    def put(self, row: DeviceModel) -> CompiledSpec:
        """Compile a model row's spec (unless this version is compiled already)."""
        entry = self._compiled.get(row.id)
        if entry is not None and entry[0] == row.spec_version:
            return entry[1]
        compiled = compile_model(row)
        self._compiled[row.id] = (row.spec_version, compiled)
        return compiled
