"""Account services: sign-up, log-in with throttling, sessions and personal API tokens.

Secrets a client holds (session cookies, API tokens) are random and stored only as
SHA-256 hashes, so a leaked database does not leak working credentials. Passwords are
hashed with argon2. Every piece of state lives in the database, so any hearth process can
check any session and the throttle counts failures across all processes.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth import outbox
from hearth.accounts.events import CredentialEnded
from hearth.accounts.models import ApiToken, AuthSession, LoginFailure, User
from hearth.accounts.roles import Role
from hearth.errors import (
    BadCredentials,
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    TooManyAttempts,
)

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,39}$")
MIN_PASSWORD = 10
TOKEN_PREFIX = "hth_"
TOKEN_USE_PRECISION = timedelta(minutes=1)
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A real hash to verify against for unknown users, so log-in takes as long either way;
    made at the first need, not at import (every command line start paid 0.1 s for it)."""
    return _hasher.hash("hearth-timing-equaliser")


def digest(secret: str) -> str:
    """Return the hash the database keeps of a session's or a token's secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def hash_password(password: str) -> str:
    """Return the argon2 hash kept of a password."""
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    """Tell whether ``password`` is the one ``password_hash`` was made from."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def normalise_username(username: str) -> str:
    """Return the canonical (lower-case, trimmed) form of a username."""
    return username.strip().lower()


def check_new_credentials(username: str, password: str) -> str:
    """Return the normalised username, or raise ``InvalidInput`` naming what is wrong."""
    name = normalise_username(username)
    problems = []
    if not USERNAME.match(name):
        problems.append(
            {
                "field": "username",
                "message": "3-40 characters: letters, digits, '.', '_' or '-', "
                "starting with a letter or digit",
            }
        )
    if len(password) < MIN_PASSWORD:
        problems.append({"field": "password", "message": f"at least {MIN_PASSWORD} characters"})
    elif password.lower() == name:
        problems.append({"field": "password", "message": "must not be the username"})
    if problems:
        summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        raise InvalidInput(summary, detail=problems)
    return name


async def create_user(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    display_name: str | None = None,
    email: str | None = None,
    role: Role = Role.FAN,
    partner_id: str | None = None,
    now: datetime,
) -> User:
    """Create an account; a partner member belongs to the company ``partner_id``.

    Joining or founding a company by its name is the mall's (``mall.partners.join_or_found``).
    """
    name = check_new_credentials(username, password)
    if role is Role.PARTNER and not partner_id:
        raise InvalidInput(
            "a partner member needs a partner company",
            detail=[{"field": "partner", "message": "required for the partner role"}],
        )
    if role is not Role.PARTNER and partner_id:
        raise InvalidInput("only partner members belong to a partner company")
    taken = await session.scalar(select(User.id).where(User.username == name))
    if taken:
        raise Conflict(f"the username {name!r} is taken")
    user = User(
        username=name,
        display_name=(display_name or name).strip()[:80] or name,
        email=email,
        password_hash=_hasher.hash(password),
        role=role.value,
        partner_id=partner_id,
        created_at=now,
    )
    session.add(user)
    await session.flush()
    return user


@dataclass(frozen=True)
class Throttle:
    """How many failed log-ins are tolerated within ``window`` before refusing.

    Failures count per (username, address): an address that guessed one account's
    password ``max_failures`` times may not try that account again until the window has
    passed, while its owner, from any other address, still gets in (a lock-out anyone can
    trigger would let anyone shut anyone out, the admin included). Failures also count per
    address across usernames: ``address_max_failures`` of them stop an address spraying
    one password over many accounts.
    """

    max_failures: int
    address_max_failures: int
    window: timedelta


def _wait_words(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


async def _counted_since(
    session: AsyncSession, *, since: datetime, limit: int, where: list[ColumnElement[bool]]
) -> datetime | None:
    """Return the time of the ``limit``-th most recent failure matching ``where`` in the
    window, or None when there are fewer: the refusal lasts until it leaves the window."""
    at = await session.scalar(
        select(LoginFailure.at)
        .where(LoginFailure.at > since, *where)
        .order_by(LoginFailure.at.desc())
        .offset(limit - 1)
        .limit(1)
    )
    return at


async def authenticate(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    address: str,
    throttle: Throttle,
    now: datetime,
) -> User:
    """Return the user for these credentials, counting failures per (username, address) and
    per address, and refusing an address that failed too often (``TooManyAttempts``)."""
    name = normalise_username(username)
    since = now - throttle.window
    for_account = await _counted_since(
        session,
        since=since,
        limit=throttle.max_failures,
        where=[LoginFailure.username == name, LoginFailure.address == address],
    )
    for_address = await _counted_since(
        session,
        since=since,
        limit=throttle.address_max_failures,
        where=[LoginFailure.address == address],
    )
    counted = max((at for at in (for_account, for_address) if at is not None), default=None)
    if counted is not None:
        wait = max(1, math.ceil((counted + throttle.window - now).total_seconds()))
        whose = "this account" if for_address is None else "any account"
        raise TooManyAttempts(
            f"too many failed log-ins to {whose} from your address; "
            f"try again in {_wait_words(wait)}",
            retry_after=wait,
        )
    user = await session.scalar(select(User).where(User.username == name))
    ok = False
    try:
        ok = _hasher.verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None or not user.is_active:
        session.add(LoginFailure(username=name, address=address, at=now))
        await session.execute(delete(LoginFailure).where(LoginFailure.at <= since))
        raise BadCredentials("wrong username or password")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    # Only this address's failures for this account: a success elsewhere must not wipe
    # the record of someone guessing from another address.
    await session.execute(
        delete(LoginFailure).where(LoginFailure.username == name, LoginFailure.address == address)
    )
    return user


async def open_session(
    session: AsyncSession,
    *,
    user: User,
    lifetime: timedelta,
    now: datetime,
    user_agent: str = "",
) -> str:
    """Start a browser session for ``user``; return the token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(
        AuthSession(
            token_hash=digest(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + lifetime,
            user_agent=user_agent[:200],
        )
    )
    await session.flush()
    return token


async def user_for_session(
    session: AsyncSession, token: str, *, now: datetime
) -> tuple[User, datetime] | None:
    """Return the active user of a live session token and when the session ends, or None."""
    row = await session.execute(
        select(User, AuthSession.expires_at)
        .join(AuthSession, AuthSession.user_id == User.id)
        .where(AuthSession.token_hash == digest(token))
    )
    found = row.first()
    if found is None:
        return None
    user, expires_at = found
    if expires_at <= now or not user.is_active:
        return None
    return user, expires_at


async def close_session(session: AsyncSession, token: str) -> None:
    """End a browser session (log out)."""
    hashed = digest(token)
    await session.execute(delete(AuthSession).where(AuthSession.token_hash == hashed))
    outbox.record(session, CredentialEnded(hashed))


async def create_token(
    session: AsyncSession, *, user: User, name: str, now: datetime
) -> tuple[ApiToken, str]:
    """Create a personal API token; return the row and the secret, which is shown only once."""
    label = name.strip()
    if not label or len(label) > 80:
        raise InvalidInput(
            "a token needs a name of 1-80 characters",
            detail=[{"field": "name", "message": "1-80 characters"}],
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id, name=label, token_hash=digest(secret), hint=secret[:8], created_at=now
    )
    session.add(row)
    await session.flush()
    return row, secret


async def user_for_token(session: AsyncSession, secret: str, *, now: datetime) -> User | None:
    """Return the owner of a live API token (and note its use), or None."""
    return (await users_for_tokens(session, [secret], now=now)).get(secret)


async def users_for_tokens(
    session: AsyncSession, secrets: list[str], *, now: datetime
) -> dict[str, User]:
    """Return the owners of live API tokens by secret, in one query (unknown, revoked and
    inactive ones are left out), and note the tokens' use."""
    by_digest = {digest(secret): secret for secret in secrets}
    rows = await session.execute(
        select(User, ApiToken)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash.in_(by_digest), ApiToken.revoked_at.is_(None))
    )
    found: dict[str, User] = {}
    noted: list[str] = []
    for user, token in rows:
        if not user.is_active:
            continue
        found[by_digest[token.token_hash]] = user
        # Noted at most once a minute: otherwise every API request would be a write
        # transaction on the token's row (a commit per request, a hot row for a busy client).
        if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_PRECISION:
            noted.append(token.id)
    if noted:  # one statement for a whole flash-sale batch, not one per token
        await session.execute(
            update(ApiToken)
            .where(ApiToken.id.in_(noted))
            .values(last_used_at=now)
            .execution_options(synchronize_session="evaluate")
        )
    return found


async def list_tokens(session: AsyncSession, *, user: User) -> list[ApiToken]:
    """Return the user's tokens, newest first."""
    rows = await session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
    )
    return list(rows)


async def revoke_token(
    session: AsyncSession, *, user: User, token_id: str, now: datetime
) -> ApiToken:
    """Revoke one of the user's own tokens."""
    token = await session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )
    if token is None:
        raise NotFound("no such token")
    if token.revoked_at is None:
        token.revoked_at = now
        outbox.record(session, CredentialEnded(token.token_hash))
    return token


@dataclass(frozen=True)
class Credential:
    """What a request signed in with: a session cookie or a bearer token (its secret).

    A long-lived response (a live stream) keeps it to check, now and then, that the
    credential still stands: a log-out or a revoked token must end it too."""

    kind: str  # "session" or "token"
    secret: str = field(repr=False)

    @classmethod
    def session(cls, secret: str) -> Credential:
        return cls("session", secret)

    @classmethod
    def token(cls, secret: str) -> Credential:
        return cls("token", secret)


async def holder(session: AsyncSession, credential: Credential, *, now: datetime) -> str | None:
    """Return the id of the active user a credential still signs in, or None.

    Unlike ``user_for_token`` it notes nothing: a check repeated every few seconds must
    not write."""
    hashed = digest(credential.secret)
    if credential.kind == "session":
        query = (
            select(User.id)
            .join(AuthSession, AuthSession.user_id == User.id)
            .where(AuthSession.token_hash == hashed, AuthSession.expires_at > now)
        )
    else:
        query = (
            select(User.id)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == hashed, ApiToken.revoked_at.is_(None))
        )
    user_id = await session.scalar(query.where(User.is_active.is_(True)))
    return str(user_id) if user_id is not None else None


def require_user(user: User | None) -> User:
    """Return ``user`` or raise ``NotAuthenticated``."""
    if user is None:
        raise NotAuthenticated("sign in first")
    return user
