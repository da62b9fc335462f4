"""Middleware of every request: its id in every log line, its metrics and access line, and
the security headers of every response.

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


# What the UI's own pages load: scripts, styles, images and event streams from hearth
# itself, nothing inline (no <script> or <style> blocks, no style or on* attributes), no
# plugins, no frames around it, forms posting only to hearth.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "font-src 'self'; connect-src 'self'; media-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Everything else (JSON, images, uploads, scripts, the metrics) is never a document: an
# uploaded SVG opened on its own, say, may run nothing and load nothing.
RESOURCE_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
CSP = b"content-security-policy"
SECURITY_HEADERS = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class SecurityHeadersMiddleware:
    """Give every response a content security policy (the page policy for HTML, none at all
    for anything else, unless the route set its own), and deny framing, content sniffing
    and cross-site referrers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                names = {key.lower() for key, _ in headers}
                if CSP not in names:
                    content_type = next(
                        (v for k, v in headers if k.lower() == b"content-type"), b""
                    )
                    html = content_type.startswith(b"text/html")
                    headers.append((CSP, (PAGE_POLICY if html else RESOURCE_POLICY).encode()))
                headers.extend((k, v) for k, v in SECURITY_HEADERS if k not in names)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
