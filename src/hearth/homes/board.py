"""What a member reads of a home: its rooms and device cards, and one device's page.

Built on the device cloud's reading services (which check membership) plus the home's
own rooms, placements and favourites.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.devices.rules import parse_spec
from hearth.devices.spec import Spec
from hearth.homes import cards, placement, reading
from hearth.homes.models import Home, Room
from hearth.homes.rules import HomeAction, HomeRole, allows
from hearth.homes.service import DEFAULT_ZONE, require
from hearth.hub.models import DeviceModel, HistoryPoint
from hearth.hub.reading import DeviceView

RECENT_EVENTS = 10
_SPECS: dict[tuple[str, int], Spec] = {}


def spec_of(model: DeviceModel) -> Spec:
    """Return a product's parsed spec (parsed once per version in each process)."""
    key = (model.id, model.spec_version)
    spec = _SPECS.get(key)
    if spec is None:
        if len(_SPECS) > 512:
            _SPECS.clear()
        spec = _SPECS[key] = parse_spec(model.spec)
    return spec


@dataclass(frozen=True)
class RoomGroup:
    room: Room | None  # None: devices placed in no room
    cards: list[cards.Card]


@dataclass(frozen=True)
class Board:
    """A home as its home view shows it."""

    home: Home
    role: HomeRole
    rooms: list[Room]
    favourites: list[cards.Card]
    groups: list[RoomGroup]
    time_zone: str = DEFAULT_ZONE  # the zone the home's times read in

    @property
    def manages(self) -> bool:
        return allows(self.role, HomeAction.MANAGE)

    @property
    def count(self) -> int:
        return sum(len(g.cards) for g in self.groups)


def _name(view: DeviceView, names: dict[str, str | None]) -> str:
    return names.get(view.device.id) or view.model.name


async def home_board(session: AsyncSession, *, user: User, home_id: str) -> Board:
    """Return a home's rooms and device cards, the user's favourites first."""
    home, role = await require(session, user=user, home_id=home_id)
    views = await reading.home_devices(session, user=user, home_id=home_id)
    rooms = list(
        await session.scalars(
            select(Room).where(Room.home_id == home_id).order_by(Room.position, Room.created_at)
        )
    )
    placed = await placement.placements(session, home_id=home_id)
    liked = await placement.favourites(session, user=user, home_id=home_id)
    names = {device_id: row.name for device_id, row in placed.items()}
    all_cards = [
        cards.card(
            spec_of(v.model),
            v.state.reported,
            device_id=v.device.id,
            name=_name(v, names),
            online=v.state.online,
            favourite=v.device.id in liked,
            room_id=placed[v.device.id].room_id if v.device.id in placed else None,
            availability_at=v.state.availability_at,
        )
        for v in views
    ]
    groups = [RoomGroup(room, [c for c in all_cards if c.room_id == room.id]) for room in rooms]
    known = {room.id for room in rooms}
    loose = [c for c in all_cards if c.room_id not in known]
    if loose or not rooms:
        groups.append(RoomGroup(None, loose))
    favourites = [c for c in all_cards if c.favourite]
    time_zone = home.timezone or DEFAULT_ZONE
    return Board(home, role, rooms, favourites, groups, time_zone)


@dataclass(frozen=True)
class RecentEvent:
    key: str
    label: str
    at: datetime
    args: dict[str, Any]


@dataclass(frozen=True)
class DevicePage:
    """One device as its page shows it."""

    view: DeviceView
    spec: Spec
    home: Home
    role: HomeRole
    name: str
    room: Room | None
    rooms: list[Room]
    favourite: bool
    card: cards.Card
    sections: list[cards.Section]
    events: list[RecentEvent]
    time_zone: str = DEFAULT_ZONE

    @property
    def manages(self) -> bool:
        return allows(self.role, HomeAction.MANAGE)


async def device_page(session: AsyncSession, *, user: User, device_id: str) -> DevicePage:
    """Return what a device's page shows: controls, values, recent events, its room."""
    view = await reading.device_view(session, user=user, device_id=device_id)
    assert view.device.home_id is not None
    home, role = await require(session, user=user, home_id=view.device.home_id)
    spec = spec_of(view.model)
    placed = (await placement.placements(session, home_id=home.id)).get(device_id)
    room = await session.get(Room, placed.room_id) if placed and placed.room_id else None
    rooms = list(
        await session.scalars(
            select(Room).where(Room.home_id == home.id).order_by(Room.position, Room.created_at)
        )
    )
    favourite = device_id in await placement.favourites(session, user=user, home_id=home.id)
    name = (placed.name if placed else None) or view.model.name
    rows = await session.execute(
        select(HistoryPoint.key, HistoryPoint.at, HistoryPoint.value)
        .where(HistoryPoint.device_id == device_id, HistoryPoint.key.like("e:%"))
        .order_by(HistoryPoint.at.desc())
        .limit(RECENT_EVENTS)
    )
    events = [
        RecentEvent(row.key[2:], cards.event_label(spec, row.key[2:]), row.at, _args(row.value))
        for row in rows
    ]
    card = cards.card(
        spec,
        view.state.reported,
        device_id=device_id,
        name=name,
        online=view.state.online,
        favourite=favourite,
        room_id=room.id if room else None,
        availability_at=view.state.availability_at,
    )
    return DevicePage(
        view,
        spec,
        home,
        role,
        name,
        room,
        rooms,
        favourite,
        card,
        cards.controls(spec, view.state.reported),
        events,
        home.timezone or DEFAULT_ZONE,
    )


def _args(text: str) -> dict[str, Any]:
    value = json.loads(text)
    return value if isinstance(value, dict) else {}
