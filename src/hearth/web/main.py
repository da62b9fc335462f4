"""The ASGI entry point uvicorn imports: ``hearth.web.main:build`` (a factory)."""

from __future__ import annotations

from typing import Any, cast

from starlette.types import ASGIApp
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from hearth.config import load_settings
from hearth.kit.heap import tune_collector
from hearth.logs import configure_logging
from hearth.web.app import create_app


def build() -> ASGIApp:
    """Build the app from ``HEARTH_*`` settings (each worker process calls this), reading
    the caller's address and scheme from proxy headers sent by 127.0.0.1 (whatever server
    runs it, as uvicorn's ``--proxy-headers`` would)."""
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    # uvicorn types ASGI apps more narrowly than Starlette; the protocol is the same.
    proxied = ProxyHeadersMiddleware(cast(Any, create_app(settings)), trusted_hosts="127.0.0.1")
    app = cast(ASGIApp, proxied)
    tune_collector()
    return app
