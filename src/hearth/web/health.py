"""Liveness and metrics endpoints for operators and load balancers."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hearth.web.deps import HearthDep

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Database and broker status")
async def healthz(hearth: HearthDep) -> JSONResponse:
    report = await hearth.health()
    return JSONResponse(report, status_code=200 if report["ok"] else 503)


@router.get("/metrics", summary="Prometheus metrics of this process", include_in_schema=False)
async def prometheus_metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
