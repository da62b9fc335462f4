"""A revoked token or a closed session is refused within one second by every process, even
one that never hears of it: two ``hearth serve`` processes on one database, each with a
broker of its own, so no event travels between them and only the database tells."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

import httpx

from hearth import db
from hearth.accounts import service as accounts
from hearth.accounts.credentials import FRESH
from hearth.kit.clock import utcnow
from hearth.outbox import discard, unit_of_work
from hearth.web.csrf import CsrfMiddleware
from hearth.web.deps import SESSION_COOKIE
from tests.funding.cluster import Worker, start_workers

SECRET = "flash-sale-secret-key-that-is-long-enough-for-hmac"  # what start_workers sets
WITHIN = 1.0  # seconds: the promise


async def _seed(url: str) -> tuple[str, str, str]:
    """Create a person with an API token and a browser session; return their secrets."""
    engine = db.create_engine(url, pool=False)
    now = utcnow()
    try:
        async with unit_of_work(db.session_factory(engine), discard) as session:
            user = await accounts.create_user(
                session, now=now, username="mia", password="a-long-enough-password"
            )
            token, secret = await accounts.create_token(session, user=user, name="s", now=now)
            cookie = await accounts.open_session(
                session, user=user, lifetime=timedelta(days=1), now=now
            )
            return token.id, secret, cookie
    finally:
        await engine.dispose()


async def _refused_after(http: httpx.AsyncClient, other: Worker, headers: dict[str, str]) -> None:
    """Ask ``other`` right away (it still knows the credential) and again one second
    later, when it must refuse it."""
    ended = time.monotonic()
    early = await http.get(f"{other.url}/api/v1/me", headers=headers)
    # A fresh read is believed for FRESH seconds, so a request sent right after the change
    # may still pass; one sent a second later may not.
    assert early.status_code in (200, 401)
    await asyncio.sleep(max(0.0, ended + WITHIN - time.monotonic()))
    late = await http.get(f"{other.url}/api/v1/me", headers=headers)
    assert late.status_code == 401, late.text


async def test_a_revoked_token_and_a_closed_session_are_refused_everywhere_within_a_second(
    database_url: str, tmp_path: Path
) -> None:
    assert FRESH < WITHIN
    token_id, secret, cookie = await _seed(database_url)
    workers = start_workers(database_url, 2, tmp_path)
    try:
        here, other = workers
        bearer = {"Authorization": f"Bearer {secret}"}
        browser = {"Cookie": f"{SESSION_COOKIE}={cookie}"}
        async with httpx.AsyncClient(timeout=30) as http:
            for worker in workers:  # both processes have just read both credentials
                for headers in (bearer, browser):
                    seen = await http.get(f"{worker.url}/api/v1/me", headers=headers)
                    assert seen.status_code == 200, seen.text

            revoked = await http.delete(f"{here.url}/api/v1/tokens/{token_id}", headers=bearer)
            assert revoked.status_code == 200, revoked.text
            assert (await http.get(f"{here.url}/api/v1/me", headers=bearer)).status_code == 401
            await _refused_after(http, other, bearer)

            csrf = CsrfMiddleware(lambda *_: None, secret=SECRET).session_token(cookie)  # type: ignore[arg-type]
            out = await http.post(
                f"{here.url}/api/v1/auth/logout", headers={**browser, "X-CSRFToken": csrf}
            )
            assert out.status_code == 204, out.text
            assert (await http.get(f"{here.url}/api/v1/me", headers=browser)).status_code == 401
            await _refused_after(http, other, browser)
    finally:
        for worker in workers:
            worker.stop()
