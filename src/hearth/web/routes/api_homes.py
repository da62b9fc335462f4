"""JSON API of the home app: homes, rooms, placements, favourites, people, live stream.

Mounted under ``/api/v1`` beside the device cloud's API (homes list and create, pairing,
devices, history, commands). Anything not the caller's answers 404; a member asking for an
owner's power gets 403.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette.sse import EventSourceResponse

from hearth.homes import board, invitations, live, placement, rooms
from hearth.homes import service as homes
from hearth.homes.cards import Card
from hearth.homes.rules import HomeRole, parse_role
from hearth.web.deps import CurrentUser, HearthDep, NowDep, SessionDep

router = APIRouter(tags=["homes"])


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NameIn(_In):
    name: str = Field(min_length=1, max_length=80)


class RoomOut(BaseModel):
    id: str
    home_id: str
    name: str
    position: int


class CardOut(BaseModel):
    device_id: str
    name: str
    online: bool
    favourite: bool
    room_id: str | None
    state: str
    state_key: str | None
    switch_key: str | None
    switch_on: bool | None
    battery: int | None

    @classmethod
    def of(cls, card: Card) -> CardOut:
        return cls(
            device_id=card.device_id, name=card.name, online=card.online,
            favourite=card.favourite, room_id=card.room_id, state=card.state_label,
            state_key=card.state_key, switch_key=card.switch_key, switch_on=card.switch_on,
            battery=card.battery,
        )  # fmt: skip


class BoardOut(BaseModel):
    id: str
    name: str
    role: str
    rooms: list[RoomOut]
    devices: list[CardOut] = Field(description="favourites first, then by room")


class AddDeviceIn(_In):
    pairing_code: str = Field(min_length=1, max_length=40)
    room_id: str | None = Field(default=None, max_length=32)


class PlaceIn(_In):
    room_id: str | None = Field(max_length=32, description="null: in no room")
    name: str | None = Field(default=None, max_length=80, description='"": the product name')


class FavouriteIn(_In):
    favourite: bool


class MemberOut(BaseModel):
    user_id: str
    username: str
    display_name: str
    role: str
    joined_at: datetime


class RoleIn(_In):
    role: Literal["owner", "member"]


class InviteIn(_In):
    username: str | None = Field(default=None, max_length=40, description="omit for a link")
    role: Literal["owner", "member"] = "member"


class InvitationOut(BaseModel):
    id: str
    home_id: str
    role: str
    state: str
    username: str | None = None
    link: str | None = Field(default=None, description="only in the answer that created it")
    expires_at: datetime


class JoinOut(BaseModel):
    home_id: str


def _room(room: Any) -> RoomOut:
    return RoomOut(id=room.id, home_id=room.home_id, name=room.name, position=room.position)


@router.get("/homes/{home_id}", response_model=BoardOut)
async def home_detail(home_id: str, user: CurrentUser, session: SessionDep) -> BoardOut:
    """Return a home with its rooms and its device cards as the home view shows them."""
    found = await board.home_board(session, user=user, home_id=home_id)
    ordered = found.favourites + [
        c for group in found.groups for c in group.cards if not c.favourite
    ]
    return BoardOut(
        id=found.home.id, name=found.home.name, role=found.role.value,
        rooms=[_room(r) for r in found.rooms], devices=[CardOut.of(c) for c in ordered],
    )  # fmt: skip


@router.patch("/homes/{home_id}", response_model=BoardOut)
async def rename_home(
    home_id: str, body: NameIn, user: CurrentUser, session: SessionDep,
) -> BoardOut:  # fmt: skip
    """Rename a home you own."""
    await homes.rename_home(session, user=user, home_id=home_id, name=body.name)
    return await home_detail(home_id, user, session)


@router.delete("/homes/{home_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_home(
    home_id: str, user: CurrentUser, session: SessionDep,
) -> None:  # fmt: skip
    """Delete a home you own; its devices leave it with everything they reported."""
    await placement.delete_home(session, user=user, home_id=home_id)


@router.get("/homes/{home_id}/rooms", response_model=list[RoomOut])
async def list_rooms(home_id: str, user: CurrentUser, session: SessionDep) -> list[RoomOut]:
    """List a home's rooms in order."""
    return [_room(r) for r in await rooms.list_rooms(session, user=user, home_id=home_id)]


@router.post("/homes/{home_id}/rooms", status_code=status.HTTP_201_CREATED)
async def create_room(
    home_id: str, body: NameIn, user: CurrentUser, session: SessionDep, now: NowDep,
) -> RoomOut:  # fmt: skip
    """Add a room to a home you own."""
    room = await rooms.create_room(session, user=user, home_id=home_id, name=body.name, now=now)
    return _room(room)


@router.patch("/rooms/{room_id}")
async def rename_room(
    room_id: str, body: NameIn, user: CurrentUser, session: SessionDep,
) -> RoomOut:  # fmt: skip
    """Rename a room of a home you own."""
    room = await rooms.rename_room(session, user=user, room_id=room_id, name=body.name)
    return _room(room)


@router.delete("/rooms/{room_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_room(
    room_id: str, user: CurrentUser, session: SessionDep,
) -> None:  # fmt: skip
    """Delete a room; its devices stay in the home, in no room."""
    await rooms.delete_room(session, user=user, room_id=room_id)


@router.post("/homes/{home_id}/devices/add", status_code=status.HTTP_201_CREATED)
async def add_device(
    home_id: str, body: AddDeviceIn, user: CurrentUser, session: SessionDep, now: NowDep,
) -> CardOut:  # fmt: skip
    """Add a device by its pairing code into a room of a home you own."""
    device = await placement.add_device(
        session, user=user, home_id=home_id, pairing_code=body.pairing_code, room_id=body.room_id,
        now=now,
    )  # fmt: skip
    return CardOut.of((await board.device_page(session, user=user, device_id=device.id)).card)


@router.put("/devices/{device_id}/placement")
async def place_device(
    device_id: str, body: PlaceIn, user: CurrentUser, session: SessionDep,
) -> CardOut:  # fmt: skip
    """Move a device to another room of its home (or none), and optionally rename it."""
    await placement.place_device(
        session, user=user, device_id=device_id, room_id=body.room_id, name=body.name
    )
    return CardOut.of((await board.device_page(session, user=user, device_id=device_id)).card)


@router.put("/devices/{device_id}/favourite")
async def set_favourite(
    device_id: str, body: FavouriteIn, user: CurrentUser, session: SessionDep, now: NowDep
) -> CardOut:
    """Put a device among your favourites, first on your home view (or take it out)."""
    await placement.set_favourite(
        session, user=user, device_id=device_id, favourite=body.favourite, now=now
    )
    return CardOut.of((await board.device_page(session, user=user, device_id=device_id)).card)


@router.get("/homes/{home_id}/members", response_model=list[MemberOut])
async def list_members(home_id: str, user: CurrentUser, session: SessionDep) -> list[MemberOut]:
    """List the people of a home and their roles."""
    found = await homes.list_members(session, user=user, home_id=home_id)
    return [
        MemberOut(user_id=m.user_id, username=m.username, display_name=m.display_name,
                  role=m.role.value, joined_at=m.joined_at)
        for m in found
    ]  # fmt: skip


@router.put("/homes/{home_id}/members/{member_id}", status_code=status.HTTP_204_NO_CONTENT)
async def set_role(
    home_id: str, member_id: str, body: RoleIn, user: CurrentUser, session: SessionDep
) -> None:
    """Make someone in a home you own an owner or a member."""
    await homes.set_role(
        session, user=user, home_id=home_id, member_id=member_id, role=HomeRole(body.role)
    )


@router.delete("/homes/{home_id}/members/{member_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_member(
    home_id: str, member_id: str, user: CurrentUser, session: SessionDep,
) -> None:  # fmt: skip
    """Remove someone from a home you own."""
    await homes.remove_member(session, user=user, home_id=home_id, member_id=member_id)


@router.post("/homes/{home_id}/leave", status_code=status.HTTP_204_NO_CONTENT)
async def leave_home(
    home_id: str, user: CurrentUser, session: SessionDep,
) -> None:  # fmt: skip
    """Leave a home (the last owner deletes it or makes another owner first)."""
    await homes.leave_home(session, user=user, home_id=home_id)


@router.get("/homes/{home_id}/invitations", response_model=list[InvitationOut])
async def list_invitations(
    home_id: str, user: CurrentUser, session: SessionDep, now: NowDep
) -> list[InvitationOut]:
    """List a home's open invitations (owners)."""
    found = await invitations.list_open(session, user=user, home_id=home_id, now=now)
    return [
        InvitationOut(id=i.id, home_id=i.home_id, role=i.role, state=i.state,
                      expires_at=i.expires_at)
        for i in found
    ]  # fmt: skip


@router.post("/homes/{home_id}/invitations", status_code=status.HTTP_201_CREATED)
async def invite(
    home_id: str, body: InviteIn, user: CurrentUser, session: SessionDep, now: NowDep
) -> InvitationOut:
    """Invite someone by username, or (without one) create a single-use link."""
    role = parse_role(body.role)
    link = None
    if body.username:
        made = await invitations.invite_user(
            session, user=user, home_id=home_id, username=body.username, role=role, now=now
        )
    else:
        made, token = await invitations.create_link(
            session, user=user, home_id=home_id, role=role, now=now
        )
        link = f"/join/{token}"
    return InvitationOut(
        id=made.id, home_id=made.home_id, role=made.role, state=made.state,
        username=body.username, link=link, expires_at=made.expires_at,
    )  # fmt: skip


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


@router.get("/invitations", response_model=list[InvitationOut])
async def my_invitations(
    user: CurrentUser, session: SessionDep, now: NowDep
) -> list[InvitationOut]:
    """List the open invitations addressed to you."""
    return [
        InvitationOut(id=p.invitation.id, home_id=p.invitation.home_id, role=p.invitation.role,
                      state=p.invitation.state, expires_at=p.invitation.expires_at)
        for p in await invitations.mine(session, user=user, now=now)
    ]  # fmt: skip


@router.post("/invitations/{invitation_id}/accept")
async def accept_invitation(
    invitation_id: str, user: CurrentUser, session: SessionDep, now: NowDep
) -> JoinOut:
    """Accept an invitation addressed to you."""
    home_id = await invitations.accept(session, user=user, invitation_id=invitation_id, now=now)
    return JoinOut(home_id=home_id)


@router.post("/invitations/{invitation_id}/decline", status_code=status.HTTP_204_NO_CONTENT)
async def decline_invitation(
    invitation_id: str, user: CurrentUser, session: SessionDep, now: NowDep
) -> None:
    """Decline an invitation addressed to you."""
    await invitations.decline(session, user=user, invitation_id=invitation_id, now=now)


class TokenIn(_In):
    token: str = Field(min_length=8, max_length=100)


@router.post("/invitations/join")
async def join_by_link(
    body: TokenIn, user: CurrentUser, session: SessionDep, now: NowDep
) -> JoinOut:
    """Join a home with the token of an invitation link."""
    home_id = await invitations.accept_link(session, user=user, token=body.token, now=now)
    return JoinOut(home_id=home_id)


@router.get("/homes/{home_id}/live")
async def home_live(
    home_id: str, user: CurrentUser, session: SessionDep, hearth: HearthDep
) -> EventSourceResponse:
    """Stream the home's device state, availability, events and command outcomes (SSE)."""
    await homes.require(session, user=user, home_id=home_id)  # 404 before streaming
    return EventSourceResponse(
        live.stream(hearth, user_id=user.id, home_id=home_id), ping=15, send_timeout=10
    )
