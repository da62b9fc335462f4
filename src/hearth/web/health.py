"""Liveness and metrics endpoints for operators and load balancers."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from hearth.errors import NotAuthenticated, NotFound
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
async def prometheus_metrics(request: Request, hearth: HearthDep) -> Response:
    """Serve the metrics to a scraper holding ``metrics_token``; without one they are off.

    They name every route, its traffic and its errors, which is no one's business but
    the operator's."""
    token = hearth.settings.metrics_token
    if token is None:
        raise NotFound("metrics are off; set metrics_token to serve them")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    expected = token.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
        raise NotAuthenticated("send the metrics token as 'Authorization: Bearer <token>'")
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
