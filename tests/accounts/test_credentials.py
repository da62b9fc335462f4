"""The credential check reads the database at most every half second per credential, and
forgets at once what a log-out, a revocation or a changed account makes wrong."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy import update

from hearth.accounts.events import AccountChanged, CredentialEnded
from hearth.accounts.models import ApiToken, User
from hearth.accounts.service import Credential, digest
from hearth.bootstrap import Hearth
from hearth.kit.clock import FrozenClock
from hearth.outbox import discard, unit_of_work
from hearth.web.app import create_app
from hearth.web.deps import SESSION_COOKIE
from tests.helpers import post_json, signup


def _bare_client(hearth: Hearth) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(hearth=hearth))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def _token(client: httpx.AsyncClient) -> dict[str, str]:
    created = (await post_json(client, "/api/v1/tokens", {"name": "script"})).json()
    return {"id": created["id"], "secret": created["token"]}


async def test_a_busy_credential_is_read_from_the_database_once_while_fresh(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    await signup(client, "mia")
    token = await _token(client)
    hearth.credentials.fresh = 60.0  # no request here may wait for a second read
    before = hearth.credentials.reads
    async with _bare_client(hearth) as script:
        auth = {"Authorization": f"Bearer {token['secret']}"}
        for _ in range(20):
            answer = await script.get("/api/v1/me", headers=auth)
            assert answer.status_code == 200
            assert answer.json()["username"] == "mia"
    assert hearth.credentials.reads - before == 1


async def test_a_token_in_use_is_refused_at_once_once_revoked(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    await signup(client, "mia")
    token = await _token(client)
    hearth.credentials.fresh = 60.0  # only the revocation's event can make it forget
    async with _bare_client(hearth) as script:
        auth = {"Authorization": f"Bearer {token['secret']}"}
        assert (await script.get("/api/v1/me", headers=auth)).status_code == 200
        headers = {"X-CSRFToken": client.cookies["csrftoken"]}
        revoked = await client.delete(f"/api/v1/tokens/{token['id']}", headers=headers)
        assert revoked.status_code == 200
        answer = await script.get("/api/v1/me", headers=auth)
    assert answer.status_code == 401
    assert "revoked" in answer.json()["detail"]


async def test_a_session_in_use_is_refused_at_once_after_logging_out(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    await signup(client, "mia")
    hearth.credentials.fresh = 60.0
    cookie = client.cookies[SESSION_COOKIE]
    assert (await client.get("/api/v1/me")).status_code == 200
    out = await client.post(
        "/api/v1/auth/logout", headers={"X-CSRFToken": client.cookies["csrftoken"]}
    )
    assert out.status_code == 204
    async with _bare_client(hearth) as other:
        answer = await other.get("/api/v1/me", headers={"Cookie": f"{SESSION_COOKIE}={cookie}"})
    assert answer.status_code == 401


async def test_a_change_made_elsewhere_counts_once_its_event_arrives(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    """Another process revokes the token: this one believes what it read until the relayed
    event arrives (or, without it, until the read is half a second old)."""
    await signup(client, "mia")
    token = await _token(client)
    hearth.credentials.fresh = 60.0
    async with _bare_client(hearth) as script:
        auth = {"Authorization": f"Bearer {token['secret']}"}
        assert (await script.get("/api/v1/me", headers=auth)).status_code == 200
        async with unit_of_work(hearth.sessions, discard) as session:  # "elsewhere"
            await session.execute(
                update(ApiToken)
                .where(ApiToken.id == token["id"])
                .values(revoked_at=hearth.clock.now())
            )
        assert (await script.get("/api/v1/me", headers=auth)).status_code == 200
        await hearth.bus.publish(CredentialEnded(digest(token["secret"])))
        assert (await script.get("/api/v1/me", headers=auth)).status_code == 401


async def test_a_read_older_than_fresh_is_read_again(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    me = await signup(client, "mia")
    token = await _token(client)
    hearth.credentials.fresh = 0.0  # every read is stale at once: the database decides
    async with _bare_client(hearth) as script:
        auth = {"Authorization": f"Bearer {token['secret']}"}
        assert (await script.get("/api/v1/me", headers=auth)).status_code == 200
        async with unit_of_work(hearth.sessions, discard) as session:
            await session.execute(update(User).where(User.id == me["id"]).values(is_active=False))
        assert (await script.get("/api/v1/me", headers=auth)).status_code == 401


async def test_a_changed_account_is_seen_at_once(client: httpx.AsyncClient, hearth: Hearth) -> None:
    me = await signup(client, "mia")
    hearth.credentials.fresh = 60.0
    assert (await client.get("/api/v1/me")).json()["display_name"] == "mia"
    async with unit_of_work(hearth.sessions, hearth.publish) as session:
        await session.execute(
            update(User).where(User.id == me["id"]).values(display_name="Mia Wong")
        )
    await hearth.publish(AccountChanged(me["id"]))
    assert (await client.get("/api/v1/me")).json()["display_name"] == "Mia Wong"


async def test_a_remembered_session_past_its_end_is_refused(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    await signup(client, "mia")
    hearth.credentials.fresh = 60.0
    assert (await client.get("/api/v1/me")).status_code == 200
    clock = FrozenClock(hearth.clock.now())
    hearth.clock = clock
    clock.advance(timedelta(days=hearth.settings.session_days, seconds=1))
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_each_request_gets_its_own_copy_of_the_person(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    await signup(client, "mia")
    token = await _token(client)
    credential = Credential.token(token["secret"])
    first = await hearth.credentials.user(credential, now=hearth.clock.now())
    second = await hearth.credentials.user(credential, now=hearth.clock.now())
    assert first is not None and second is not None
    assert first is not second
    first.display_name = "changed in one request"
    assert second.display_name == "mia"


async def test_requests_that_need_a_read_at_once_share_it(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    await signup(client, "mia")
    token = await _token(client)
    credential = Credential.token(token["secret"])
    before = hearth.credentials.reads
    found = await asyncio.gather(
        *(hearth.credentials.user(credential, now=hearth.clock.now()) for _ in range(20))
    )
    assert hearth.credentials.reads - before == 1
    assert {user.username for user in found if user is not None} == {"mia"}
    assert all(user is not None for user in found)
