"""Two hearth workers on one Mosquitto and one PostgreSQL: each trigger is evaluated
once (where its report arrived) and each schedule fires once."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from hearth.bootstrap import Hearth
from hearth.devices.compiled import compile_spec
from hearth.devices.rules import parse_spec
from hearth.hub.simulator import Credentials, SimulatedDevice
from hearth.kit.clock import FrozenClock
from hearth.outbox import unit_of_work
from hearth.scenes import service
from hearth.scenes.models import SceneRun
from hearth.scenes.schemas import AutomationIn
from tests.hub.conftest import TEST_MODEL, add_model, bind, eventually, fan_with_home, mint
from tests.hub.specs import LAMP
from tests.hub.test_scale_out import pg_url, workers  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.postgres, pytest.mark.mosquitto]
SENSORS = 8
Workers = tuple[Hearth, Hearth, int]


async def _runs(runtime: Hearth, automation_id: str) -> list[SceneRun]:
    async with runtime.sessions() as session:
        found = await session.scalars(
            select(SceneRun).where(SceneRun.automation_id == automation_id)
        )
        return list(found)


async def _automation(runtime: Hearth, user: Any, home_id: str, body: dict[str, Any]) -> str:
    async with unit_of_work(runtime.sessions, runtime.publish) as session:
        row = await service.create_automation(
            session,
            user=user,
            home_id=home_id,
            automation=AutomationIn.model_validate({"name": "Shared", **body}),
            now=runtime.clock.now(),
        )
    return row.id


async def test_each_crossing_runs_once_with_two_workers(workers: Workers) -> None:  # noqa: F811
    first, second, device_port = workers
    await add_model(first)
    user, home = await fan_with_home(first)
    units = await mint(first, SENSORS + 1)
    await bind(first, user, home, *units)
    spec = compile_spec(parse_spec({**LAMP, "model": TEST_MODEL}))
    devices = [
        SimulatedDevice(
            Credentials(u.device_id, u.model_id, u.secret),
            spec,
            host="127.0.0.1",
            port=device_port,
            report_every=3600.0,
            rng=random.Random(i),
        )
        for i, u in enumerate(units)
    ]
    sensors, target = devices[:-1], devices[-1]
    for device in devices:
        device.device.state["2.4"] = 20.0
        await device.connect()
    try:
        automation_ids = [
            await _automation(
                first,
                user,
                home.id,
                {
                    "mode": "parallel",
                    "triggers": [
                        {
                            "kind": "property",
                            "device_id": s.id,
                            "key": "2.4",
                            "op": ">",
                            "value": 30,
                        }
                    ],
                    "actions": [{"kind": "set", "device_id": target.id, "props": {"2.2": 50}}],
                },
            )
            for s in sensors
        ]

        async def both_watch() -> bool:
            return all(len(w.scenes.automations) == SENSORS for w in (first, second) if w.scenes)

        await eventually(both_watch)
        before = target.commands
        for sensor in sensors:
            sensor.report({"2.4": 31.0})

        async def all_ran() -> bool:
            runs = [r for a in automation_ids for r in await _runs(first, a)]
            return sum(r.status == "succeeded" for r in runs) >= SENSORS

        await eventually(all_ran, within=20)
        runs = [r for a in automation_ids for r in await _runs(first, a)]
        assert len(runs) == SENSORS
        assert target.commands - before == SENSORS
        assert first.scenes is not None and second.scenes is not None
        assert first.scenes.started + second.scenes.started == SENSORS
    finally:
        for device in devices:
            await device.stop()


async def test_a_schedule_fires_once_with_two_workers(workers: Workers) -> None:  # noqa: F811
    first, second, _ = workers
    clock = FrozenClock(datetime(2026, 6, 1, 8, 59, 30, tzinfo=UTC))
    first.clock = second.clock = clock
    user, home = await fan_with_home(first)
    automation_id = await _automation(
        first,
        user,
        home.id,
        {
            "triggers": [{"kind": "schedule", "cron": "0 9 * * *"}],
            "actions": [{"kind": "notify", "title": "Nine o'clock"}],
        },
    )
    clock.advance(timedelta(seconds=30))
    assert first.scenes is not None and second.scenes is not None
    for _ in range(3):  # both tick, again and again, as their loops would
        await first.scenes.tick()
        await second.scenes.tick()

    async def ran() -> bool:
        return any(r.finished_at is not None for r in await _runs(first, automation_id))

    await eventually(ran)
    runs = await _runs(first, automation_id)
    assert [r.status for r in runs] == ["succeeded"]
