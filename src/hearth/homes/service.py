"""Home services: create homes, list a user's homes, and check membership.

Every route that touches a home's devices asks ``require_member`` first. A home that is
not the caller's answers ``NotFound``, exactly like one that does not exist, so home ids
cannot be probed.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.errors import InvalidInput, NotFound, PermissionDenied
from hearth.homes.models import Home, HomeMember

MAX_NAME = 80


class HomeRole(StrEnum):
    OWNER = "owner"  # manages the home: adds and removes devices and members
    MEMBER = "member"  # uses the home's devices


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > MAX_NAME:
        raise InvalidInput(
            f"a home needs a name of 1-{MAX_NAME} characters",
            detail=[{"field": "name", "message": f"1-{MAX_NAME} characters"}],
        )
    return cleaned


async def create_home(session: AsyncSession, *, owner: User, name: str) -> Home:
    """Create a home owned by ``owner``."""
    home = Home(name=_clean_name(name), owner_id=owner.id)
    session.add(home)
    await session.flush()
    session.add(HomeMember(home_id=home.id, user_id=owner.id, role=HomeRole.OWNER.value))
    await session.flush()
    return home


async def add_member(
    session: AsyncSession, *, home_id: str, user_id: str, role: HomeRole = HomeRole.MEMBER
) -> HomeMember:
    """Add a user to a home (invitations, later, end here)."""
    found = await session.get(HomeMember, (home_id, user_id))
    if found is not None:
        found.role = role.value
        return found
    member = HomeMember(home_id=home_id, user_id=user_id, role=role.value)
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


async def require_member(
    session: AsyncSession, user: User, home_id: str, *, owner: bool = False
) -> Home:
    """Return the home if ``user`` is in it (as owner when ``owner``); else raise.

    Someone outside the home gets ``NotFound``; a member asking for an owner's power gets
    ``PermissionDenied`` (they can see the home, so its existence is no secret to them).
    """
    role = await membership(session, user_id=user.id, home_id=home_id)
    home = await session.get(Home, home_id) if role is not None else None
    if home is None:
        raise NotFound("no such home")
    if owner and role is not HomeRole.OWNER:
        raise PermissionDenied("only the home's owner may do this")
    return home
