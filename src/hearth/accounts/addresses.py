"""Shipping addresses a person keeps: several, one of them the default.

Each person reads and changes only their own: every query names the owner, and someone
else's address answers ``NotFound`` like a missing one. The first address is the default;
making another the default, or deleting the default, moves the mark in the same
transaction, so a person with addresses always has exactly one default.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import ShippingAddress, User
from hearth.accounts.rules import MAX_ADDRESSES
from hearth.errors import Conflict, NotFound


@dataclass(frozen=True)
class AddressFields:
    """An address as a checked request gives it."""

    name: str
    line1: str
    city: str
    postal_code: str
    country: str
    line2: str = ""
    region: str = ""
    phone: str = ""


async def list_addresses(session: AsyncSession, *, user: User) -> list[ShippingAddress]:
    """Return the person's addresses, the default first, then oldest first."""
    rows = await session.scalars(
        select(ShippingAddress)
        .where(ShippingAddress.user_id == user.id)
        .order_by(ShippingAddress.is_default.desc(), ShippingAddress.created_at, ShippingAddress.id)
    )
    return list(rows)


async def default_address(session: AsyncSession, *, user_id: str) -> ShippingAddress | None:
    """Return the person's default address, if they keep any."""
    found: ShippingAddress | None = await session.scalar(
        select(ShippingAddress).where(
            ShippingAddress.user_id == user_id, ShippingAddress.is_default.is_(True)
        )
    )
    return found


async def own_address(session: AsyncSession, *, user: User, address_id: str) -> ShippingAddress:
    """Return one of the person's addresses, or raise ``NotFound``."""
    row = await session.scalar(
        select(ShippingAddress).where(
            ShippingAddress.id == address_id, ShippingAddress.user_id == user.id
        )
    )
    if row is None:
        raise NotFound("No such address among yours.")
    return row


async def _make_default(session: AsyncSession, row: ShippingAddress) -> None:
    await session.execute(
        update(ShippingAddress)
        .where(ShippingAddress.user_id == row.user_id, ShippingAddress.id != row.id)
        .values(is_default=False)
        .execution_options(synchronize_session=False)
    )
    row.is_default = True


async def add_address(
    session: AsyncSession,
    *,
    user: User,
    fields: AddressFields,
    make_default: bool = False,
    now: datetime,
) -> ShippingAddress:
    """Keep a new address; the first one, or one asked to be, becomes the default."""
    # The person's row is locked first, so two additions at once count each other.
    await session.get(User, user.id, with_for_update=True)
    count = int(
        await session.scalar(
            select(func.count())
            .select_from(ShippingAddress)
            .where(ShippingAddress.user_id == user.id)
        )
        or 0
    )
    if count >= MAX_ADDRESSES:
        raise Conflict(
            f"You keep {MAX_ADDRESSES} addresses, as many as hearth keeps. "
            "Delete one before adding another."
        )
    row = ShippingAddress(
        user_id=user.id, **fields.__dict__, is_default=False, created_at=now, updated_at=now
    )
    session.add(row)
    await session.flush()
    if make_default or count == 0:
        await _make_default(session, row)
    return row


async def change_address(
    session: AsyncSession,
    *,
    user: User,
    address_id: str,
    fields: AddressFields,
    make_default: bool = False,
    now: datetime,
) -> ShippingAddress:
    """Change one of the person's addresses (and make it the default if asked)."""
    row = await own_address(session, user=user, address_id=address_id)
    for key, value in fields.__dict__.items():
        setattr(row, key, value)
    row.updated_at = now
    if make_default:
        await _make_default(session, row)
    await session.flush()
    return row


async def make_default(
    session: AsyncSession, *, user: User, address_id: str, now: datetime
) -> ShippingAddress:
    """Make one of the person's addresses the default."""
    row = await own_address(session, user=user, address_id=address_id)
    await _make_default(session, row)
    row.updated_at = now
    await session.flush()
    return row


async def delete_address(session: AsyncSession, *, user: User, address_id: str) -> None:
    """Forget one of the person's addresses; if it was the default, the oldest left is."""
    row = await own_address(session, user=user, address_id=address_id)
    was_default = row.is_default
    await session.delete(row)
    await session.flush()
    if was_default:
        rest = await list_addresses(session, user=user)
        if rest:
            await _make_default(session, rest[0])
