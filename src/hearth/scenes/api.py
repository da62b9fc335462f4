"""JSON API of smart scenes: scenes, automations, their runs, and where a home is.

Mounted under ``/api/v1``. Every route goes through the scenes services, which check
that the caller is a member of the home; anything of another home answers 404. The
rule format (triggers, conditions, actions) is described in docs/scenes.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.errors import DeviceError
from hearth.scenes import picker, service
from hearth.scenes.models import SceneRun
from hearth.scenes.runner import SceneRunner
from hearth.scenes.schemas import (
    AutomationIn,
    AutomationOut,
    SceneIn,
    SceneOut,
    ScenePlaceIn,
    ScenePlaceOut,
    SceneRunOut,
    SceneRunStarted,
    SceneStepTold,
)
from hearth.web.deps import CurrentUser, HearthDep, NowDep, SessionDep

if TYPE_CHECKING:  # the composition root builds on this module, not the reverse
    from hearth.bootstrap import Hearth

router = APIRouter(tags=["scenes"])
Limit = Annotated[int, Query(ge=1, le=200)]


def runner_of(hearth: Hearth) -> SceneRunner:
    """Return this process's scene runner; refuse when it has none (no broker connection)."""
    if hearth.scenes is None:
        raise DeviceError("scenes do not run in this process: it has no broker connection")
    return hearth.scenes


async def _told(session: AsyncSession, runs: Sequence[SceneRun]) -> list[SceneRunOut]:
    """Return runs with what each action did in words, named as their home names things."""
    if not runs:
        return []
    home_id = runs[0].home_id  # a scene's or an automation's runs are all of its home
    devices = await picker.home_devices(session, home_id=home_id)
    scenes = await service.scenes_of_home(session, home_id=home_id)
    automations = await service.automations_of_home(session, home_id=home_id)
    names = {s.id: s.name for s in scenes} | {a.id: a.name for a in automations}
    describe = picker.Describer(devices, names)
    found = []
    for run in runs:
        told = picker.tell_run(describe, run)
        out = SceneRunOut.model_validate(run)
        out.summary, out.settled = told.summary, told.settled
        out.told = [SceneStepTold(**vars(step)) for step in told.steps]
        found.append(out)
    return found


# -- scenes -------------------------------------------------------------------------------


@router.get("/homes/{home_id}/scenes", response_model=list[SceneOut])
async def list_scenes(home_id: str, user: CurrentUser, session: SessionDep) -> list[SceneOut]:
    """List a home's manual scenes."""
    found = await service.list_scenes(session, user=user, home_id=home_id)
    return [SceneOut.of(scene) for scene in found]


@router.post(
    "/homes/{home_id}/scenes", response_model=SceneOut, status_code=status.HTTP_201_CREATED
)
async def create_scene(
    home_id: str, body: SceneIn, user: CurrentUser, session: SessionDep, now: NowDep
) -> SceneOut:
    """Create a manual scene: a name and an ordered list of actions."""
    scene = await service.create_scene(session, user=user, home_id=home_id, scene=body, now=now)
    return SceneOut.of(scene)


@router.get("/scenes/{scene_id}", response_model=SceneOut)
async def get_scene(scene_id: str, user: CurrentUser, session: SessionDep) -> SceneOut:
    """Return one scene."""
    return SceneOut.of(await service.scene_for_member(session, user=user, scene_id=scene_id))


@router.put("/scenes/{scene_id}", response_model=SceneOut)
async def update_scene(
    scene_id: str, body: SceneIn, user: CurrentUser, session: SessionDep, now: NowDep
) -> SceneOut:
    """Rename a scene and replace its actions."""
    scene = await service.update_scene(session, user=user, scene_id=scene_id, scene=body, now=now)
    return SceneOut.of(scene)


@router.delete("/scenes/{scene_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_scene(scene_id: str, user: CurrentUser, session: SessionDep) -> None:
    """Delete a scene."""
    await service.delete_scene(session, user=user, scene_id=scene_id)


@router.post(
    "/scenes/{scene_id}/run",
    response_model=SceneRunStarted,
    status_code=status.HTTP_202_ACCEPTED,
)
async def run_scene(
    scene_id: str, user: CurrentUser, session: SessionDep, hearth: HearthDep
) -> SceneRunStarted:
    """Run a scene now; follow the returned run in ``/runs/{run_id}``."""
    await service.scene_for_member(session, user=user, scene_id=scene_id)  # 404 before 503
    run_id = await runner_of(hearth).run_scene(user=user, scene_id=scene_id)
    return SceneRunStarted(run_id=run_id)


@router.get("/scenes/{scene_id}/runs", response_model=list[SceneRunOut])
async def scene_runs(
    scene_id: str, user: CurrentUser, session: SessionDep, limit: Limit = 50
) -> list[SceneRunOut]:
    """Return a scene's newest runs."""
    runs = await service.runs_of(session, user=user, scene_id=scene_id, limit=limit)
    return await _told(session, runs)


# -- automations --------------------------------------------------------------------------


@router.get("/homes/{home_id}/automations", response_model=list[AutomationOut])
async def list_automations(
    home_id: str, user: CurrentUser, session: SessionDep
) -> list[AutomationOut]:
    """List a home's automations."""
    found = await service.list_automations(session, user=user, home_id=home_id)
    return [AutomationOut.of(automation) for automation in found]


@router.post(
    "/homes/{home_id}/automations",
    response_model=AutomationOut,
    status_code=status.HTTP_201_CREATED,
)
async def create_automation(
    home_id: str, body: AutomationIn, user: CurrentUser, session: SessionDep, now: NowDep
) -> AutomationOut:
    """Create an automation: name, mode, triggers, conditions, actions (it runs as you)."""
    automation = await service.create_automation(
        session, user=user, home_id=home_id, automation=body, now=now
    )
    return AutomationOut.of(automation)


@router.get("/automations/{automation_id}", response_model=AutomationOut)
async def get_automation(
    automation_id: str, user: CurrentUser, session: SessionDep
) -> AutomationOut:
    """Return one automation."""
    found = await service.automation_for_member(session, user=user, automation_id=automation_id)
    return AutomationOut.of(found)


@router.put("/automations/{automation_id}", response_model=AutomationOut)
async def update_automation(
    automation_id: str, body: AutomationIn, user: CurrentUser, session: SessionDep, now: NowDep
) -> AutomationOut:
    """Replace an automation's name, mode and rule (it then runs as you)."""
    automation = await service.update_automation(
        session, user=user, automation_id=automation_id, automation=body, now=now
    )
    return AutomationOut.of(automation)


@router.post("/automations/{automation_id}/enable", response_model=AutomationOut)
async def enable_automation(
    automation_id: str, user: CurrentUser, session: SessionDep, now: NowDep
) -> AutomationOut:
    """Enable an automation (this also clears a stop for looping)."""
    automation = await service.switch(
        session, user=user, automation_id=automation_id, enabled=True, now=now
    )
    return AutomationOut.of(automation)


@router.post("/automations/{automation_id}/disable", response_model=AutomationOut)
async def disable_automation(
    automation_id: str, user: CurrentUser, session: SessionDep, now: NowDep
) -> AutomationOut:
    """Disable an automation: its triggers and schedules stop."""
    automation = await service.switch(
        session, user=user, automation_id=automation_id, enabled=False, now=now
    )
    return AutomationOut.of(automation)


@router.delete("/automations/{automation_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_automation(automation_id: str, user: CurrentUser, session: SessionDep) -> None:
    """Delete an automation with its log."""
    await service.delete_automation(session, user=user, automation_id=automation_id)


@router.post(
    "/automations/{automation_id}/run",
    response_model=SceneRunStarted,
    status_code=status.HTTP_202_ACCEPTED,
)
async def run_automation(
    automation_id: str, user: CurrentUser, session: SessionDep, hearth: HearthDep
) -> SceneRunStarted:
    """Run an automation's actions now, skipping its triggers and conditions."""
    await service.automation_for_member(session, user=user, automation_id=automation_id)
    run_id = await runner_of(hearth).run_automation(user=user, automation_id=automation_id)
    return SceneRunStarted(run_id=run_id)


@router.get("/automations/{automation_id}/runs", response_model=list[SceneRunOut])
async def automation_runs(
    automation_id: str, user: CurrentUser, session: SessionDep, limit: Limit = 50
) -> list[SceneRunOut]:
    """Return the execution log: the newest runs, why each fired and what each step did."""
    runs = await service.runs_of(session, user=user, automation_id=automation_id, limit=limit)
    return await _told(session, runs)


@router.get("/runs/{run_id}", response_model=SceneRunOut)
async def get_run(run_id: str, user: CurrentUser, session: SessionDep) -> SceneRunOut:
    """Return one run: each action's outcome in words, and the whole in a sentence."""
    (told,) = await _told(
        session, [await service.run_for_member(session, user=user, run_id=run_id)]
    )
    return told


# -- place --------------------------------------------------------------------------------


@router.get("/homes/{home_id}/place", response_model=ScenePlaceOut)
async def get_place(home_id: str, user: CurrentUser, session: SessionDep) -> ScenePlaceOut:
    """Return the home's time zone and location, used by schedules and sun triggers."""
    return ScenePlaceOut.of(await service.place_for_member(session, user=user, home_id=home_id))


@router.put("/homes/{home_id}/place", response_model=ScenePlaceOut)
async def set_place(
    home_id: str, body: ScenePlaceIn, user: CurrentUser, session: SessionDep, now: NowDep
) -> ScenePlaceOut:
    """Set the home's time zone and location (owner only)."""
    place = await service.set_place(session, user=user, home_id=home_id, place=body, now=now)
    return ScenePlaceOut.of(place)
