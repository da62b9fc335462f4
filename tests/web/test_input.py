"""Input the server cannot take is refused before any route reads it, with a 422 that
names where it was, and changes nothing."""

from __future__ import annotations

import httpx
import pytest

from hearth import db
from hearth.accounts.roles import Role
from hearth.bootstrap import Hearth
from tests.helpers import create_account, login, post_json


async def _token(client: httpx.AsyncClient, hearth: Hearth) -> dict[str, str]:
    async with db.transaction(hearth.sessions) as session:
        await create_account(session, "mia")
    assert (await login(client, "mia")).status_code == 200
    token = (await post_json(client, "/api/v1/tokens", {"name": "cli"})).json()["token"]
    return {"Authorization": f"Bearer {token}"}


async def test_a_body_that_is_not_json_text_is_a_422_naming_the_body(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    auth = await _token(client, hearth)
    refused = await client.post(
        "/api/v1/homes",
        content=b"\xff\xfe{",
        headers={**auth, "Content-Type": "application/json"},
    )
    assert refused.status_code == 422
    assert refused.json()["error"] == "invalid_input"
    assert [p["field"] for p in refused.json()["errors"]] == ["body"]
    assert (await client.get("/api/v1/homes")).json() == []


@pytest.mark.parametrize(
    ("method", "url", "body", "where"),
    [
        ("POST", "/api/v1/homes", {"name": "Flat\u0000 one"}, "name"),
        (
            "POST",
            "/api/v1/partner/invitations/accept",
            {"invitation_id": "pin\u0000"},
            "invitation_id",
        ),
        ("POST", "/api/v1/homes/hom_x/rooms", {"nested": [{"deep": "a\u0000"}]}, "nested.0.deep"),
        ("GET", "/api/v1/homes/hom_%00", None, "path"),
        ("GET", "/api/v1/notifications?before=%00", None, "query"),
    ],
)
async def test_a_nul_character_anywhere_is_a_422_naming_where_it_was(
    client: httpx.AsyncClient, hearth: Hearth, method: str, url: str, body: object, where: str
) -> None:
    # PostgreSQL cannot store NUL in text: before, the query failed and answered 500.
    auth = await _token(client, hearth)
    refused = await client.request(method, url, json=body, headers=auth)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"] == [
        {"field": where, "message": "no control characters (U+0000 is one)"}
    ]
    assert (await client.get("/api/v1/homes", headers=auth)).json() == []


async def test_a_wait_too_long_for_any_clock_is_a_422_not_a_500(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    # The review queue subtracted min_hours from now: 1e101 hours overflowed into a 500.
    async with db.transaction(hearth.sessions) as session:
        await create_account(session, "ada", role=Role.ADMIN)
    assert (await login(client, "ada")).status_code == 200
    refused = await client.get("/api/v1/review/queue", params={"min_hours": "1e101"})
    assert refused.status_code == 422
    assert [p["field"] for p in refused.json()["errors"]] == ["min_hours"]
    assert (await client.get("/api/v1/review/queue", params={"min_hours": 2})).json() == []
