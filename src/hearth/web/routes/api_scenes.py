"""JSON API of smart scenes: scenes, automations, their runs, and where a home is.

Mounted under ``/api/v1``. Every route goes through the scenes services, which check
that the caller is a member of the home; anything of another home answers 404. The
rule format (triggers, conditions, actions) is described in docs/scenes.md.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Body, Query, status
from pydantic import BaseModel, ConfigDict, Field

from hearth.bootstrap import Hearth
from hearth.errors import DeviceError
from hearth.scenes import service
from hearth.scenes.models import Automation, Scene, SceneRun
from hearth.scenes.runner import SceneRunner
from hearth.web.deps import CurrentUser, HearthDep, SessionDep

router = APIRouter(tags=["scenes"])
Document = Annotated[dict[str, Any], Body(description="see docs/scenes.md for the format")]


class SceneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=200)
    actions: list[Any] = Field(max_length=100)


class PlaceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timezone: str = Field(max_length=64, examples=["Asia/Shanghai"])
    latitude: float | None = None
    longitude: float | None = None


def scene_out(scene: Scene) -> dict[str, Any]:
    return {
        "id": scene.id, "home_id": scene.home_id, "name": scene.name, "actions": scene.actions,
        "created_at": scene.created_at, "updated_at": scene.updated_at,
    }  # fmt: skip


def automation_out(automation: Automation) -> dict[str, Any]:
    return {
        "id": automation.id, "home_id": automation.home_id, "name": automation.name,
        "enabled": automation.enabled, "disabled_reason": automation.disabled_reason,
        "mode": automation.mode, **automation.rule, "runs_as": automation.created_by,
        "created_at": automation.created_at, "updated_at": automation.updated_at,
    }  # fmt: skip


def run_out(run: SceneRun) -> dict[str, Any]:
    return {
        "id": run.id, "automation_id": run.automation_id, "scene_id": run.scene_id,
        "status": run.status, "reason": run.reason, "cause": run.cause,
        "conditions": run.conditions, "chain": run.chain, "steps": run.steps,
        "started_at": run.started_at, "finished_at": run.finished_at,
        "resume_at": run.resume_at,
    }  # fmt: skip


def runner_of(hearth: Hearth) -> SceneRunner:
    if hearth.scenes is None:
        raise DeviceError("scenes do not run in this process: it has no broker connection")
    return hearth.scenes


# -- scenes -------------------------------------------------------------------------------


@router.get("/homes/{home_id}/scenes")
async def list_scenes(home_id: str, user: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    """List a home's manual scenes."""
    return [scene_out(s) for s in await service.list_scenes(session, user=user, home_id=home_id)]


@router.post("/homes/{home_id}/scenes", status_code=status.HTTP_201_CREATED)
async def create_scene(
    home_id: str, body: SceneIn, user: CurrentUser, session: SessionDep, hearth: HearthDep
) -> dict[str, Any]:
    """Create a manual scene: a name and an ordered list of actions."""
    scene = await service.create_scene(
        session, user=user, home_id=home_id, name=body.name, actions=body.actions,
        now=hearth.clock.now(),
    )  # fmt: skip
    return scene_out(scene)


@router.get("/scenes/{scene_id}")
async def get_scene(scene_id: str, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    """Return one scene."""
    return scene_out(await service.scene_for_member(session, user=user, scene_id=scene_id))


@router.put("/scenes/{scene_id}")
async def update_scene(
    scene_id: str, body: SceneIn, user: CurrentUser, session: SessionDep, hearth: HearthDep
) -> dict[str, Any]:
    """Rename a scene and replace its actions."""
    scene = await service.update_scene(
        session, user=user, scene_id=scene_id, name=body.name, actions=body.actions,
        now=hearth.clock.now(),
    )  # fmt: skip
    return scene_out(scene)


@router.delete("/scenes/{scene_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_scene(scene_id: str, user: CurrentUser, session: SessionDep) -> None:
    """Delete a scene."""
    await service.delete_scene(session, user=user, scene_id=scene_id)


@router.post("/scenes/{scene_id}/run", status_code=status.HTTP_202_ACCEPTED)
async def run_scene(
    scene_id: str, user: CurrentUser, session: SessionDep, hearth: HearthDep
) -> dict[str, str]:
    """Run a scene now; follow the returned run in ``/runs/{run_id}``."""
    await service.scene_for_member(session, user=user, scene_id=scene_id)
    return {"run_id": await runner_of(hearth).run_scene(user=user, scene_id=scene_id)}


@router.get("/scenes/{scene_id}/runs")
async def scene_runs(
    scene_id: str, user: CurrentUser, session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[dict[str, Any]]:  # fmt: skip
    """Return a scene's newest runs."""
    runs = await service.runs_of(session, user=user, scene_id=scene_id, limit=limit)
    return [run_out(r) for r in runs]


# -- automations --------------------------------------------------------------------------


@router.get("/homes/{home_id}/automations")
async def list_automations(
    home_id: str, user: CurrentUser, session: SessionDep
) -> list[dict[str, Any]]:
    """List a home's automations."""
    found = await service.list_automations(session, user=user, home_id=home_id)
    return [automation_out(a) for a in found]


@router.post("/homes/{home_id}/automations", status_code=status.HTTP_201_CREATED)
async def create_automation(
    home_id: str, body: Document, user: CurrentUser, session: SessionDep, hearth: HearthDep,
    background: BackgroundTasks,
) -> dict[str, Any]:  # fmt: skip
    """Create an automation: name, mode, triggers, conditions, actions (it runs as you)."""
    automation, events = await service.create_automation(
        session, user=user, home_id=home_id, body=body, now=hearth.clock.now()
    )
    background.add_task(hearth.publish, *events)
    return automation_out(automation)


@router.get("/automations/{automation_id}")
async def get_automation(
    automation_id: str, user: CurrentUser, session: SessionDep
) -> dict[str, Any]:
    """Return one automation."""
    found = await service.automation_for_member(session, user=user, automation_id=automation_id)
    return automation_out(found)


@router.put("/automations/{automation_id}")
async def update_automation(
    automation_id: str, body: Document, user: CurrentUser, session: SessionDep,
    hearth: HearthDep, background: BackgroundTasks,
) -> dict[str, Any]:  # fmt: skip
    """Replace an automation's name, mode and rule (it then runs as you)."""
    automation, events = await service.update_automation(
        session, user=user, automation_id=automation_id, body=body, now=hearth.clock.now()
    )
    background.add_task(hearth.publish, *events)
    return automation_out(automation)


async def _switch(
    automation_id: str, enabled: bool, user: Any, session: Any, hearth: Hearth,
    background: BackgroundTasks,
) -> dict[str, Any]:  # fmt: skip
    automation = await service.automation_for_member(
        session, user=user, automation_id=automation_id
    )
    events = await service.set_enabled(
        session, automation=automation, enabled=enabled, now=hearth.clock.now()
    )
    background.add_task(hearth.publish, *events)
    return automation_out(automation)


@router.post("/automations/{automation_id}/enable")
async def enable_automation(
    automation_id: str, user: CurrentUser, session: SessionDep, hearth: HearthDep,
    background: BackgroundTasks,
) -> dict[str, Any]:  # fmt: skip
    """Enable an automation (this also clears a stop for looping)."""
    return await _switch(automation_id, True, user, session, hearth, background)


@router.post("/automations/{automation_id}/disable")
async def disable_automation(
    automation_id: str, user: CurrentUser, session: SessionDep, hearth: HearthDep,
    background: BackgroundTasks,
) -> dict[str, Any]:  # fmt: skip
    """Disable an automation: its triggers and schedules stop."""
    return await _switch(automation_id, False, user, session, hearth, background)


@router.delete("/automations/{automation_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_automation(
    automation_id: str, user: CurrentUser, session: SessionDep, hearth: HearthDep,
    background: BackgroundTasks,
) -> None:  # fmt: skip
    """Delete an automation with its log."""
    events = await service.delete_automation(session, user=user, automation_id=automation_id)
    background.add_task(hearth.publish, *events)


@router.post("/automations/{automation_id}/run", status_code=status.HTTP_202_ACCEPTED)
async def run_automation(
    automation_id: str, user: CurrentUser, session: SessionDep, hearth: HearthDep
) -> dict[str, str]:
    """Run an automation's actions now, skipping its triggers and conditions."""
    await service.automation_for_member(session, user=user, automation_id=automation_id)
    runner = runner_of(hearth)
    return {"run_id": await runner.run_automation(user=user, automation_id=automation_id)}


@router.get("/automations/{automation_id}/runs")
async def automation_runs(
    automation_id: str, user: CurrentUser, session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[dict[str, Any]]:  # fmt: skip
    """Return the execution log: the newest runs, why each fired and what each step did."""
    runs = await service.runs_of(session, user=user, automation_id=automation_id, limit=limit)
    return [run_out(r) for r in runs]


@router.get("/runs/{run_id}")
async def get_run(run_id: str, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    """Return one run."""
    return run_out(await service.run_for_member(session, user=user, run_id=run_id))


# -- place --------------------------------------------------------------------------------


@router.get("/homes/{home_id}/place")
async def get_place(home_id: str, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    """Return the home's time zone and location, used by schedules and sun triggers."""
    await service.list_scenes(session, user=user, home_id=home_id)  # membership
    place = await service.place_of(session, home_id=home_id)
    return {"timezone": place.timezone, "latitude": place.latitude, "longitude": place.longitude}


@router.put("/homes/{home_id}/place")
async def set_place(
    home_id: str, body: PlaceIn, user: CurrentUser, session: SessionDep, hearth: HearthDep,
    background: BackgroundTasks,
) -> dict[str, Any]:  # fmt: skip
    """Set the home's time zone and location (owner only)."""
    place, events = await service.set_place(
        session, user=user, home_id=home_id, timezone=body.timezone, latitude=body.latitude,
        longitude=body.longitude, now=hearth.clock.now(),
    )  # fmt: skip
    background.add_task(hearth.publish, *events)
    return {"timezone": place.timezone, "latitude": place.latitude, "longitude": place.longitude}
