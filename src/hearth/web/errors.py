"""One handler that turns the error tree into HTTP responses.

API paths (``/api/...``) get one JSON body, ``ErrorBody``: ``{"error": code, "detail":
message, "errors": [...]}`` plus the facts of the particular error; UI paths get a
friendly HTML page. Nothing a user sends can produce a traceback in a response.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from hearth import metrics
from hearth.errors import (
    HearthError,
    NotAuthenticated,
    RateLimited,
    TooManyAttempts,
    problems_as_sentences,
)

log = structlog.get_logger(__name__)


# Paths that only machines read (a load balancer, Prometheus): always answered in JSON.
MACHINE_PATHS = frozenset({"/healthz", "/metrics"})


class Problem(BaseModel):
    """One thing wrong with a request: where it is and why."""

    field: str = Field(
        description="Where: a dotted field path (`shipping.city`), a JSON pointer into a "
        "document, or empty when `line` says where."
    )
    message: str = Field(description="Why, for a person.")
    reason: str | None = Field(None, description="A stable code, where one exists.")
    line: int | None = Field(None, description="The line of an uploaded file.")


class ErrorBody(BaseModel):
    """The body of every error hearth answers on the API."""

    error: str = Field(description="A short machine-readable code (`not_found`).")
    detail: str = Field(description="What went wrong, as a sentence for a person.")
    errors: list[Problem] = Field(
        description="Each problem with the input, always present: empty for other errors."
    )
    reason: str | None = Field(None, description="Why a value or rule was rejected.")
    command_id: str | None = Field(None, description="The command that was recorded.")
    decline_code: str | None = Field(None, description="Why a payment was declined.")
    payment_id: str | None = Field(None, description="The payment concerned.")
    retry_after: int | None = Field(None, description="Seconds to wait before retrying.")
    sums: dict[str, int] | None = Field(None, description="Ledger excess per currency.")
    match: dict[str, Any] | None = Field(
        None, description="The existing object this one would repeat (id, title, status...)."
    )


def error_body(
    code: str, detail: str, errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Return the JSON of an error that the error tree does not raise (404, 405, 500...)."""
    return {"error": code, "detail": detail, "errors": errors or []}


def wants_json(request: Request) -> bool:
    """Tell whether the caller is an API client rather than a browser page."""
    if request.url.path.startswith("/api/") or request.url.path in MACHINE_PATHS:
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form", "header", "cookie")]
    return ".".join(parts) or str(loc[0] if loc else "request")


def validation_messages(exc: RequestValidationError) -> list[dict[str, str]]:
    """Flatten pydantic's errors into ``{"field", "message"}`` pairs a person can read."""
    return [
        {"field": _location(err.get("loc", ())), "message": str(err.get("msg", "invalid"))}
        for err in exc.errors()
    ]


PAGE_TITLES = {
    404: ("We could not find that page", "The address may be mistyped, or what it showed is gone."),
    405: ("That cannot be done here", "This page does not take that kind of request."),
}


async def _viewer(request: Request) -> Any:
    """Return who is signed in, for the page's header, even where no route resolved it (a
    404, a 405, a body that could not be read): an error page must not look signed out."""
    if hasattr(request.state, "viewer"):
        return request.state.viewer
    from hearth.web.deps import optional_user

    try:
        await optional_user(request)
    except HearthError:
        return None
    return getattr(request.state, "viewer", None)


def _back(request: Request) -> str | None:
    """Return the page a form was sent from, on this site, so an error page leads back to it."""
    referer = request.headers.get("referer", "")
    origin = f"{request.url.scheme}://{request.url.netloc}/"
    if not referer.startswith(origin) or request.method == "GET":
        return None
    return "/" + referer[len(origin) :]


async def _html(request: Request, status: int, title: str, message: str) -> Response:
    if getattr(request.app.state, "templates", None) is None:
        return HTMLResponse(f"<h1>{title}</h1><p>{message}</p>", status_code=status)
    from hearth.web.templating import render

    return render(
        request,
        "error.html",
        user=await _viewer(request),
        status_code=status,
        status=status,
        title=title,
        message=message,
        back=_back(request),
    )


async def handle_hearth_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HearthError)
    if exc.status >= 500:
        log.error("request_failed", path=request.url.path, error=exc.code, detail=exc.message)
    headers: dict[str, str] = {}
    if isinstance(exc, TooManyAttempts | RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    if wants_json(request):
        return JSONResponse(exc.to_dict(), status_code=exc.status, headers=headers)
    if isinstance(exc, NotAuthenticated) and request.method == "GET":
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    page = await _html(request, exc.status, exc.code.replace("_", " ").capitalize(), exc.sentence)
    page.headers.update(headers)
    return page


async def handle_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = validation_messages(exc)
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    if wants_json(request):
        return JSONResponse(error_body("invalid_input", summary, list(errors)), status_code=422)
    return await _html(request, 422, "That did not look right", problems_as_sentences(errors))


def allowed_methods(request: Request) -> str:
    """List every method some route of the request's path answers (Starlette names one)."""
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.router.routes):
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match is not Match.NONE and route.methods:
            methods |= set(route.methods)
    return ", ".join(sorted(methods))


async def handle_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    detail = exc.detail if isinstance(exc.detail, str) else "request failed"
    if exc.status_code == 400:
        # Starlette's only 400: a body that cannot be parsed (not UTF-8 JSON, broken
        # multipart). It is bad input like any other, so it is a 422 naming the body.
        problem = {"field": "body", "message": f"could not be read: {detail}"}
        summary = f"body: {problem['message']}"
        if wants_json(request):
            return JSONResponse(error_body("invalid_input", summary, [problem]), status_code=422)
        return await _html(request, 422, "That did not look right", summary)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = allowed_methods(request) or headers.get("Allow", "")
    if wants_json(request):
        return JSONResponse(error_body(code, detail), status_code=exc.status_code, headers=headers)
    title, message = PAGE_TITLES.get(exc.status_code, (detail, ""))
    page = await _html(request, exc.status_code, title, message)
    page.headers.update(headers)
    return page


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    metrics.ERRORS.labels(area="http").inc()
    log.exception("unhandled_error", path=request.url.path)
    if wants_json(request):
        return JSONResponse(
            error_body("internal_error", "something went wrong on our side"), status_code=500
        )
    return await _html(request, 500, "Something went wrong", "It was logged; please try again.")


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that render the error tree on ``app``."""
    app.add_exception_handler(HearthError, handle_hearth_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
    app.add_exception_handler(Exception, handle_unexpected)
