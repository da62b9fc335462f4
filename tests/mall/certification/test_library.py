"""Every built-in library spec certifies green through a real broker."""

from __future__ import annotations

import pytest

from hearth.devices.library import list_specs
from hearth.mall.certification.checks import Kind
from tests.hub.conftest import Rig
from tests.mall.certification.units import failed, run_suite

pytestmark = pytest.mark.timeout(120)

LIBRARY = {spec.model: spec for spec in list_specs()}


@pytest.mark.parametrize("model", sorted(LIBRARY))
async def test_library_spec_passes_every_check(rig: Rig, model: str) -> None:
    outcomes = await run_suite(rig, LIBRARY[model])

    assert failed(outcomes) == {}
    kinds = {o.check.kind for o in outcomes}
    assert {Kind.ONLINE, Kind.REPORT, Kind.GET, Kind.LAST_WILL} <= kinds
