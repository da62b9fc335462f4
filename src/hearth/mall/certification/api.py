"""JSON API for compatibility certification: start a run, list runs, read and download reports.

Partner members of the product's company and reviewers may certify; for anyone else
the product does not exist (404).
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter, BackgroundTasks, status
from fastapi.responses import Response

from hearth.errors import Conflict
from hearth.mall.certification import service
from hearth.mall.certification.report import RunStatus
from hearth.mall.certification.schemas import (
    CertificationRunDetail,
    CertificationRunIn,
    CertificationRunOut,
    CertificationStartedOut,
    CertificationTestUnit,
)
from hearth.mall.certification.service import DeviceKind
from hearth.web.deps import CurrentUser, HearthDep, NowDep, SessionDep
from hearth.web.openapi import answers

router = APIRouter(tags=["certification"])


@router.post(
    "/products/{product_id}/certifications",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=CertificationStartedOut,
    responses=answers(Conflict),
)
async def start(
    product_id: str,
    user: CurrentUser,
    session: SessionDep,
    hearth: HearthDep,
    now: NowDep,
    background: BackgroundTasks,
    body: CertificationRunIn | None = None,
) -> CertificationStartedOut:
    """Start a certification run of the product's current spec; it runs in the background."""
    kind = body.device if body else DeviceKind.SIMULATED
    started = await service.start_run(
        session, user=user, product_id=product_id, device=kind, now=now
    )
    # The run starts once its row is committed: background tasks run after the response,
    # and the request's unit of work commits before it.
    background.add_task(service.launch_later, hearth, started.job)
    unit = None
    if kind is DeviceKind.REAL:
        host, port = service.device_address(hearth)
        unit = CertificationTestUnit(
            device_id=started.unit.device_id,
            model=started.unit.model_id,
            secret=started.unit.secret,
            host=host,
            port=port,
        )
    return CertificationStartedOut(run=CertificationRunOut.model_validate(started.run), unit=unit)


@router.get("/products/{product_id}/certifications", response_model=list[CertificationRunOut])
async def list_runs(
    product_id: str, user: CurrentUser, session: SessionDep, now: NowDep
) -> list[CertificationRunOut]:
    """List a product's certification runs, newest first."""
    _, runs = await service.list_runs(session, user=user, product_id=product_id, now=now)
    return [CertificationRunOut.model_validate(r) for r in runs]


@router.get("/certifications/{run_id}", response_model=CertificationRunDetail)
async def get_run(
    run_id: str, user: CurrentUser, session: SessionDep, now: NowDep
) -> CertificationRunDetail:
    """Show one run with its report (none while it runs)."""
    _, run = await service.get_run(session, user=user, run_id=run_id, now=now)
    return CertificationRunDetail.model_validate(run)


@router.get(
    "/certifications/{run_id}/report.json",
    response_class=Response,
    responses={
        200: {
            "description": "the run's report as a JSON attachment",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def download(run_id: str, user: CurrentUser, session: SessionDep, now: NowDep) -> Response:
    """Download a finished run's report as a JSON file."""
    _, run = await service.get_run(session, user=user, run_id=run_id, now=now)
    if run.status == RunStatus.RUNNING or run.report is None:
        raise Conflict("the run has no report yet; it is still running")
    return Response(
        orjson.dumps(run.report, option=orjson.OPT_INDENT_2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="certification-{run.id}.json"'},
    )
