"""The Scenes tab: a home's scenes and automations, the builder, and each execution log.

Reads go through the scenes services (membership checked there; another home's objects
answer 404). The builder saves through the JSON API from the page's script, so the UI
and the API share one set of rules and one set of error messages.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.errors import HearthError, NotFound
from hearth.homes import service as homes
from hearth.scenes import picker, service
from hearth.scenes.api import runner_of
from hearth.scenes.models import Automation, Scene, SceneRun
from hearth.scenes.schemas import AutomationSwitchForm, SceneRunForm
from hearth.web.deps import CurrentUser, HearthDep, NowDep, SessionDep
from hearth.web.templating import render

router = APIRouter(include_in_schema=False)
SETTLE_SECONDS = 2.0  # how long a tap waits for its run before answering with what it has


async def _home(session: AsyncSession, user: User, home_id: str | None) -> tuple[Any, list[Any]]:
    """Return the chosen home (or the first) and all the user's homes."""
    found = await homes.list_homes(session, user=user)
    if not found:
        return None, []
    for home, role in found:
        if home.id == home_id:
            return (home, role), found
    if home_id is not None:
        raise NotFound("no such home")
    return found[0], found


def _htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


async def _describer(session: AsyncSession, home_id: str) -> picker.Describer:
    devices = await picker.home_devices(session, home_id=home_id)
    scenes = await service.scenes_of_home(session, home_id=home_id)
    automations = await service.automations_of_home(session, home_id=home_id)
    names = {s.id: s.name for s in scenes} | {a.id: a.name for a in automations}
    return picker.Describer(devices, names)


async def scene_strip(session: AsyncSession, *, user: User, home_id: str) -> dict[str, Any]:
    """Context for ``scenes/_strip.html``: the home's scenes as tap-to-run buttons."""
    return {
        "strip_scenes": await service.list_scenes(session, user=user, home_id=home_id),
        "strip_home_id": home_id,
    }


@router.get("/scenes")
async def scenes_page(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    home: str | None = None,
) -> Response:
    """Show a home's scenes and automations, and the zone their schedules run in."""
    chosen, all_homes = await _home(session, user, home)
    if chosen is None:
        return render(request, "scenes/index.html", user=user, active="scenes", home=None, homes=[])
    current, role = chosen
    scenes = await service.list_scenes(session, user=user, home_id=current.id)
    automations = await service.list_automations(session, user=user, home_id=current.id)
    describe = await _describer(session, current.id)
    last = await service.last_runs(session, automation_ids=[a.id for a in automations])
    return render(
        request,
        "scenes/index.html",
        user=user,
        active="scenes",
        home=current,
        owner=role.value == "owner",
        homes=[h for h, _ in all_homes],
        scenes=scenes,
        automations=automations,
        describe=describe,
        last=last,
        place=await service.place_of(session, home_id=current.id),
        time_zone=current.timezone or homes.DEFAULT_ZONE,
    )


def _builder(
    request: Request,
    user: User,
    *,
    kind: str,
    home_id: str,
    item: Scene | Automation | None,
    choices: list[dict[str, Any]],
    scenes: list[Scene],
    automations: list[Automation],
    located: bool,
    time_zone: str,
) -> Response:
    initial: dict[str, Any] | None = None
    if isinstance(item, Scene):
        initial = {"actions": item.actions}
    elif isinstance(item, Automation):
        initial = {**item.rule, "condition_items": item.rule["conditions"]["items"]}
    api = "/api/v1"
    if kind == "scene":
        save = f"{api}/scenes/{item.id}" if item else f"{api}/homes/{home_id}/scenes"
        done = f"/scenes?home={home_id}"
    else:
        save = f"{api}/automations/{item.id}" if item else f"{api}/homes/{home_id}/automations"
        done = "/scenes/automations/{id}"
    data = {
        "kind": kind,
        "devices": choices,
        "initial": initial,
        "located": located,
        "scenes": [{"id": s.id, "name": s.name} for s in scenes],
        "automations": [
            {"id": a.id, "name": a.name} for a in automations if item is None or a.id != item.id
        ],
        "save_url": save,
        "method": "PUT" if item else "POST",
        "done_url": done,
    }
    return render(
        request,
        "scenes/build.html",
        user=user,
        active="scenes",
        kind=kind,
        item=item,
        home_id=home_id,
        data=json.dumps(data).replace("</", "<\\/"),
        time_zone=time_zone,
    )


async def _builder_for(
    request: Request,
    user: User,
    session: AsyncSession,
    kind: str,
    home_id: str,
    item: Scene | Automation | None,
) -> Response:
    await homes.require_member(session, user, home_id)
    devices = await picker.home_devices(session, home_id=home_id, with_values=True)
    place = await service.place_of(session, home_id=home_id)
    return _builder(
        request,
        user,
        kind=kind,
        home_id=home_id,
        item=item,
        choices=picker.choices(devices),
        scenes=await service.scenes_of_home(session, home_id=home_id),
        automations=await service.automations_of_home(session, home_id=home_id),
        located=place.located,
        time_zone=place.timezone,
    )


@router.get("/scenes/new")
async def new_scene(
    request: Request, user: CurrentUser, session: SessionDep, home: Annotated[str, Query()]
) -> Response:
    """Open the builder for a new scene."""
    return await _builder_for(request, user, session, "scene", home, None)


@router.get("/scenes/automations/new")
async def new_automation(
    request: Request, user: CurrentUser, session: SessionDep, home: Annotated[str, Query()]
) -> Response:
    """Open the builder for a new automation."""
    return await _builder_for(request, user, session, "automation", home, None)


@router.get("/scenes/{scene_id}/edit")
async def edit_scene(
    scene_id: str, request: Request, user: CurrentUser, session: SessionDep
) -> Response:
    """Open the builder on a saved scene."""
    scene = await service.scene_for_member(session, user=user, scene_id=scene_id)
    return await _builder_for(request, user, session, "scene", scene.home_id, scene)


@router.get("/scenes/automations/{automation_id}/edit")
async def edit_automation(
    automation_id: str, request: Request, user: CurrentUser, session: SessionDep
) -> Response:
    """Open the builder on a saved automation."""
    found = await service.automation_for_member(session, user=user, automation_id=automation_id)
    return await _builder_for(request, user, session, "automation", found.home_id, found)


@router.get("/scenes/automations/{automation_id}")
async def automation_page(
    automation_id: str, request: Request, user: CurrentUser, session: SessionDep
) -> Response:
    """Show an automation and its execution log."""
    found = await service.automation_for_member(session, user=user, automation_id=automation_id)
    runs = await service.runs_of(session, user=user, automation_id=automation_id)
    describe = await _describer(session, found.home_id)
    return render(
        request,
        "scenes/automation.html",
        user=user,
        active="scenes",
        automation=found,
        runs=[(run, picker.tell_run(describe, run)) for run in runs],
        describe=describe,
        time_zone=await homes.home_zone(session, found.home_id),
    )


@router.post("/scenes/automations/{automation_id}/switch")
async def switch_automation(
    automation_id: str,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    form: Annotated[AutomationSwitchForm, Form()],
) -> Response:
    """Turn an automation on or off, then go back where the switch was."""
    found = await service.switch(
        session, user=user, automation_id=automation_id, enabled=form.enabled, now=now
    )
    target = (
        f"/scenes?home={found.home_id}"
        if form.back == "list"
        else f"/scenes/automations/{found.id}"
    )
    return RedirectResponse(target, status_code=303)


@router.post("/scenes/automations/{automation_id}/run")
async def run_automation_now(
    automation_id: str, user: CurrentUser, session: SessionDep, hearth: HearthDep
) -> Response:
    """Run an automation's actions now."""
    await service.automation_for_member(session, user=user, automation_id=automation_id)
    await runner_of(hearth).run_automation(user=user, automation_id=automation_id)
    return RedirectResponse(f"/scenes/automations/{automation_id}", status_code=303)


@router.post("/scenes/automations/{automation_id}/delete")
async def delete_automation(automation_id: str, user: CurrentUser, session: SessionDep) -> Response:
    """Delete an automation with its log."""
    home_id = await service.delete_automation(session, user=user, automation_id=automation_id)
    return RedirectResponse(f"/scenes?home={home_id}", status_code=303)


async def _run_result(
    request: Request, user: User, session: AsyncSession, run: SceneRun, *, page: bool
) -> Response:
    """Render a run's result: the fragment a tap swaps in (polling itself until the run
    settles), or the run's own page."""
    describe = await _describer(session, run.home_id)
    told = picker.tell_run(describe, run)
    title = describe.names.get(run.scene_id or run.automation_id or "", "") or (
        "A removed scene" if run.scene_id else "A removed automation"
    )
    log = (
        f"/scenes/{run.scene_id}"
        if run.scene_id
        else f"/scenes/automations/{run.automation_id}"
        if run.automation_id
        else None
    )
    return render(
        request,
        "scenes/run.html" if page else "scenes/_run.html",
        user=user,
        active="scenes",
        run=run,
        told=told,
        title=title,
        log=log,
        cause=describe.cause(run.cause, []),
        time_zone=await homes.home_zone(session, run.home_id),
    )


@router.post("/scenes/{scene_id}/run")
async def run_scene_now(
    scene_id: str,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    hearth: HearthDep,
    form: Annotated[SceneRunForm, Form()],
) -> Response:
    """Run a scene now; answer with what each action did (a fragment for the page it was
    tapped on), or, without scripts, go to the run's page."""
    scene = await service.scene_for_member(session, user=user, scene_id=scene_id)
    try:
        runner = runner_of(hearth)
        run_id = await runner.run_scene(user=user, scene_id=scene_id)
    except HearthError as err:
        if not _htmx(request):
            raise
        # htmx swaps only answers that succeed: the refusal is told where the tap was.
        message = picker.sentence(f"{scene.name} did not run: {err.message}")
        return render(request, "scenes/_refused.html", user=user, message=message)
    if not _htmx(request):
        return RedirectResponse(f"/scenes/runs/{run_id}", status_code=303)
    await runner.settled(run_id, SETTLE_SECONDS)
    session.expire_all()
    run = await service.run_for_member(session, user=user, run_id=run_id)
    return await _run_result(request, user, session, run, page=False)


@router.get("/scenes/runs/{run_id}")
async def run_page(
    run_id: str, request: Request, user: CurrentUser, session: SessionDep
) -> Response:
    """Show one run: what each action did, in words (the fragment alone for htmx, which
    polls it while the run is under way)."""
    run = await service.run_for_member(session, user=user, run_id=run_id)
    return await _run_result(request, user, session, run, page=not _htmx(request))


@router.get("/scenes/{scene_id}")
async def scene_page(
    scene_id: str, request: Request, user: CurrentUser, session: SessionDep
) -> Response:
    """Show a scene, its actions and its runs."""
    scene = await service.scene_for_member(session, user=user, scene_id=scene_id)
    runs = await service.runs_of(session, user=user, scene_id=scene_id)
    describe = await _describer(session, scene.home_id)
    return render(
        request,
        "scenes/scene.html",
        user=user,
        active="scenes",
        scene=scene,
        runs=[(run, picker.tell_run(describe, run)) for run in runs],
        describe=describe,
        time_zone=await homes.home_zone(session, scene.home_id),
    )


@router.post("/scenes/{scene_id}/delete")
async def delete_scene(scene_id: str, user: CurrentUser, session: SessionDep) -> Response:
    """Delete a scene."""
    home_id = await service.delete_scene(session, user=user, scene_id=scene_id)
    return RedirectResponse(f"/scenes?home={home_id}", status_code=303)
