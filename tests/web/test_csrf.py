"""CSRF tokens bound to the session, Secure cookies over HTTPS, unreadable forms refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from hearth.bootstrap import Hearth
from hearth.web.app import create_app
from tests.conftest import make_settings
from tests.helpers import PASSWORD, csrf_token, login, post_json, signup


def _client(hearth: Hearth, base_url: str = "http://testserver") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(hearth=hearth))
    return httpx.AsyncClient(transport=transport, base_url=base_url)


def _set_cookies(response: httpx.Response) -> dict[str, str]:
    return {
        value.split("=", 1)[0]: value
        for key, value in response.headers.multi_items()
        if key == "set-cookie"
    }


async def _tokens(client: httpx.AsyncClient) -> list[str]:
    response = await client.get("/api/v1/tokens")
    assert response.status_code == 200
    return [t["name"] for t in response.json()]


async def test_a_planted_csrf_cookie_with_the_same_header_is_refused(hearth: Hearth) -> None:
    async with _client(hearth) as victim, _client(hearth) as attacker:
        await signup(victim, "mia")
        # The attacker gets a genuine token of their own, then plants it in the victim's
        # browser (a sibling subdomain can set cookies) and sends it as the header.
        planted = await csrf_token(attacker)
        victim.cookies.set("csrftoken", planted)
        response = await victim.post(
            "/api/v1/tokens", json={"name": "sneaky"}, headers={"X-CSRFToken": planted}
        )
        assert response.status_code == 403
        assert response.json() == {
            "error": "csrf_failed",
            "detail": "missing or wrong CSRF token",
            "errors": [],
        }
        form = await victim.post("/account/tokens", data={"name": "sneaky", "csrftoken": planted})
        assert form.status_code == 403
        assert await _tokens(victim) == []


async def test_the_token_follows_the_session_through_log_in_and_log_out(hearth: Hearth) -> None:
    async with _client(hearth) as browser:
        anonymous = await csrf_token(browser)
        await signup(browser, "mia")
        signed_in = browser.cookies["csrftoken"]
        assert signed_in != anonymous
        stale = await browser.post(
            "/api/v1/tokens", json={"name": "old"}, headers={"X-CSRFToken": anonymous}
        )
        assert stale.status_code == 403
        assert (await post_json(browser, "/api/v1/tokens", {"name": "fresh"})).status_code == 201
        assert (await post_json(browser, "/api/v1/auth/logout", {})).status_code == 204
        assert browser.cookies["csrftoken"] != signed_in
        assert (await login(browser, "mia")).status_code == 200
        assert await _tokens(browser) == ["fresh"]


async def test_a_bearer_token_request_needs_no_csrf_token(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    await signup(client, "mia")
    created = await post_json(client, "/api/v1/tokens", {"name": "script"})
    secret = created.json()["token"]
    async with _client(hearth) as script:
        response = await script.post(
            "/api/v1/tokens",
            json={"name": "from a script"},
            headers={"Authorization": f"Bearer {secret}"},
        )
    assert response.status_code == 201


async def test_every_cookie_is_secure_over_https(hearth: Hearth) -> None:
    async with _client(hearth, "https://testserver") as browser:
        page = await browser.get("/login")
        assert "Secure" in _set_cookies(page)["csrftoken"]
        token = browser.cookies["csrftoken"]
        signed_up = await browser.post(
            "/signup", data={"username": "mia", "password": PASSWORD, "csrftoken": token}
        )
        assert signed_up.status_code == 303
        cookies = _set_cookies(signed_up)
        assert {"hearth_session", "csrftoken"} <= cookies.keys()
        home = await post_json(browser, "/api/v1/homes", {"name": "Flat"})
        assert home.status_code == 201
        view = await browser.get("/")
        cookies |= _set_cookies(view)
        assert "hearth_home" in cookies
        logout = await browser.post("/logout", data={"csrftoken": browser.cookies["csrftoken"]})
        assert logout.status_code == 303
        every = [*cookies.values(), *_set_cookies(logout).values()]
        assert all("Secure" in cookie for cookie in every), every


@pytest.fixture
async def forced(tmp_path: Path, database_url: str) -> AsyncIterator[Hearth]:
    """A hearth told that cookies are secure although requests arrive over plain HTTP (a
    proxy that ends TLS without saying so)."""
    runtime = Hearth.from_settings(make_settings(tmp_path, database_url, cookie_secure=True))
    await runtime.start(mqtt=False)
    try:
        yield runtime
    finally:
        await runtime.stop()


async def test_the_cookie_secure_setting_marks_every_cookie_on_plain_http(forced: Hearth) -> None:
    async with _client(forced) as browser:
        page = await browser.get("/login")
        token = page.headers["set-cookie"].split(";")[0].split("=", 1)[1]
        signed_up = await browser.post(
            "/signup",
            data={"username": "mia", "password": PASSWORD, "csrftoken": token},
            headers={"cookie": f"csrftoken={token}"},
        )
        assert signed_up.status_code == 303
        every = [*_set_cookies(page).values(), *_set_cookies(signed_up).values()]
        assert len(every) == 3
        assert all("Secure" in cookie for cookie in every), every


@pytest.mark.parametrize("path", ["/account/tokens", "/api/v1/tokens", "/login"])
@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data;boundary=x", b"not a multipart body at all"),
        ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data\r\n\r\nbroken"),
        ("multipart/form-data", b"--x\r\n"),
        ("multipart/form-data; boundary=", b""),
    ],
)
async def test_an_unreadable_form_is_a_4xx_with_a_sentence_and_changes_nothing(
    client: httpx.AsyncClient, path: str, content_type: str, body: bytes
) -> None:
    await signup(client, "mia")
    response = await client.post(path, content=body, headers={"content-type": content_type})
    assert response.status_code in (400, 403)
    if path.startswith("/api/"):
        assert response.json()["error"] in ("invalid_input", "csrf_failed")
        assert response.json()["detail"].endswith(("malformed", "boundary", "CSRF token"))
    else:
        assert "text/html" in response.headers["content-type"]
        assert "<h1>" in response.text
    assert await _tokens(client) == []


async def test_a_multipart_form_with_its_token_first_goes_through(
    client: httpx.AsyncClient,
) -> None:
    await signup(client, "mia")
    token = client.cookies["csrftoken"]
    response = await client.post(
        "/account/tokens", files={"csrftoken": (None, token), "name": (None, "from a form")}
    )
    assert response.status_code == 200
    assert await _tokens(client) == ["from a form"]


async def test_a_file_before_the_token_is_refused_with_a_sentence(
    client: httpx.AsyncClient,
) -> None:
    await signup(client, "mia")
    response = await client.post(
        "/api/v1/tokens",
        files={"upload": ("a.txt", b"hello", "text/plain"), "csrftoken": (None, "x")},
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "put the csrftoken field before any file in the form"
