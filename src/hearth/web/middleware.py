"""Middleware of every request: its id in every log line, and its metrics and access line.

The request id comes from the caller's ``X-Request-ID`` header when it is a plausible id
(a proxy's or a client's, so one id follows a request across systems), else a new one. It
is bound in structlog's context variables for the whole request, so every line any code
logs while serving it carries ``request_id``, and it is returned in the response's
``X-Request-ID`` header for a person reporting a problem to quote.
"""

from __future__ import annotations

import re
import time
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hearth import metrics
from hearth.kit.ids import new_id

access_log = structlog.get_logger("hearth.access")
HEADER = b"x-request-id"
PLAUSIBLE = re.compile(rb"[A-Za-z0-9._:-]{1,64}")


class RequestIdMiddleware:
    """Give every request an id, bind it for its log lines and return it in a header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == HEADER), b"")
        request_id = given.decode() if PLAUSIBLE.fullmatch(given) else new_id("req")
        raw = request_id.encode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), (HEADER, raw)]
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            await self.app(scope, receive, send_with_id)


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
