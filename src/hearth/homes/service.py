"""Home services: homes, their members and roles, and the membership check.

Every route that touches a home's devices asks ``require_member`` (or ``require``) first.
A home that is not the caller's answers ``NotFound``, exactly like one that does not
exist, so home ids cannot be probed. What each role may do is ``rules.HOME_PERMISSIONS``.
A device is usable by the members of its home (``may_use``): the device cloud's commands
embed that condition in their own query, ``device_for_member`` asks it alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.errors import Conflict, NotFound, PermissionDenied
from hearth.homes.events import HomeChanged, HomeLeft
from hearth.homes.models import Home, HomeMember
from hearth.homes.rules import (
    MAX_NAME,
    HomeAction,
    HomeRole,
    allows,
    can_leave,
    check_location,
    choose_zone,
    clean_name,
)
from hearth.hub.models import Device
from hearth.kit import times
from hearth.outbox import record

__all__ = [
    "MAX_NAME",
    "DEFAULT_ZONE",
    "HomePlace",
    "HomeRole",
    "Member",
    "add_member",
    "create_home",
    "device_for_member",
    "home_of",
    "home_place",
    "home_zone",
    "leave_home",
    "list_homes",
    "list_members",
    "may_use",
    "membership",
    "remove_member",
    "rename_home",
    "require",
    "require_member",
    "set_place",
    "set_role",
]

DEFAULT_ZONE = "UTC"  # a home's zone until its owner chooses one


@dataclass(frozen=True)
class Member:
    user_id: str
    username: str
    display_name: str
    role: HomeRole
    joined_at: datetime


@dataclass(frozen=True)
class HomePlace:
    """Where a home is: the zone its schedules and pages use, and its coordinates."""

    timezone: str
    chosen: bool  # False while the home has no zone of its own (UTC stands in)
    latitude: float | None = None
    longitude: float | None = None

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None


async def create_home(
    session: AsyncSession, *, owner: User, name: str, now: datetime, timezone: str | None = None
) -> Home:
    """Create a home owned by ``owner``, in ``timezone`` if one is known (the browser's)."""
    home = Home(name=clean_name(name), owner_id=owner.id, created_at=now)
    if timezone and times.zone_named(timezone) is not None:
        home.timezone = timezone
    session.add(home)
    await session.flush()
    session.add(
        HomeMember(home_id=home.id, user_id=owner.id, role=HomeRole.OWNER.value, joined_at=now)
    )
    await session.flush()
    return home


async def add_member(
    session: AsyncSession,
    *,
    home_id: str,
    user_id: str,
    now: datetime,
    role: HomeRole = HomeRole.MEMBER,
) -> HomeMember:
    """Add a user to a home, or give them ``role`` if they are in it already."""
    found = await session.get(HomeMember, (home_id, user_id))
    if found is not None:
        found.role = role.value
        return found
    member = HomeMember(home_id=home_id, user_id=user_id, role=role.value, joined_at=now)
    session.add(member)
    await session.flush()
    return member


async def list_homes(session: AsyncSession, *, user: User) -> list[tuple[Home, HomeRole]]:
    """Return the homes ``user`` belongs to, oldest first, with their role in each."""
    rows = await session.execute(
        select(Home, HomeMember.role)
        .join(HomeMember, HomeMember.home_id == Home.id)
        .where(HomeMember.user_id == user.id)
        .order_by(Home.created_at, Home.id)
    )
    return [(row[0], HomeRole(row[1])) for row in rows]


async def membership(session: AsyncSession, *, user_id: str, home_id: str) -> HomeRole | None:
    """Return ``user_id``'s role in the home, or None if they are not in it."""
    role = await session.scalar(
        select(HomeMember.role).where(HomeMember.home_id == home_id, HomeMember.user_id == user_id)
    )
    return HomeRole(role) if role is not None else None


async def require(
    session: AsyncSession, *, user: User, home_id: str, action: HomeAction = HomeAction.VIEW
) -> tuple[Home, HomeRole]:
    """Return the home and the user's role if their role allows ``action``; else raise.

    Someone outside the home gets ``NotFound``; a member asking for an owner's power gets
    ``PermissionDenied`` (they can see the home, so its existence is no secret to them).
    """
    role = await membership(session, user_id=user.id, home_id=home_id)
    home = await session.get(Home, home_id) if role is not None else None
    if home is None or role is None:
        raise NotFound("There is no such home among yours.")
    if not allows(role, action):
        raise PermissionDenied("Only the home's owners may do this.")
    return home, role


async def require_member(
    session: AsyncSession, user: User, home_id: str, *, owner: bool = False
) -> Home:
    """Return the home if ``user`` is in it (as owner when ``owner``); else raise."""
    action = HomeAction.MANAGE if owner else HomeAction.VIEW
    home, _ = await require(session, user=user, home_id=home_id, action=action)
    return home


def may_use(user_id: str) -> ColumnElement[bool]:
    """Return a condition on ``Device`` rows: the device is in a home ``user_id`` is in."""
    return exists().where(HomeMember.home_id == Device.home_id, HomeMember.user_id == user_id)


async def device_for_member(session: AsyncSession, *, user: User, device_id: str) -> Device:
    """Return a device in one of the user's homes; anything else is ``NotFound``."""
    device = await session.scalar(
        select(Device).where(Device.id == device_id, may_use(user.id))
    )  # one round trip
    if device is None:
        raise NotFound("There is no such device in your homes.")
    return device


async def home_of(
    session: AsyncSession, *, username: str, name: str, now: datetime
) -> tuple[User, Home]:
    """Return the user's home called ``name``, creating it if needed (operators, demos)."""
    user = await session.scalar(select(User).where(User.username == username.lower()))
    if user is None:
        raise NotFound("There is no one by that username.")
    for home, _role in await list_homes(session, user=user):
        if home.name == name and home.owner_id == user.id:
            return user, home
    return user, await create_home(session, owner=user, name=name, now=now)


async def rename_home(session: AsyncSession, *, user: User, home_id: str, name: str) -> Home:
    """Rename a home the user owns."""
    home, _ = await require(session, user=user, home_id=home_id, action=HomeAction.MANAGE)
    home.name = clean_name(name)
    record(session, HomeChanged(home.id, "home"))
    return home


async def home_zone(session: AsyncSession, home_id: str) -> str:
    """Return the IANA name of the zone a home's times are in (UTC until one is chosen)."""
    zone = await session.scalar(select(Home.timezone).where(Home.id == home_id))
    return zone or DEFAULT_ZONE


async def home_place(session: AsyncSession, home_id: str) -> HomePlace:
    """Return where a home is (the caller has checked it may know)."""
    row = (
        await session.execute(
            select(Home.timezone, Home.latitude, Home.longitude).where(Home.id == home_id)
        )
    ).first()
    if row is None:
        return HomePlace(DEFAULT_ZONE, chosen=False)
    zone, latitude, longitude = row
    return HomePlace(zone or DEFAULT_ZONE, zone is not None, latitude, longitude)


async def set_place(
    session: AsyncSession,
    *,
    user: User,
    home_id: str,
    timezone: str,
    latitude: float | None = None,
    longitude: float | None = None,
) -> HomePlace:
    """Set a home's time zone (a name a person may type: "Berlin") and location (owners)."""
    home, _ = await require(session, user=user, home_id=home_id, action=HomeAction.MANAGE)
    zone = choose_zone(timezone)
    check_location(latitude, longitude)
    home.timezone, home.latitude, home.longitude = zone, latitude, longitude
    record(session, HomeChanged(home.id, "place"))
    return HomePlace(zone, True, latitude, longitude)


async def list_members(session: AsyncSession, *, user: User, home_id: str) -> list[Member]:
    """Return a home's people, owners first, for anyone in the home."""
    await require(session, user=user, home_id=home_id)
    rows = await session.execute(
        select(HomeMember, User)
        .join(User, User.id == HomeMember.user_id)
        .where(HomeMember.home_id == home_id)
        .order_by(HomeMember.role.desc(), HomeMember.joined_at, User.username)
    )
    return [
        Member(u.id, u.username, u.display_name, HomeRole(m.role), m.joined_at) for m, u in rows
    ]


async def _owners(session: AsyncSession, home_id: str) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(HomeMember)
        .where(HomeMember.home_id == home_id, HomeMember.role == HomeRole.OWNER.value)
    )
    return int(count or 0)


async def _member_row(session: AsyncSession, home_id: str, user_id: str) -> HomeMember:
    row = await session.get(HomeMember, (home_id, user_id), with_for_update=True)
    if row is None:
        raise NotFound("There is no such member of this home.")
    return row


async def set_role(
    session: AsyncSession, *, user: User, home_id: str, member_id: str, role: HomeRole
) -> HomeMember:
    """Make someone in the home an owner or a member (owners only; one owner must stay)."""
    await require(session, user=user, home_id=home_id, action=HomeAction.INVITE)
    await session.get(Home, home_id, with_for_update=True)  # one role change at a time
    row = await _member_row(session, home_id, member_id)
    demoted = role is HomeRole.MEMBER and row.role == HomeRole.OWNER
    if demoted and await _owners(session, home_id) < 2:
        raise Conflict("A home keeps at least one owner. Make someone else an owner first.")
    row.role = role.value
    return row


async def remove_member(session: AsyncSession, *, user: User, home_id: str, member_id: str) -> None:
    """Remove someone from a home (owners only); the last owner cannot be removed."""
    await require(session, user=user, home_id=home_id, action=HomeAction.INVITE)
    await _drop(session, home_id=home_id, user_id=member_id)


async def leave_home(session: AsyncSession, *, user: User, home_id: str) -> None:
    """Leave a home; the last owner must delete it or hand it over first."""
    await require(session, user=user, home_id=home_id)
    await _drop(session, home_id=home_id, user_id=user.id)


async def _drop(session: AsyncSession, *, home_id: str, user_id: str) -> None:
    await session.get(Home, home_id, with_for_update=True)  # owners counted one at a time
    row = await _member_row(session, home_id, user_id)
    if not can_leave(HomeRole(row.role), await _owners(session, home_id)):
        raise Conflict(
            "The last owner cannot leave. Delete the home, or make someone else an owner first."
        )
    await session.delete(row)
    await session.flush()
    record(session, HomeLeft(home_id, user_id))
