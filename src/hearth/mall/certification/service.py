"""Certification runs: start one, run it in this process's background, read the results.

The run row is the truth and lives in the database, so any hearth process shows it; the
process that accepted the request runs it and beats (``beat_at``) while it does. A run
whose beat stopped (its process ended) is settled as failed, ``interrupted``, when hearth
starts and whenever it is read.

Each run mints one test unit of a certification model (``certify.<product id>``, the
product's current spec) for the product's partner, and revokes it when the run ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db
from hearth.accounts.models import User
from hearth.accounts.roles import Capability, can
from hearth.devices.compiled import CompiledSpec, compile_spec
from hearth.devices.rules import parse_spec
from hearth.errors import Conflict, HearthError, InvalidInput, NotFound
from hearth.hub import catalog, identity
from hearth.hub.access import DeviceAccess
from hearth.hub.acl import SERVICE_USERNAME, service_password
from hearth.hub.broker import EmbeddedBroker
from hearth.hub.models import DeviceModel
from hearth.hub.simulator import Credentials
from hearth.kit.clock import Clock, SystemClock
from hearth.kit.ports import free_port
from hearth.mall import products
from hearth.mall.certification.checks import Outcome
from hearth.mall.certification.faults import CertifiedDevice, Fault
from hearth.mall.certification.models import CertificationRun
from hearth.mall.certification.report import RUN_WORKFLOW, RunStatus, Subject, build_report
from hearth.mall.certification.runner import (
    Endpoint,
    Progress,
    Timing,
    Unit,
    certify,
)
from hearth.mall.models import Product
from hearth.mqtt.address import BrokerAddress
from hearth.outbox import unit_of_work

if TYPE_CHECKING:  # the composition root builds on this module, not the reverse
    from hearth.bootstrap import Hearth

log = structlog.get_logger(__name__)

MODEL_PREFIX = catalog.CERTIFICATION_PREFIX
BEAT_SECONDS = 2.0
STALE_AFTER = timedelta(seconds=30)
INTERRUPTED = "interrupted: the process running it stopped"
REAL_TIMING = Timing(online_ms=120_000, answer_ms=5_000, will_ms=60_000)


class DeviceKind(StrEnum):
    SIMULATED = "simulated"  # hearth simulates a device from the spec
    REAL = "real"  # the partner connects a device with the run's test credentials


@dataclass(frozen=True)
class Job:
    """What the background needs to run a recorded run (plain values, no rows)."""

    run_id: str
    product_id: str
    device: DeviceKind
    unit: identity.Minted


@dataclass(frozen=True)
class Started:
    """A started run and its test unit's credentials (shown this once)."""

    run: CertificationRun
    unit: identity.Minted

    @property
    def job(self) -> Job:
        return Job(self.run.id, self.run.product_id, DeviceKind(self.run.device), self.unit)


def test_model_id(product_id: str) -> str:
    return f"{MODEL_PREFIX}{product_id}"


async def _certifiable(session: AsyncSession, *, user: User, product_id: str) -> Product:
    """Return a product whose runs ``user`` may see and start: its partner, or reviewers."""
    product = await products.get_product(session, user=user, product_id=product_id)
    member = user.partner_id == product.partner_id and can(user.role, Capability.PARTNER_CONSOLE)
    if not member and not can(user.role, Capability.REVIEW):
        raise NotFound("no such product")
    return product


async def _test_model(session: AsyncSession, product: Product, now: datetime) -> DeviceModel:
    """Return the certification model of ``product``, carrying its current spec."""
    assert product.spec is not None
    row = await session.get(DeviceModel, test_model_id(product.id), with_for_update=True)
    if row is None:
        row = DeviceModel(
            id=test_model_id(product.id),
            name=f"{product.name} (certification)"[:120],
            spec=product.spec,
            spec_version=product.spec_version,
            partner_id=product.partner_id,
        )
        session.add(row)
        await session.flush()
    elif row.partner_id != product.partner_id:
        # Made by something other than this product's runs (registration refuses the
        # namespace now): never give its holder the product's spec or test units.
        log.warning("certification_model_held_elsewhere", model=row.id, holder=row.partner_id)
        raise Conflict(
            "this product's certification model is held by another company; "
            "ask the platform's operators to remove it"
        )
    elif row.spec_version != product.spec_version or row.spec != product.spec:
        row.spec, row.spec_version, row.updated_at = product.spec, product.spec_version, now
    return row


async def start_run(
    session: AsyncSession, *, user: User, product_id: str, device: DeviceKind, now: datetime
) -> Started:
    """Record a new run of the product's current spec and mint its test unit."""
    product = await _certifiable(session, user=user, product_id=product_id)
    if product.spec is None:
        raise Conflict("add the product's device spec before certifying it")
    await settle(session, now=now, product_id=product.id)
    busy = await session.scalar(
        select(CertificationRun.id).where(
            CertificationRun.product_id == product.id,
            CertificationRun.status == RunStatus.RUNNING.value,
        )
    )
    if busy is not None:
        raise Conflict("a certification run of this product is still running")
    model = await _test_model(session, product, now)
    (unit,) = await identity.mint(session, model_id=model.id, count=1, now=now)
    run = CertificationRun(
        product_id=product.id,
        spec_version=product.spec_version,
        device=device.value,
        device_id=unit.device_id,
        status=RunStatus.RUNNING.value,
        reason="",
        total=0,
        passed=0,
        failed=0,
        started_by=user.id,
        started_at=now,
        beat_at=now,
    )
    session.add(run)
    await session.flush()
    return Started(run, unit)


async def settle(session: AsyncSession, *, now: datetime, product_id: str | None = None) -> int:
    """Fail runs whose process stopped beating by ``now``; return how many."""
    query = (
        update(CertificationRun)
        .where(
            CertificationRun.status == RunStatus.RUNNING.value,
            CertificationRun.beat_at < now - STALE_AFTER,
        )
        .values(status=RunStatus.FAILED.value, reason=INTERRUPTED, finished_at=now)
    )
    if product_id is not None:
        query = query.where(CertificationRun.product_id == product_id)
    result = await session.execute(query)
    return int(getattr(result, "rowcount", 0) or 0)


async def recover(sessions: async_sessionmaker[AsyncSession], clock: Clock | None = None) -> int:
    """On start-up: fail the runs interrupted by a stopped process.

    ``clock`` is the hearth's; without one (the app's lifespan passes only the sessions)
    it is the system clock."""
    now = (clock or SystemClock()).now()
    async with db.transaction(sessions) as session:
        return await settle(session, now=now)


async def list_runs(
    session: AsyncSession, *, user: User, product_id: str, now: datetime
) -> tuple[Product, list[CertificationRun]]:
    """Return a product and its runs, newest first."""
    product = await _certifiable(session, user=user, product_id=product_id)
    await settle(session, now=now, product_id=product.id)
    rows = await session.scalars(
        select(CertificationRun)
        .where(CertificationRun.product_id == product.id)
        .order_by(CertificationRun.started_at.desc(), CertificationRun.id.desc())
    )
    return product, list(rows)


async def get_run(
    session: AsyncSession, *, user: User, run_id: str, now: datetime
) -> tuple[Product, CertificationRun]:
    """Return a run of a product ``user`` may certify (anything else is ``NotFound``)."""
    run = await session.get(CertificationRun, run_id)
    if run is None:
        raise NotFound("no such certification run")
    product = await _certifiable(session, user=user, product_id=run.product_id)
    if await settle(session, now=now, product_id=product.id):
        await session.refresh(run)
    return product, run


async def published_run(
    session: AsyncSession, *, product_id: str
) -> tuple[Product, CertificationRun]:
    """Return the passed run that certifies a product on show in the mall: the newest of
    its current spec version (the one its approval rests on), or raise ``NotFound``."""
    product, _ = await products.public_product(session, product_id=product_id)
    run = await session.scalar(
        select(CertificationRun)
        .where(
            CertificationRun.product_id == product.id,
            CertificationRun.spec_version == product.spec_version,
            CertificationRun.status == RunStatus.PASSED.value,
        )
        .order_by(CertificationRun.finished_at.desc(), CertificationRun.id.desc())
        .limit(1)
    )
    if run is None:
        raise NotFound("this product has no certification report to show")
    return product, run


# -- running -----------------------------------------------------------------------------


def launch(
    runtime: Hearth,
    job: Job,
    *,
    timing: Timing | None = None,
    faults: frozenset[Fault] = frozenset(),
) -> asyncio.Task[None]:
    """Run a recorded run in this process's background."""
    return runtime.spawn(
        execute(runtime, job, timing=timing, faults=faults), name=f"cert-{job.run_id}"
    )


async def launch_later(runtime: Hearth, job: Job) -> None:
    """Start a run once the request that recorded it has committed (a background task)."""
    launch(runtime, job)


def device_address(runtime: Hearth) -> tuple[str, int]:
    """Return where devices connect to the broker this hearth uses."""
    settings = runtime.settings
    if settings.uses_embedded_broker:
        host = settings.embedded_mqtt_host
        return ("127.0.0.1" if host in ("", "0.0.0.0", "::") else host), (
            settings.embedded_mqtt_port
        )
    port, _, host = settings.mosquitto_device_listener.strip().partition(" ")
    return host.strip() or runtime.broker_address().host, int(port)


@contextlib.asynccontextmanager
async def endpoint(runtime: Hearth) -> AsyncIterator[Endpoint]:
    """Yield the broker to certify through: hearth's own, or a private one if it has none."""
    if runtime.mqtt is not None:
        host, port = device_address(runtime)
        yield Endpoint(runtime.broker_address(), host, port)
        return
    secret = runtime.settings.secret
    broker = EmbeddedBroker(
        access=DeviceAccess(secret, runtime.sessions), host="127.0.0.1", port=free_port()
    )
    await broker.start()
    try:
        service = BrokerAddress(
            "127.0.0.1", broker.port, SERVICE_USERNAME, service_password(secret), mqtt5=False
        )
        yield Endpoint(service, "127.0.0.1", broker.port)
    finally:
        await broker.stop()


class _Beat:
    """Counts outcomes as they come, for the run row's progress and beat."""

    def __init__(self) -> None:
        self.total = self.passed = self.failed = 0

    def also(self, listener: Progress | None) -> Progress:
        """Return a listener that counts here and tells ``listener`` too."""

        def both(done: int, total: int, outcome: Outcome) -> None:
            self(done, total, outcome)
            if listener is not None:
                listener(done, total, outcome)

        return both

    def __call__(self, done: int, total: int, outcome: Outcome) -> None:
        self.total = total
        self.passed += outcome.passed
        self.failed += not outcome.passed


async def _beat(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, run_id: str, beat: _Beat
) -> None:
    while True:
        await asyncio.sleep(BEAT_SECONDS)
        async with db.transaction(sessions) as session:
            await session.execute(
                update(CertificationRun)
                .where(CertificationRun.id == run_id)
                .values(
                    beat_at=clock.now(), total=beat.total, passed=beat.passed, failed=beat.failed
                )
            )


async def execute(
    runtime: Hearth,
    job: Job,
    *,
    timing: Timing | None = None,
    faults: frozenset[Fault] = frozenset(),
    progress: Progress | None = None,
) -> None:
    """Run the checks, store the report, revoke the test unit; never raises.

    The unit's ``DevicesMinted`` went out when the run was recorded (``start_run``)."""
    unit = job.unit
    beat = _Beat()
    beating = asyncio.create_task(_beat(runtime.sessions, runtime.clock, job.run_id, beat))
    outcomes: list[Outcome] = []
    error = ""
    async with runtime.sessions() as session:
        product = await session.get(Product, job.product_id)
    try:
        if product is None or product.spec is None:
            raise InvalidInput("the product or its spec is gone")
        spec = compile_spec(parse_spec(product.spec))
        real = job.device is DeviceKind.REAL
        chosen = timing or (REAL_TIMING if real else Timing())
        async with endpoint(runtime) as where:
            device = None if real else _simulated(spec, unit, where, faults)
            outcomes = await certify(
                spec,
                endpoint=where,
                unit=Unit(unit.device_id, unit.model_id),
                device=device,
                timing=chosen,
                progress=beat.also(progress),
            )
    except Exception as err:  # a broken run is a failed run, with the error as its reason
        log.exception("certification_run_broke", run_id=job.run_id)
        error = f"the run broke: {err}"
    finally:
        beating.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beating
    await _finish(runtime, job.run_id, product, outcomes, error)


def _simulated(
    spec: CompiledSpec, unit: identity.Minted, where: Endpoint, faults: frozenset[Fault]
) -> CertifiedDevice:
    return CertifiedDevice(
        Credentials(unit.device_id, unit.model_id, unit.secret),
        spec,
        host=where.device_host,
        port=where.device_port,
        rng=random.Random(unit.device_id),
        faults=faults,
    )


async def _finish(
    runtime: Hearth,
    run_id: str,
    product: Product | None,
    outcomes: list[Outcome],
    error: str,
) -> None:
    # A unit of work: revoking the test unit records the event that drops it everywhere.
    async with unit_of_work(runtime.sessions, runtime.publish) as session:
        run = await session.get(CertificationRun, run_id, with_for_update=True)
        if run is None or run.status != RunStatus.RUNNING:
            return  # settled meanwhile (this process was thought gone)
        now = runtime.clock.now()
        subject = Subject(
            run_id=run.id,
            product_id=run.product_id,
            product_name=product.name if product else "",
            model=str((product.spec or {}).get("model", "")) if product else "",
            spec_version=run.spec_version,
            device=run.device,
            device_id=run.device_id,
        )
        report = build_report(
            subject, outcomes, started_at=run.started_at, finished_at=now, error=error
        )
        target = RUN_WORKFLOW.move(RunStatus(run.status), RunStatus(report["status"]))
        failed = [o.check.id for o in outcomes if not o.passed]
        run.status = target.value
        run.reason = error or (f"failed: {', '.join(failed)}" if failed else "")
        run.total = len(outcomes)
        run.passed = report["summary"]["passed"]
        run.failed = report["summary"]["failed"]
        run.report = report
        run.finished_at = run.beat_at = now
        if run.device_id is not None:
            with contextlib.suppress(HearthError):
                await identity.revoke(session, device_id=run.device_id, now=now)


async def certify_in_process(
    runtime: Hearth,
    *,
    username: str,
    product_id: str,
    timing: Timing | None = None,
    progress: Progress | None = None,
) -> CertificationRun:
    """Certify a product with a simulated device in this process (the demo seed).

    ``runtime`` is the caller's, built (and disposed of) by an entry point."""
    async with unit_of_work(runtime.sessions, runtime.publish) as session:
        user = await session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"no user {username!r}")
        started = await start_run(
            session,
            user=user,
            product_id=product_id,
            device=DeviceKind.SIMULATED,
            now=runtime.clock.now(),
        )
    await execute(runtime, started.job, timing=timing, progress=progress)
    async with runtime.sessions() as session:
        run = await session.get(CertificationRun, started.job.run_id)
    assert run is not None
    return run
