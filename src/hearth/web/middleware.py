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

import orjson
import structlog
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hearth import metrics
from hearth.errors import InvalidInput
from hearth.kit.ids import new_id
from hearth.web.errors import handle_hearth_error

access_log = structlog.get_logger("hearth.access")
HEADER = b"x-request-id"
PLAUSIBLE = re.compile(rb"[A-Za-z0-9._:-]{1,64}")


class RequestMiddleware:
    """Around every request: give it an id (bound for its log lines, returned in a
    header), count and time it per route with an access line, and give its response the
    security headers. One middleware with one ``send`` wrapper, outside everything else,
    so a request refused early (CSRF) has all of it too: each middleware layer costs every
    request a coroutine and a wrapped ``send``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # The metrics' children by label values: looking them up by label is most of the
        # cost of counting a request.
        self._counters: dict[tuple[str, str, int], Any] = {}
        self._timers: dict[tuple[str, str], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        given = next((v for k, v in scope["headers"] if k == HEADER), b"")
        request_id = given.decode() if PLAUSIBLE.fullmatch(given) else new_id("req")
        status = 500

        async def send_wrapped(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = _secured([*message.get("headers", ()), (HEADER, raw)])
            await send(message)

        raw = request_id.encode()
        tokens = structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_wrapped)
        finally:
            elapsed = time.perf_counter() - started
            self._observe(scope, status, elapsed)
            structlog.contextvars.reset_contextvars(**tokens)

    def _observe(self, scope: Scope, status: int, elapsed: float) -> None:
        path = route_template(scope)
        method = scope["method"]
        counter = self._counters.get((method, path, status))
        if counter is None:
            counter = metrics.HTTP_REQUESTS.labels(method, path, str(status))
            self._counters[(method, path, status)] = counter
        timer = self._timers.get((method, path))
        if timer is None:
            timer = self._timers[(method, path)] = metrics.HTTP_LATENCY.labels(method, path)
        counter.inc()
        timer.observe(elapsed)
        if path != "/static":
            access_log.info(
                "request", method=method, route=path, status=status, ms=round(elapsed * 1000, 1)
            )


class NulGuard:
    """Refuse a NUL character in the path, the query or a JSON body before any route reads
    it: PostgreSQL cannot store one in text, so it would fail deep in a query instead. The
    refusal names the field that holds it and is rendered as any other bad input is.

    A middleware inside the app (its error rendering is at hand) rather than a dependency
    of every route: a dependency cost each request 20 µs of FastAPI's solving, this costs
    a scan of the path and query, and a JSON body is read here once and handed on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        where = ""
        if "\x00" in scope["path"]:
            where = "path"
        elif b"%00" in scope["query_string"]:
            where = "query"
        elif scope["method"] not in ("GET", "HEAD", "OPTIONS") and _is_json(scope):
            raw, receive = await _read_body(receive)
            # JSON can only carry NUL escaped (a raw control character is not valid JSON).
            if b"\\u0000" in raw:
                try:
                    where = _nul_at(orjson.loads(raw), "") or ""
                except orjson.JSONDecodeError:
                    pass  # the route refuses a body it cannot read, naming it
        if not where:
            await self.app(scope, receive, send)
            return
        problem = {"field": where, "message": "no control characters (U+0000 is one)"}
        refusal = await handle_hearth_error(Request(scope, receive), InvalidInput.fields([problem]))
        await refusal(scope, receive, send)


def _is_json(scope: Scope) -> bool:
    content_type = next((v for k, v in scope["headers"] if k == b"content-type"), b"")
    return content_type.startswith(b"application/json")


async def _read_body(receive: Receive) -> tuple[bytes, Receive]:
    """Read the whole body; return it and a ``receive`` that hands it on as one message."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client left: let the app see it
            first: Message | None = message
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            first = None
            break
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            if first is not None:
                return first
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


def _nul_at(value: object, path: str) -> str | None:
    """Return the dotted path of the first NUL in a parsed JSON value, if any."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in str(key):  # the key itself: name where it sits, not the key
                return path or "body"
            here = f"{path}.{key}" if path else str(key)
            if found := _nul_at(item, here):
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            if found := _nul_at(item, f"{path}.{index}" if path else str(index)):
                return found
    return None


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
PAGE = PAGE_POLICY.encode()
RESOURCE = RESOURCE_POLICY.encode()
SECURITY_HEADERS = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


def _secured(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """Add a content security policy (the page policy for HTML, none at all for anything
    else, unless the route set its own) and deny framing, content sniffing and cross-site
    referrers, where the route did not say otherwise."""
    names = {key.lower() for key, _ in headers}
    if CSP not in names:
        content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
        headers.append((CSP, PAGE if content_type.startswith(b"text/html") else RESOURCE))
    headers.extend((k, v) for k, v in SECURITY_HEADERS if k not in names)
    return headers
