"""The HTML UI: the app shell, sign-up and log-in, and the product's tabs.

Pages are server-rendered; forms post back here and re-render with the problem named.
Tabs whose capability is not built yet say so plainly.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from hearth.accounts import service as accounts
from hearth.accounts.models import User
from hearth.errors import BadCredentials, Conflict, InvalidInput
from hearth.web.deps import (
    SESSION_COOKIE,
    CurrentUser,
    HearthDep,
    OptionalUser,
    SessionDep,
)
from hearth.web.routes.api_accounts import _authenticate, set_session_cookie
from hearth.web.templating import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only follow local redirects after log-in (no open redirect)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login")
async def login_page(request: Request, user: OptionalUser, next: str | None = None) -> Response:
    if user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "login.html", user=None, next=_safe_next(next), error=None)


@router.post("/login")
async def login_submit(
    request: Request,
    session: SessionDep,
    hearth: HearthDep,
    username: Annotated[str, Form(max_length=40)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        user = await _authenticate(session, hearth, request, username, password)
    except BadCredentials as err:
        return render(
            request,
            "login.html",
            user=None,
            next=_safe_next(next),
            error=err.message,
            username=username,
            status_code=401,
        )
    token = await accounts.open_session(
        session,
        user=user,
        lifetime=timedelta(days=hearth.settings.session_days),
        user_agent=request.headers.get("user-agent", ""),
    )
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(response, request, hearth, token)
    return response


@router.get("/signup")
async def signup_page(request: Request, user: OptionalUser) -> Response:
    if user is not None:
        return RedirectResponse("/", status_code=303)
    return render(request, "signup.html", user=None, errors={}, values={})


@router.post("/signup")
async def signup_submit(
    request: Request,
    session: SessionDep,
    hearth: HearthDep,
    username: Annotated[str, Form(max_length=40)],
    password: Annotated[str, Form(max_length=200)],
    display_name: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    values = {"username": username, "display_name": display_name}
    try:
        user = await accounts.create_user(
            session, username=username, password=password, display_name=display_name or None
        )
    except InvalidInput as err:
        errors = {p["field"]: p["message"] for p in (err.detail or [])} or {"form": err.message}
        return render(
            request, "signup.html", user=None, errors=errors, values=values, status_code=422
        )
    except Conflict as err:
        return render(
            request,
            "signup.html",
            user=None,
            errors={"username": err.message},
            values=values,
            status_code=409,
        )
    token = await accounts.open_session(
        session,
        user=user,
        lifetime=timedelta(days=hearth.settings.session_days),
        user_agent=request.headers.get("user-agent", ""),
    )
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(response, request, hearth, token)
    return response


@router.post("/logout")
async def logout_submit(request: Request, session: SessionDep) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        await accounts.close_session(session, cookie)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/account")
async def account_page(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    tokens = await accounts.list_tokens(session, user=user)
    return render(request, "account.html", user=user, tokens=tokens, new_token=None)


@router.post("/account/tokens")
async def account_create_token(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    name: Annotated[str, Form(max_length=80)],
) -> Response:
    row, secret = await accounts.create_token(session, user=user, name=name)
    tokens = await accounts.list_tokens(session, user=user)
    return render(request, "account.html", user=user, tokens=tokens, new_token=(row, secret))


@router.post("/account/tokens/{token_id}/revoke")
async def account_revoke_token(token_id: str, user: CurrentUser, session: SessionDep) -> Response:
    await accounts.revoke_token(session, user=user, token_id=token_id)
    return RedirectResponse("/account", status_code=303)


def _coming(request: Request, user: User, key: str, title: str, blurb: str) -> Response:
    return render(request, "coming.html", user=user, active=key, title=title, blurb=blurb)


@router.get("/community")
async def community_page(request: Request, user: CurrentUser) -> Response:
    return _coming(
        request,
        user,
        "community",
        "Community",
        "Suggestions, votes and release notes, answered by the makers themselves.",
    )
