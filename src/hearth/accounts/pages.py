"""Account pages (HTML): sign-up, log-in and log-out, and the account page with API tokens.

Forms post back here and re-render with the problem named.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from hearth.accounts import service as accounts
from hearth.accounts.api import authenticate, sign_in
from hearth.accounts.schemas import ApiTokenForm, LoginForm, SignupForm
from hearth.errors import BadCredentials, Conflict, InvalidInput
from hearth.web.deps import (
    SESSION_COOKIE,
    CurrentUser,
    HearthDep,
    NowDep,
    OptionalUser,
    SessionDep,
)
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
    return render(request, "accounts/login.html", user=None, next=_safe_next(next), error=None)


@router.post("/login")
async def login_submit(
    request: Request,
    session: SessionDep,
    hearth: HearthDep,
    now: NowDep,
    form: Annotated[LoginForm, Form()],
) -> Response:
    try:
        user = await authenticate(hearth, request, form.username, form.password, now)
    except BadCredentials as err:
        return render(
            request,
            "accounts/login.html",
            user=None,
            next=_safe_next(form.next),
            error=err.message,
            username=form.username,
            status_code=401,
        )
    response = RedirectResponse(_safe_next(form.next), status_code=303)
    await sign_in(response, request, session, hearth, user, now)
    return response


@router.get("/signup")
async def signup_page(request: Request, user: OptionalUser) -> Response:
    if user is not None:
        return RedirectResponse("/", status_code=303)
    return render(request, "accounts/signup.html", user=None, errors={}, values={})


@router.post("/signup")
async def signup_submit(
    request: Request,
    session: SessionDep,
    hearth: HearthDep,
    now: NowDep,
    form: Annotated[SignupForm, Form()],
) -> Response:
    values = {"username": form.username, "display_name": form.display_name}
    try:
        user = await accounts.create_user(
            session,
            now=now,
            username=form.username,
            password=form.password,
            display_name=form.display_name or None,
        )
    except InvalidInput as err:
        errors = {p["field"]: p["message"] for p in (err.detail or [])} or {"form": err.message}
        return render(
            request,
            "accounts/signup.html",
            user=None,
            errors=errors,
            values=values,
            status_code=422,
        )
    except Conflict as err:
        return render(
            request,
            "accounts/signup.html",
            user=None,
            errors={"username": err.message},
            values=values,
            status_code=409,
        )
    response = RedirectResponse("/", status_code=303)
    await sign_in(response, request, session, hearth, user, now)
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
    return render(request, "accounts/account.html", user=user, tokens=tokens, new_token=None)


@router.post("/account/tokens")
async def account_create_token(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    form: Annotated[ApiTokenForm, Form()],
) -> Response:
    row, secret = await accounts.create_token(session, user=user, name=form.name, now=now)
    tokens = await accounts.list_tokens(session, user=user)
    return render(
        request, "accounts/account.html", user=user, tokens=tokens, new_token=(row, secret)
    )


@router.post("/account/tokens/{token_id}/revoke")
async def account_revoke_token(
    token_id: str, user: CurrentUser, session: SessionDep, now: NowDep
) -> Response:
    await accounts.revoke_token(session, user=user, token_id=token_id, now=now)
    return RedirectResponse("/account", status_code=303)
