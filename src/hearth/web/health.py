"""Liveness and metrics endpoints for operators and load balancers."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from hearth.web.deps import HearthDep

router = APIRouter(tags=["operations"])


class PartHealthOut(BaseModel):
    """One part's state: the database's dialect, or the broker's kind and address."""

    ok: bool
    error: str | None = None
    dialect: str | None = None
    kind: str | None = None
    address: str | None = None


class HealthOut(BaseModel):
    """Whether this process can reach its database and its broker."""

    ok: bool
    database: PartHealthOut
    broker: PartHealthOut


@router.get(
    "/healthz",
    summary="Database and broker status",
    responses={200: {"model": HealthOut}, 503: {"model": HealthOut}},
)
async def healthz(hearth: HearthDep) -> JSONResponse:
    """Report the database and the broker; 503 when either does not answer."""
    report = await hearth.health()
    return JSONResponse(report, status_code=200 if report["ok"] else 503)


@router.get("/metrics", summary="Prometheus metrics of this process", include_in_schema=False)
async def prometheus_metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
