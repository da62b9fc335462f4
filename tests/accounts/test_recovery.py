"""Email addresses, password changes and resets by mail, through the real HTTP surface.

Links are read from the mail queue (what the sender would mail); a real SMTP server
carries one reset from request to new password.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import func, select

from hearth.accounts.models import AccountToken, AuthSession, MailRequest
from hearth.bootstrap import Hearth
from hearth.kit.clock import FrozenClock
from hearth.mail import queue
from hearth.mail.models import OutgoingMail
from hearth.mail.transport import SmtpMailer
from hearth.web.app import create_app
from tests.helpers import PASSWORD, csrf_token, login, post_json, signup
from tests.smtp import link_in, run_smtp

NEW_PASSWORD = "another-long-password"


def _client(hearth: Hearth, address: str = "198.51.100.7") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(hearth=hearth), client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def _send(
    client: httpx.AsyncClient, method: str, url: str, body: object = None
) -> httpx.Response:
    headers = {"X-CSRFToken": await csrf_token(client)}
    return await client.request(method, url, json=body, headers=headers)


async def _queued(hearth: Hearth, to: str) -> list[OutgoingMail]:
    async with hearth.sessions() as session:
        return list(await queue.pending(session, to=to))


async def _token(hearth: Hearth, to: str, kind: str) -> str:
    """Return the secret of the newest link of ``kind`` queued for ``to``."""
    letters = [m for m in await _queued(hearth, to) if m.kind == kind]
    assert letters, f"no {kind} letter to {to}"
    path = str(letters[-1].content["action_path"])
    return path.rsplit("/", 1)[-1]


async def _verified(hearth: Hearth, client: httpx.AsyncClient, username: str, email: str) -> None:
    await signup(client, username)
    assert (await _send(client, "PUT", "/api/v1/me/email", {"email": email})).status_code == 200
    token = await _token(hearth, email, "accounts.verify_email")
    assert (
        await _send(client, "POST", "/api/v1/auth/email/verify", {"token": token})
    ).status_code == 200


async def test_signing_up_with_an_email_mails_a_link_that_confirms_it_once(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    response = await post_json(
        client,
        "/api/v1/auth/signup",
        {"username": "mia", "password": PASSWORD, "email": " Mia@Example.COM "},
    )
    assert response.status_code == 201, response.text
    assert response.json()["email"] == "mia@example.com"
    assert response.json()["email_verified_at"] is None
    token = await _token(hearth, "mia@example.com", "accounts.verify_email")
    async with hearth.sessions() as session:  # only the digest of the secret is kept
        assert await session.get(AccountToken, token) is None
    first = await _send(client, "POST", "/api/v1/auth/email/verify", {"token": token})
    assert first.status_code == 200
    assert first.json()["detail"] == "mia@example.com is confirmed."
    assert (await client.get("/api/v1/me")).json()["email_verified_at"] is not None
    again = await _send(client, "POST", "/api/v1/auth/email/verify", {"token": token})
    assert again.status_code == 404
    assert again.json()["detail"] == "This link has expired or was already used. Ask for a new one."


async def test_a_malformed_address_is_refused_with_a_sentence_and_changes_nothing(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    await signup(client, "mia")
    response = await _send(client, "PUT", "/api/v1/me/email", {"email": "mia@localhost"})
    assert response.status_code == 422
    assert (await client.get("/api/v1/me")).json()["email"] is None
    async with hearth.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OutgoingMail)) == 0


async def test_a_changed_address_is_unverified_again_and_the_old_link_no_longer_confirms_it(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    await _verified(hearth, client, "mia", "mia@example.com")
    await _send(client, "PUT", "/api/v1/me/email", {"email": "mia@new.example"})
    first = await _token(hearth, "mia@new.example", "accounts.verify_email")
    resent = await _send(client, "POST", "/api/v1/me/email/verification")
    assert resent.status_code == 202
    second = await _token(hearth, "mia@new.example", "accounts.verify_email")
    assert first != second
    me = (await client.get("/api/v1/me")).json()
    assert (me["email"], me["email_verified_at"]) == ("mia@new.example", None)
    assert (
        await _send(client, "POST", "/api/v1/auth/email/verify", {"token": first})
    ).status_code == 404
    assert (
        await _send(client, "POST", "/api/v1/auth/email/verify", {"token": second})
    ).status_code == 200


async def test_asking_for_a_reset_answers_the_same_for_an_unknown_address_and_sends_nothing(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    await _verified(hearth, client, "mia", "mia@example.com")
    async with _client(hearth, "203.0.113.5") as stranger:
        known = await _send(
            stranger, "POST", "/api/v1/auth/password/forgot", {"email": "MIA@example.com"}
        )
        unknown = await _send(
            stranger, "POST", "/api/v1/auth/password/forgot", {"email": "nobody@example.com"}
        )
    # The same answer, and (below) the same request counted: how long each takes is measured
    # by bench/reset_timing.py, not asserted here.
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert await _queued(hearth, "nobody@example.com") == []
    assert (
        len(
            [
                m
                for m in await _queued(hearth, "mia@example.com")
                if m.kind == "accounts.reset_password"
            ]
        )
        == 1
    )
    async with hearth.sessions() as session:  # both were counted alike
        counted = await session.scalars(
            select(MailRequest.email).where(MailRequest.kind == "reset_password")
        )
        assert sorted(counted) == ["mia@example.com", "nobody@example.com"]


async def test_an_unverified_address_gets_no_reset_mail(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    await signup(client, "mia")
    await _send(client, "PUT", "/api/v1/me/email", {"email": "mia@example.com"})
    await _send(client, "POST", "/api/v1/auth/password/forgot", {"email": "mia@example.com"})
    kinds = [m.kind for m in await _queued(hearth, "mia@example.com")]
    assert kinds == ["accounts.verify_email"]


async def test_a_reset_link_sets_a_new_password_once_and_ends_every_session(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    await _verified(hearth, client, "mia", "mia@example.com")
    async with _client(hearth, "192.0.2.1") as laptop:
        assert (await login(laptop, "mia")).status_code == 200
        await _send(laptop, "POST", "/api/v1/auth/password/forgot", {"email": "mia@example.com"})
        token = await _token(hearth, "mia@example.com", "accounts.reset_password")
        short = await _send(
            laptop, "POST", "/api/v1/auth/password/reset", {"token": token, "password": "mia"}
        )
        assert short.status_code == 422  # refused by its shape: the link still works
        done = await _send(
            laptop,
            "POST",
            "/api/v1/auth/password/reset",
            {"token": token, "password": NEW_PASSWORD},
        )
        assert done.status_code == 200, done.text
        assert (await laptop.get("/api/v1/me")).status_code == 401
    assert (await client.get("/api/v1/me")).status_code == 401
    async with hearth.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AuthSession)) == 0
    again = await _send(
        client,
        "POST",
        "/api/v1/auth/password/reset",
        {"token": token, "password": "yet-another-password"},
    )
    assert again.status_code == 404
    client.cookies.clear()
    assert (await login(client, "mia")).status_code == 401
    assert (await login(client, "mia", NEW_PASSWORD)).status_code == 200


async def test_a_reset_link_expires_after_an_hour(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    hearth.clock = clock = FrozenClock(hearth.clock.now())
    await _verified(hearth, client, "mia", "mia@example.com")
    await _send(client, "POST", "/api/v1/auth/password/forgot", {"email": "mia@example.com"})
    token = await _token(hearth, "mia@example.com", "accounts.reset_password")
    clock.advance(timedelta(hours=1))
    late = await _send(
        client, "POST", "/api/v1/auth/password/reset", {"token": token, "password": NEW_PASSWORD}
    )
    assert late.status_code == 404
    page = await client.get(f"/password/reset/{token}")
    assert page.status_code == 404
    assert "This link has expired or was already used." in page.text
    assert "Ask for a new link" in page.text


async def test_a_newer_reset_link_ends_the_one_before(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    await _verified(hearth, client, "mia", "mia@example.com")
    await _send(client, "POST", "/api/v1/auth/password/forgot", {"email": "mia@example.com"})
    older = await _token(hearth, "mia@example.com", "accounts.reset_password")
    await _send(client, "POST", "/api/v1/auth/password/forgot", {"email": "mia@example.com"})
    assert (
        await _send(
            client,
            "POST",
            "/api/v1/auth/password/reset",
            {"token": older, "password": NEW_PASSWORD},
        )
    ).status_code == 404


async def test_reset_requests_are_limited_per_address_and_say_when_to_try_again(
    hearth: Hearth,
) -> None:
    hearth.clock = clock = FrozenClock(hearth.clock.now())
    limit = hearth.settings.mail_requests_per_address
    for n in range(limit):
        async with _client(hearth, f"203.0.113.{n + 1}") as someone:
            ok = await _send(
                someone, "POST", "/api/v1/auth/password/forgot", {"email": "mia@example.com"}
            )
            assert ok.status_code == 202
        clock.advance(timedelta(minutes=10))
    async with _client(hearth, "203.0.113.200") as late:
        refused = await _send(
            late, "POST", "/api/v1/auth/password/forgot", {"email": "mia@example.com"}
        )
        assert refused.status_code == 429
        # The oldest of the three was 30 minutes ago: it counts for 30 more.
        assert refused.headers["retry-after"] == str(30 * 60)
        assert refused.json()["detail"] == (
            "Too many mails were asked for this address lately. Try again in 30 minutes."
        )
        other = await _send(
            late, "POST", "/api/v1/auth/password/forgot", {"email": "leo@example.com"}
        )
        assert other.status_code == 202
        clock.advance(timedelta(minutes=30))
        again = await _send(
            late, "POST", "/api/v1/auth/password/forgot", {"email": "mia@example.com"}
        )
        assert again.status_code == 202


async def test_reset_requests_are_limited_per_client_across_addresses(hearth: Hearth) -> None:
    limit = hearth.settings.mail_requests_per_client
    async with _client(hearth, "203.0.113.9") as prober:
        for n in range(limit):
            response = await _send(
                prober, "POST", "/api/v1/auth/password/forgot", {"email": f"a{n}@example.com"}
            )
            assert response.status_code == 202
        refused = await _send(
            prober, "POST", "/api/v1/auth/password/forgot", {"email": "z@example.com"}
        )
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith(
        "Too many mails were asked for your connection lately."
    )
    async with _client(hearth, "198.51.100.1") as other:
        assert (
            await _send(other, "POST", "/api/v1/auth/password/forgot", {"email": "z@example.com"})
        ).status_code == 202


async def test_changing_the_password_needs_the_current_one_and_ends_the_other_sessions(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    await _verified(hearth, client, "mia", "mia@example.com")
    async with _client(hearth, "192.0.2.1") as phone:
        assert (await login(phone, "mia")).status_code == 200
        wrong = await _send(
            client,
            "POST",
            "/api/v1/me/password",
            {"current_password": "not-it-at-all", "new_password": NEW_PASSWORD},
        )
        assert wrong.status_code == 403
        assert wrong.json()["errors"] == [
            {"field": "current_password", "message": "Your current password is not right."}
        ]
        changed = await _send(
            client,
            "POST",
            "/api/v1/me/password",
            {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        )
        assert changed.status_code == 200, changed.text
        assert changed.json() == {"sessions_ended": 1}
        assert (await phone.get("/api/v1/me")).status_code == 401
    assert (await client.get("/api/v1/me")).status_code == 200  # the one that asked stays
    told = [
        m for m in await _queued(hearth, "mia@example.com") if m.kind == "accounts.password_changed"
    ]
    assert len(told) == 1


async def test_a_reset_travels_through_a_real_mail_server_from_request_to_new_password(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    await _verified(hearth, client, "mia", "mia@example.com")
    with run_smtp() as smtp:
        sender = hearth.mail_sender(SmtpMailer.from_url(smtp.url, starttls="never", timeout=5))
        await _send(client, "POST", "/api/v1/auth/password/forgot", {"email": "mia@example.com"})
        sent = await sender.send_once()
        assert sent.sent == 2  # the verification, and the reset
        (message,) = [m for m in smtp.inbox.to("mia@example.com") if "Reset" in str(m["Subject"])]
    link = link_in(message)
    assert link.startswith("http://127.0.0.1:8000/password/reset/")
    path = link.removeprefix("http://127.0.0.1:8000")
    page = await client.get(path)
    assert page.status_code == 200 and "@mia" in page.text
    token = path.rsplit("/", 1)[-1]
    form = {"csrftoken": await csrf_token(client), "token": token, "password": NEW_PASSWORD}
    done = await client.post("/password/reset", data=form)
    assert (done.status_code, done.headers["location"]) == (303, "/login?reset=mia")
    assert (await login(client, "mia", NEW_PASSWORD)).status_code == 200
