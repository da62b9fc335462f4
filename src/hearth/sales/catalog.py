"""A graduated product's regular sale, as its partner runs it: price, per-order limit and
variants with their stock; and the same listing as anyone reads it.

A listing sells as variants. One graduated before it had any gets its default variant
(``DEFAULT_VARIANT``, holding the listing's stock) the first time it is read here, made
with an insert that does nothing if a racing request made it first. The listing's own
``stock`` is kept as the sum of its variants' in the transaction that changes them, so
every page that shows it tells the truth.

A partner's members change only their partner's listings: any other answers ``NotFound``
like a missing one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.db import insert_for
from hearth.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hearth.funding.models import StoreListing
from hearth.kit.money import Money
from hearth.mall.models import Partner, Product
from hearth.sales.models import SaleVariant
from hearth.sales.rules import (
    DEFAULT_VARIANT,
    MAX_PER_ORDER,
    MAX_VARIANTS,
    lock_order,
    variant_problems,
)


@dataclass(frozen=True)
class ListingView:
    """A listing with what a page or the API shows of it."""

    listing: StoreListing
    name: str
    store_name: str
    store_slug: str
    variants: tuple[SaleVariant, ...]

    @property
    def price(self) -> Money:
        return Money(self.listing.price, self.listing.currency)

    @property
    def stock(self) -> int:
        return sum(v.stock for v in self.variants)


async def ensure_variants(session: AsyncSession, listing: StoreListing) -> list[SaleVariant]:
    """Return the listing's variants, making its default one if it has none yet."""
    query = (
        select(SaleVariant)
        .where(SaleVariant.listing_id == listing.id)
        .order_by(SaleVariant.position, SaleVariant.id)
    )
    found = list(await session.scalars(query))
    if found:
        return found
    at = listing.created_at
    await session.execute(
        insert_for(session)(SaleVariant)
        .values(
            id=f"var_{listing.id[4:]}",
            listing_id=listing.id,
            name=DEFAULT_VARIANT,
            position=0,
            stock=max(0, listing.stock),
            created_at=at,
            updated_at=at,
        )
        .on_conflict_do_nothing()
    )
    return list(await session.scalars(query.execution_options(populate_existing=True)))


async def _view(session: AsyncSession, listing: StoreListing) -> ListingView:
    row = (
        await session.execute(
            select(Product.name, Partner.name, Partner.slug)
            .join(Partner, Partner.id == Product.partner_id)
            .where(Product.id == listing.product_id)
        )
    ).one()
    variants = await ensure_variants(session, listing)
    return ListingView(listing, row[0], row[1], row[2], tuple(variants))


async def listing(session: AsyncSession, *, listing_id: str) -> ListingView:
    """Return a listing as anyone may read it, or raise ``NotFound``."""
    row = await session.get(StoreListing, listing_id)
    if row is None:
        raise NotFound("No such product on sale.")
    return await _view(session, row)


async def store_views(session: AsyncSession, *, partner_id: str) -> list[ListingView]:
    """Return a partner's listings with their variants, newest first."""
    rows = await session.scalars(
        select(StoreListing)
        .where(StoreListing.partner_id == partner_id)
        .order_by(StoreListing.created_at.desc(), StoreListing.id)
    )
    return [await _view(session, row) for row in list(rows)]


async def product_views(session: AsyncSession, *, product_id: str) -> list[ListingView]:
    """Return a product's listings on sale with their variants, newest first."""
    rows = await session.scalars(
        select(StoreListing)
        .where(StoreListing.product_id == product_id)
        .order_by(StoreListing.created_at.desc(), StoreListing.id)
    )
    return [await _view(session, row) for row in list(rows)]


def _partner_of(user: User) -> str:
    if user.partner_id is None:
        raise NotFound("No such product on sale.")
    return user.partner_id


async def own_listing(session: AsyncSession, *, user: User, listing_id: str) -> StoreListing:
    """Return one of the user's partner's listings, or raise ``NotFound``."""
    row = await session.get(StoreListing, listing_id)
    if row is None or row.partner_id != _partner_of(user):
        raise NotFound("No such product on sale.")
    return row


async def partner_views(session: AsyncSession, *, user: User) -> list[ListingView]:
    """Return the user's partner's listings (someone of no partner has none to manage)."""
    if user.partner_id is None:
        raise PermissionDenied("Only a partner's members manage its products on sale.")
    return await store_views(session, partner_id=user.partner_id)


async def sync_stock(session: AsyncSession, listing_id: str) -> None:
    """Set the listing's stock to the sum of its variants'."""
    total = select(func.coalesce(func.sum(SaleVariant.stock), 0)).where(
        SaleVariant.listing_id == listing_id
    )
    await session.execute(
        update(StoreListing)
        .where(StoreListing.id == listing_id)
        .values(stock=total.scalar_subquery())
        .execution_options(synchronize_session=False)
    )


async def put_back(
    session: AsyncSession, units: Iterable[tuple[str, str, int]], *, now: datetime
) -> dict[str, int]:
    """Put units back into stock: ``units`` is (variant, listing, how many) per line. Each
    variant grows by its units, in the one order stock rows are taken in, then each listing
    by its variants' (in id order), so the listing stays their sum. Return the units put
    back per variant."""
    back: dict[str, int] = {}
    per_listing: dict[str, int] = {}
    for variant_id, listing_id, n in units:
        back[variant_id] = back.get(variant_id, 0) + n
        per_listing[listing_id] = per_listing.get(listing_id, 0) + n
    for variant_id, n in lock_order(back):
        await session.execute(
            update(SaleVariant)
            .where(SaleVariant.id == variant_id)
            .values(stock=SaleVariant.stock + n, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    for listing_id, n in sorted(per_listing.items()):
        await session.execute(
            update(StoreListing)
            .where(StoreListing.id == listing_id)
            .values(stock=StoreListing.stock + n)
            .execution_options(synchronize_session=False)
        )
    return back


async def change_listing(
    session: AsyncSession,
    *,
    user: User,
    listing_id: str,
    price: str | None,
    per_order: int | None,
) -> ListingView:
    """Change a listing's price (in its currency) or its per-order limit."""
    row = await own_listing(session, user=user, listing_id=listing_id)
    problems = []
    amount = row.price
    if price is not None:
        try:
            amount = Money.parse(price, row.currency).amount
        except InvalidInput as err:
            problems.append({"field": "price", "message": err.message})
        else:
            if amount <= 0:
                problems.append({"field": "price", "message": "more than zero"})
    if per_order is not None and not 1 <= per_order <= MAX_PER_ORDER:
        problems.append({"field": "per_order", "message": f"between 1 and {MAX_PER_ORDER}"})
    if problems:
        raise InvalidInput.fields(problems)
    row.price = amount
    if per_order is not None:
        row.per_order = per_order
    await session.flush()
    return await _view(session, row)


async def add_variant(
    session: AsyncSession, *, user: User, listing_id: str, name: str, stock: int, now: datetime
) -> SaleVariant:
    """Add a variant (a colour, a size) with its own stock."""
    row = await own_listing(session, user=user, listing_id=listing_id)
    problems = variant_problems(name, stock)
    if problems:
        raise InvalidInput.fields(problems)
    variants = await ensure_variants(session, row)
    if len(variants) >= MAX_VARIANTS:
        raise Conflict(f"A product may have at most {MAX_VARIANTS} variants.")
    name = name.strip()
    if any(v.name.lower() == name.lower() for v in variants):
        raise InvalidInput.fields([{"field": "name", "message": "another variant has it"}])
    made = SaleVariant(
        listing_id=row.id,
        name=name,
        position=max(v.position for v in variants) + 1,
        stock=stock,
        created_at=now,
        updated_at=now,
    )
    session.add(made)
    await session.flush()
    await sync_stock(session, row.id)
    return made


async def change_variant(
    session: AsyncSession,
    *,
    user: User,
    listing_id: str,
    variant_id: str,
    name: str | None,
    stock: int | None,
    now: datetime,
) -> SaleVariant:
    """Rename a variant or set its stock (what is on the shelf now, not a difference)."""
    row = await own_listing(session, user=user, listing_id=listing_id)
    variants = await ensure_variants(session, row)
    variant = next((v for v in variants if v.id == variant_id), None)
    if variant is None:
        raise NotFound("No such variant of this product.")
    new_name = variant.name if name is None else name.strip()
    new_stock = variant.stock if stock is None else stock
    problems = variant_problems(new_name, new_stock)
    if any(v.id != variant.id and v.name.lower() == new_name.lower() for v in variants):
        problems.append({"field": "name", "message": "another variant has it"})
    if problems:
        raise InvalidInput.fields(problems)
    # One statement, so a checkout taking units at the same moment waits for it.
    await session.execute(
        update(SaleVariant)
        .where(SaleVariant.id == variant.id)
        .values(name=new_name, stock=new_stock, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    await sync_stock(session, row.id)
    await session.refresh(variant)
    return variant
