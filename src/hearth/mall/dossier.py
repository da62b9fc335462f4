"""A product's review dossier: everything its partner and its reviewers look at, read in one go.

The pages of the partner console and the platform console show the same dossier; who may
read it is decided by ``products.get_product`` (a product not yours answers ``NotFound``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.accounts.roles import Capability, can
from hearth.errors import NotFound
from hearth.mall import media, products
from hearth.mall.models import Partner, Product, ProductImage, ReviewComment, ReviewStep
from hearth.mall.review import EDITABLE, Actor, ProductState, allowed_moves


@dataclass
class Comment:
    row: ReviewComment
    author: str
    staff: bool
    replies: list[Comment] = field(default_factory=list)


@dataclass(frozen=True)
class Step:
    row: ReviewStep
    actor: str


@dataclass(frozen=True)
class SpecSummary:
    model: str
    name: str
    services: list[dict[str, Any]]
    properties: int
    actions: int
    events: int


@dataclass(frozen=True)
class Dossier:
    product: Product
    partner: Partner
    images: list[ProductImage]
    steps: list[Step]
    thread: list[Comment]
    checklist: list[dict[str, Any]]
    moves: list[ProductState]
    editable: bool
    spec: SpecSummary | None
    age_hours: float


def summarise(spec: dict[str, Any] | None) -> SpecSummary | None:
    """Count what a native spec document offers, service by service."""
    if not spec:
        return None
    services = [
        {
            "iid": s.get("iid"),
            "name": s.get("description") or s.get("type", ""),
            "properties": len(s.get("properties", [])),
            "actions": len(s.get("actions", [])),
            "events": len(s.get("events", [])),
        }
        for s in spec.get("services", [])
    ]
    return SpecSummary(
        model=str(spec.get("model", "")),
        name=str(spec.get("name", "")),
        services=services,
        properties=sum(s["properties"] for s in services),
        actions=sum(s["actions"] for s in services),
        events=sum(s["events"] for s in services),
    )


async def _names(session: AsyncSession, ids: set[str]) -> dict[str, User]:
    if not ids:
        return {}
    rows = await session.scalars(select(User).where(User.id.in_(ids)))
    return {u.id: u for u in rows}


async def dossier(session: AsyncSession, *, user: User, product_id: str, now: datetime) -> Dossier:
    """Return the dossier of a product that is the user's company's, or under their review,
    as it stands at ``now``."""
    product = await products.get_product(session, user=user, product_id=product_id)
    own = user.partner_id == product.partner_id
    if not own and not can(user.role, Capability.REVIEW):
        raise NotFound("no such product")
    partner = await session.get(Partner, product.partner_id)
    assert partner is not None  # a foreign key guarantees it
    steps = list(
        await session.scalars(
            select(ReviewStep).where(ReviewStep.subject == product.id).order_by(ReviewStep.at)
        )
    )
    comments = list(
        await session.scalars(
            select(ReviewComment)
            .where(ReviewComment.product_id == product.id)
            .order_by(ReviewComment.at)
        )
    )
    people = await _names(
        session,
        {s.actor_id for s in steps if s.actor_id} | {c.author_id for c in comments if c.author_id},
    )

    def name(user_id: str | None) -> tuple[str, bool]:
        person = people.get(user_id or "")
        if person is None:
            return "deleted user", False
        return person.display_name, person.partner_id != product.partner_id

    by_id: dict[str, Comment] = {}
    roots: list[Comment] = []
    for row in comments:
        author, staff = name(row.author_id)
        node = Comment(row, author, staff)
        by_id[row.id] = node
        parent = by_id.get(row.parent_id or "")
        # Replies hang under the thread's first comment, one level deep, like a chat.
        while parent is not None and parent.row.parent_id in by_id:
            parent = by_id[parent.row.parent_id or ""]
        (parent.replies if parent else roots).append(node)
    requested = [s for s in steps if s.to_state == ProductState.CHANGES_REQUESTED]
    state = ProductState(product.state)
    return Dossier(
        product=product,
        partner=partner,
        images=await media.images(session, product_id=product.id),
        steps=[Step(s, name(s.actor_id)[0]) for s in steps],
        thread=roots,
        checklist=requested[-1].checklist if requested else [],
        moves=allowed_moves(state, Actor.PARTNER if own else Actor.REVIEWER),
        editable=own and state in EDITABLE,
        spec=summarise(product.spec),
        age_hours=products.age(product, now),
    )
