"""A person's cart, kept in the database: lines from any number of stores.

A cart holds no stock back (see ``rules``). Each line remembers the price it was added at,
so the cart can say what changed since: a new price, a product sold out or running short.
People read and change only their own lines; another's answers ``NotFound``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.errors import Conflict, NotFound
from hearth.funding.models import StoreListing
from hearth.kit.money import Money
from hearth.mall.models import Partner, Product
from hearth.sales.models import CartLine, SaleVariant
from hearth.sales.rules import MAX_CART_LINES, CartEntry, Notes, check_quantity, notes_of


@dataclass(frozen=True)
class Line:
    """One cart line with its product, store and what changed since it was added."""

    line: CartLine
    variant: SaleVariant
    listing: StoreListing
    product_name: str
    store_name: str
    store_slug: str

    @property
    def entry(self) -> CartEntry:
        return CartEntry(
            line_id=self.line.id,
            partner_id=self.listing.partner_id,
            listing_id=self.listing.id,
            variant_id=self.variant.id,
            quantity=self.line.quantity,
            price_seen=self.line.price_seen,
            price=self.listing.price,
            stock=self.variant.stock,
            per_order=self.listing.per_order,
        )

    @property
    def notes(self) -> Notes:
        return notes_of(self.entry)

    @property
    def price(self) -> Money:
        return Money(self.listing.price, self.listing.currency)

    @property
    def price_seen(self) -> Money:
        return Money(self.line.price_seen, self.listing.currency)

    @property
    def subtotal(self) -> Money:
        return Money(self.listing.price * self.line.quantity, self.listing.currency)


@dataclass(frozen=True)
class StoreGroup:
    """A store's lines in the cart: one order at checkout."""

    partner_id: str
    name: str
    slug: str
    lines: tuple[Line, ...]

    @property
    def subtotal(self) -> Money:
        currency = self.lines[0].listing.currency
        return Money(sum(line.subtotal.amount for line in self.lines), currency)


async def lines(session: AsyncSession, *, user_id: str) -> list[Line]:
    """Return the person's cart lines, by store and then in the order they were added."""
    rows = await session.execute(
        select(CartLine, SaleVariant, StoreListing, Product.name, Partner.name, Partner.slug)
        .join(SaleVariant, SaleVariant.id == CartLine.variant_id)
        .join(StoreListing, StoreListing.id == SaleVariant.listing_id)
        .join(Product, Product.id == StoreListing.product_id)
        .join(Partner, Partner.id == StoreListing.partner_id)
        .where(CartLine.user_id == user_id)
        .order_by(Partner.name, CartLine.added_at, CartLine.id)
    )
    return [Line(c, v, listing, p, s, slug) for c, v, listing, p, s, slug in rows]


def grouped(found: list[Line]) -> list[StoreGroup]:
    """Group cart lines by store, stores in the order they first appear."""
    groups: dict[str, list[Line]] = {}
    for line in found:
        groups.setdefault(line.listing.partner_id, []).append(line)
    return [
        StoreGroup(pid, ls[0].store_name, ls[0].store_slug, tuple(ls)) for pid, ls in groups.items()
    ]


async def add(
    session: AsyncSession, *, user: User, variant_id: str, quantity: int, now: datetime
) -> CartLine:
    """Put ``quantity`` of a variant in the cart (added to what is there already)."""
    variant = await session.get(SaleVariant, variant_id)
    if variant is None:
        raise NotFound("No such product on sale.")
    listing = await session.get(StoreListing, variant.listing_id)
    assert listing is not None  # variants go with their listing
    line = await session.scalar(
        select(CartLine).where(CartLine.user_id == user.id, CartLine.variant_id == variant.id)
    )
    total = quantity + (line.quantity if line is not None else 0)
    check_quantity(total, listing.per_order)
    if variant.stock <= 0:
        raise Conflict(f"{variant.name} is sold out.")
    if line is None:
        count = await session.scalar(
            select(func.count()).select_from(CartLine).where(CartLine.user_id == user.id)
        )
        if int(count or 0) >= MAX_CART_LINES:
            raise Conflict(f"A cart holds at most {MAX_CART_LINES} lines.")
        line = CartLine(
            user_id=user.id,
            variant_id=variant.id,
            quantity=total,
            price_seen=listing.price,
            added_at=now,
            updated_at=now,
        )
        session.add(line)
    else:
        line.quantity, line.price_seen, line.updated_at = total, listing.price, now
    await session.flush()
    return line


async def _own(session: AsyncSession, user: User, line_id: str) -> CartLine:
    line = await session.get(CartLine, line_id)
    if line is None or line.user_id != user.id:
        raise NotFound("No such line in your cart.")
    return line


async def change(
    session: AsyncSession, *, user: User, line_id: str, quantity: int, now: datetime
) -> CartLine:
    """Set a line's quantity; the price it shows is taken as seen again."""
    line = await _own(session, user, line_id)
    variant = await session.get(SaleVariant, line.variant_id)
    assert variant is not None
    listing = await session.get(StoreListing, variant.listing_id)
    assert listing is not None
    check_quantity(quantity, listing.per_order)
    line.quantity, line.price_seen, line.updated_at = quantity, listing.price, now
    await session.flush()
    return line


async def remove(session: AsyncSession, *, user: User, line_id: str) -> None:
    """Take a line out of the cart."""
    line = await _own(session, user, line_id)
    await session.execute(delete(CartLine).where(CartLine.id == line.id))


async def count(session: AsyncSession, *, user_id: str) -> int:
    """Return how many units the person's cart holds."""
    total = await session.scalar(
        select(func.coalesce(func.sum(CartLine.quantity), 0)).where(CartLine.user_id == user_id)
    )
    return int(total or 0)
