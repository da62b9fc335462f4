"""A furnished home for scene tests: a sensor lamp, a target lamp and a lock, all simulated
devices on a real broker (embedded and Mosquitto, on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from hearth.accounts.models import User
from hearth.homes.models import Home
from hearth.hub.simulator import SimulatedDevice
from hearth.outbox import unit_of_work
from hearth.scenes import service
from hearth.scenes.models import SceneRun
from hearth.scenes.runner import SceneRunner
from hearth.scenes.schemas import AutomationIn, SceneIn
from tests.hub.conftest import (  # noqa: F401  (default_and_external_rig is the rig fixture)
    LOCK_MODEL,
    Rig,
    add_model,
    bind,
    default_and_external_rig,
    eventually,
    fan_with_home,
    simulated,
    state_of,
)


@dataclass
class Furnished:
    rig: Rig
    user: User
    home: Home
    sensor: SimulatedDevice
    lamp: SimulatedDevice
    lock: SimulatedDevice

    @property
    def runner(self) -> SceneRunner:
        assert self.rig.hearth.scenes is not None
        return self.rig.hearth.scenes

    async def automation(self, **body: Any) -> str:
        """Create an automation through the service and announce it, as the API does."""
        hearth = self.rig.hearth
        body.setdefault("name", "Test automation")
        async with unit_of_work(hearth.sessions, hearth.publish) as session:
            row = await service.create_automation(
                session,
                user=self.user,
                home_id=self.home.id,
                automation=AutomationIn.model_validate(body),
                now=hearth.clock.now(),
            )
        return row.id

    async def scene(self, name: str, actions: list[dict[str, Any]]) -> str:
        hearth = self.rig.hearth
        async with unit_of_work(hearth.sessions, hearth.publish) as session:
            row = await service.create_scene(
                session,
                user=self.user,
                home_id=self.home.id,
                scene=SceneIn(name=name, actions=actions),
                now=hearth.clock.now(),
            )
        return row.id

    async def runs(self, automation_id: str) -> list[SceneRun]:
        """Return the automation's runs, oldest first."""
        async with self.rig.hearth.sessions() as session:
            found = await session.scalars(
                select(SceneRun)
                .where(SceneRun.automation_id == automation_id)
                .order_by(SceneRun.started_at, SceneRun.id)
            )
            return list(found)

    async def finished_runs(self, automation_id: str, count: int = 1) -> list[SceneRun]:
        """Wait until ``count`` runs of the automation have finished; return them all."""

        async def done() -> bool:
            runs = await self.runs(automation_id)
            return sum(r.finished_at is not None for r in runs) >= count

        await eventually(done)
        return await self.runs(automation_id)

    async def report(self, device: SimulatedDevice, props: dict[str, Any]) -> None:
        """Report values and wait until hearth applied them (reports within one ingest
        batch are merged, so a test that wants each value seen waits between them)."""
        device.report(props)

        async def seen() -> bool:
            known = self.runner.values.get(device.id, {})
            return all(known.get(k) == v for k, v in props.items())

        await eventually(seen)

    async def lamp_has(self, key: str, value: Any) -> None:
        """Wait until the target lamp itself holds ``value`` (it applied a command)."""

        async def applied() -> bool:
            return bool(self.lamp.device.state.get(key) == value)

        await eventually(applied)


async def _online(rig: Rig, device: SimulatedDevice) -> None:  # noqa: F811
    await device.connect()

    async def reported() -> bool:
        state = await state_of(rig.hearth, device.id)
        return state.online and bool(state.reported)

    await eventually(reported)


@pytest.fixture
async def home(rig: Rig) -> AsyncIterator[Furnished]:  # noqa: F811
    """A fan's home with three connected simulated devices."""
    await add_model(rig.hearth)
    await add_model(rig.hearth, LOCK_MODEL)
    user, house = await fan_with_home(rig.hearth)
    sensor_unit, lamp_unit = await rig.mint(2)
    (lock_unit,) = await rig.mint(1, LOCK_MODEL)
    await bind(rig.hearth, user, house, sensor_unit, lamp_unit, lock_unit)
    devices = [simulated(rig, unit) for unit in (sensor_unit, lamp_unit, lock_unit)]
    for device in devices:
        await _online(rig, device)
    furnished = Furnished(rig, user, house, *devices)
    try:
        yield furnished
    finally:
        for device in devices:
            await device.stop()
