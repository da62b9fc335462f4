"""Every response carries the security headers; pages get a policy the UI fits."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute

from hearth.accounts.roles import Role
from hearth.bootstrap import Hearth
from hearth.web import app as web_app
from hearth.web.middleware import PAGE_POLICY, RESOURCE_POLICY
from tests.helpers import create_account, login

TEMPLATES = Path(web_app.__file__).parent / "templates"
FRAMING = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def _pages() -> list[str]:
    """Every HTML page without a path parameter, from the app's one list of routers."""
    return sorted(
        {
            route.path
            for router, prefix in web_app.ROUTERS
            if prefix == ""
            for route in router.routes
            if isinstance(route, APIRoute)
            and "GET" in (route.methods or ())
            and "{" not in route.path
        }
        - {"/healthz", "/metrics", "/api/docs"}  # the docs have a policy of their own, below
    )


def _assert_guarded(response: httpx.Response) -> None:
    for name, value in FRAMING.items():
        assert response.headers.get(name) == value, (response.url, name)
    policy = response.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in policy, response.url


@pytest.mark.parametrize("role", [None, Role.FAN, Role.PARTNER, Role.ADMIN])
async def test_every_page_carries_the_security_headers_and_the_page_policy(
    client: httpx.AsyncClient, hearth: Hearth, role: Role | None
) -> None:
    if role is not None:
        async with hearth.sessions() as session, session.begin():
            company = "Roidmi" if role is Role.PARTNER else None
            await create_account(session, "someone", role=role, company=company)
        assert (await login(client, "someone")).status_code == 200
    pages = _pages()
    assert {"/", "/login", "/account", "/scenes", "/store", "/partner", "/platform"} <= set(pages)
    for path in pages:
        response = await client.get(path, headers={"accept": "text/html"})
        assert response.status_code < 500, path
        _assert_guarded(response)
        if response.headers.get("content-type", "").startswith("text/html"):
            assert response.headers["content-security-policy"] == PAGE_POLICY, path


@pytest.mark.parametrize(
    "path", ["/api/v1/me", "/api/v1/nothing-here", "/healthz", "/static/js/hearth.js", "/nowhere"]
)
async def test_api_errors_and_files_carry_them_too(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    _assert_guarded(response)
    expected = PAGE_POLICY if "text/html" in response.headers["content-type"] else RESOURCE_POLICY
    assert response.headers["content-security-policy"] == expected


async def test_a_refused_form_carries_them_too(client: httpx.AsyncClient) -> None:
    response = await client.post("/login", data={"username": "mia", "password": "x"})
    assert response.status_code == 403
    _assert_guarded(response)


async def test_the_api_docs_get_a_policy_that_allows_only_their_own_script(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/docs")
    assert response.status_code == 200
    _assert_guarded(response)
    policy = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy
    assert "'sha256-" in policy
    assert len(response.headers.get_list("content-security-policy")) == 1


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: p.name)
def test_no_template_has_inline_scripts_styles_or_handlers(template: Path) -> None:
    text = template.read_text()
    inline_scripts = [
        tag
        for tag in re.findall(r"<script\b[^>]*>", text)
        if "src=" not in tag and "json" not in tag
    ]
    assert inline_scripts == []
    assert re.findall(r"<style\b", text) == []
    assert re.findall(r"\sstyle\s*=", text) == []
    assert re.findall(r"\son[a-z]+\s*=", text) == []
    assert "javascript:" not in text
