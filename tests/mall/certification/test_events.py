"""A certification run tells the device cloud about its test unit, after each commit."""

from __future__ import annotations

import asyncio

from hearth.bootstrap import Hearth
from hearth.hub.events import DeviceCredentialsChanged, DevicesMinted
from tests.mall.flows import approved_partner, certify, draft, staff


async def test_a_run_announces_its_minted_unit_and_then_its_revoked_credentials(
    hearth: Hearth,
) -> None:
    reviewer = await staff(hearth, "rita")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    pid = await draft(partner)
    heard: list[object] = []

    async def listen(event: object) -> None:
        heard.append(event)

    hearth.bus.subscribe(DevicesMinted, listen)
    hearth.bus.subscribe(DeviceCredentialsChanged, listen)

    run = await certify(partner, pid)

    assert run["status"] == "passed", run["reason"]
    deadline = asyncio.get_running_loop().time() + 10
    while len(heard) < 2:  # the revocation is published once the run's last commit is done
        assert asyncio.get_running_loop().time() < deadline, heard
        await asyncio.sleep(0.02)
    assert heard == [
        DevicesMinted(f"certify.{pid}", 1),
        DeviceCredentialsChanged(run["device_id"], True),
    ]
