"""Pages of the home app: the home view, a device's page, home settings, invitations.

Forms post back here; a refused form re-renders its page with the problem named and an
error status, and changes nothing (the change runs in a savepoint, whose recorded events
go with it). Device controls call the JSON API from the page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.devices import library
from hearth.errors import HearthError
from hearth.homes import binding, board, charts, invitations, placement, rooms
from hearth.homes import service as homes
from hearth.homes.rules import HomeAction, HomeRole, allows, parse_role
from hearth.homes.schemas import (
    AddDeviceForm,
    FavouriteForm,
    InviteForm,
    MemberForm,
    NameForm,
    PlaceForm,
    PlacementForm,
    SimulatedDeviceForm,
)
from hearth.kit import times
from hearth.web.deps import CurrentUser, HearthDep, NowDep, OptionalUser, SessionDep
from hearth.web.templating import render
from hearth.web.timefmt import ZONE_COOKIE

router = APIRouter(include_in_schema=False)
HOME_COOKIE = "hearth_home"
# What other areas show on the home view (the scenes strip), as context for its template.
# The app factory lists them in ``app.state.home_panels``: areas above homes contribute
# without homes importing them.
HomePanel = Callable[..., Awaitable[dict[str, Any]]]
# What must follow a home's new place in the same transaction (the scenes' schedules):
# ``await hook(session, home_id=..., now=...)``, listed in ``app.state.place_hooks``.
PlaceHook = Callable[..., Awaitable[Any]]


def _see_other(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


async def _view(
    request: Request, session: AsyncSession, user: User, home_id: str | None, now: datetime
) -> Response:
    mine = await homes.list_homes(session, user=user)
    ids = [h.id for h, _ in mine]
    chosen = home_id if home_id in ids else request.cookies.get(HOME_COOKIE)
    if chosen not in ids:
        chosen = ids[0] if ids else None
    if home_id is not None and home_id not in ids:
        await homes.require(session, user=user, home_id=home_id)  # raises NotFound
    pending = await invitations.mine(session, user=user, now=now)
    if chosen is None:
        return render(
            request,
            "homes/view.html",
            user=user,
            active="home",
            board=None,
            homes=mine,
            pending=pending,
            error=None,
        )
    found = await board.home_board(session, user=user, home_id=chosen)
    panels: list[HomePanel] = getattr(request.app.state, "home_panels", [])
    extra: dict[str, Any] = {}
    for panel in panels:
        extra |= await panel(session, user=user, home_id=chosen)
    response = render(
        request,
        "homes/view.html",
        user=user,
        active="home",
        board=found,
        homes=mine,
        pending=pending,
        error=None,
        time_zone=found.time_zone,
        **extra,
    )
    response.set_cookie(HOME_COOKIE, chosen, httponly=True, samesite="lax", path="/")
    return response


@router.get("/")
async def home(request: Request, user: OptionalUser, session: SessionDep, now: NowDep) -> Response:
    if user is None:
        return render(request, "homes/landing.html", user=None)
    return await _view(request, session, user, None, now)


@router.get("/homes/{home_id}")
async def home_page(
    request: Request, home_id: str, user: CurrentUser, session: SessionDep, now: NowDep
) -> Response:
    return await _view(request, session, user, home_id, now)


@router.get("/homes/{home_id}/cards")
async def home_cards(
    request: Request, home_id: str, user: CurrentUser, session: SessionDep
) -> Response:
    """The device cards alone, refreshed by the home view when devices or rooms change."""
    found = await board.home_board(session, user=user, home_id=home_id)
    return render(request, "homes/_cards.html", user=user, board=found, time_zone=found.time_zone)


@router.post("/homes")
async def create_home(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    form: Annotated[NameForm, Form()],
) -> Response:
    try:
        async with session.begin_nested():
            made = await homes.create_home(
                session,
                owner=user,
                name=form.name,
                now=now,
                timezone=request.cookies.get(ZONE_COOKIE),  # the browser's, until chosen
            )
    except HearthError as err:
        mine = await homes.list_homes(session, user=user)
        return render(
            request,
            "homes/view.html",
            user=user,
            active="home",
            board=None,
            homes=mine,
            pending=[],
            error=err.sentence,
            status_code=err.status,
        )
    return _see_other(f"/homes/{made.id}")


async def _settings(
    request: Request,
    session: AsyncSession,
    user: User,
    home_id: str,
    now: datetime,
    *,
    error: str | None = None,
    link: str | None = None,
    place_form: PlaceForm | None = None,
    place_error: str | None = None,
    saved: bool = False,
    status_code: int = 200,
) -> Response:
    home, role = await homes.require(session, user=user, home_id=home_id)
    owner = allows(role, HomeAction.INVITE)
    invites = await invitations.list_open(session, user=user, home_id=home_id, now=now)
    place = await homes.home_place(session, home_id)
    if place_form is None:  # the home's place, or the browser's zone to start from
        browser = request.cookies.get(ZONE_COOKIE, "")
        zone = place.timezone if place.chosen or not times.zone_named(browser) else browser
        place_form = PlaceForm(
            timezone=zone,
            latitude="" if place.latitude is None else f"{place.latitude:g}",
            longitude="" if place.longitude is None else f"{place.longitude:g}",
        )
    return render(
        request,
        "homes/settings.html",
        user=user,
        active="home",
        home=home,
        role=role,
        owner=owner,
        rooms=await rooms.list_rooms(session, user=user, home_id=home_id),
        members=await homes.list_members(session, user=user, home_id=home_id),
        invites=invites if owner else [],
        error=error,
        link=link,
        place=place,
        place_form=place_form,
        zones=times.zone_names(),
        place_saved=saved,
        place_error=place_error,
        time_zone=place.timezone,
        status_code=status_code,
    )


@router.get("/homes/{home_id}/settings")
async def settings_page(
    request: Request,
    home_id: str,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    place: str | None = None,
) -> Response:
    return await _settings(request, session, user, home_id, now, saved=place == "saved")


async def _attempt(
    request: Request,
    session: AsyncSession,
    user: User,
    home_id: str,
    now: datetime,
    change: Callable[[], Awaitable[Any]],
    *,
    then: str | None = None,
) -> Response:
    """Run one settings change; on refusal roll back and show the settings with the reason."""
    try:
        async with session.begin_nested():
            await change()
    except HearthError as err:
        return await _settings(
            request, session, user, home_id, now, error=err.sentence, status_code=err.status
        )
    return _see_other(then or f"/homes/{home_id}/settings")


@router.post("/homes/{home_id}/rename")
async def rename_home(
    request: Request,
    home_id: str,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    form: Annotated[NameForm, Form()],
) -> Response:
    async def change() -> Any:
        return await homes.rename_home(session, user=user, home_id=home_id, name=form.name)

    return await _attempt(request, session, user, home_id, now, change)


@router.post("/homes/{home_id}/place")
async def set_place(
    request: Request,
    home_id: str,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    form: Annotated[PlaceForm, Form()],
) -> Response:
    """Set the home's time zone and location; a refusal comes back with what was typed."""
    try:
        async with session.begin_nested():
            latitude, longitude = form.coordinates()
            await homes.set_place(
                session,
                user=user,
                home_id=home_id,
                timezone=form.timezone,
                latitude=latitude,
                longitude=longitude,
            )
            hooks: list[PlaceHook] = getattr(request.app.state, "place_hooks", [])
            for hook in hooks:
                await hook(session, home_id=home_id, now=now)
    except HearthError as err:
        return await _settings(
            request,
            session,
            user,
            home_id,
            now,
            place_error=err.sentence,
            place_form=form,
            status_code=err.status,
        )
    return _see_other(f"/homes/{home_id}/settings?place=saved#place-title")


@router.post("/homes/{home_id}/delete")
async def delete_home(
    request: Request, home_id: str, user: CurrentUser, session: SessionDep, now: NowDep
) -> Response:
    async def change() -> Any:
        return await placement.delete_home(session, user=user, home_id=home_id)

    response = await _attempt(request, session, user, home_id, now, change, then="/")
    response.delete_cookie(HOME_COOKIE, path="/")
    return response


@router.post("/homes/{home_id}/leave")
async def leave_home(
    request: Request, home_id: str, user: CurrentUser, session: SessionDep, now: NowDep
) -> Response:
    async def change() -> Any:
        return await homes.leave_home(session, user=user, home_id=home_id)

    response = await _attempt(request, session, user, home_id, now, change, then="/")
    response.delete_cookie(HOME_COOKIE, path="/")
    return response


@router.post("/homes/{home_id}/rooms")
async def create_room(
    request: Request,
    home_id: str,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    form: Annotated[NameForm, Form()],
) -> Response:
    async def change() -> Any:
        return await rooms.create_room(session, user=user, home_id=home_id, name=form.name, now=now)

    return await _attempt(request, session, user, home_id, now, change)


@router.post("/homes/{home_id}/rooms/{room_id}/rename")
async def rename_room(
    request: Request,
    home_id: str,
    room_id: str,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    form: Annotated[NameForm, Form()],
) -> Response:
    async def change() -> Any:
        return await rooms.rename_room(session, user=user, room_id=room_id, name=form.name)

    return await _attempt(request, session, user, home_id, now, change)


@router.post("/homes/{home_id}/rooms/{room_id}/delete")
async def delete_room(
    request: Request,
    home_id: str,
    room_id: str,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
) -> Response:
    async def change() -> Any:
        return await rooms.delete_room(session, user=user, room_id=room_id)

    return await _attempt(request, session, user, home_id, now, change)


@router.post("/homes/{home_id}/invite")
async def invite(
    request: Request,
    home_id: str,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    form: Annotated[InviteForm, Form()],
) -> Response:
    try:
        role = parse_role(form.role)
        async with session.begin_nested():
            if form.username.strip():
                await invitations.invite_user(
                    session, user=user, home_id=home_id, username=form.username, role=role, now=now
                )
                return _see_other(f"/homes/{home_id}/settings")
            _, token = await invitations.create_link(
                session, user=user, home_id=home_id, role=role, now=now
            )
    except HearthError as err:
        return await _settings(
            request, session, user, home_id, now, error=err.sentence, status_code=err.status
        )
    link = str(request.base_url).rstrip("/") + f"/join/{token}"
    return await _settings(request, session, user, home_id, now, link=link, status_code=201)


@router.post("/homes/{home_id}/invitations/{invitation_id}/withdraw")
async def withdraw(
    request: Request,
    home_id: str,
    invitation_id: str,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
) -> Response:
    async def change() -> Any:
        return await invitations.withdraw(
            session, user=user, home_id=home_id, invitation_id=invitation_id, now=now
        )

    return await _attempt(request, session, user, home_id, now, change)


@router.post("/homes/{home_id}/members/{member_id}")
async def change_member(
    request: Request,
    home_id: str,
    member_id: str,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    form: Annotated[MemberForm, Form()],
) -> Response:
    """Set a member's role, or remove them (``role=remove``)."""

    async def change() -> Any:
        if form.role == "remove":
            return await homes.remove_member(
                session, user=user, home_id=home_id, member_id=member_id
            )
        return await homes.set_role(
            session, user=user, home_id=home_id, member_id=member_id, role=parse_role(form.role)
        )

    return await _attempt(request, session, user, home_id, now, change)


def _products() -> list[tuple[str, str]]:
    """The built-in products one may simulate: (model id, name), by name."""
    return sorted(((spec.model, spec.name) for spec in library.list_specs()), key=lambda p: p[1])


async def _add_page(
    request: Request,
    session: AsyncSession,
    user: User,
    home_id: str,
    *,
    room_id: str | None,
    code: str = "",
    name: str = "",
    model: str = "",
    error: HearthError | None = None,
    error_in: str = "code",
    already: placement.Added | None = None,
) -> Response:
    action = HomeAction.VIEW if error else HomeAction.MANAGE
    home, _ = await homes.require(session, user=user, home_id=home_id, action=action)
    return render(
        request,
        "homes/add.html",
        user=user,
        active="home",
        home=home,
        rooms=await rooms.list_rooms(session, user=user, home_id=home_id),
        products=_products(),
        room_id=room_id,
        code=code,
        name=name,
        model=model,
        error=error.sentence if error else None,
        time_zone=home.timezone or homes.DEFAULT_ZONE,
        error_in=error_in,
        already=already,
        status_code=error.status if error else 200,
    )


@router.get("/homes/{home_id}/add")
async def add_page(
    request: Request,
    home_id: str,
    user: CurrentUser,
    session: SessionDep,
    room: str | None = None,
) -> Response:
    return await _add_page(request, session, user, home_id, room_id=room)


@router.post("/homes/{home_id}/add")
async def add_submit(
    request: Request,
    home_id: str,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    form: Annotated[AddDeviceForm, Form()],
) -> Response:
    try:
        async with session.begin_nested():
            added = await placement.add_device(
                session,
                user=user,
                home_id=home_id,
                pairing_code=form.pairing_code,
                room_id=form.room_id or None,
                name=form.name,
                now=now,
                move_existing=False,
            )
    except HearthError as err:
        return await _add_page(
            request,
            session,
            user,
            home_id,
            room_id=form.room_id,
            code=form.pairing_code,
            name=form.name,
            error=err,
        )
    if not added.new:  # the code of a device already here: say so, change nothing
        return await _add_page(request, session, user, home_id, room_id=None, already=added)
    return _see_other(f"/devices/{added.device.id}?added=1")


@router.post("/homes/{home_id}/add/simulated")
async def add_simulated_submit(
    request: Request,
    home_id: str,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    hearth: HearthDep,
    form: Annotated[SimulatedDeviceForm, Form()],
) -> Response:
    """Add a simulated device of a built-in product, to try the app without hardware."""
    try:
        async with session.begin_nested():
            added = await placement.add_simulated(
                session,
                user=user,
                home_id=home_id,
                model_id=form.model,
                key=hearth.settings.secret,
                room_id=form.room_id or None,
                name=form.name,
                now=now,
            )
    except HearthError as err:
        return await _add_page(
            request,
            session,
            user,
            home_id,
            room_id=form.room_id,
            name=form.name,
            model=form.model,
            error=err,
            error_in="simulated",
        )
    return _see_other(f"/devices/{added.device.id}?added=1")


async def _device_page(
    request: Request,
    session: AsyncSession,
    user: User,
    device_id: str,
    *,
    added: bool = False,
    error: HearthError | None = None,
) -> Response:
    page = await board.device_page(session, user=user, device_id=device_id)
    return render(
        request,
        "homes/device.html",
        user=user,
        active="home",
        page=page,
        charts=charts.chartables(page.spec),
        added=added,
        error=error.sentence if error else None,
        time_zone=page.time_zone,
        status_code=error.status if error else 200,
    )


@router.get("/devices/{device_id}")
async def device_page(
    request: Request,
    device_id: str,
    user: CurrentUser,
    session: SessionDep,
    added: bool = False,
) -> Response:
    return await _device_page(request, session, user, device_id, added=added)


@router.post("/devices/{device_id}/placement")
async def place_submit(
    request: Request,
    device_id: str,
    user: CurrentUser,
    session: SessionDep,
    form: Annotated[PlacementForm, Form()],
) -> Response:
    try:
        async with session.begin_nested():
            await placement.place_device(
                session,
                user=user,
                device_id=device_id,
                room_id=form.room_id or None,
                name=form.name,
            )
    except HearthError as err:
        return await _device_page(request, session, user, device_id, error=err)
    return _see_other(f"/devices/{device_id}")


@router.post("/devices/{device_id}/remove")
async def remove_submit(device_id: str, user: CurrentUser, session: SessionDep) -> Response:
    """Remove a device from its home (owners), with everything it reported there."""
    await binding.unbind(session, user=user, device_id=device_id)
    return _see_other("/")


@router.post("/devices/{device_id}/favourite")
async def favourite_submit(
    device_id: str,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    form: Annotated[FavouriteForm, Form()],
) -> Response:
    await placement.set_favourite(
        session, user=user, device_id=device_id, favourite=form.favourite == "1", now=now
    )
    return _see_other("/" if form.back == "home" else f"/devices/{device_id}")


@router.get("/invitations")
async def invitations_page(
    request: Request, user: CurrentUser, session: SessionDep, now: NowDep
) -> Response:
    pending = await invitations.mine(session, user=user, now=now)
    return render(request, "homes/invitations.html", user=user, active="home", pending=pending)


@router.post("/invitations/{invitation_id}/{answer}")
async def answer_invitation(
    invitation_id: str, answer: str, user: CurrentUser, session: SessionDep, now: NowDep
) -> Response:
    if answer == "accept":
        home_id = await invitations.accept(session, user=user, invitation_id=invitation_id, now=now)
        return _see_other(f"/homes/{home_id}")
    if answer == "decline":
        await invitations.decline(session, user=user, invitation_id=invitation_id, now=now)
    return _see_other("/invitations")


@router.get("/join/{token}")
async def join_page(
    request: Request, token: str, user: OptionalUser, session: SessionDep, now: NowDep
) -> Response:
    if user is None:
        return _see_other(f"/login?next=/join/{token}")
    invitation, home = await invitations.by_token(session, token=token, now=now)
    role = await homes.membership(session, user_id=user.id, home_id=home.id)
    return render(
        request,
        "homes/join.html",
        user=user,
        active="home",
        home=home,
        token=token,
        role=HomeRole(invitation.role),
        already=role is not None,
    )


@router.post("/join/{token}")
async def join_submit(token: str, user: CurrentUser, session: SessionDep, now: NowDep) -> Response:
    home_id = await invitations.accept_link(session, user=user, token=token, now=now)
    return _see_other(f"/homes/{home_id}")
