"""Small helpers that drive the real HTTP surface the way a client would."""

from __future__ import annotations

from typing import Any

import httpx

PASSWORD = "a-long-enough-password"


async def csrf_token(client: httpx.AsyncClient) -> str:
    """Fetch a page so the CSRF cookie is set; return its value for the X-CSRFToken header."""
    if "csrftoken" not in client.cookies:
        response = await client.get("/login")
        assert response.status_code in (200, 303)
    return str(client.cookies["csrftoken"])


async def post_json(client: httpx.AsyncClient, url: str, body: Any) -> httpx.Response:
    """POST JSON with the CSRF header a browser page would send."""
    headers = {"X-CSRFToken": await csrf_token(client)}
    return await client.post(url, json=body, headers=headers)


async def signup(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD
) -> dict[str, Any]:
    """Sign up through the API; the client keeps the session cookie."""
    response = await post_json(
        client, "/api/v1/auth/signup", {"username": username, "password": password}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def login(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD
) -> httpx.Response:
    """Log in through the API; the client keeps the session cookie on success."""
    return await post_json(
        client, "/api/v1/auth/login", {"username": username, "password": password}
    )
