"""Email addresses and passwords a person can keep: verify an address, change a password,
reset a forgotten one by mail.

Mailed links carry a random secret of which the database keeps only the SHA-256 digest
(``AccountToken``); a link is used with a conditional update, so it works once, and it
expires (``rules.VERIFY_LIFETIME``, ``rules.RESET_LIFETIME``). Letters are queued in the
caller's transaction (``hearth.mail.queue``), so a letter exists exactly when its link
does. Mail goes only to a verified address, except the letter that verifies it.

Asking for a reset answers the same whether or not an account has the address, and does
the same work up to the letter itself (the throttle's row, the address's lookup); the
requests for mailed links are counted per address and per client (``MailThrottle``) in
the database, so every process counts them together.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth import outbox
from hearth.accounts import rules
from hearth.accounts import service as accounts
from hearth.accounts.events import AccountChanged, CredentialEnded
from hearth.accounts.models import AccountToken, AuthSession, MailRequest, User
from hearth.accounts.rules import Purpose
from hearth.accounts.service import digest
from hearth.errors import (
    BadCredentials,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
)
from hearth.mail import queue as mail

RESET_ANSWER = (
    "If an account has this address, a link to choose a new password is on its way. "
    "It works once, within an hour."
)
LINK_USED = "This link has expired or was already used. Ask for a new one."


@dataclass(frozen=True)
class MailThrottle:
    """How many mailed links one address, and one client, may ask for within ``window``."""

    per_address: int
    per_client: int
    window: timedelta


async def _nth_recent(
    session: AsyncSession, *, since: datetime, limit: int, where: ColumnElement[bool]
) -> datetime | None:
    """Return when the ``limit``-th most recent request matching ``where`` was made, or None."""
    at = await session.scalar(
        select(MailRequest.at)
        .where(MailRequest.at > since, where)
        .order_by(MailRequest.at.desc())
        .offset(limit - 1)
        .limit(1)
    )
    return at


async def count_request(
    session: AsyncSession,
    *,
    kind: str,
    email: str,
    client: str,
    throttle: MailThrottle,
    now: datetime,
) -> None:
    """Count one request for a mailed link, or refuse it (``TooManyAttempts``) saying when
    to try again. Counted whether or not an account has the address."""
    since = now - throttle.window
    for_address = await _nth_recent(
        session, since=since, limit=throttle.per_address, where=MailRequest.email == email
    )
    for_client = await _nth_recent(
        session, since=since, limit=throttle.per_client, where=MailRequest.client == client
    )
    counted = max((at for at in (for_address, for_client) if at is not None), default=None)
    if counted is not None:
        wait = max(1, math.ceil((counted + throttle.window - now).total_seconds()))
        whom = "this address" if for_address is not None else "your connection"
        raise TooManyAttempts(
            f"Too many mails were asked for {whom} lately. Try again in {rules.wait_words(wait)}.",
            retry_after=wait,
        )
    session.add(MailRequest(kind=kind, email=email, client=client[:64], at=now))
    await session.execute(delete(MailRequest).where(MailRequest.at <= since))


async def _issue(
    session: AsyncSession, *, user: User, purpose: Purpose, email: str, now: datetime
) -> str:
    """Make a single-use link secret for ``user``; earlier unused ones of the purpose end."""
    await session.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == purpose.value,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    secret = secrets.token_urlsafe(32)
    lifetime = rules.VERIFY_LIFETIME if purpose is Purpose.VERIFY_EMAIL else rules.RESET_LIFETIME
    session.add(
        AccountToken(
            token_hash=digest(secret),
            purpose=purpose.value,
            user_id=user.id,
            email=email,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return secret


async def _live(
    session: AsyncSession, secret: str, purpose: Purpose, *, now: datetime
) -> AccountToken | None:
    row = await session.get(AccountToken, digest(secret))
    if row is None or row.purpose != purpose.value or row.used_at is not None:
        return None
    return row if row.expires_at > now else None


async def _use(session: AsyncSession, secret: str, purpose: Purpose, *, now: datetime) -> bool:
    """Use a link: true for the one caller that finds it live and unused."""
    used = await session.execute(
        update(AccountToken)
        .where(
            AccountToken.token_hash == digest(secret),
            AccountToken.purpose == purpose.value,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(used.rowcount == 1)  # type: ignore[attr-defined]


async def _own(session: AsyncSession, user: User) -> User:
    """Return the person's row in this session (routes hold a detached copy)."""
    row = await session.get(User, user.id, populate_existing=True)
    if row is None:  # a deleted account's credentials end with it
        raise BadCredentials("Sign in again.")
    return row


async def set_email(
    session: AsyncSession,
    *,
    user: User,
    email: str,
    client: str,
    throttle: MailThrottle,
    now: datetime,
) -> User:
    """Give the account an address (or a new one): unverified until its link is followed,
    which is mailed to it now."""
    address = rules.normal_email(email)
    row = await _own(session, user)
    if row.email == address and row.email_verified_at is not None:
        return row
    await count_request(
        session,
        kind=Purpose.VERIFY_EMAIL.value,
        email=address,
        client=client,
        throttle=throttle,
        now=now,
    )
    row.email = address
    row.email_verified_at = None
    secret = await _issue(session, user=row, purpose=Purpose.VERIFY_EMAIL, email=address, now=now)
    letter = rules.verification_letter(
        to=address, name=row.display_name, username=row.username, token=secret
    )
    await mail.enqueue(session, [letter], now=now)
    outbox.record(session, AccountChanged(row.id))
    return row


async def resend_verification(
    session: AsyncSession, *, user: User, client: str, throttle: MailThrottle, now: datetime
) -> User:
    """Mail the verification link again (a new one; the old one ends)."""
    row = await _own(session, user)
    if row.email is None:
        raise Conflict("Add an email address first.")
    if row.email_verified_at is not None:
        return row
    await count_request(
        session,
        kind=Purpose.VERIFY_EMAIL.value,
        email=row.email,
        client=client,
        throttle=throttle,
        now=now,
    )
    secret = await _issue(session, user=row, purpose=Purpose.VERIFY_EMAIL, email=row.email, now=now)
    letter = rules.verification_letter(
        to=row.email, name=row.display_name, username=row.username, token=secret
    )
    await mail.enqueue(session, [letter], now=now)
    return row


async def remove_email(session: AsyncSession, *, user: User, now: datetime) -> User:
    """Take the address off the account; its links end and no mail goes out any more."""
    row = await _own(session, user)
    row.email = None
    row.email_verified_at = None
    await session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == row.id, AccountToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    outbox.record(session, AccountChanged(row.id))
    return row


async def verify_email(session: AsyncSession, *, token: str, now: datetime) -> User:
    """Follow a verification link: the address it was sent to is confirmed, once."""
    row = await _live(session, token, Purpose.VERIFY_EMAIL, now=now)
    if row is None or not await _use(session, token, Purpose.VERIFY_EMAIL, now=now):
        raise NotFound(LINK_USED, detail=[{"field": "token", "message": LINK_USED}])
    user = await session.get(User, row.user_id, populate_existing=True)
    if user is None or user.email != row.email:
        raise Conflict("This link was for an address the account no longer has.")
    user.email_verified_at = now
    outbox.record(session, AccountChanged(user.id))
    return user


async def _end_sessions(session: AsyncSession, *, user_id: str, keep: str | None) -> int:
    """End the person's browser sessions, all but ``keep`` (a session's secret)."""
    query = select(AuthSession.token_hash).where(AuthSession.user_id == user_id)
    if keep is not None:
        query = query.where(AuthSession.token_hash != digest(keep))
    ended = list(await session.scalars(query))
    if ended:
        await session.execute(delete(AuthSession).where(AuthSession.token_hash.in_(ended)))
        outbox.record(session, *(CredentialEnded(hashed) for hashed in ended))
    return len(ended)


def _check_new(password: str, *, username: str, field: str) -> None:
    problem = rules.password_problem(password, username=username)
    if problem is not None:
        raise InvalidInput.fields([{"field": field, "message": problem}])


async def change_password(
    session: AsyncSession,
    *,
    user: User,
    current: str,
    new: str,
    keep_session: str | None,
    now: datetime,
) -> int:
    """Change the password, knowing the current one; end every other session of the
    person (``keep_session``: the secret of the one asking, if a browser). Return how
    many sessions ended."""
    row = await _own(session, user)
    if not accounts.password_matches(row.password_hash, current):
        wrong = "Your current password is not right."
        raise PermissionDenied(wrong, detail=[{"field": "current_password", "message": wrong}])
    _check_new(new, username=row.username, field="new_password")
    if new == current:
        raise InvalidInput.fields(
            [{"field": "new_password", "message": "Choose a password other than the current one."}]
        )
    row.password_hash = accounts.hash_password(new)
    ended = await _end_sessions(session, user_id=row.id, keep=keep_session)
    if row.email is not None and row.email_verified_at is not None:
        letter = rules.password_changed_letter(
            to=row.email, name=row.display_name, username=row.username
        )
        await mail.enqueue(session, [letter], now=now)
    return ended


async def request_reset(
    session: AsyncSession, *, email: str, client: str, throttle: MailThrottle, now: datetime
) -> str:
    """Mail a reset link to every active account whose verified address is ``email``;
    return the one answer every caller gets, whether or not there is such an account."""
    address = rules.normal_email(email)
    await count_request(
        session,
        kind=Purpose.RESET_PASSWORD.value,
        email=address,
        client=client,
        throttle=throttle,
        now=now,
    )
    users = await session.scalars(
        select(User).where(
            User.email == address,
            User.email_verified_at.is_not(None),
            User.is_active.is_(True),
        )
    )
    letters = []
    for user in users:
        secret = await _issue(
            session, user=user, purpose=Purpose.RESET_PASSWORD, email=address, now=now
        )
        letters.append(
            rules.reset_letter(
                to=address, name=user.display_name, username=user.username, token=secret
            )
        )
    await mail.enqueue(session, letters, now=now)
    return RESET_ANSWER


async def reset_link(session: AsyncSession, *, token: str, now: datetime) -> User:
    """Return whose live reset link this is, or refuse a used, expired or unknown one."""
    row = await _live(session, token, Purpose.RESET_PASSWORD, now=now)
    user = await session.get(User, row.user_id) if row is not None else None
    if user is None or not user.is_active:
        raise NotFound(LINK_USED, detail=[{"field": "token", "message": LINK_USED}])
    return user


async def reset_password(
    session: AsyncSession, *, token: str, password: str, now: datetime
) -> User:
    """Set a new password through a reset link: the link ends, and so does every session."""
    user = await reset_link(session, token=token, now=now)
    _check_new(password, username=user.username, field="password")  # the link stays usable
    if not await _use(session, token, Purpose.RESET_PASSWORD, now=now):
        raise NotFound(LINK_USED, detail=[{"field": "token", "message": LINK_USED}])
    user.password_hash = accounts.hash_password(password)
    await _end_sessions(session, user_id=user.id, keep=None)
    return user
