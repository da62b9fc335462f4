"""Scene and automation services: create, edit, enable, list, read the log, place a home.

Every function checks that the caller is a member of the home first; a scene,
automation or run of another home answers ``NotFound``, exactly like one that does not
exist. Rules arrive validated (``schemas``, built on ``rules``) and are checked against
the home's devices and specs (``checks``) before anything is written. Functions that
change automations record ``AutomationsChanged`` on the session: the caller's unit of
work publishes it once the change has committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.devices.compiled import CompiledSpec
from hearth.errors import InvalidInput, NotFound, SceneLimitReached
from hearth.homes import service as homes
from hearth.homes.models import HomeMember
from hearth.homes.service import require_member
from hearth.hub.catalog import compile_model
from hearth.hub.models import Device, DeviceModel
from hearth.outbox import record
from hearth.scenes import rules
from hearth.scenes.checks import HomeCatalog, check_actions, check_automation
from hearth.scenes.events import AutomationsChanged
from hearth.scenes.models import Automation, Scene, SceneRun, SceneTimer
from hearth.scenes.rules import AutomationRule, ScheduleTrigger, SunTrigger
from hearth.scenes.schemas import AutomationIn, SceneIn, ScenePlaceIn
from hearth.scenes.timing import Place, next_fire

MAX_SCENES = 50
MAX_AUTOMATIONS = 100
LOG_PAGE = 50
_compiled: dict[tuple[str, int], CompiledSpec] = {}


def spec_of(model: DeviceModel) -> CompiledSpec:
    key = (model.id, model.spec_version)
    spec = _compiled.get(key)
    if spec is None:
        if len(_compiled) > 500:
            _compiled.clear()
        spec = _compiled[key] = compile_model(model)
    return spec


async def home_catalog(session: AsyncSession, *, home_id: str) -> HomeCatalog:
    """Return what the home offers to rules: its devices' specs, scenes, automations."""
    rows = await session.execute(
        select(Device.id, DeviceModel)
        .join(DeviceModel, DeviceModel.id == Device.model_id)
        .where(Device.home_id == home_id)
    )
    devices = {device_id: spec_of(model) for device_id, model in rows}
    scenes = set(await session.scalars(select(Scene.id).where(Scene.home_id == home_id)))
    automations = set(
        await session.scalars(select(Automation.id).where(Automation.home_id == home_id))
    )
    place = await place_of(session, home_id=home_id)
    return HomeCatalog(devices, scenes, automations, located=place.located)


async def place_of(session: AsyncSession, *, home_id: str) -> Place:
    """Return the home's time zone and location, as the home holds them (UTC until set)."""
    where = await homes.home_place(session, home_id)
    return Place(where.timezone, where.latitude, where.longitude)


async def place_for_member(session: AsyncSession, *, user: User, home_id: str) -> Place:
    """Return the place of one of the user's homes."""
    await require_member(session, user, home_id)
    return await place_of(session, home_id=home_id)


async def set_place(
    session: AsyncSession, *, user: User, home_id: str, place: ScenePlaceIn, now: datetime
) -> Place:
    """Set where a home is (owner only); schedules and sun times move with it."""
    await homes.set_place(
        session,
        user=user,
        home_id=home_id,
        timezone=place.timezone,
        latitude=place.latitude,
        longitude=place.longitude,
    )
    return await reschedule_home(session, home_id=home_id, now=now)


async def reschedule_home(session: AsyncSession, *, home_id: str, now: datetime) -> Place:
    """Move the home's schedules and sun times to where it now is (its place just changed,
    in this transaction); return that place."""
    where = await place_of(session, home_id=home_id)
    automations = list(
        await session.scalars(select(Automation).where(Automation.home_id == home_id))
    )
    for automation in automations:
        await schedule(session, automation=automation, place=where, now=now)
    record(session, AutomationsChanged(home_id, [a.id for a in automations]))
    return where


# -- scenes -------------------------------------------------------------------------------


async def _count(session: AsyncSession, table: type[Scene] | type[Automation], home_id: str) -> int:
    found = await session.scalar(
        select(func.count()).select_from(table).where(table.home_id == home_id)
    )
    return int(found or 0)


async def create_scene(
    session: AsyncSession, *, user: User, home_id: str, scene: SceneIn, now: datetime
) -> Scene:
    """Create a manual scene in one of the user's homes."""
    await require_member(session, user, home_id)
    if await _count(session, Scene, home_id) >= MAX_SCENES:
        raise SceneLimitReached(f"a home has at most {MAX_SCENES} scenes")
    check_actions(await home_catalog(session, home_id=home_id), scene.actions)
    row = Scene(
        home_id=home_id,
        name=scene.name,
        actions=[action.model_dump(mode="json") for action in scene.actions],
        created_by=user.id,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def scene_for_member(session: AsyncSession, *, user: User, scene_id: str) -> Scene:
    """Return a scene of one of the user's homes; anything else is ``NotFound``."""
    scene = await session.get(Scene, scene_id)
    if scene is None:
        raise NotFound("no such scene")
    try:
        await require_member(session, user, scene.home_id)
    except NotFound as err:
        raise NotFound("no such scene") from err
    return scene


async def update_scene(
    session: AsyncSession, *, user: User, scene_id: str, scene: SceneIn, now: datetime
) -> Scene:
    """Rename a scene and replace its actions."""
    row = await scene_for_member(session, user=user, scene_id=scene_id)
    check_actions(await home_catalog(session, home_id=row.home_id), scene.actions)
    row.name = scene.name
    row.actions = [action.model_dump(mode="json") for action in scene.actions]
    row.updated_at = now
    return row


async def delete_scene(session: AsyncSession, *, user: User, scene_id: str) -> str:
    """Delete a scene (automations that ran it log the step as failed from then on);
    return the id of the home it was in."""
    scene = await scene_for_member(session, user=user, scene_id=scene_id)
    await session.delete(scene)
    return scene.home_id


async def list_scenes(session: AsyncSession, *, user: User, home_id: str) -> list[Scene]:
    """Return a home's scenes, oldest first."""
    await require_member(session, user, home_id)
    found = await session.scalars(
        select(Scene).where(Scene.home_id == home_id).order_by(Scene.created_at, Scene.id)
    )
    return list(found)


# -- automations --------------------------------------------------------------------------


def parsed_rule(automation: Automation) -> AutomationRule:
    """Return an automation's stored rule as the rule model."""
    return rules.parse_automation({**automation.rule, "mode": automation.mode})


async def schedule(
    session: AsyncSession, *, automation: Automation, place: Place, now: datetime
) -> None:
    """Replace the automation's timers with the next fire of each timed trigger."""
    await session.execute(delete(SceneTimer).where(SceneTimer.automation_id == automation.id))
    if not automation.enabled:
        return
    for index, trigger in enumerate(parsed_rule(automation).triggers):
        if isinstance(trigger, ScheduleTrigger | SunTrigger):
            due = next_fire(trigger, place, now)
            if due is not None:
                session.add(
                    SceneTimer(automation_id=automation.id, trigger_index=index, due_at=due)
                )


async def create_automation(
    session: AsyncSession, *, user: User, home_id: str, automation: AutomationIn, now: datetime
) -> Automation:
    """Create an automation in one of the user's homes; it runs as this user."""
    await require_member(session, user, home_id)
    if await _count(session, Automation, home_id) >= MAX_AUTOMATIONS:
        raise SceneLimitReached(f"a home has at most {MAX_AUTOMATIONS} automations")
    check_automation(await home_catalog(session, home_id=home_id), automation)
    row = Automation(
        home_id=home_id,
        name=automation.name,
        enabled=automation.enabled is not False,
        mode=automation.mode.value,
        rule=automation.document(),
        created_by=user.id,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    await schedule(session, automation=row, place=await place_of(session, home_id=home_id), now=now)
    record(session, AutomationsChanged(home_id, [row.id]))
    return row


async def automation_for_member(
    session: AsyncSession, *, user: User, automation_id: str
) -> Automation:
    """Return an automation of one of the user's homes; anything else is ``NotFound``."""
    automation = await session.get(Automation, automation_id)
    if automation is None:
        raise NotFound("no such automation")
    try:
        await require_member(session, user, automation.home_id)
    except NotFound as err:
        raise NotFound("no such automation") from err
    return automation


async def update_automation(
    session: AsyncSession,
    *,
    user: User,
    automation_id: str,
    automation: AutomationIn,
    now: datetime,
) -> Automation:
    """Replace an automation's name and rule; it then runs as the user who saved it."""
    row = await automation_for_member(session, user=user, automation_id=automation_id)
    check_automation(await home_catalog(session, home_id=row.home_id), automation)
    row.name, row.mode, row.rule = automation.name, automation.mode.value, automation.document()
    row.created_by, row.updated_at = user.id, now
    if automation.enabled is not None:
        row.enabled = automation.enabled
        row.disabled_reason = None
    place = await place_of(session, home_id=row.home_id)
    await schedule(session, automation=row, place=place, now=now)
    record(session, AutomationsChanged(row.home_id, [row.id]))
    return row


async def set_enabled(
    session: AsyncSession,
    *,
    automation: Automation,
    enabled: bool,
    now: datetime,
    reason: str | None = None,
) -> None:
    """Enable or disable an automation (its timers follow); ``reason`` says why hearth did."""
    automation.enabled, automation.disabled_reason = enabled, None if enabled else reason
    automation.updated_at = now
    place = await place_of(session, home_id=automation.home_id)
    await schedule(session, automation=automation, place=place, now=now)
    record(session, AutomationsChanged(automation.home_id, [automation.id]))


async def switch(
    session: AsyncSession, *, user: User, automation_id: str, enabled: bool, now: datetime
) -> Automation:
    """Enable or disable one of the user's automations (enabling clears a stop for looping)."""
    automation = await automation_for_member(session, user=user, automation_id=automation_id)
    await set_enabled(session, automation=automation, enabled=enabled, now=now)
    return automation


async def delete_automation(session: AsyncSession, *, user: User, automation_id: str) -> str:
    """Delete an automation with its timers and its log; return the id of its home."""
    automation = await automation_for_member(session, user=user, automation_id=automation_id)
    home_id = automation.home_id
    await session.execute(delete(SceneRun).where(SceneRun.automation_id == automation_id))
    await session.execute(delete(SceneTimer).where(SceneTimer.automation_id == automation_id))
    await session.delete(automation)
    record(session, AutomationsChanged(home_id, [automation_id]))
    return home_id


async def list_automations(session: AsyncSession, *, user: User, home_id: str) -> list[Automation]:
    """Return a home's automations, oldest first."""
    await require_member(session, user, home_id)
    found = await session.scalars(
        select(Automation)
        .where(Automation.home_id == home_id)
        .order_by(Automation.created_at, Automation.id)
    )
    return list(found)


async def runs_of(
    session: AsyncSession,
    *,
    user: User,
    automation_id: str | None = None,
    scene_id: str | None = None,
    limit: int = LOG_PAGE,
) -> Sequence[SceneRun]:
    """Return the newest runs of an automation or a scene of the user's homes."""
    query = select(SceneRun)
    if automation_id is not None:
        await automation_for_member(session, user=user, automation_id=automation_id)
        query = query.where(SceneRun.automation_id == automation_id)
    elif scene_id is not None:
        await scene_for_member(session, user=user, scene_id=scene_id)
        query = query.where(SceneRun.scene_id == scene_id)
    else:
        raise InvalidInput("name an automation or a scene")
    query = query.order_by(SceneRun.started_at.desc(), SceneRun.id.desc())
    return list(await session.scalars(query.limit(max(1, min(limit, 200)))))


async def run_for_member(session: AsyncSession, *, user: User, run_id: str) -> SceneRun:
    """Return one run of the user's homes; anything else is ``NotFound``."""
    run = await session.get(SceneRun, run_id)
    if run is None:
        raise NotFound("no such run")
    try:
        await require_member(session, user, run.home_id)
    except NotFound as err:
        raise NotFound("no such run") from err
    return run


async def member_ids(session: AsyncSession, *, home_id: str) -> list[str]:
    """Return the ids of everyone in a home."""
    found = await session.scalars(select(HomeMember.user_id).where(HomeMember.home_id == home_id))
    return list(found)


async def scenes_of_home(session: AsyncSession, *, home_id: str) -> list[Scene]:
    """Return a home's scenes (the caller has checked membership)."""
    found = await session.scalars(
        select(Scene).where(Scene.home_id == home_id).order_by(Scene.created_at, Scene.id)
    )
    return list(found)


async def automations_of_home(session: AsyncSession, *, home_id: str) -> list[Automation]:
    """Return a home's automations (the caller has checked membership)."""
    found = await session.scalars(
        select(Automation)
        .where(Automation.home_id == home_id)
        .order_by(Automation.created_at, Automation.id)
    )
    return list(found)


async def last_runs(session: AsyncSession, *, automation_ids: list[str]) -> dict[str, SceneRun]:
    """Return the newest run of each automation that has one."""
    if not automation_ids:
        return {}
    newest = (
        select(SceneRun.automation_id, func.max(SceneRun.started_at).label("at"))
        .where(SceneRun.automation_id.in_(automation_ids))
        .group_by(SceneRun.automation_id)
        .subquery()
    )
    rows = await session.scalars(
        select(SceneRun).join(
            newest,
            (SceneRun.automation_id == newest.c.automation_id)
            & (SceneRun.started_at == newest.c.at),
        )
    )
    return {run.automation_id: run for run in rows if run.automation_id is not None}


async def log_of(
    session: AsyncSession, *, automation_id: str, limit: int = LOG_PAGE
) -> list[SceneRun]:
    """Return an automation's newest runs (the caller has checked it may read them)."""
    query = (
        select(SceneRun)
        .where(SceneRun.automation_id == automation_id)
        .order_by(SceneRun.started_at.desc(), SceneRun.id.desc())
    )
    return list(await session.scalars(query.limit(max(1, min(limit, 200)))))
