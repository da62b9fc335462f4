"""JSON API of the home app: homes, pairing devices into them, rooms, placements,
favourites, people, invitations and the live stream.

Mounted under ``/api/v1`` beside the device cloud's API (a device, its history and
commands: ``hearth.hub.api``). Anything not the caller's answers 404; a member asking for
an owner's power gets 403.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy.ext.asyncio import AsyncSession
from sse_starlette.sse import EventSourceResponse

from hearth.accounts.models import User
from hearth.errors import NotFound
from hearth.homes import binding, board, invitations, live, placement, reading, rooms
from hearth.homes import service as homes
from hearth.homes.rules import HomeRole
from hearth.homes.schemas import (
    AddDeviceIn,
    BindIn,
    FavouriteIn,
    HomeBoardOut,
    HomeCardOut,
    HomeIn,
    HomeInvitationOut,
    HomeInviteIn,
    HomeJoinOut,
    HomeMemberOut,
    HomeOut,
    HomeRoleIn,
    InvitationTokenIn,
    PlacementIn,
    RoomIn,
    RoomOut,
    SimulatedDeviceIn,
)
from hearth.hub.schemas import DeviceOut
from hearth.web.deps import CredentialDep, CurrentUser, HearthDep, NowDep, SessionDep
from hearth.web.openapi import answers

router = APIRouter(tags=["homes"])


@router.get("/homes", response_model=list[HomeOut])
async def list_homes(user: CurrentUser, session: SessionDep) -> list[HomeOut]:
    """List your homes and your role in each."""
    return [HomeOut.of(home, role) for home, role in await homes.list_homes(session, user=user)]


@router.post("/homes", status_code=status.HTTP_201_CREATED, response_model=HomeOut)
async def create_home(body: HomeIn, user: CurrentUser, session: SessionDep, now: NowDep) -> HomeOut:
    """Create a home that you own."""
    home = await homes.create_home(session, owner=user, name=body.name, now=now)
    return HomeOut.of(home, HomeRole.OWNER)


@router.get("/homes/{home_id}/devices", response_model=list[DeviceOut])
async def home_devices(home_id: str, user: CurrentUser, session: SessionDep) -> list[DeviceOut]:
    """List a home's devices with their state and availability."""
    found = await reading.home_devices(session, user=user, home_id=home_id)
    return [DeviceOut.of(view) for view in found]


# ``name`` keeps the operation id and summary this route had before ``add_device`` below
# (pairing into a room) shared its module.
@router.post(
    "/homes/{home_id}/devices",
    status_code=status.HTTP_201_CREATED,
    response_model=DeviceOut,
    name="add_device",
)
async def pair_device(
    home_id: str, body: BindIn, user: CurrentUser, session: SessionDep, now: NowDep
) -> DeviceOut:
    """Add a device to a home you own with the pairing code on its label."""
    bound = await binding.bind(
        session, user=user, home_id=home_id, pairing_code=body.pairing_code, now=now
    )
    return DeviceOut.of(await reading.device_view(session, user=user, device_id=bound.device.id))


@router.get("/homes/{home_id}", response_model=HomeBoardOut)
async def home_detail(home_id: str, user: CurrentUser, session: SessionDep) -> HomeBoardOut:
    """Return a home with its rooms and its device cards as the home view shows them."""
    return HomeBoardOut.of(await board.home_board(session, user=user, home_id=home_id))


@router.patch("/homes/{home_id}", response_model=HomeBoardOut)
async def rename_home(
    home_id: str, body: HomeIn, user: CurrentUser, session: SessionDep
) -> HomeBoardOut:
    """Rename a home you own."""
    await homes.rename_home(session, user=user, home_id=home_id, name=body.name)
    return HomeBoardOut.of(await board.home_board(session, user=user, home_id=home_id))


@router.delete("/homes/{home_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_home(home_id: str, user: CurrentUser, session: SessionDep) -> None:
    """Delete a home you own; its devices leave it with everything they reported."""
    await placement.delete_home(session, user=user, home_id=home_id)


@router.get("/homes/{home_id}/rooms", response_model=list[RoomOut])
async def list_rooms(home_id: str, user: CurrentUser, session: SessionDep) -> list[RoomOut]:
    """List a home's rooms in order."""
    return [RoomOut.of(r) for r in await rooms.list_rooms(session, user=user, home_id=home_id)]


@router.post("/homes/{home_id}/rooms", status_code=status.HTTP_201_CREATED, response_model=RoomOut)
async def create_room(
    home_id: str, body: RoomIn, user: CurrentUser, session: SessionDep, now: NowDep
) -> RoomOut:
    """Add a room to a home you own."""
    room = await rooms.create_room(session, user=user, home_id=home_id, name=body.name, now=now)
    return RoomOut.of(room)


@router.patch("/rooms/{room_id}", response_model=RoomOut)
async def rename_room(
    room_id: str, body: RoomIn, user: CurrentUser, session: SessionDep
) -> RoomOut:
    """Rename a room of a home you own."""
    return RoomOut.of(await rooms.rename_room(session, user=user, room_id=room_id, name=body.name))


@router.delete("/rooms/{room_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_room(room_id: str, user: CurrentUser, session: SessionDep) -> None:
    """Delete a room; its devices stay in the home, in no room."""
    await rooms.delete_room(session, user=user, room_id=room_id)


async def _card(session: AsyncSession, user: User, device_id: str) -> HomeCardOut:
    return HomeCardOut.of((await board.device_page(session, user=user, device_id=device_id)).card)


@router.post(
    "/homes/{home_id}/devices/add",
    status_code=status.HTTP_201_CREATED,
    response_model=HomeCardOut,
)
async def add_device(
    home_id: str, body: AddDeviceIn, user: CurrentUser, session: SessionDep, now: NowDep
) -> HomeCardOut:
    """Add a device by its pairing code into a room of a home you own, with the name the
    home gives it (a device already in the home moves into the room given)."""
    added = await placement.add_device(
        session,
        user=user,
        home_id=home_id,
        pairing_code=body.pairing_code,
        room_id=body.room_id,
        name=body.name,
        now=now,
    )
    return await _card(session, user, added.device.id)


@router.post(
    "/homes/{home_id}/devices/simulated",
    status_code=status.HTTP_201_CREATED,
    response_model=HomeCardOut,
)
async def add_simulated_device(
    home_id: str,
    body: SimulatedDeviceIn,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    hearth: HearthDep,
) -> HomeCardOut:
    """Add a simulated device of a built-in product to a home you own (to try the app
    without hardware); hearth's background process runs it."""
    added = await placement.add_simulated(
        session,
        user=user,
        home_id=home_id,
        model_id=body.model,
        key=hearth.settings.secret,
        room_id=body.room_id,
        name=body.name,
        now=now,
    )
    return await _card(session, user, added.device.id)


@router.put("/devices/{device_id}/placement", response_model=HomeCardOut)
async def place_device(
    device_id: str, body: PlacementIn, user: CurrentUser, session: SessionDep
) -> HomeCardOut:
    """Move a device to another room of its home (or none), and optionally rename it."""
    await placement.place_device(
        session, user=user, device_id=device_id, room_id=body.room_id, name=body.name
    )
    return await _card(session, user, device_id)


@router.put("/devices/{device_id}/favourite", response_model=HomeCardOut)
async def set_favourite(
    device_id: str, body: FavouriteIn, user: CurrentUser, session: SessionDep, now: NowDep
) -> HomeCardOut:
    """Put a device among your favourites, first on your home view (or take it out)."""
    await placement.set_favourite(
        session, user=user, device_id=device_id, favourite=body.favourite, now=now
    )
    return await _card(session, user, device_id)


@router.get("/homes/{home_id}/members", response_model=list[HomeMemberOut])
async def list_members(home_id: str, user: CurrentUser, session: SessionDep) -> list[HomeMemberOut]:
    """List the people of a home and their roles."""
    found = await homes.list_members(session, user=user, home_id=home_id)
    return [HomeMemberOut.of(m) for m in found]


@router.put("/homes/{home_id}/members/{member_id}", status_code=status.HTTP_204_NO_CONTENT)
async def set_role(
    home_id: str, member_id: str, body: HomeRoleIn, user: CurrentUser, session: SessionDep
) -> None:
    """Make someone in a home you own an owner or a member."""
    await homes.set_role(session, user=user, home_id=home_id, member_id=member_id, role=body.role)


@router.delete("/homes/{home_id}/members/{member_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_member(
    home_id: str, member_id: str, user: CurrentUser, session: SessionDep
) -> None:
    """Remove someone from a home you own."""
    await homes.remove_member(session, user=user, home_id=home_id, member_id=member_id)


@router.post("/homes/{home_id}/leave", status_code=status.HTTP_204_NO_CONTENT)
async def leave_home(home_id: str, user: CurrentUser, session: SessionDep) -> None:
    """Leave a home (the last owner deletes it or makes another owner first)."""
    await homes.leave_home(session, user=user, home_id=home_id)


@router.get("/homes/{home_id}/invitations", response_model=list[HomeInvitationOut])
async def list_invitations(
    home_id: str, user: CurrentUser, session: SessionDep, now: NowDep
) -> list[HomeInvitationOut]:
    """List a home's open invitations (owners)."""
    found = await invitations.list_open(session, user=user, home_id=home_id, now=now)
    return [HomeInvitationOut.of(i, username=i.addressed_to) for i in found]


@router.post(
    "/homes/{home_id}/invitations",
    status_code=status.HTTP_201_CREATED,
    response_model=HomeInvitationOut,
)
async def invite(
    home_id: str, body: HomeInviteIn, user: CurrentUser, session: SessionDep, now: NowDep
) -> HomeInvitationOut:
    """Invite someone by username, or (without one) create a single-use link."""
    if body.username:
        made = await invitations.invite_user(
            session, user=user, home_id=home_id, username=body.username, role=body.role, now=now
        )
        return HomeInvitationOut.of(made, username=body.username)
    made, token = await invitations.create_link(
        session, user=user, home_id=home_id, role=body.role, now=now
    )
    return HomeInvitationOut.of(made, username=body.username, link=f"/join/{token}")


@router.delete(
    "/homes/{home_id}/invitations/{invitation_id}", status_code=status.HTTP_204_NO_CONTENT
)
async def withdraw_invitation(
    home_id: str, invitation_id: str, user: CurrentUser, session: SessionDep, now: NowDep
) -> None:
    """Withdraw an open invitation of a home you own."""
    await invitations.withdraw(
        session, user=user, home_id=home_id, invitation_id=invitation_id, now=now
    )


@router.get("/invitations", response_model=list[HomeInvitationOut])
async def my_invitations(
    user: CurrentUser, session: SessionDep, now: NowDep
) -> list[HomeInvitationOut]:
    """List the open invitations addressed to you."""
    found = await invitations.mine(session, user=user, now=now)
    return [HomeInvitationOut.of(p.invitation) for p in found]


@router.post("/invitations/{invitation_id}/accept", response_model=HomeJoinOut)
async def accept_invitation(
    invitation_id: str, user: CurrentUser, session: SessionDep, now: NowDep
) -> HomeJoinOut:
    """Accept an invitation addressed to you."""
    home_id = await invitations.accept(session, user=user, invitation_id=invitation_id, now=now)
    return HomeJoinOut(home_id=home_id)


@router.post("/invitations/{invitation_id}/decline", status_code=status.HTTP_204_NO_CONTENT)
async def decline_invitation(
    invitation_id: str, user: CurrentUser, session: SessionDep, now: NowDep
) -> None:
    """Decline an invitation addressed to you."""
    await invitations.decline(session, user=user, invitation_id=invitation_id, now=now)


@router.post("/invitations/join", response_model=HomeJoinOut, responses=answers(NotFound))
async def join_by_link(
    body: InvitationTokenIn, user: CurrentUser, session: SessionDep, now: NowDep
) -> HomeJoinOut:
    """Join a home with the token of an invitation link."""
    home_id = await invitations.accept_link(session, user=user, token=body.token, now=now)
    return HomeJoinOut(home_id=home_id)


@router.get(
    "/homes/{home_id}/live",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "server-sent events"}},
)
async def home_live(
    home_id: str,
    user: CurrentUser,
    credential: CredentialDep,
    session: SessionDep,
    hearth: HearthDep,
    device: Annotated[
        str | None,
        Query(max_length=32, description="a device of the home: start with all known of it"),
    ] = None,
) -> EventSourceResponse:
    """Stream the home's device state, availability, events and command outcomes (SSE)."""
    await homes.require(session, user=user, home_id=home_id)  # 404 before streaming
    assert credential is not None  # CurrentUser signed in with it
    events = live.stream(
        hearth, user_id=user.id, home_id=home_id, credential=credential, device_id=device
    )
    return EventSourceResponse(events, ping=15, send_timeout=10)
