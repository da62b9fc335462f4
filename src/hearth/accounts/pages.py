"""Account pages (HTML): sign-up, log-in and log-out, a forgotten password, and the account
page: profile, email, password, saved addresses, notifications, API tokens.

Forms post back here and re-render with the problem named next to the field, the fields
kept; a change that worked comes back to its section of the account page with a sentence.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts import addresses, profile, recovery, rules
from hearth.accounts import service as accounts
from hearth.accounts.api import authenticate, browser_session, mail_throttle, sign_in
from hearth.accounts.models import User
from hearth.accounts.schemas import (
    AddressForm,
    AddressIn,
    ApiTokenForm,
    EmailForm,
    ForgotForm,
    LoginForm,
    PasswordForm,
    ProfileForm,
    ResetForm,
    SignupForm,
)
from hearth.errors import BadCredentials, Conflict, HearthError, InvalidInput, NotAuthenticated
from hearth.kit import times
from hearth.web.deps import (
    SESSION_COOKIE,
    CurrentUser,
    HearthDep,
    NowDep,
    OptionalUser,
    SessionDep,
    client_address,
)
from hearth.web.templating import render

router = APIRouter(include_in_schema=False)
# What other areas show on the account page (how notifications reach the person), as
# context for its template. The app factory lists them in ``app.state.account_panels``:
# areas above accounts contribute without accounts importing them.
AccountPanel = Callable[..., Awaitable[dict[str, Any]]]
# What the account page says after a change that worked, by the ``done`` it is sent.
DONE = {
    "profile": "Your profile is saved.",
    "email": "Check your mail: a link to confirm your address is on its way.",
    "email-resent": "A new link to confirm your address is on its way.",
    "email-removed": "Your email address is removed; no mail goes to it any more.",
    "password": "Your password is changed, and your other sessions are signed out.",
    "address-added": "The address is saved.",
    "address-saved": "The address is saved.",
    "address-default": "That address is now your default.",
    "address-deleted": "The address is deleted.",
    "notifications": "Your notification choices are saved.",
}
SECTION = {
    "profile": "profile",
    "email": "email",
    "email-resent": "email",
    "email-removed": "email",
    "password": "password",
    "notifications": "notifications",
}


def _see_other(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


def _problems(err: HearthError) -> dict[str, str]:
    """Return each problem's sentence by field, or the error's own under ``form``."""
    found = {p["field"]: p["message"] for p in err.problems() if p["field"]}
    return found or {"form": err.sentence}


def _invalid(err: ValidationError) -> dict[str, str]:
    """Return what a form's schema refused, a sentence per field."""
    words = {
        "string_too_short": "This is needed.",
        "string_too_long": "This is too long.",
        "string_pattern_mismatch": "This is not in the expected form.",
    }
    found: dict[str, str] = {}
    for problem in err.errors():
        field = str(problem["loc"][0]) if problem["loc"] else "form"
        found.setdefault(field, words.get(problem["type"], "Check this field."))
    return found


def zone_choices() -> tuple[str, ...]:
    """Return the zones a person may pick for themselves."""
    return times.zone_names()


async def account_page(
    request: Request,
    session: AsyncSession,
    user: User,
    *,
    done: str | None = None,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    new_token: tuple[Any, str] | None = None,
    status_code: int = 200,
) -> Response:
    """Render the account page, with what a form that was refused said and held."""
    row = await session.get(User, user.id, populate_existing=True)
    if row is None:
        raise NotAuthenticated("Sign in again.")
    panels: list[AccountPanel] = getattr(request.app.state, "account_panels", [])
    extra: dict[str, Any] = {}
    for panel in panels:
        extra |= await panel(session, user=row, errors=errors or {})
    return render(
        request,
        "accounts/account.html",
        user=row,
        me=row,
        tokens=await accounts.list_tokens(session, user=row),
        addresses=await addresses.list_addresses(session, user=row),
        zones=zone_choices(),
        locales=profile.locale_choices(),
        done=DONE.get(done or ""),
        done_section=SECTION.get(done or "", "addresses" if done in DONE else ""),
        errors=errors or {},
        values=values or {},
        new_token=new_token,
        status_code=status_code,
        **extra,
    )


def _safe_next(target: str | None) -> str:
    """Only follow local redirects after log-in (no open redirect)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login")
async def login_page(
    request: Request, user: OptionalUser, next: str | None = None, reset: str | None = None
) -> Response:
    if user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    notice = (
        "Your password is changed and every session is signed out. Log in with the new password."
        if reset is not None
        else None
    )
    return render(
        request,
        "accounts/login.html",
        user=None,
        next=_safe_next(next),
        error=None,
        notice=notice,
        username=(reset or "")[:40],
    )


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
            error=err.sentence,
            notice=None,
            username=form.username,
            status_code=err.status,
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
    values = {"username": form.username, "display_name": form.display_name, "email": form.email}
    try:
        if form.email.strip():
            rules.normal_email(form.email)  # refused before the account is made
        user = await accounts.create_user(
            session,
            now=now,
            username=form.username,
            password=form.password,
            display_name=form.display_name or None,
        )
        if form.email.strip():
            user = await recovery.set_email(
                session,
                user=user,
                email=form.email,
                client=client_address(request),
                throttle=mail_throttle(hearth),
                now=now,
            )
    except InvalidInput as err:
        errors = {p["field"]: p["message"] for p in (err.detail or [])} or {"form": err.sentence}
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
            errors={"username": err.sentence},
            values=values,
            status_code=409,
        )
    except HearthError as err:
        return render(
            request,
            "accounts/signup.html",
            user=None,
            errors={"form": err.sentence},
            values=values,
            status_code=err.status,
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
async def account(
    request: Request, user: CurrentUser, session: SessionDep, done: str | None = None
) -> Response:
    return await account_page(request, session, user, done=done)


@router.post("/account/tokens")
async def account_create_token(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    form: Annotated[ApiTokenForm, Form()],
) -> Response:
    try:
        row, secret = await accounts.create_token(session, user=user, name=form.name, now=now)
    except InvalidInput as err:
        return await account_page(
            request,
            session,
            user,
            errors={"tokens": _problems(err)},
            values={"tokens": {"name": form.name}},
            status_code=err.status,
        )
    return await account_page(request, session, user, new_token=(row, secret))


@router.post("/account/tokens/{token_id}/revoke")
async def account_revoke_token(
    token_id: str, user: CurrentUser, session: SessionDep, now: NowDep
) -> Response:
    await accounts.revoke_token(session, user=user, token_id=token_id, now=now)
    return _see_other("/account#tokens")


@router.post("/account/profile")
async def account_profile(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    form: Annotated[ProfileForm, Form()],
) -> Response:
    try:
        await profile.update_profile(
            session,
            user=user,
            display_name=form.display_name,
            time_zone=form.time_zone or None,
            locale=form.locale or None,
        )
    except HearthError as err:
        return await account_page(
            request,
            session,
            user,
            errors={"profile": _problems(err)},
            values={"profile": form.model_dump()},
            status_code=err.status,
        )
    return _see_other("/account?done=profile#profile")


@router.post("/account/email")
async def account_email(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    hearth: HearthDep,
    now: NowDep,
    form: Annotated[EmailForm, Form()],
) -> Response:
    try:
        await recovery.set_email(
            session,
            user=user,
            email=form.email,
            client=client_address(request),
            throttle=mail_throttle(hearth),
            now=now,
        )
    except HearthError as err:
        return await account_page(
            request,
            session,
            user,
            errors={"email": _problems(err)},
            values={"email": {"email": form.email}},
            status_code=err.status,
        )
    return _see_other("/account?done=email#email")


@router.post("/account/email/resend")
async def account_email_resend(
    request: Request, user: CurrentUser, session: SessionDep, hearth: HearthDep, now: NowDep
) -> Response:
    try:
        await recovery.resend_verification(
            session,
            user=user,
            client=client_address(request),
            throttle=mail_throttle(hearth),
            now=now,
        )
    except HearthError as err:
        return await account_page(
            request, session, user, errors={"email": _problems(err)}, status_code=err.status
        )
    return _see_other("/account?done=email-resent#email")


@router.post("/account/email/remove")
async def account_email_remove(user: CurrentUser, session: SessionDep, now: NowDep) -> Response:
    await recovery.remove_email(session, user=user, now=now)
    return _see_other("/account?done=email-removed#email")


@router.get("/account/email/verify/{token}")
async def verify_email_page(request: Request, token: str, user: OptionalUser) -> Response:
    """Ask to confirm: following a link only shows this page (a mail scanner that opens
    links confirms nothing); the button does it."""
    return render(request, "accounts/verify.html", user=user, token=token, error=None)


@router.post("/account/email/verify")
async def verify_email_submit(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    form: Annotated[ResetForm, Form()],
) -> Response:
    try:
        confirmed = await recovery.verify_email(session, token=form.token, now=now)
    except HearthError as err:
        return render(
            request,
            "accounts/verify.html",
            user=user,
            token=form.token,
            error=err.sentence,
            status_code=err.status,
        )
    return render(
        request, "accounts/verified.html", user=user, email=confirmed.email, status_code=200
    )


@router.post("/account/password")
async def account_password(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    form: Annotated[PasswordForm, Form()],
) -> Response:
    try:
        await recovery.change_password(
            session,
            user=user,
            current=form.current_password,
            new=form.new_password,
            keep_session=browser_session(request),
            now=now,
        )
    except HearthError as err:
        return await account_page(
            request, session, user, errors={"password": _problems(err)}, status_code=err.status
        )
    return _see_other("/account?done=password#password")


def _address(form: AddressForm) -> AddressIn:
    return AddressIn.model_validate(
        {**form.model_dump(exclude={"is_default"}), "is_default": bool(form.is_default)}
    )


@router.post("/account/addresses")
async def account_add_address(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    form: Annotated[AddressForm, Form()],
) -> Response:
    try:
        checked = _address(form)
        await addresses.add_address(
            session,
            user=user,
            fields=addresses.AddressFields(**checked.fields()),
            make_default=checked.is_default,
            now=now,
        )
    except (ValidationError, HearthError) as err:
        problems = _invalid(err) if isinstance(err, ValidationError) else _problems(err)
        return await account_page(
            request,
            session,
            user,
            errors={"address": problems},
            values={"address": form.model_dump()},
            status_code=422 if isinstance(err, ValidationError) else err.status,
        )
    return _see_other("/account?done=address-added#addresses")


@router.get("/account/addresses/{address_id}")
async def account_address_page(
    request: Request, address_id: str, user: CurrentUser, session: SessionDep
) -> Response:
    row = await addresses.own_address(session, user=user, address_id=address_id)
    values = {
        key: str(getattr(row, key)) for key in AddressForm.model_fields if key != "is_default"
    }
    return render(
        request, "accounts/address.html", user=user, address=row, values=values, errors={}
    )


@router.post("/account/addresses/{address_id}")
async def account_change_address(
    request: Request,
    address_id: str,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    form: Annotated[AddressForm, Form()],
) -> Response:
    row = await addresses.own_address(session, user=user, address_id=address_id)
    try:
        checked = _address(form)
        await addresses.change_address(
            session,
            user=user,
            address_id=address_id,
            fields=addresses.AddressFields(**checked.fields()),
            make_default=checked.is_default,
            now=now,
        )
    except ValidationError as err:
        return render(
            request,
            "accounts/address.html",
            user=user,
            address=row,
            values=form.model_dump(),
            errors=_invalid(err),
            status_code=422,
        )
    return _see_other("/account?done=address-saved#addresses")


@router.post("/account/addresses/{address_id}/default")
async def account_default_address(
    address_id: str, user: CurrentUser, session: SessionDep, now: NowDep
) -> Response:
    await addresses.make_default(session, user=user, address_id=address_id, now=now)
    return _see_other("/account?done=address-default#addresses")


@router.post("/account/addresses/{address_id}/delete")
async def account_delete_address(
    address_id: str, user: CurrentUser, session: SessionDep
) -> Response:
    await addresses.delete_address(session, user=user, address_id=address_id)
    return _see_other("/account?done=address-deleted#addresses")


# -- a forgotten password ------------------------------------------------------------------


@router.get("/password/forgot")
async def forgot_page(request: Request, user: OptionalUser) -> Response:
    return render(request, "accounts/forgot.html", user=user, error=None, sent=None, email="")


@router.post("/password/forgot")
async def forgot_submit(
    request: Request,
    session: SessionDep,
    hearth: HearthDep,
    user: OptionalUser,
    now: NowDep,
    form: Annotated[ForgotForm, Form()],
) -> Response:
    try:
        answer = await recovery.request_reset(
            session,
            email=form.email,
            client=client_address(request),
            throttle=mail_throttle(hearth),
            now=now,
        )
    except HearthError as err:
        return render(
            request,
            "accounts/forgot.html",
            user=user,
            error=_problems(err).get("email", err.sentence),
            sent=None,
            email=form.email,
            status_code=err.status,
        )
    return render(request, "accounts/forgot.html", user=user, error=None, sent=answer, email="")


@router.get("/password/reset/{token}")
async def reset_page(
    request: Request, token: str, session: SessionDep, user: OptionalUser, now: NowDep
) -> Response:
    try:
        owner = await recovery.reset_link(session, token=token, now=now)
    except HearthError as err:
        return render(
            request,
            "accounts/reset.html",
            user=user,
            token=None,
            username=None,
            error=err.sentence,
            status_code=err.status,
        )
    return render(
        request,
        "accounts/reset.html",
        user=user,
        token=token,
        username=owner.username,
        error=None,
    )


@router.post("/password/reset")
async def reset_submit(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    form: Annotated[ResetForm, Form()],
) -> Response:
    try:
        owner = await recovery.reset_password(
            session, token=form.token, password=form.password, now=now
        )
    except InvalidInput as err:  # the password: the link still works
        found = await recovery.reset_link(session, token=form.token, now=now)
        return render(
            request,
            "accounts/reset.html",
            user=user,
            token=form.token,
            username=found.username,
            error=_problems(err).get("password", err.sentence),
            status_code=err.status,
        )
    except HearthError as err:
        return render(
            request,
            "accounts/reset.html",
            user=user,
            token=None,
            username=None,
            error=err.sentence,
            status_code=err.status,
        )
    # Every session ended, this browser's too: its cookie goes, and the log-in page says why.
    response = _see_other(f"/login?reset={owner.username}")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
