"""Every log line of a request carries its id, and the response hands the id back."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import httpx
import structlog
from fastapi import Depends, FastAPI
from structlog.testing import capture_logs

from hearth.web.middleware import RequestMiddleware
from tests.helpers import signup


def _lines_of(
    logs: list[MutableMapping[str, Any]], request_id: str
) -> list[MutableMapping[str, Any]]:
    return [line for line in logs if line.get("request_id") == request_id]


def _logging_app() -> FastAPI:
    """An app whose routes log from a dependency, an async route and a sync one."""
    app = FastAPI()
    log = structlog.get_logger("test")

    async def dependency() -> None:
        log.info("in_dependency")

    @app.get("/async", dependencies=[Depends(dependency)])
    async def async_route() -> dict[str, str]:
        log.info("in_async_route")
        return {}

    @app.get("/sync")
    def sync_route() -> dict[str, str]:  # runs in a worker thread
        log.info("in_sync_route")
        return {}

    app.add_middleware(RequestMiddleware)
    return app


async def test_every_line_a_request_logs_carries_its_id_and_the_response_returns_it() -> None:
    transport = httpx.ASGITransport(app=_logging_app())
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            first = await http.get("/async")
            second = await http.get("/sync")
    ids = [first.headers["x-request-id"], second.headers["x-request-id"]]
    assert ids[0] != ids[1]
    assert [line["event"] for line in _lines_of(logs, ids[0])] == [
        "in_dependency",
        "in_async_route",
        "request",
    ]
    assert [line["event"] for line in _lines_of(logs, ids[1])] == ["in_sync_route", "request"]
    assert all("request_id" in line for line in logs)
    assert structlog.contextvars.get_contextvars().get("request_id") is None  # unbound after


async def test_the_app_returns_an_id_with_every_answer_and_logs_its_access_line_with_it(
    client: httpx.AsyncClient,
) -> None:
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        refused = await client.post(
            "/api/v1/auth/login", json={"username": "nobody", "password": "wrong password"}
        )
    assert refused.status_code == 401
    (access,) = _lines_of(logs, refused.headers["x-request-id"])
    assert access["event"] == "request"
    assert access["route"] == "/api/v1/auth/login" and access["status"] == 401


async def test_a_callers_request_id_is_kept_and_an_implausible_one_replaced(
    client: httpx.AsyncClient,
) -> None:
    await signup(client, "mia")
    kept = await client.get("/api/v1/me", headers={"X-Request-ID": "edge-7f3a.42"})
    assert kept.headers["x-request-id"] == "edge-7f3a.42"
    replaced = await client.get("/api/v1/me", headers={"X-Request-ID": "<script>" * 20})
    assert replaced.headers["x-request-id"].startswith("req_")
