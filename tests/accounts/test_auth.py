"""Sign-up, log-in, sessions, CSRF and roles, attacked through real requests."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select, update

from hearth.accounts.models import AuthSession, User
from hearth.accounts.roles import Role
from hearth.bootstrap import Hearth
from hearth.kit.clock import FrozenClock, utcnow
from hearth.web.app import create_app
from tests.helpers import PASSWORD, create_account, csrf_token, login, post_json, signup


async def _users(hearth: Hearth) -> int:
    async with hearth.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(User)) or 0)


async def _make_user(hearth: Hearth, username: str, role: Role = Role.FAN) -> None:
    async with hearth.sessions() as session, session.begin():
        await create_account(
            session, username, role=role, company="Roidmi" if role is Role.PARTNER else None
        )


async def test_signup_signs_the_new_fan_in(client: httpx.AsyncClient) -> None:
    created = await signup(client, "Mia.Chen")
    assert created["username"] == "mia.chen"
    assert created["role"] == "fan"
    me = await client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["id"] == created["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "ab", "password": PASSWORD}, "username"),
        ({"username": "has space", "password": PASSWORD}, "username"),
        ({"username": "mia", "password": "short"}, "password"),
        ({"username": "mia", "password": PASSWORD, "role": "admin"}, "role"),
        ({"username": "mia"}, "password"),
    ],
)
async def test_signup_rejects_bad_input_naming_the_field_and_creates_nothing(
    client: httpx.AsyncClient, hearth: Hearth, body: dict[str, str], field: str
) -> None:
    response = await post_json(client, "/api/v1/auth/signup", body)
    assert response.status_code == 422
    assert field in response.text
    assert await _users(hearth) == 0


async def test_signup_refuses_a_taken_username_in_any_case(client: httpx.AsyncClient) -> None:
    await signup(client, "mia")
    response = await post_json(
        client, "/api/v1/auth/signup", {"username": "MIA", "password": PASSWORD}
    )
    assert response.status_code == 409
    assert response.json()["error"] == "conflict"


async def test_login_sets_an_httponly_lax_session_cookie(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    await _make_user(hearth, "mia")
    response = await login(client, "mia")
    assert response.status_code == 200
    cookie = next(
        v for k, v in response.headers.multi_items() if k == "set-cookie" and "hearth_session" in v
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain HTTP here


async def test_session_cookie_is_secure_over_https(hearth: Hearth) -> None:
    await _make_user(hearth, "mia")
    transport = httpx.ASGITransport(app=create_app(hearth=hearth))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as https:
        response = await login(https, "mia")
    assert response.status_code == 200
    assert "Secure" in response.headers["set-cookie"]


async def test_wrong_password_is_refused_without_saying_which_part_was_wrong(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    await _make_user(hearth, "mia")
    wrong = await login(client, "mia", "not-the-password")
    unknown = await login(client, "nobody", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_failed_logins_are_throttled_even_with_the_right_password_after(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    await _make_user(hearth, "mia")
    for _ in range(hearth.settings.login_max_failures):
        assert (await login(client, "mia", "guess-guess-guess")).status_code == 401
    throttled = await login(client, "mia")
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) > 0
    assert (await client.get("/api/v1/me")).status_code == 401


def _client_from(hearth: Hearth, address: str) -> httpx.AsyncClient:
    """A client of the same hearth whose requests come from ``address``."""
    transport = httpx.ASGITransport(app=create_app(hearth=hearth), client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_an_attacker_locks_only_their_own_address_out_and_the_owner_still_gets_in(
    hearth: Hearth,
) -> None:
    await _make_user(hearth, "admin", Role.ADMIN)
    async with (
        _client_from(hearth, "203.0.113.9") as attacker,
        _client_from(hearth, "198.51.100.7") as owner,
    ):
        for _ in range(hearth.settings.login_max_failures):
            assert (await login(attacker, "admin", "guess-guess-guess")).status_code == 401
        refused = await login(attacker, "admin")  # even the right password, from there
        assert refused.status_code == 429
        wait = int(refused.headers["retry-after"])
        assert 0 < wait <= hearth.settings.login_window_seconds
        assert refused.json()["error"] == "too_many_attempts"
        assert "try again in 15 minutes" in refused.json()["detail"]
        assert (await attacker.get("/api/v1/me")).status_code == 401

        assert (await login(owner, "admin")).status_code == 200
        assert (await owner.get("/api/v1/me")).json()["username"] == "admin"
        # The owner's success does not wipe the record of the attacker's guesses.
        assert (await login(attacker, "admin")).status_code == 429


async def test_a_throttled_address_may_try_again_once_retry_after_has_passed(
    hearth: Hearth,
) -> None:
    await _make_user(hearth, "mia")
    clock = FrozenClock(utcnow())
    hearth.clock = clock
    async with _client_from(hearth, "203.0.113.9") as client:
        for _ in range(hearth.settings.login_max_failures):
            assert (await login(client, "mia", "guess-guess-guess")).status_code == 401
            clock.advance(timedelta(seconds=60))
        refused = await login(client, "mia")
        wait = int(refused.headers["retry-after"])
        assert refused.status_code == 429
        # The oldest guess counted was five minutes ago: ten minutes are left of fifteen.
        assert wait == hearth.settings.login_window_seconds - 300
        assert "try again in 10 minutes" in refused.json()["detail"]
        clock.advance(timedelta(seconds=wait - 1))
        assert (await login(client, "mia")).status_code == 429
        clock.advance(timedelta(seconds=1))
        assert (await login(client, "mia")).status_code == 200


async def test_spraying_one_password_over_many_accounts_from_one_address_is_throttled(
    hearth: Hearth,
) -> None:
    await _make_user(hearth, "mia")
    async with (
        _client_from(hearth, "203.0.113.9") as sprayer,
        _client_from(hearth, "198.51.100.7") as owner,
    ):
        for n in range(hearth.settings.login_address_max_failures):
            assert (await login(sprayer, f"user{n}", "Summer2026!!")).status_code == 401
        refused = await login(sprayer, "mia")
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) > 0
        assert "any account from your address" in refused.json()["detail"]
        assert (await login(owner, "mia")).status_code == 200


async def test_a_throttled_log_in_form_says_when_to_try_again(hearth: Hearth) -> None:
    await _make_user(hearth, "mia")
    async with _client_from(hearth, "203.0.113.9") as client:
        token = await csrf_token(client)
        form = {"username": "mia", "password": "guess-guess-guess", "csrftoken": token}
        for _ in range(hearth.settings.login_max_failures):
            assert (await client.post("/login", data=form)).status_code == 401
        page = await client.post("/login", data={**form, "password": PASSWORD})
        assert page.status_code == 429
        assert int(page.headers["retry-after"]) > 0
        assert "try again in 15 minutes" in page.text


async def test_logout_makes_the_old_session_cookie_worthless(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    await signup(client, "mia")
    stolen = client.cookies["hearth_session"]
    response = await post_json(client, "/api/v1/auth/logout", {})
    assert response.status_code == 204
    client.cookies.set("hearth_session", stolen)
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_expired_session_is_not_accepted(client: httpx.AsyncClient, hearth: Hearth) -> None:
    await signup(client, "mia")
    async with hearth.sessions() as session, session.begin():
        await session.execute(
            update(AuthSession).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_forged_session_cookie_is_anonymous(client: httpx.AsyncClient) -> None:
    client.cookies.set("hearth_session", "forged-value")
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_cookie_authenticated_post_without_csrf_token_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    await signup(client, "mia")
    response = await client.post("/api/v1/tokens", json={"name": "sneaky"})
    assert response.status_code == 403
    assert response.json()["error"] == "csrf_failed"
    assert (await client.get("/api/v1/tokens")).json() == []


async def test_form_post_with_a_wrong_csrf_token_is_refused(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    await signup(client, "mia")
    await csrf_token(client)
    response = await client.post(
        "/account/tokens", data={"name": "sneaky", "csrftoken": "not-the-token"}
    )
    assert response.status_code == 403
    assert (await client.get("/api/v1/tokens")).json() == []


async def test_login_form_is_csrf_protected_even_without_cookies(hearth: Hearth) -> None:
    await _make_user(hearth, "mia")
    transport = httpx.ASGITransport(app=create_app(hearth=hearth))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as fresh:
        response = await fresh.post("/login", data={"username": "mia", "password": PASSWORD})
    assert response.status_code == 403


async def test_login_form_with_token_signs_in_and_redirects_only_locally(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    await _make_user(hearth, "mia")
    token = await csrf_token(client)
    response = await client.post(
        "/login",
        data={
            "username": "mia",
            "password": PASSWORD,
            "next": "//evil.example/x",
            "csrftoken": token,
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert (await client.get("/api/v1/me")).status_code == 200


async def test_signup_form_shows_what_is_wrong(client: httpx.AsyncClient, hearth: Hearth) -> None:
    token = await csrf_token(client)
    response = await client.post(
        "/signup", data={"username": "mia", "password": "short", "csrftoken": token}
    )
    assert response.status_code == 422
    assert "at least 10 characters" in response.text
    assert await _users(hearth) == 0


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        (Role.FAN, "/partner", 200),  # a fan sees the form to apply as a company
        (Role.FAN, "/platform", 403),
        (Role.PARTNER, "/partner", 200),
        (Role.PARTNER, "/platform", 403),
        (Role.REVIEWER, "/platform", 200),
        (Role.REVIEWER, "/partner", 303),  # platform staff are sent to their own console
        (Role.ADMIN, "/platform", 200),
        (Role.ADMIN, "/partner", 303),
    ],
)
async def test_consoles_open_only_to_their_roles(
    client: httpx.AsyncClient, hearth: Hearth, role: Role, path: str, status: int
) -> None:
    await _make_user(hearth, "someone", role)
    assert (await login(client, "someone")).status_code == 200
    assert (await client.get(path)).status_code == status


async def test_console_tabs_show_only_for_roles_that_may_open_them(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    await _make_user(hearth, "mia")
    await login(client, "mia")
    page = (await client.get("/")).text
    assert 'href="/store"' in page
    assert 'href="/partner"' not in page
    assert 'href="/platform"' not in page


async def test_anonymous_pages_redirect_to_login_and_api_answers_401(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/scenes")
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/scenes"
    assert (await client.get("/api/v1/tokens")).status_code == 401


async def test_every_tab_of_the_app_opens_a_built_page(client: httpx.AsyncClient) -> None:
    await signup(client, "mia")
    for path in ("/", "/scenes", "/store", "/community"):
        page = await client.get(path)
        assert page.status_code == 200, path
        assert "not built yet" not in page.text, path
