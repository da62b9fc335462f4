"""The published API contract: the OpenAPI document says what the server really does.

FastAPI documents each operation's success and a 422 in its own ``{"detail": [...]}``
shape. hearth answers every error with one body (``ErrorBody``), so this module rewrites
the document once, when it is first asked for:

- every error status an operation can answer is declared with ``ErrorBody``. Most are
  read from the route itself: a signed-in caller means 401 (and 403 where a capability is
  required), path ids mean 404, parameters or a body mean 422, a write that may carry a
  cookie means 403 (the CSRF check). Routes add the rest with ``answers(...)``;
- the two ways to sign in are declared as security schemes (a bearer token, the session
  cookie) and attached to the operations that read the caller;
- FastAPI's validation schemas, which nothing answers with, are dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from hearth.errors import (
    AuthError,
    HearthError,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
)
from hearth.kit.bounds import NO_NUL
from hearth.web.deps import SESSION_COOKIE, current_user, optional_user
from hearth.web.errors import ErrorBody

ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorBody"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal API token (POST /api/v1/tokens).",
    },
    "cookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "The session cookie set by logging in; writes also need the "
        "X-CSRFToken header.",
    },
}
REASONS = {
    401: "Not signed in, or the token is unknown or revoked.",
    402: "The payment did not go through.",
    403: "Signed in but not allowed, or a cookie-carrying write without its CSRF token.",
    404: "No such object, or not one of yours.",
    409: "The object exists already or is not in a state that allows this.",
    422: "The request is malformed: each problem is listed in `errors`.",
    429: "Too many attempts: wait for `Retry-After` seconds.",
    503: "A service this needs is unavailable; nothing was done.",
    504: "No answer in time; the outcome is not known yet.",
}


# Marks a route that reads a bearer token itself rather than through ``CurrentUser``
# (``answers(NotAuthenticated)``); ``build_contract`` turns it into the route's security.
_READS_TOKEN = "x-hearth-reads-token"


def answers(*errors: type[HearthError]) -> dict[int | str, dict[str, Any]]:
    """Declare error statuses a route answers beyond those its signature shows."""
    declared: dict[int | str, dict[str, Any]] = {
        error.status: {"description": REASONS.get(error.status, error.code)} for error in errors
    }
    if NotAuthenticated in errors:
        declared[NotAuthenticated.status][_READS_TOKEN] = True
    return declared


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def _reads_caller(calls: list[Callable[..., Any]]) -> bool:
    return any(call in (current_user, optional_user) for call in calls)


def derived_statuses(route: RouteContext, method: str) -> set[int]:
    """Tell which error statuses ``route`` can answer, read from its parameters."""
    calls = list(_calls(route.dependant))
    statuses: set[int] = set()
    if _reads_caller(calls):
        # 403 too: services check ownership and roles beyond what the signature shows.
        statuses |= {AuthError.status, PermissionDenied.status}
    if method in UNSAFE:
        statuses.add(PermissionDenied.status)  # the CSRF check of cookie-carrying writes
    if route.dependant.path_params:
        statuses.add(NotFound.status)  # an id that names nothing, or nothing of yours
    if _has_input(route.dependant):
        statuses.add(InvalidInput.status)
    return statuses


def _has_input(dependant: Dependant) -> bool:
    """Tell whether a route or one of its dependencies reads anything the caller sends."""
    own = (
        dependant.path_params,
        dependant.query_params,
        dependant.header_params,
        dependant.cookie_params,
        dependant.body_params,
    )
    return any(own) or any(_has_input(d) for d in dependant.dependencies)


ANY_JSON = {"$ref": "#/components/schemas/AnyJson"}
# Any JSON value whose text carries no NUL: what a free-form field or an extra key takes.
ANY_JSON_SCHEMA = {
    "description": "Any JSON value; no string or key in it contains NUL.",
    "anyOf": [
        {"type": ["null", "boolean", "number"]},
        {"type": "string", "pattern": NO_NUL},
        {"type": "array", "items": ANY_JSON},
        {"type": "object", "propertyNames": {"pattern": NO_NUL}, "additionalProperties": ANY_JSON},
    ],
}


def _no_nul(node: object) -> None:
    """Say in every schema of the document that text carries no NUL (``NulGuard``):
    strings without a pattern of their own get one, objects one for their keys, and what
    takes any value takes ``AnyJson``."""
    if isinstance(node, list):
        for item in node:
            _no_nul(item)
        return
    if not isinstance(node, dict):
        return
    kinds = node.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "string" in kinds and not {"pattern", "enum", "const", "format"} & set(node):
        node["pattern"] = NO_NUL
    if "object" in kinds:
        node.setdefault("propertyNames", {"pattern": NO_NUL})
        if node.get("additionalProperties", True) in (True, {}):
            node["additionalProperties"] = ANY_JSON
    for key in ("items", "additionalProperties"):
        if node.get(key) == {}:
            node[key] = ANY_JSON
    for key in ("properties", "patternProperties"):
        for name, value in node.get(key, {}).items():
            if value == {} or (isinstance(value, dict) and set(value) <= {"title", "description"}):
                node[key][name] = {**value, **ANY_JSON}
    for key, value in node.items():
        if key != "examples":
            _no_nul(value)


def _never_null(parameter: dict[str, Any]) -> None:
    """Drop the ``null`` FastAPI lists for an optional parameter: a query, header or cookie
    is text or absent, never JSON's null."""
    schema = parameter.get("schema", {})
    choices = schema.get("anyOf")
    if isinstance(choices, list) and {"type": "null"} in choices:
        rest = [choice for choice in choices if choice != {"type": "null"}]
        if len(rest) == 1:
            del schema["anyOf"]
            schema.update(rest[0])


def _error_response(reason: str) -> dict[str, Any]:
    return {"description": reason, "content": {"application/json": {"schema": ERROR_SCHEMA}}}


def build_contract(app: FastAPI) -> dict[str, Any]:
    """Build the OpenAPI document of ``app`` with hearth's errors, content and security."""
    document = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        routes=app.routes,
    )
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    body_schema = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in body_schema.pop("$defs", {}).items():
        schemas[name] = definition
    _no_nul(document["paths"])
    _no_nul(schemas)
    schemas["AnyJson"] = ANY_JSON_SCHEMA
    schemas["ErrorBody"] = body_schema
    components["securitySchemes"] = SECURITY_SCHEMES
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        path = document["paths"].get(route.path_format or "")
        if path is None:
            continue
        calls = list(_calls(route.dependant))
        for method in route.methods or ():
            operation = path.get(method.lower())
            if operation is None:
                continue
            for parameter in operation.get("parameters", []):
                _never_null(parameter)
            responses: dict[str, Any] = operation.setdefault("responses", {})
            reads_token = responses.get(str(AuthError.status), {}).pop(_READS_TOKEN, False)
            statuses = derived_statuses(route, method)
            statuses |= {int(code) for code in responses if str(code)[0] in "45"}
            for status in sorted(statuses):
                declared = responses.get(str(status), {})
                if declared.get("content") and status != InvalidInput.status:
                    continue  # the route documents its own body (the health report's 503)
                reason = declared.get("description") or REASONS.get(status, "An error.")
                if status == InvalidInput.status:
                    reason = REASONS[status]
                responses[str(status)] = _error_response(reason)
            if _reads_caller(calls):
                operation["security"] = [{"bearer": []}, {"cookie": []}]
                if optional_user in calls and current_user not in calls:
                    operation["security"].append({})
            elif reads_token:  # checks a token itself (pledges, the broker's hooks)
                operation["security"] = [{"bearer": []}]
    return document


def install_contract(app: FastAPI) -> None:
    """Make ``app`` publish the contract built by ``build_contract`` (built once)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_contract(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
