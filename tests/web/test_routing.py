"""The route index finds, for every path, the route FastAPI's own matching would find."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.routing import BaseRoute, Match

from hearth.bootstrap import Hearth
from hearth.config import Settings
from hearth.web.app import ROUTERS, create_app
from hearth.web.routing import RouteIndex, literal_segments
from tests.conftest import make_settings


def _inner(settings: Settings) -> FastAPI:
    app: Any = create_app(settings)
    while not isinstance(app, FastAPI):  # under hearth's own middleware
        app = app.app
    return app


def _scope(path: str, method: str) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}


def _first_full(entries: list[BaseRoute], path: str, method: str) -> int | None:
    """Return the position of the first entry (a route, a mount or an included router)
    that fully matches."""
    for position, entry in enumerate(entries):
        match, _ = entry.matches(_scope(path, method))
        if match == Match.FULL:
            return position
    return None


def _concrete(path: str) -> list[str]:
    """Paths a route serves: its parameters filled with plausible values."""
    filled = re.sub(r"\{[^}:]+(:path)?\}", lambda m: "a/b.js" if m.group(1) else "x1", path)
    return [filled, filled + "/", filled.rstrip("/") + "/extra"]


def test_segments_keep_whole_parameters_and_stop_at_partial_ones() -> None:
    assert literal_segments("/api/v1/homes/{home_id}/live") == ("api", "v1", "homes", "{}", "live")
    assert literal_segments("/") == ("",)
    assert literal_segments("/files/{name}.png/x") == ("files",)
    assert literal_segments("/static/{path:path}") == ("static",)
    assert literal_segments("/n/{count:int}") == ("n", "{}")


def test_every_path_goes_where_the_whole_router_would_send_it(tmp_path: Path) -> None:
    app = _inner(make_settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"))
    index = app.router.middleware_stack
    assert isinstance(index, RouteIndex)
    entries = list(app.router.routes)
    paths = {prefix + getattr(r, "path", "") for router, prefix in ROUTERS for r in router.routes}
    assert len(paths) > 200
    checked = 0
    for template in sorted(paths):
        for path in [*_concrete(template), "/nothing/here", "/api/v1/nothing"]:
            for method in ("GET", "POST", "DELETE"):
                whole = _first_full(entries, path, method)
                candidates = index.candidates(path)
                found = _first_full(candidates, path, method)
                if whole is None:
                    assert found is None, (path, method)
                    continue
                assert found is not None, (path, method)
                assert candidates[found] is entries[whole], (path, method)
                checked += 1
    assert checked > 240


def test_a_request_is_matched_against_few_entries(tmp_path: Path) -> None:
    app = _inner(make_settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"))
    index = app.router.middleware_stack
    assert isinstance(index, RouteIndex)
    assert len(app.router.routes) > 25
    assert len(index.candidates("/api/v1/me")) == 2  # its GET and PATCH, nothing else
    assert len(index.candidates("/api/v1/homes/hom_1/live")) <= 6  # the walk: /homes, /{id}, /live
    assert len(index.candidates("/api/v1/nothing")) == 0


@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/v1/nothing", 404), ("/api/v1/me", 401), ("/static/css/hearth.css", 200)],
)
async def test_answers_stay_fastapis_own(hearth: Hearth, path: str, status: int) -> None:
    transport = httpx.ASGITransport(app=create_app(hearth=hearth))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        answer = await http.get(path)
    assert answer.status_code == status, answer.text
    if status == 404:
        assert answer.json()["error"] == "not_found"


async def test_a_stray_trailing_slash_still_redirects(hearth: Hearth) -> None:
    transport = httpx.ASGITransport(app=create_app(hearth=hearth))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        answer = await http.get("/api/v1/me/")
    assert answer.status_code == 307
    assert answer.headers["location"] == "http://testserver/api/v1/me"
