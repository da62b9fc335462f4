"""Request dependencies: the running hearth, a database session, the current user.

Routes declare what they need with the ``Annotated`` aliases below and stay thin. Every
area's routes import this module, so it names the composition root (``Hearth``) for the
type checker only: importing it at run time would make each area depend on every area
the root builds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts import service as accounts
from hearth.accounts.models import User
from hearth.accounts.roles import Capability, require
from hearth.errors import NotAuthenticated
from hearth.outbox import unit_of_work

if TYPE_CHECKING:
    from hearth.bootstrap import Hearth

SESSION_COOKIE = "hearth_session"


@dataclass(frozen=True)
class Viewer:
    """A detached snapshot of the signed-in user, safe to use after the session closes
    (error pages render after the request's transaction has rolled back)."""

    id: str
    username: str
    display_name: str
    role: str
    time_zone: str | None = None  # the person's own; None: as the browser says
    locale: str | None = None

    @classmethod
    def of(cls, user: User | None) -> Viewer | None:
        if user is None:
            return None
        return cls(
            user.id, user.username, user.display_name, user.role, user.time_zone, user.locale
        )


async def get_hearth(request: Request) -> Hearth:
    # async: a plain ``def`` dependency would hop to a worker thread on every request.
    hearth: Hearth = request.app.state.hearth
    return hearth


if TYPE_CHECKING:
    HearthDep = Annotated[Hearth, Depends(get_hearth)]
else:  # FastAPI does not check what a dependency returns
    HearthDep = Annotated[object, Depends(get_hearth)]


async def get_now(hearth: HearthDep) -> datetime:
    """Read the request's "now" from the hearth's clock (a frozen clock moves every route)."""
    return hearth.clock.now()


NowDep = Annotated[datetime, Depends(get_now)]


async def db_session(hearth: HearthDep) -> AsyncIterator[AsyncSession]:
    """Give the route one unit of work: committed, then its events published, before the
    response is sent."""
    async with unit_of_work(hearth.sessions, hearth.publish) as session:
        yield session


# scope="function" commits before the response goes out, so an acknowledged write is durable.
SessionDep = Annotated[AsyncSession, Depends(db_session, scope="function")]


async def optional_user(request: Request) -> User | None:
    """Return the user behind a bearer token or a session cookie, if any (a detached row:
    ``hearth.accounts.credentials`` checks the credential without the route's session)."""
    hearth = await get_hearth(request)
    credential = request_credential(request)
    if credential is None and request.headers.get("authorization"):
        raise NotAuthenticated("use 'Authorization: Bearer <token>'")
    user = None
    if credential is not None:
        user = await hearth.credentials.user(credential, now=hearth.clock.now())
        if user is None and credential.kind == "token":
            raise NotAuthenticated("the API token is unknown or revoked")
    request.state.viewer = Viewer.of(user)
    if user is not None:
        await hearth.activity.seen(user.id, hearth.clock.now())
    return user


def request_credential(request: Request) -> accounts.Credential | None:
    """Return what the request signs in with: a bearer token first, else the session
    cookie (a request with another kind of ``Authorization`` signs in with nothing)."""
    authorization = request.headers.get("authorization", "")
    if authorization:
        scheme, _, secret = authorization.partition(" ")
        if scheme.lower() == "bearer" and secret.strip():
            return accounts.Credential.token(secret.strip())
        return None
    cookie = request.cookies.get(SESSION_COOKIE)
    return accounts.Credential.session(cookie) if cookie else None


async def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise NotAuthenticated("sign in first")
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(current_user)]
CredentialDep = Annotated[accounts.Credential | None, Depends(request_credential)]


def requires(capability: Capability) -> Callable[[User], Awaitable[User]]:
    """Build a dependency that returns the current user if their role grants ``capability``."""

    async def dependency(user: CurrentUser) -> User:
        require(user.role, capability)
        return user

    return dependency


def client_address(request: Request) -> str:
    """Return the caller's address (as seen through trusted proxies)."""
    return request.client.host if request.client else "unknown"


def cookie_secure(request: Request, hearth: Hearth) -> bool:
    """Tell whether cookies get the Secure flag: always over HTTPS, and on plain HTTP too
    when the settings force it (behind a proxy that ends TLS without saying so)."""
    return bool(hearth.settings.cookie_secure) or request.url.scheme == "https"
