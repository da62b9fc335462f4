"""Each deliberately broken device behaviour is caught by the check that covers it."""

from __future__ import annotations

import pytest

from hearth.devices.library import get_spec
from hearth.mall.certification.faults import Fault
from tests.hub.conftest import Rig
from tests.mall.certification.units import QUICK_FAIL, failed, run_suite

# The plug (hearth.plug.v1) has notify, readable and writable properties, an action and
# an event; each fault names the checks it must fail and no others.
PLUG = get_spec("hearth.plug.v1")
CAUGHT_BY = {
    Fault.NO_INFO: ("online",),
    Fault.WRONG_TYPE: ("report:",),
    Fault.MISSING_REPORT: ("report:",),
    Fault.SILENT_GET: ("get:",),
    Fault.REFUSES_VALID: ("set:",),
    Fault.ACCEPTS_INVALID: ("refuse:",),
    Fault.ACTION_FAILS: ("action:",),
    Fault.NO_EVENT: ("event:",),
    Fault.NO_LAST_WILL: ("last-will",),
}


@pytest.mark.parametrize("fault", list(Fault))
async def test_fault_is_caught_by_the_right_check(rig: Rig, fault: Fault) -> None:
    outcomes = await run_suite(rig, PLUG, faults=frozenset({fault}), timing=QUICK_FAIL)

    caught = failed(outcomes)
    assert caught, f"{fault} went unnoticed"
    assert all(check.startswith(CAUGHT_BY[fault]) for check in caught), caught


async def test_a_silent_device_fails_with_how_long_it_was_given(rig: Rig) -> None:
    outcomes = await run_suite(rig, PLUG, faults=frozenset({Fault.SILENT_GET}), timing=QUICK_FAIL)

    reasons = [o.reason for o in outcomes if o.check.id.startswith("get:")]
    assert reasons and all(r == "no answer within 300 ms" for r in reasons)
