"""Test units of a spec on a rig, and the runner pointed at the rig's broker."""

from __future__ import annotations

import random

from hearth import db
from hearth.devices.compiled import CompiledSpec, compile_spec
from hearth.devices.spec import Spec, spec_to_dict
from hearth.hub.models import DeviceModel
from hearth.hub.simulator import Credentials
from hearth.mall.certification.checks import Outcome
from hearth.mall.certification.faults import CertifiedDevice, Fault
from hearth.mall.certification.runner import Endpoint, Timing, Unit, certify
from tests.hub.conftest import Rig

FAST = Timing(online_ms=5_000, answer_ms=1_000, will_ms=3_000)
QUICK_FAIL = Timing(online_ms=2_000, answer_ms=300, will_ms=600)


async def run_suite(
    rig: Rig, spec: Spec, *, faults: frozenset[Fault] = frozenset(), timing: Timing = FAST
) -> list[Outcome]:
    """Register ``spec``, mint a unit, and certify a simulated device with ``faults``."""
    async with db.transaction(rig.hearth.sessions) as session:
        if await session.get(DeviceModel, spec.model) is None:
            session.add(DeviceModel(id=spec.model, name=spec.name, spec=spec_to_dict(spec)))
    (unit,) = await rig.mint(1, spec.model)
    compiled: CompiledSpec = compile_spec(spec)
    device = CertifiedDevice(
        Credentials(unit.device_id, unit.model_id, unit.secret),
        compiled,
        host="127.0.0.1",
        port=rig.device_port,
        rng=random.Random(3),
        faults=faults,
    )
    assert rig.hearth.mqtt is not None
    where = Endpoint(rig.hearth.broker_address(), "127.0.0.1", rig.device_port)
    return await certify(
        compiled,
        endpoint=where,
        unit=Unit(unit.device_id, unit.model_id),
        device=device,
        timing=timing,
    )


def failed(outcomes: list[Outcome]) -> dict[str, str]:
    return {o.check.id: o.reason for o in outcomes if not o.passed}
