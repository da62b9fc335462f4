"""The ASGI entry point uvicorn imports: ``hearth.web.main:build`` (a factory)."""

from __future__ import annotations

from starlette.types import ASGIApp

from hearth.config import load_settings
from hearth.kit.heap import tune_collector
from hearth.logs import configure_logging
from hearth.web.app import create_app


def build() -> ASGIApp:
    """Build the app from ``HEARTH_*`` settings (each worker process calls this)."""
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    app = create_app(settings)
    tune_collector()
    return app
