"""JSON API for accounts: sign-up, log-in, the current user, personal API tokens."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response, status

from hearth.accounts import service as accounts
from hearth.accounts.models import User
from hearth.errors import BadCredentials
from hearth.web.deps import (
    SESSION_COOKIE,
    CurrentUser,
    HearthDep,
    OptionalUser,
    SessionDep,
    client_address,
    cookie_secure,
)
from hearth.web.schemas import LoginIn, SignupIn, TokenCreated, TokenIn, TokenOut, UserOut

router = APIRouter(tags=["accounts"])


def set_session_cookie(response: Response, request: Request, hearth: HearthDep, token: str) -> None:
    """Attach the session cookie: HttpOnly, SameSite=Lax, Secure on HTTPS."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=hearth.settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=cookie_secure(request, hearth),
        path="/",
    )


@router.post("/auth/signup", status_code=status.HTTP_201_CREATED, response_model=UserOut)
async def signup(
    body: SignupIn, request: Request, response: Response, session: SessionDep, hearth: HearthDep
) -> UserOut:
    """Create a fan account and sign it in."""
    user = await accounts.create_user(
        session, username=body.username, password=body.password, display_name=body.display_name
    )
    token = await accounts.open_session(
        session,
        user=user,
        lifetime=timedelta(days=hearth.settings.session_days),
        user_agent=request.headers.get("user-agent", ""),
    )
    set_session_cookie(response, request, hearth, token)
    return UserOut.model_validate(user)


@router.post("/auth/login", response_model=UserOut)
async def login(
    body: LoginIn, request: Request, response: Response, session: SessionDep, hearth: HearthDep
) -> UserOut:
    """Sign in with a username and password; the session travels in an HttpOnly cookie."""
    user = await _authenticate(session, hearth, request, body.username, body.password)
    token = await accounts.open_session(
        session,
        user=user,
        lifetime=timedelta(days=hearth.settings.session_days),
        user_agent=request.headers.get("user-agent", ""),
    )
    set_session_cookie(response, request, hearth, token)
    return UserOut.model_validate(user)


async def _authenticate(
    session: SessionDep, hearth: HearthDep, request: Request, username: str, password: str
) -> User:
    throttle = accounts.Throttle(
        max_failures=hearth.settings.login_max_failures,
        window=timedelta(seconds=hearth.settings.login_window_seconds),
    )
    # Failures must be recorded even though the request fails: count them in their own
    # transaction, then raise.
    async with hearth.sessions() as own, own.begin():
        try:
            return await accounts.authenticate(
                own,
                username=username,
                password=password,
                address=client_address(request),
                throttle=throttle,
            )
        except BadCredentials as err:
            bad = err
    raise bad


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    request: Request, response: Response, session: SessionDep, _: OptionalUser
) -> None:
    """End the current browser session."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        await accounts.close_session(session, cookie)
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/me", response_model=UserOut)
async def me(user: CurrentUser) -> UserOut:
    """Return the signed-in user."""
    return UserOut.model_validate(user)


@router.get("/tokens", response_model=list[TokenOut])
async def list_tokens(user: CurrentUser, session: SessionDep) -> list[TokenOut]:
    """List your personal API tokens (without their secrets)."""
    return [TokenOut.model_validate(t) for t in await accounts.list_tokens(session, user=user)]


@router.post("/tokens", status_code=status.HTTP_201_CREATED, response_model=TokenCreated)
async def create_token(body: TokenIn, user: CurrentUser, session: SessionDep) -> TokenCreated:
    """Create a personal API token; its secret is in this response only."""
    row, secret = await accounts.create_token(session, user=user, name=body.name)
    return TokenCreated.model_validate(
        {**TokenOut.model_validate(row).model_dump(), "token": secret}
    )


@router.delete("/tokens/{token_id}", response_model=TokenOut)
async def revoke_token(token_id: str, user: CurrentUser, session: SessionDep) -> TokenOut:
    """Revoke one of your tokens; it stops working at once."""
    return TokenOut.model_validate(
        await accounts.revoke_token(session, user=user, token_id=token_id)
    )
