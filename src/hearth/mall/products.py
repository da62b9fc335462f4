"""Product submissions and their review: services over ``hearth.mall.review``'s rules.

Who sees what: a partner member sees only their own company's products; reviewers see
every product that has left the draft stage and may move it, but never edit its content;
everyone else sees approved products of approved partners only. A product that is not
yours to see answers ``NotFound``, so ids cannot be probed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.accounts.roles import Capability, can
from hearth.devices import import_miot, parse_spec, spec_to_dict
from hearth.errors import InvalidInput, NotFound, PermissionDenied, SpecInvalid
from hearth.kit.money import AMOUNT_MESSAGE, Money, is_amount_text
from hearth.mall import notices
from hearth.mall.certification.gate import require_certified
from hearth.mall.models import Partner, Product, ReviewComment, ReviewStep
from hearth.mall.review import (
    EDITABLE,
    IN_QUEUE,
    Actor,
    PartnerState,
    ProductState,
    checklist,
    move_product,
)

MAX_QUEUE_HOURS = 8760.0  # a year: the oldest wait the review queue is filtered by
CATEGORIES = (
    "lighting",
    "sensor",
    "switch",
    "plug",
    "climate",
    "cleaning",
    "kitchen",
    "security",
    "curtain",
    "wearable",
    "other",
)


@dataclass(frozen=True)
class ProductDraft:
    """What a partner writes about a product; every field optional on update."""

    name: str | None = None
    category: str | None = None
    description: str | None = None
    spec: dict[str, Any] | None = None
    miot: dict[str, Any] | None = None
    retail_price: str | None = None
    currency: str | None = None
    campaign_goal: str | None = None
    campaign_days: int | None = None


def _spec_from(draft: ProductDraft) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """Return the native spec document from a native or MIoT spec, and import warnings."""
    if draft.spec is not None and draft.miot is not None:
        raise InvalidInput("give either a native spec or a MIoT instance, not both")
    if draft.spec is not None:
        return spec_to_dict(parse_spec(draft.spec)), []
    if draft.miot is not None:
        result = import_miot(draft.miot)
        if result.spec is None:
            report = result.report()
            raise SpecInvalid("the MIoT instance could not be imported", issues=report["issues"])
        return spec_to_dict(result.spec), result.report()["warnings"]
    return None, []


def _partner_of(user: User) -> str:
    if user.partner_id is None or not can(user.role, Capability.PARTNER_CONSOLE):
        raise PermissionDenied("only partner members manage products")
    return user.partner_id


def _apply(product: Product, draft: ProductDraft, now: datetime) -> list[dict[str, Any]]:
    """Check every field first and change the product only if all are good."""
    problems: list[dict[str, str]] = []
    changes: dict[str, Any] = {}
    if draft.name is not None:
        changes["name"] = draft.name.strip()
        if not 1 <= len(changes["name"]) <= 120:
            problems.append({"field": "name", "message": "1-120 characters"})
    if draft.category is not None:
        changes["category"] = draft.category
        if draft.category not in CATEGORIES:
            problems.append({"field": "category", "message": f"one of {', '.join(CATEGORIES)}"})
    if draft.description is not None:
        changes["description"] = draft.description
        if len(draft.description) > 20_000:
            problems.append({"field": "description", "message": "at most 20,000 characters"})
    changes["currency"] = currency = (draft.currency or product.currency or "CNY").upper()
    for field, text in (
        ("retail_price", draft.retail_price),
        ("campaign_goal", draft.campaign_goal),
    ):
        if text is None:
            continue
        if not is_amount_text(text):  # which also keeps it within BIGINT
            problems.append({"field": field, "message": AMOUNT_MESSAGE})
            continue
        try:
            changes[field] = amount = Money.parse(text, currency).amount
        except Exception as err:  # Money explains what is wrong with the text
            problems.append({"field": field, "message": str(err)})
            continue
        if amount <= 0:
            problems.append({"field": field, "message": "must be more than zero"})
    if draft.campaign_days is not None:
        changes["campaign_days"] = draft.campaign_days
        if not 1 <= draft.campaign_days <= 90:
            problems.append({"field": "campaign_days", "message": "1-90 days"})
    if problems:
        raise InvalidInput(
            "; ".join(f"{p['field']}: {p['message']}" for p in problems), detail=problems
        )
    spec, warnings = _spec_from(draft)
    for field, value in changes.items():
        setattr(product, field, value)
    if spec is not None and spec != product.spec:
        product.spec = spec
        product.spec_version += 1
    product.updated_at = now
    return warnings


async def create_product(
    session: AsyncSession, *, user: User, draft: ProductDraft, now: datetime
) -> tuple[Product, list[dict[str, Any]]]:
    """Create a draft product for the user's partner company."""
    partner_id = _partner_of(user)
    partner = await session.get(Partner, partner_id)
    if partner is None or partner.status != PartnerState.APPROVED:
        raise PermissionDenied("your partner company is not approved yet")
    if not draft.name or not draft.category:
        raise InvalidInput(
            "a product needs a name and a category",
            detail=[
                {"field": f, "message": "required"}
                for f in ("name", "category")
                if not getattr(draft, f)
            ],
        )
    product = Product(
        partner_id=partner_id,
        created_by=user.id,
        name="",
        category="",
        description="",
        spec_version=0,
        retail_price=0,
        campaign_goal=0,
        campaign_days=30,
        currency="CNY",
        state=ProductState.DRAFT.value,
        created_at=now,
    )
    warnings = _apply(product, draft, now)
    session.add(product)
    await session.flush()
    return product, warnings


async def get_product(session: AsyncSession, *, user: User | None, product_id: str) -> Product:
    """Return a product the user may see, or raise ``NotFound``."""
    product = await session.get(Product, product_id)
    if product is None or not await _may_see(session, user, product):
        raise NotFound("no such product")
    return product


async def public_product(session: AsyncSession, *, product_id: str) -> tuple[Product, Partner]:
    """Return a product on show in the mall (approved, of an approved partner) with its
    partner, or raise ``NotFound``: whoever asks, a product page shows nothing else."""
    product = await session.get(Product, product_id)
    partner = None if product is None else await session.get(Partner, product.partner_id)
    if (
        product is None
        or partner is None
        or product.state != ProductState.APPROVED
        or partner.status != PartnerState.APPROVED
    ):
        raise NotFound("no such product")
    return product, partner


async def _may_see(session: AsyncSession, user: User | None, product: Product) -> bool:
    if user is not None and user.partner_id == product.partner_id:
        return True
    if user is not None and can(user.role, Capability.REVIEW):
        return product.state != ProductState.DRAFT
    if product.state != ProductState.APPROVED:
        return False
    partner = await session.get(Partner, product.partner_id)
    return partner is not None and partner.status == PartnerState.APPROVED


async def _get_for_review(session: AsyncSession, *, user: User, product_id: str) -> Product:
    """Return a product whose review the user takes part in, or raise ``NotFound``.

    The review (its audited steps and its thread) belongs to the product's partner and to
    reviewers; anyone else who may see the approved product in the mall sees no review.
    """
    product = await get_product(session, user=user, product_id=product_id)
    if user.partner_id != product.partner_id and not can(user.role, Capability.REVIEW):
        raise NotFound("no such product")
    return product


async def update_product(
    session: AsyncSession, *, user: User, product_id: str, draft: ProductDraft, now: datetime
) -> tuple[Product, list[dict[str, Any]]]:
    """Change a product's content; only its own partner, only while it is editable."""
    product = await get_product(session, user=user, product_id=product_id)
    if user.partner_id != product.partner_id:
        raise PermissionDenied("only the product's partner edits its content")
    if ProductState(product.state) not in EDITABLE:
        raise PermissionDenied(f"a product in state {product.state!r} cannot be edited")
    return product, _apply(product, draft, now)


async def list_products(session: AsyncSession, *, user: User) -> list[Product]:
    """Return the products of the user's partner company, newest first."""
    partner_id = _partner_of(user)
    rows = await session.scalars(
        select(Product).where(Product.partner_id == partner_id).order_by(Product.created_at.desc())
    )
    return list(rows)


async def review_queue(
    session: AsyncSession,
    *,
    state: ProductState | None = None,
    category: str | None = None,
    partner_id: str | None = None,
    min_hours: float | None = None,
    now: datetime,
) -> list[tuple[Product, Partner]]:
    """Return submissions waiting for reviewers, oldest first (ages matter).

    Filters: one state (default: every state waiting on a reviewer), a category, a partner,
    and a minimum waiting time in hours.
    """
    query = select(Product, Partner).join(Partner, Partner.id == Product.partner_id)
    query = query.where(Product.state.in_([state] if state else list(IN_QUEUE)))
    if state is ProductState.DRAFT:
        raise InvalidInput.fields([{"field": "state", "message": "drafts are not in the queue"}])
    if category:
        query = query.where(Product.category == category)
    if partner_id:
        query = query.where(Product.partner_id == partner_id)
    if min_hours is not None:
        # NaN fails every comparison, so the bounds are written to let only numbers through.
        if not 0 <= min_hours <= MAX_QUEUE_HOURS:
            message = f"a number of hours from 0 to {MAX_QUEUE_HOURS:g}"
            raise InvalidInput.fields([{"field": "min_hours", "message": message}])
        query = query.where(Product.submitted_at <= now - timedelta(hours=min_hours))
    rows = await session.execute(query.order_by(Product.submitted_at.asc()))
    return [(p, partner) for p, partner in rows]


async def move(
    session: AsyncSession,
    *,
    user: User,
    product_id: str,
    target: ProductState,
    now: datetime,
    reason: str = "",
    items: list[str] | None = None,
) -> Product:
    """Move a product along its review workflow and audit the step."""
    product = await get_product(session, user=user, product_id=product_id)
    if user.partner_id == product.partner_id:
        actor = Actor.PARTNER
    elif can(user.role, Capability.REVIEW):
        actor = Actor.REVIEWER
    else:
        raise NotFound("no such product")
    current = ProductState(product.state)
    move_product(current, target, actor=actor, reason=reason)
    if target in (ProductState.SUBMITTED, ProductState.RESUBMITTED) and product.spec is None:
        raise InvalidInput("add the product's device spec before submitting it")
    if target is ProductState.APPROVED:
        await require_certified(session, product_id=product.id, spec_version=product.spec_version)
    steps = checklist(items or []) if target is ProductState.CHANGES_REQUESTED else []
    product.state = target.value
    if target in (ProductState.SUBMITTED, ProductState.RESUBMITTED):
        product.submitted_at = now
    product.updated_at = now
    session.add(
        ReviewStep(
            subject=product.id,
            actor_id=user.id,
            from_state=current.value,
            to_state=target.value,
            reason=reason.strip(),
            checklist=steps,
            at=now,
        )
    )
    await session.flush()
    await notices.product_moved(
        session, product=product, actor=user, target=target, reason=reason, now=now
    )
    return product


async def history(session: AsyncSession, *, user: User, product_id: str) -> list[ReviewStep]:
    """Return the audited steps of a product whose review the user takes part in, oldest first."""
    await _get_for_review(session, user=user, product_id=product_id)
    rows = await session.scalars(
        select(ReviewStep).where(ReviewStep.subject == product_id).order_by(ReviewStep.at)
    )
    return list(rows)


async def comment(
    session: AsyncSession,
    *,
    user: User,
    product_id: str,
    body: str,
    now: datetime,
    parent_id: str | None = None,
) -> ReviewComment:
    """Add a comment (or a reply) to a product's review thread."""
    product = await _get_for_review(session, user=user, product_id=product_id)
    text = body.strip()
    if not 1 <= len(text) <= 5000:
        raise InvalidInput(
            "a comment has 1-5000 characters",
            detail=[{"field": "body", "message": "1-5000 characters"}],
        )
    parent = None
    if parent_id is not None:
        parent = await session.get(ReviewComment, parent_id)
        if parent is None or parent.product_id != product.id:
            raise NotFound("no such comment to reply to")
    row = ReviewComment(
        product_id=product.id, parent_id=parent_id, author_id=user.id, body=text, at=now
    )
    session.add(row)
    await session.flush()
    if user.partner_id != product.partner_id:
        await notices.reviewer_commented(session, product=product, author=user, body=text, now=now)
    else:
        reply_to = parent.author_id if parent is not None else None
        if reply_to is not None:
            author = await session.get(User, reply_to)
            if author is None or author.partner_id == product.partner_id:
                reply_to = None
        await notices.partner_commented(
            session, product=product, author=user, body=text, reply_to=reply_to, now=now
        )
    return row


async def thread(
    session: AsyncSession, *, user: User, product_id: str
) -> list[tuple[ReviewComment, str]]:
    """Return a product's review comments with their authors' names, oldest first."""
    product = await _get_for_review(session, user=user, product_id=product_id)
    rows = await session.execute(
        select(ReviewComment, User.display_name)
        .join(User, User.id == ReviewComment.author_id, isouter=True)
        .where(ReviewComment.product_id == product.id)
        .order_by(ReviewComment.at)
    )
    return [(c, name or "deleted user") for c, name in rows]


def age(product: Product, now: datetime) -> float:
    """Return how many hours a submission has waited by ``now``."""
    if product.submitted_at is None:
        return 0.0
    return (now - product.submitted_at).total_seconds() / 3600
