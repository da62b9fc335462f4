"""The FastAPI application: JSON API under ``/api/v1``, the HTML UI, health and metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asgi_csrf
from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Scope, Send

from hearth import __version__
from hearth.bootstrap import Hearth
from hearth.config import Settings
from hearth.scenes import api as scenes_api
from hearth.scenes import pages as scenes_pages
from hearth.web.errors import install_error_handlers
from hearth.web.middleware import MetricsMiddleware, RequestIdMiddleware
from hearth.web.routes import (
    api_accounts,
    api_certification,
    api_devices,
    api_funding,
    api_funding_partner,
    api_homes,
    api_ledger,
    api_makers,
    api_mall,
    api_notifications,
    api_partner,
    broker_hooks,
    certification_pages,
    funding_pages,
    health,
    home_pages,
    media,
    pages,
    partner_pages,
    platform_pages,
    specs,
    store_pages,
)
from hearth.web.templating import make_templates

STATIC = Path(__file__).parent / "static"
CSRF_FORM_FIELD = "csrftoken"
CSRF_HEADER = "x-csrftoken"


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
    (api_funding.router, API),
    (api_funding_partner.router, API),
    (scenes_api.router, API),
    (api_homes.router, API),
    (api_partner.router, API),
    (api_certification.router, API),
    (media.router, ""),
    (home_pages.router, ""),
    (pages.router, ""),
    (scenes_pages.router, ""),
    (funding_pages.router, ""),
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
        try:
            yield
        finally:
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
    app.add_middleware(RequestIdMiddleware)  # outermost: every line of the request has its id
    protected: ASGIApp = asgi_csrf.asgi_csrf_decorator(
        signing_secret=runtime.settings.secret,
        form_input=CSRF_FORM_FIELD,
        http_header=CSRF_HEADER,
        always_protect={"/login", "/signup"},
        cookie_secure=bool(runtime.settings.cookie_secure),
        send_csrf_failed=_csrf_failed,
    )(app)
    return protected
