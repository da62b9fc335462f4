"""Request, response and form models of the home app.

JSON bodies forbid fields they do not know, so a typo is a 422 that names it; forms ignore
extra fields (the CSRF token rides along in every one). Limits on forms are those of the
pages' inputs; the services clean names and apply the tighter rules of ``rules.py``.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from hearth.errors import InvalidInput
from hearth.homes.board import Board
from hearth.homes.cards import Card
from hearth.homes.models import Home, HomeInvitation, Room
from hearth.homes.rules import HomeRole
from hearth.homes.service import Member
from hearth.hub.credentials import PAIRING_CODE
from hearth.kit.text import Name


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- JSON ----------------------------------------------------------------------------------


class HomeIn(_In):
    name: Name


class HomeOut(BaseModel):
    id: str
    name: str
    role: str
    created_at: datetime

    @classmethod
    def of(cls, home: Home, role: HomeRole) -> HomeOut:
        return cls(id=home.id, name=home.name, role=role.value, created_at=home.created_at)


class RoomIn(_In):
    name: Name


class RoomOut(BaseModel):
    id: str
    home_id: str
    name: str
    position: int

    @classmethod
    def of(cls, room: Room) -> RoomOut:
        return cls(id=room.id, home_id=room.home_id, name=room.name, position=room.position)


class HomeCardOut(BaseModel):
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
    def of(cls, card: Card) -> HomeCardOut:
        return cls(
            device_id=card.device_id,
            name=card.name,
            online=card.online,
            favourite=card.favourite,
            room_id=card.room_id,
            state=card.state_label,
            state_key=card.state_key,
            switch_key=card.switch_key,
            switch_on=card.switch_on,
            battery=card.battery,
        )


class HomeBoardOut(BaseModel):
    id: str
    name: str
    role: str
    rooms: list[RoomOut]
    devices: list[HomeCardOut] = Field(description="favourites first, then by room")

    @classmethod
    def of(cls, board: Board) -> HomeBoardOut:
        rest = [c for group in board.groups for c in group.cards if not c.favourite]
        return cls(
            id=board.home.id,
            name=board.home.name,
            role=board.role.value,
            rooms=[RoomOut.of(r) for r in board.rooms],
            devices=[HomeCardOut.of(c) for c in board.favourites + rest],
        )


PAIRING_WORDS = "as on the label: 16 letters and digits, with spaces and dashes anywhere"


class BindIn(_In):
    pairing_code: str = Field(max_length=40, pattern=PAIRING_CODE, description=PAIRING_WORDS)


class AddDeviceIn(_In):
    pairing_code: str = Field(max_length=40, pattern=PAIRING_CODE, description=PAIRING_WORDS)
    room_id: str | None = Field(default=None, max_length=32)
    name: str | None = Field(
        default=None, max_length=80, description="what the home calls it; omit: its product's"
    )


class SimulatedDeviceIn(_In):
    model: str = Field(max_length=64, description='a built-in product, such as "hearth.light.v1"')
    room_id: str | None = Field(default=None, max_length=32)
    name: str | None = Field(
        default=None, max_length=80, description="what the home calls it; omit: its product's"
    )


class PlacementIn(_In):
    room_id: str | None = Field(max_length=32, description="null: in no room")
    name: str | None = Field(default=None, max_length=80, description='"": the product name')


class FavouriteIn(_In):
    favourite: bool


class HomeMemberOut(BaseModel):
    user_id: str
    username: str
    display_name: str
    role: str
    joined_at: datetime

    @classmethod
    def of(cls, member: Member) -> HomeMemberOut:
        return cls(
            user_id=member.user_id,
            username=member.username,
            display_name=member.display_name,
            role=member.role.value,
            joined_at=member.joined_at,
        )


class HomeRoleIn(_In):
    role: HomeRole


class HomeInviteIn(_In):
    username: str | None = Field(default=None, max_length=40, description="omit for a link")
    role: HomeRole = HomeRole.MEMBER


class HomeInvitationOut(BaseModel):
    id: str
    home_id: str
    role: str
    state: str
    username: str | None = None
    link: str | None = Field(default=None, description="only in the answer that created it")
    expires_at: datetime

    @classmethod
    def of(
        cls, invitation: HomeInvitation, *, username: str | None = None, link: str | None = None
    ) -> HomeInvitationOut:
        return cls(
            id=invitation.id,
            home_id=invitation.home_id,
            role=invitation.role,
            state=invitation.state,
            username=username,
            link=link,
            expires_at=invitation.expires_at,
        )


class HomeJoinOut(BaseModel):
    home_id: str


class InvitationTokenIn(_In):
    token: str = Field(min_length=8, max_length=100)


# -- forms of the pages --------------------------------------------------------------------
# Their bounds are far above what the pages' inputs let anyone type, so that what a person
# can send reaches the services, which refuse it in a sentence on the form itself (a
# refused field must not end on a bare "invalid input" page); they still bound a request.
FORM_TEXT = 2000


class NameForm(BaseModel):
    """A home's or a room's name, as typed."""

    name: str = Field(default="", max_length=FORM_TEXT)


class InviteForm(BaseModel):
    """A username to invite, or none for a link."""

    username: str = Field(default="", max_length=FORM_TEXT)
    role: str = Field(default="member", max_length=FORM_TEXT)


class MemberForm(BaseModel):
    """A member's new role, or ``remove``."""

    role: str = Field(default="", max_length=FORM_TEXT)


class AddDeviceForm(BaseModel):
    """A pairing code, the name the home gives the device and its room."""

    pairing_code: str = Field(default="", max_length=FORM_TEXT)
    name: str = Field(default="", max_length=FORM_TEXT)
    room_id: str = Field(default="", max_length=FORM_TEXT)


class SimulatedDeviceForm(BaseModel):
    """A built-in product to simulate, the name the home gives it and its room."""

    model: str = Field(default="", max_length=FORM_TEXT)
    name: str = Field(default="", max_length=FORM_TEXT)
    room_id: str = Field(default="", max_length=FORM_TEXT)


class PlacementForm(BaseModel):
    room_id: str = Field(default="", max_length=FORM_TEXT)
    name: str = Field(default="", max_length=FORM_TEXT)


class FavouriteForm(BaseModel):
    favourite: str = Field(default="", max_length=5)
    back: str = Field(default="", max_length=80, description='"home": back to the home view')


class PlaceForm(BaseModel):
    """Where the home is, as typed: a time zone (a name from the list, or a city such as
    "Berlin") and, optionally, its coordinates."""

    timezone: str = Field(default="", max_length=200)
    latitude: str = Field(default="", max_length=40)
    longitude: str = Field(default="", max_length=40)

    def coordinates(self) -> tuple[float | None, float | None]:
        """Return the coordinates typed (None where left empty); raise ``InvalidInput``
        naming a coordinate that is not a number."""
        found: list[float | None] = []
        for field, text in (("latitude", self.latitude), ("longitude", self.longitude)):
            typed = text.strip().replace(",", ".")
            if not typed:
                found.append(None)
                continue
            try:
                number = float(typed)
            except ValueError:
                number = float("nan")
            if number != number or number in (float("inf"), float("-inf")):
                message = f"The {field} is a number, such as 52.52 for Berlin's latitude."
                raise InvalidInput(message, detail=[{"field": field, "message": message}])
            found.append(number)
        return found[0], found[1]
