"""JSON API for accounts: sign-up, log-in, the current user and their profile, email and
password (with a reset by mail), saved addresses, personal API tokens."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts import addresses, profile, recovery
from hearth.accounts import service as accounts
from hearth.accounts.models import User
from hearth.accounts.schemas import (
    AddressIn,
    AddressOut,
    ApiTokenCreated,
    ApiTokenIn,
    ApiTokenOut,
    EmailIn,
    ForgotIn,
    LoginIn,
    MessageOut,
    PasswordChangedOut,
    PasswordChangeIn,
    ProfileIn,
    ResetIn,
    SignupIn,
    TokenIn,
    UserOut,
)
from hearth.errors import BadCredentials, Conflict, NotFound, PermissionDenied, TooManyAttempts
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
    request_credential,
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


def mail_throttle(hearth: Hearth) -> recovery.MailThrottle:
    """Return how many mailed links an address and a client may ask for, from the settings."""
    settings = hearth.settings
    return recovery.MailThrottle(
        per_address=settings.mail_requests_per_address,
        per_client=settings.mail_requests_per_client,
        window=timedelta(seconds=settings.mail_request_window_seconds),
    )


def browser_session(request: Request) -> str | None:
    """Return the secret of the browser session a request signs in with, if it does."""
    credential = request_credential(request)
    return credential.secret if credential is not None and credential.kind == "session" else None


@router.post(
    "/auth/signup",
    status_code=status.HTTP_201_CREATED,
    response_model=UserOut,
    responses=answers(Conflict, TooManyAttempts),
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
    if body.email is not None:
        user = await recovery.set_email(
            session,
            user=user,
            email=body.email,
            client=client_address(request),
            throttle=mail_throttle(hearth),
            now=now,
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


@router.patch("/me", response_model=UserOut)
async def update_me(body: ProfileIn, user: CurrentUser, session: SessionDep) -> UserOut:
    """Change your display name, time zone or language; a field left out stays as it is."""
    given = body.model_fields_set
    row = await profile.update_profile(
        session,
        user=user,
        display_name=body.display_name,
        **{key: getattr(body, key) for key in ("time_zone", "locale") if key in given},
    )
    return UserOut.model_validate(row)


@router.put("/me/email", response_model=UserOut, responses=answers(TooManyAttempts))
async def set_email(
    body: EmailIn,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    hearth: HearthDep,
    now: NowDep,
) -> UserOut:
    """Set your email address; a link to confirm it is mailed to it, and until then no
    other mail goes there."""
    row = await recovery.set_email(
        session,
        user=user,
        email=body.email,
        client=client_address(request),
        throttle=mail_throttle(hearth),
        now=now,
    )
    return UserOut.model_validate(row)


@router.delete("/me/email", response_model=UserOut)
async def remove_email(user: CurrentUser, session: SessionDep, now: NowDep) -> UserOut:
    """Take your email address off your account; no more mail goes to it."""
    return UserOut.model_validate(await recovery.remove_email(session, user=user, now=now))


@router.post(
    "/me/email/verification",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=MessageOut,
    responses=answers(Conflict, TooManyAttempts),
)
async def resend_verification(
    request: Request, user: CurrentUser, session: SessionDep, hearth: HearthDep, now: NowDep
) -> MessageOut:
    """Mail the link that confirms your address again (the earlier link stops working)."""
    row = await recovery.resend_verification(
        session, user=user, client=client_address(request), throttle=mail_throttle(hearth), now=now
    )
    if row.email_verified_at is not None:
        return MessageOut(detail=f"{row.email} is confirmed already.")
    return MessageOut(detail=f"A new link to confirm {row.email} is on its way.")


@router.post("/auth/email/verify", response_model=MessageOut, responses=answers(NotFound, Conflict))
async def verify_email(body: TokenIn, session: SessionDep, now: NowDep) -> MessageOut:
    """Confirm an email address with the secret of the link mailed to it."""
    user = await recovery.verify_email(session, token=body.token, now=now)
    return MessageOut(detail=f"{user.email} is confirmed.")


@router.post("/me/password", response_model=PasswordChangedOut, responses=answers(PermissionDenied))
async def change_password(
    body: PasswordChangeIn, request: Request, user: CurrentUser, session: SessionDep, now: NowDep
) -> PasswordChangedOut:
    """Change your password, giving the current one; your other sessions are signed out."""
    ended = await recovery.change_password(
        session,
        user=user,
        current=body.current_password,
        new=body.new_password,
        keep_session=browser_session(request),
        now=now,
    )
    return PasswordChangedOut(sessions_ended=ended)


@router.post(
    "/auth/password/forgot",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=MessageOut,
    responses=answers(TooManyAttempts),
)
async def forgot_password(
    body: ForgotIn, request: Request, session: SessionDep, hearth: HearthDep, now: NowDep
) -> MessageOut:
    """Ask for a link to choose a new password; the answer is the same whether or not an
    account has the address."""
    answer = await recovery.request_reset(
        session,
        email=body.email,
        client=client_address(request),
        throttle=mail_throttle(hearth),
        now=now,
    )
    return MessageOut(detail=answer)


@router.post("/auth/password/reset", response_model=MessageOut, responses=answers(NotFound))
async def reset_password(body: ResetIn, session: SessionDep, now: NowDep) -> MessageOut:
    """Choose a new password with the secret of a reset link; every session is signed out
    and the link stops working."""
    user = await recovery.reset_password(session, token=body.token, password=body.password, now=now)
    return MessageOut(detail=f"The password of @{user.username} is changed. Log in with it.")


@router.get("/me/addresses", response_model=list[AddressOut])
async def list_addresses(user: CurrentUser, session: SessionDep) -> list[AddressOut]:
    """List your saved shipping addresses, the default first."""
    rows = await addresses.list_addresses(session, user=user)
    return [AddressOut.model_validate(row) for row in rows]


@router.post(
    "/me/addresses",
    status_code=status.HTTP_201_CREATED,
    response_model=AddressOut,
    responses=answers(Conflict),
)
async def add_address(
    body: AddressIn, user: CurrentUser, session: SessionDep, now: NowDep
) -> AddressOut:
    """Save a shipping address; your first one becomes the default."""
    row = await addresses.add_address(
        session,
        user=user,
        fields=addresses.AddressFields(**body.fields()),
        make_default=body.is_default,
        now=now,
    )
    return AddressOut.model_validate(row)


@router.get("/me/addresses/{address_id}", response_model=AddressOut)
async def get_address(address_id: str, user: CurrentUser, session: SessionDep) -> AddressOut:
    """Return one of your saved addresses."""
    row = await addresses.own_address(session, user=user, address_id=address_id)
    return AddressOut.model_validate(row)


@router.put("/me/addresses/{address_id}", response_model=AddressOut)
async def change_address(
    address_id: str, body: AddressIn, user: CurrentUser, session: SessionDep, now: NowDep
) -> AddressOut:
    """Change one of your saved addresses (``is_default`` true makes it the default)."""
    row = await addresses.change_address(
        session,
        user=user,
        address_id=address_id,
        fields=addresses.AddressFields(**body.fields()),
        make_default=body.is_default,
        now=now,
    )
    return AddressOut.model_validate(row)


@router.delete("/me/addresses/{address_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_address(address_id: str, user: CurrentUser, session: SessionDep) -> None:
    """Forget one of your saved addresses; if it was the default, your oldest other one is."""
    await addresses.delete_address(session, user=user, address_id=address_id)


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
