"""The demo fan's home gets its scenes and automations once, built from the library."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from hearth import db
from hearth.accounts import service as accounts
from hearth.bootstrap import Hearth
from hearth.config import Settings
from hearth.homes.demo import seed_devices
from hearth.scenes.demo import seed_scenes
from hearth.scenes.models import Automation, Scene, SceneTimer
from tests.helpers import PASSWORD


async def _count(hearth: Hearth, table: type[Scene] | type[Automation] | type[SceneTimer]) -> int:
    async with hearth.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_the_demo_home_gets_scenes_and_automations_once(
    hearth: Hearth, settings: Settings
) -> None:
    async with db.transaction(hearth.sessions) as session:
        await accounts.create_user(
            session, now=datetime.now(UTC), username="fan", password=PASSWORD
        )
    await seed_devices(hearth.sessions, settings, fan="fan")
    for _ in range(2):
        await seed_scenes(
            hearth.sessions, fan="fan", now=hearth.clock.now(), publish=hearth.publish
        )
    assert await _count(hearth, Scene) == 2
    assert await _count(hearth, Automation) == 5
    assert await _count(hearth, SceneTimer) == 2  # sunset and weekday mornings
