"""Small helpers: accounts made through the services, and the real HTTP surface driven the
way a client would."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts import service as accounts
from hearth.accounts.models import User
from hearth.accounts.roles import Role
from hearth.mall import partners

PASSWORD = "a-long-enough-password"


async def create_account(
    session: AsyncSession,
    username: str,
    *,
    role: Role = Role.FAN,
    company: str | None = None,
    password: str = PASSWORD,
) -> User:
    """Create an account; a partner member joins (or founds) the partner company ``company``."""
    partner = await partners.join_or_found(session, name=company) if company else None
    return await accounts.create_user(
        session,
        now=datetime.now(UTC),
        username=username,
        password=password,
        role=role,
        partner_id=partner.id if partner else None,
    )


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
