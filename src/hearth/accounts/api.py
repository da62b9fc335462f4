"""JSON API for accounts: sign-up, log-in, the current user, personal API tokens."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts import service as accounts
from hearth.accounts.models import User
from hearth.accounts.schemas import (
    ApiTokenCreated,
    ApiTokenIn,
    ApiTokenOut,
    LoginIn,
    SignupIn,
    UserOut,
)
from hearth.errors import BadCredentials, Conflict, TooManyAttempts
from hearth.outbox import unit_of_work
from hearth.web.deps import (
    SESSION_COOKIE,
    CurrentUser,
    HearthDep,
    NowDep,
    OptionalUser,
    SessionDep,
    client_address,
    cookie_secure,
)
from hearth.web.openapi import answers

if TYPE_CHECKING:  # the composition root builds on this module, not the reverse
    from hearth.bootstrap import Hearth

router = APIRouter(tags=["accounts"])


async def sign_in(
    response: Response,
    request: Request,
    session: AsyncSession,
    hearth: Hearth,
    user: User,
    now: datetime,
) -> None:
    """Open a browser session for ``user`` and attach its cookie: HttpOnly, SameSite=Lax,
    Secure on HTTPS."""
    token = await accounts.open_session(
        session,
        user=user,
        lifetime=timedelta(days=hearth.settings.session_days),
        now=now,
        user_agent=request.headers.get("user-agent", ""),
    )
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=hearth.settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=cookie_secure(request, hearth),
        path="/",
    )


async def authenticate(
    hearth: Hearth, request: Request, username: str, password: str, now: datetime
) -> User:
    """Check a log-in, counting a failure in a transaction of its own.

    Failures must be recorded even though the request fails: count them in their own
    transaction, then raise."""
    throttle = accounts.Throttle(
        max_failures=hearth.settings.login_max_failures,
        address_max_failures=hearth.settings.login_address_max_failures,
        window=timedelta(seconds=hearth.settings.login_window_seconds),
    )
    async with unit_of_work(hearth.sessions, hearth.publish) as own:
        try:
            return await accounts.authenticate(
                own,
                username=username,
                password=password,
                address=client_address(request),
                throttle=throttle,
                now=now,
            )
        except BadCredentials as err:
            bad = err
    raise bad


@router.post(
    "/auth/signup",
    status_code=status.HTTP_201_CREATED,
    response_model=UserOut,
    responses=answers(Conflict),
)
async def signup(
    body: SignupIn,
    request: Request,
    response: Response,
    session: SessionDep,
    hearth: HearthDep,
    now: NowDep,
) -> UserOut:
    """Create a fan account and sign it in."""
    user = await accounts.create_user(
        session,
        now=now,
        username=body.username,
        password=body.password,
        display_name=body.display_name,
    )
    await sign_in(response, request, session, hearth, user, now)
    return UserOut.model_validate(user)


@router.post(
    "/auth/login", response_model=UserOut, responses=answers(BadCredentials, TooManyAttempts)
)
async def login(
    body: LoginIn,
    request: Request,
    response: Response,
    session: SessionDep,
    hearth: HearthDep,
    now: NowDep,
) -> UserOut:
    """Sign in with a username and password; the session travels in an HttpOnly cookie."""
    user = await authenticate(hearth, request, body.username, body.password, now)
    await sign_in(response, request, session, hearth, user, now)
    return UserOut.model_validate(user)


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


@router.get("/tokens", response_model=list[ApiTokenOut])
async def list_tokens(user: CurrentUser, session: SessionDep) -> list[ApiTokenOut]:
    """List your personal API tokens (without their secrets)."""
    return [ApiTokenOut.model_validate(t) for t in await accounts.list_tokens(session, user=user)]


@router.post("/tokens", status_code=status.HTTP_201_CREATED, response_model=ApiTokenCreated)
async def create_token(
    body: ApiTokenIn, user: CurrentUser, session: SessionDep, now: NowDep
) -> ApiTokenCreated:
    """Create a personal API token; its secret is in this response only."""
    row, secret = await accounts.create_token(session, user=user, name=body.name, now=now)
    return ApiTokenCreated.model_validate(
        {**ApiTokenOut.model_validate(row).model_dump(), "token": secret}
    )


@router.delete("/tokens/{token_id}", response_model=ApiTokenOut)
async def revoke_token(
    token_id: str, user: CurrentUser, session: SessionDep, now: NowDep
) -> ApiTokenOut:
    """Revoke one of your tokens; it stops working at once."""
    return ApiTokenOut.model_validate(
        await accounts.revoke_token(session, user=user, token_id=token_id, now=now)
    )
