"""JSON API for compatibility certification: start a run, list runs, read and download reports.

Partner members of the product's company and reviewers may certify; for anyone else
the product does not exist (404).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from fastapi import APIRouter, BackgroundTasks, status
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from hearth.errors import Conflict
from hearth.mall.certification import service
from hearth.mall.certification.report import RunStatus
from hearth.mall.certification.service import DeviceKind
from hearth.web.deps import CurrentUser, HearthDep, SessionDep

router = APIRouter(tags=["certification"])


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device: DeviceKind = DeviceKind.SIMULATED


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    product_id: str
    spec_version: int
    device: str
    device_id: str | None
    status: str
    reason: str
    total: int
    passed: int
    failed: int
    started_at: datetime
    finished_at: datetime | None


class RunDetail(RunOut):
    report: dict[str, Any] | None


class TestUnit(BaseModel):
    """Credentials a real device connects with for this run (shown this once)."""

    device_id: str
    model: str
    secret: str
    host: str
    port: int


class StartedOut(BaseModel):
    run: RunOut
    unit: TestUnit | None = None


@router.post(
    "/products/{product_id}/certifications",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=StartedOut,
)
async def start(
    product_id: str,
    user: CurrentUser,
    session: SessionDep,
    hearth: HearthDep,
    background: BackgroundTasks,
    body: RunIn | None = None,
) -> StartedOut:
    kind = body.device if body else DeviceKind.SIMULATED
    started = await service.start_run(session, user=user, product_id=product_id, device=kind)
    background.add_task(service.launch_later, hearth, started.job)
    unit = None
    if kind is DeviceKind.REAL:
        host, port = service.device_address(hearth)
        unit = TestUnit(
            device_id=started.unit.device_id,
            model=started.unit.model_id,
            secret=started.unit.secret,
            host=host,
            port=port,
        )
    return StartedOut(run=RunOut.model_validate(started.run), unit=unit)


@router.get("/products/{product_id}/certifications", response_model=list[RunOut])
async def list_runs(product_id: str, user: CurrentUser, session: SessionDep) -> list[Any]:
    _, runs = await service.list_runs(session, user=user, product_id=product_id)
    return runs


@router.get("/certifications/{run_id}", response_model=RunDetail)
async def get_run(run_id: str, user: CurrentUser, session: SessionDep) -> Any:
    _, run = await service.get_run(session, user=user, run_id=run_id)
    return run


@router.get("/certifications/{run_id}/report.json")
async def download(run_id: str, user: CurrentUser, session: SessionDep) -> Response:
    _, run = await service.get_run(session, user=user, run_id=run_id)
    if run.status == RunStatus.RUNNING or run.report is None:
        raise Conflict("the run has no report yet; it is still running")
    return Response(
        orjson.dumps(run.report, option=orjson.OPT_INDENT_2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="certification-{run.id}.json"'},
    )
