"""The FastAPI application: JSON API under ``/api/v1``, the HTML UI, health and metrics."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asgi_csrf
import structlog
from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from hearth import __version__, metrics
from hearth.config import Settings
from hearth.funding import api as funding_api
from hearth.funding import api_partner as funding_api_partner
from hearth.funding import api_platform as funding_api_platform
from hearth.funding import pages as funding_pages
from hearth.funding import pages_partner as funding_pages_partner
from hearth.funding import pages_platform as funding_pages_platform
from hearth.funding import worker as funding_worker
from hearth.mall.certification import service as certification
from hearth.runtime import Hearth
from hearth.web.errors import install_error_handlers
from hearth.web.routes import (
    api_accounts,
    api_certification,
    api_devices,
    api_homes,
    api_ledger,
    api_makers,
    api_mall,
    api_notifications,
    api_partner,
    api_scenes,
    broker_hooks,
    certification_pages,
    health,
    home_pages,
    media,
    pages,
    partner_pages,
    platform_pages,
    scene_pages,
    specs,
    store_pages,
)
from hearth.web.templating import make_templates

STATIC = Path(__file__).parent / "static"
access_log = structlog.get_logger("hearth.access")
CSRF_FORM_FIELD = "csrftoken"
CSRF_HEADER = "x-csrftoken"


class MetricsMiddleware:
    """Count requests and time them per route template (not per raw path, to bound labels)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            path = route_template(scope)
            method = scope["method"]
            elapsed = time.perf_counter() - started
            metrics.HTTP_REQUESTS.labels(method, path, str(status)).inc()
            metrics.HTTP_LATENCY.labels(method, path).observe(elapsed)
            if path != "/static":
                access_log.info(
                    "request", method=method, route=path, status=status, ms=round(elapsed * 1000, 1)
                )


def route_template(scope: Scope) -> str:
    """Return the request's route with parameters as ``{name}``, to keep label counts small."""
    if scope.get("route") is None:
        return "/static" if scope["path"].startswith("/static/") else "unmatched"
    segments = scope["path"].split("/")
    for name, value in (scope.get("path_params") or {}).items():
        for index in range(len(segments) - 1, -1, -1):
            if segments[index] == str(value):
                segments[index] = "{" + name + "}"
                break
    return "/".join(segments)


async def _csrf_failed(scope: Scope, send: Send, message_id: Any) -> None:
    api = scope["path"].startswith("/api/")
    if api:
        body = b'{"error":"csrf_failed","detail":"missing or wrong CSRF token"}'
        content_type = b"application/json"
    else:
        body = (
            b"<!doctype html><title>Form expired</title><h1>This form has expired</h1>"
            b"<p>Go back, reload the page and try again.</p>"
        )
        content_type = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [(b"content-type", content_type)],
        }
    )
    await send({"type": "http.response.body", "body": body})


API = "/api/v1"
# Every area's routers, in one list: JSON routers under /api/v1, pages at the root.
ROUTERS: list[tuple[APIRouter, str]] = [
    (health.router, ""),
    (api_accounts.router, API),
    (api_ledger.router, API),
    (specs.router, API),
    (api_devices.router, API),
    (api_makers.router, API),
    (broker_hooks.router, API),
    (api_mall.router, API),
    (api_notifications.router, API),
    (funding_api.router, API),
    (funding_api_partner.router, API),
    (funding_api_platform.router, API),
    (api_scenes.router, API),
    (api_homes.router, API),
    (api_partner.router, API),
    (api_certification.router, API),
    (media.router, ""),
    (home_pages.router, ""),
    (pages.router, ""),
    (scene_pages.router, ""),
    (funding_pages.router, ""),
    (funding_pages_partner.router, ""),
    (funding_pages_platform.router, ""),
    (partner_pages.router, ""),
    (platform_pages.router, ""),
    (store_pages.router, ""),
    (certification_pages.router, ""),
]


def create_app(settings: Settings | None = None, *, hearth: Hearth | None = None) -> ASGIApp:
    """Build the ASGI app; it starts ``hearth`` (or one built from ``settings``) on startup."""
    if hearth is None:
        if settings is None:
            raise ValueError("create_app needs settings or a hearth")
        hearth = Hearth.from_settings(settings)
    runtime = hearth

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        await certification.recover(runtime.sessions)  # runs a stopped process left
        # Campaign deadlines: every process runs the worker; the database hands out the work.
        deadlines = asyncio.create_task(funding_worker.run(runtime))
        try:
            yield
        finally:
            deadlines.cancel()
            await runtime.stop()

    app = FastAPI(
        title="hearth",
        version=__version__,
        summary="Home devices, smart scenes and a crowdfunding mall for a hardware ecosystem.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.hearth = runtime
    app.state.templates = make_templates()
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router, prefix in ROUTERS:
        app.include_router(router, prefix=prefix)

    app.add_middleware(MetricsMiddleware)
    protected: ASGIApp = asgi_csrf.asgi_csrf_decorator(
        signing_secret=runtime.settings.secret,
        form_input=CSRF_FORM_FIELD,
        http_header=CSRF_HEADER,
        always_protect={"/login", "/signup"},
        cookie_secure=bool(runtime.settings.cookie_secure),
        send_csrf_failed=_csrf_failed,
    )(app)
    return protected
