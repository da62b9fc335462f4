"""Demo scenes and automations for the demo fan's home, created once.

They use the furnished home of ``homes.demo``: lights, a sensor, a motion sensor, a lock, a
curtain and a purifier, found by what their specs say (``on``, ``motion-detected``...),
so they follow the built-in library rather than hard-coded iids. They go through the
same documents as the API (``schemas``), so the demo's rules are checked like anyone's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth.accounts.models import User
from hearth.devices.compiled import CompiledSpec
from hearth.devices.urn import type_name
from hearth.homes.models import Home
from hearth.outbox import Publish, unit_of_work
from hearth.scenes import picker, service
from hearth.scenes.models import Automation
from hearth.scenes.schemas import AutomationIn, SceneIn, ScenePlaceIn

HOME = "Home"


def _prop(spec: CompiledSpec, name: str) -> str:
    return next(e.key for e in spec.by_key.values() if type_name(e.prop.type) == name)


def _event(spec: CompiledSpec, name: str) -> str:
    return next(
        f"{e.siid}.{e.eiid}" for e in spec.events.values() if type_name(e.event.type) == name
    )


async def seed_scenes(
    sessions: async_sessionmaker[AsyncSession], *, fan: str, now: datetime, publish: Publish
) -> None:
    """Give the demo fan's home a place, two scenes and five automations, once; ``publish``
    tells running processes about the new automations."""
    async with unit_of_work(sessions, publish) as session:
        row = await session.execute(
            select(User, Home)
            .join(Home, Home.owner_id == User.id)
            .where(User.username == fan, Home.name == HOME)
        )
        found = row.first()
        if found is None:
            return
        user, home = found
        if await session.scalar(select(Automation.id).where(Automation.home_id == home.id)):
            return
        shanghai = ScenePlaceIn(timezone="Asia/Shanghai", latitude=31.23, longitude=121.47)
        await service.set_place(session, user=user, home_id=home.id, place=shanghai, now=now)
        devices = await picker.home_devices(session, home_id=home.id)
        by_model: dict[str, list[tuple[str, CompiledSpec]]] = {}
        for device_id, device in devices.items():
            by_model.setdefault(device.spec.spec.model, []).append((device_id, device.spec))
        (light, light_spec), (lamp, _) = by_model["hearth.light.v1"][:2]
        sensor, sensor_spec = by_model["hearth.th-sensor.v1"][0]
        motion, motion_spec = by_model["hearth.motion-sensor.v1"][0]
        lock, _ = by_model["hearth.door-lock.v1"][0]
        curtain, curtain_spec = by_model["hearth.curtain.v1"][0]
        purifier, purifier_spec = by_model["hearth.air-purifier.v1"][0]
        on = _prop(light_spec, "on")
        brightness = _prop(light_spec, "brightness")
        position = _prop(curtain_spec, "target-position")

        def lights(value: bool) -> list[dict[str, Any]]:
            return [{"kind": "set", "device_id": d, "props": {on: value}} for d in (light, lamp)]

        for name, actions in (
            (
                "Good night",
                [*lights(False), {"kind": "set", "device_id": curtain, "props": {position: 0}}],
            ),
            (
                "Movie time",
                [
                    {"kind": "set", "device_id": light, "props": {on: True, brightness: 20}},
                    {"kind": "set", "device_id": lamp, "props": {on: False}},
                ],
            ),
        ):
            scene = SceneIn.model_validate({"name": name, "actions": actions})
            await service.create_scene(session, user=user, home_id=home.id, scene=scene, now=now)
        rules: list[dict[str, Any]] = [
            {
                "name": "Motion lights the hall",
                "mode": "restart",
                "triggers": [
                    {
                        "kind": "event",
                        "device_id": motion,
                        "event": _event(motion_spec, "motion-detected"),
                    }
                ],
                "conditions": {"items": [{"kind": "time", "after": "18:00", "before": "07:00"}]},
                "actions": [
                    *lights(True)[:1],
                    {"kind": "delay", "seconds": 120},
                    *lights(False)[:1],
                ],
            },
            {
                "name": "Too warm: purifier on",
                "triggers": [
                    {
                        "kind": "property",
                        "device_id": sensor,
                        "key": _prop(sensor_spec, "temperature"),
                        "op": ">",
                        "value": 28,
                    }
                ],
                "actions": [
                    {
                        "kind": "set",
                        "device_id": purifier,
                        "props": {_prop(purifier_spec, "on"): True},
                    }
                ],
            },
            {
                "name": "Lights on at sunset",
                "triggers": [{"kind": "sun", "event": "sunset", "offset_minutes": -10}],
                "actions": lights(True),
            },
            {
                "name": "Weekday mornings",
                "triggers": [{"kind": "schedule", "days": [0, 1, 2, 3, 4], "times": ["07:00"]}],
                "actions": [
                    {"kind": "set", "device_id": curtain, "props": {position: 100}},
                    {"kind": "notify", "title": "Good morning: the curtains are open"},
                ],
            },
            {
                "name": "Lock went offline",
                "triggers": [{"kind": "availability", "device_id": lock, "to": "offline"}],
                "actions": [{"kind": "notify", "title": "The front door lock is offline"}],
            },
        ]
        for body in rules:
            automation = AutomationIn.model_validate(body)
            await service.create_automation(
                session, user=user, home_id=home.id, automation=automation, now=now
            )
