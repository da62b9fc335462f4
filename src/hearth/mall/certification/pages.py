"""Certification pages (HTML): a product's runs with a Run certification button, and a
run's report with every check's verdict and evidence."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.background import BackgroundTask

from hearth.accounts.models import User
from hearth.mall.certification import service
from hearth.mall.certification.report import RunStatus
from hearth.mall.certification.service import DeviceKind
from hearth.web.deps import CurrentUser, HearthDep, NowDep, OptionalUser, SessionDep
from hearth.web.templating import render

router = APIRouter(include_in_schema=False)


async def _runs(
    request: Request,
    session: SessionDep,
    user: User,
    product_id: str,
    now: datetime,
    template: str,
) -> Response:
    product, runs = await service.list_runs(session, user=user, product_id=product_id, now=now)
    current = [r for r in runs if r.spec_version == product.spec_version]
    return render(
        request,
        template,
        user=user,
        active="partner",
        product=product,
        runs=runs,
        running=any(r.status == RunStatus.RUNNING for r in runs),
        certified=any(r.status == RunStatus.PASSED for r in current),
    )


@router.get("/partner/products/{product_id}/certification")
async def runs_page(
    request: Request, product_id: str, user: CurrentUser, session: SessionDep, now: NowDep
) -> Response:
    return await _runs(request, session, user, product_id, now, "mall/certification/runs.html")


@router.get("/partner/products/{product_id}/certification/runs")
async def runs_fragment(
    request: Request, product_id: str, user: CurrentUser, session: SessionDep, now: NowDep
) -> Response:
    return await _runs(request, session, user, product_id, now, "mall/certification/_runs.html")


@router.post("/partner/products/{product_id}/certification")
async def run_certification(
    request: Request,
    product_id: str,
    user: CurrentUser,
    session: SessionDep,
    hearth: HearthDep,
    now: NowDep,
) -> Response:
    started = await service.start_run(
        session, user=user, product_id=product_id, device=DeviceKind.SIMULATED, now=now
    )
    response: Response
    if request.headers.get("HX-Request"):
        template = "mall/certification/_runs.html"
        response = await _runs(request, session, user, product_id, now, template)
    else:
        response = RedirectResponse(f"/partner/products/{product_id}/certification", 303)
    response.background = BackgroundTask(service.launch_later, hearth, started.job)  # after commit
    return response


@router.get("/certifications/{run_id}")
async def report_page(
    request: Request, run_id: str, user: CurrentUser, session: SessionDep, now: NowDep
) -> Response:
    product, run = await service.get_run(session, user=user, run_id=run_id, now=now)
    return render(
        request,
        "mall/certification/report.html",
        user=user,
        active="partner",
        product=product,
        run=run,
        report=run.report,
    )


@router.get("/products/{product_id}/certification")
async def public_report_page(
    request: Request, product_id: str, user: OptionalUser, session: SessionDep
) -> Response:
    """Show anyone the passed run that certifies a product on show in the mall."""
    product, run = await service.published_run(session, product_id=product_id)
    return render(
        request,
        "mall/certification/report.html",
        user=user,
        active="store",
        product=product,
        run=run,
        report=run.report,
        public=True,
    )
