"""Personal API tokens: created once, used without cookies, revoked for good."""

from __future__ import annotations

import httpx

from hearth.bootstrap import Hearth
from hearth.web.app import create_app
from tests.helpers import post_json, signup


def _bare_client(hearth: Hearth) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(hearth=hearth))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_a_token_authenticates_a_script_without_cookies(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    me = await signup(client, "mia")
    created = (await post_json(client, "/api/v1/tokens", {"name": "backup script"})).json()
    assert created["token"].startswith("hth_")
    async with _bare_client(hearth) as script:
        auth = {"Authorization": f"Bearer {created['token']}"}
        response = await script.get("/api/v1/me", headers=auth)
        assert response.status_code == 200
        assert response.json()["id"] == me["id"]
        # A bearer-authenticated POST needs no CSRF token: no cookie rides along.
        second = await script.post("/api/v1/tokens", json={"name": "second"}, headers=auth)
        assert second.status_code == 201


async def test_token_secret_is_never_listed_again(client: httpx.AsyncClient) -> None:
    await signup(client, "mia")
    created = (await post_json(client, "/api/v1/tokens", {"name": "ci"})).json()
    listed = (await client.get("/api/v1/tokens")).json()
    assert [t["name"] for t in listed] == ["ci"]
    assert created["token"] not in str(listed)


async def test_revoked_token_stops_working_at_once(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    await signup(client, "mia")
    created = (await post_json(client, "/api/v1/tokens", {"name": "ci"})).json()
    headers = {"X-CSRFToken": client.cookies["csrftoken"]}
    revoked = await client.delete(f"/api/v1/tokens/{created['id']}", headers=headers)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    async with _bare_client(hearth) as script:
        response = await script.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {created['token']}"}
        )
    assert response.status_code == 401


async def test_nobody_can_revoke_another_users_token(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    await signup(client, "mia")
    mias = (await post_json(client, "/api/v1/tokens", {"name": "mia's"})).json()
    async with _bare_client(hearth) as other:
        await signup(other, "leo")
        headers = {"X-CSRFToken": other.cookies["csrftoken"]}
        response = await other.delete(f"/api/v1/tokens/{mias['id']}", headers=headers)
        assert response.status_code == 404
    still = await _bare_client(hearth).get(
        "/api/v1/me", headers={"Authorization": f"Bearer {mias['token']}"}
    )
    assert still.status_code == 200


async def test_malformed_authorization_headers_are_refused(client: httpx.AsyncClient) -> None:
    for header in ("Bearer", "Basic abc", "Bearer hth_forged"):
        response = await client.get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json()["error"] == "not_authenticated"


async def test_token_name_is_required(client: httpx.AsyncClient) -> None:
    await signup(client, "mia")
    response = await post_json(client, "/api/v1/tokens", {"name": ""})
    assert response.status_code == 422
    assert "name" in response.json()["detail"]


async def test_a_token_notes_its_use_once_a_minute_not_on_every_request(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    await signup(client, "mia")
    created = (await post_json(client, "/api/v1/tokens", {"name": "busy script"})).json()
    auth = {"Authorization": f"Bearer {created['token']}"}

    async def last_used() -> object:
        listed = (await client.get("/api/v1/tokens")).json()
        return next(t["last_used_at"] for t in listed if t["id"] == created["id"])

    assert await last_used() is None
    async with _bare_client(hearth) as script:
        assert (await script.get("/api/v1/me", headers=auth)).status_code == 200
        first = await last_used()
        assert first is not None
        for _ in range(3):
            assert (await script.get("/api/v1/me", headers=auth)).status_code == 200
    assert await last_used() == first
