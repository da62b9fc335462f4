"""Boards: hearth's own and one per approved product, who answers each, and which products
a fan owns (a device of its model in one of their homes) or backed (a pledge or an order).

A product's board exists as soon as the product is approved; its row in
``community_boards`` (which holds its counter) is made by ``ensure`` the first time
something is posted on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, union
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.community.models import Board
from hearth.community.rules import PLATFORM_BOARD, BoardKind, BoardOwner, answers_for
from hearth.db import insert_for
from hearth.errors import NotFound
from hearth.funding.models import Campaign, Order, OrderItem, Pledge
from hearth.homes.models import HomeMember
from hearth.hub.models import Device
from hearth.mall.models import Partner, Product
from hearth.mall.review import ProductState

PLATFORM_TITLE = "hearth"
PLATFORM_ABOUT = "The home app, scenes, the store and everything else hearth itself does."


class Mine:
    """Filters of the board list: every board, or only products a fan owns or backed."""

    ALL = "all"
    OWNED = "owned"
    BACKED = "backed"


@dataclass
class BoardView:
    """A board as pages and the API show it."""

    id: str
    kind: BoardKind
    title: str
    about: str
    partner_id: str | None
    partner_name: str
    product_id: str | None
    suggestion_count: int = 0
    owned: bool = False
    backed: bool = False

    @property
    def owner(self) -> BoardOwner:
        return BoardOwner(self.kind, self.partner_id)

    def answered_by(self, user: User | Any | None) -> bool:
        """Tell whether ``user`` speaks for this board's owner."""
        if user is None:
            return False
        return answers_for(self.owner, role=user.role, partner_id=user.partner_id)


def _platform(count: int) -> BoardView:
    return BoardView(
        PLATFORM_BOARD, BoardKind.PLATFORM, PLATFORM_TITLE, PLATFORM_ABOUT, None, "hearth team",
        None, count,
    )  # fmt: skip


def _product(product: Product, partner: Partner, count: int) -> BoardView:
    return BoardView(
        product.id,
        BoardKind.PRODUCT,
        product.name,
        product.description,
        partner.id,
        partner.store_name or partner.name,
        product.id,
        count,
    )


async def owned_products(session: AsyncSession, user_id: str) -> set[str]:
    """Return the approved products of which a device sits in one of the user's homes."""
    models = set(
        await session.scalars(
            select(Device.model_id)
            .join(HomeMember, HomeMember.home_id == Device.home_id)
            .where(HomeMember.user_id == user_id, Device.revoked_at.is_(None))
            .distinct()
        )
    )
    if not models:
        return set()
    found = await session.execute(
        select(Product.id, Product.spec).where(Product.state == ProductState.APPROVED)
    )
    return {pid for pid, spec in found if isinstance(spec, dict) and spec.get("model") in models}


async def backed_products(session: AsyncSession, user_id: str) -> set[str]:
    """Return the products the user pledged for or bought, in either channel."""
    pledged = (
        select(Campaign.product_id)
        .join(Pledge, Pledge.campaign_id == Campaign.id)
        .where(Pledge.backer_id == user_id)
    )
    bought = (
        select(OrderItem.product_id)
        .join(Order, Order.id == OrderItem.order_id)
        .where(Order.backer_id == user_id)
    )
    return set(await session.scalars(union(pledged, bought)))


async def list_boards(
    session: AsyncSession, *, user: User | None, mine: str = Mine.ALL
) -> list[BoardView]:
    """Return hearth's board then every approved product's, by name; with ``mine`` only the
    products the user owns or backed (hearth's board is everyone's and always listed)."""
    counts = dict((await session.execute(select(Board.id, Board.suggestion_count))).all())
    rows = await session.execute(
        select(Product, Partner)
        .join(Partner, Partner.id == Product.partner_id)
        .where(Product.state == ProductState.APPROVED)
        .order_by(Product.name, Product.id)
    )
    views = [_platform(counts.get(PLATFORM_BOARD, 0))]
    views += [_product(p, partner, counts.get(p.id, 0)) for p, partner in rows]
    if user is not None:
        owned = await owned_products(session, user.id)
        backed = await backed_products(session, user.id)
        for view in views:
            view.owned = view.id in owned
            view.backed = view.id in backed
    if mine == Mine.OWNED:
        views = [v for v in views if v.kind is BoardKind.PLATFORM or v.owned]
    elif mine == Mine.BACKED:
        views = [v for v in views if v.kind is BoardKind.PLATFORM or v.backed]
    return views


async def board(session: AsyncSession, board_id: str) -> BoardView:
    """Return the board ``board_id`` (hearth's, or an approved product's), or ``NotFound``."""
    count = await session.scalar(select(Board.suggestion_count).where(Board.id == board_id))
    if board_id == PLATFORM_BOARD:
        return _platform(count or 0)
    found = (
        await session.execute(
            select(Product, Partner)
            .join(Partner, Partner.id == Product.partner_id)
            .where(Product.id == board_id, Product.state == ProductState.APPROVED)
        )
    ).first()
    if found is None:
        raise NotFound(f"no board {board_id!r}")
    product, partner = found
    return _product(product, partner, count or 0)


async def ensure(session: AsyncSession, view: BoardView, *, now: datetime) -> None:
    """Make the board's row if it has none yet (two first posts at once make one)."""
    values = {
        "id": view.id,
        "kind": str(view.kind),
        "product_id": view.product_id,
        "suggestion_count": 0,
        "created_at": now,
    }
    insert = insert_for(session)
    await session.execute(insert(Board).values(**values).on_conflict_do_nothing())
