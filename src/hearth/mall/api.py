"""JSON API for partner applications, stores, product submissions and their review."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from pydantic import WithJsonSchema

from hearth.accounts.models import User
from hearth.accounts.roles import Capability
from hearth.errors import Conflict, InvalidTransition
from hearth.mall import partners, products
from hearth.mall.review import PartnerState, ProductState
from hearth.mall.schemas import (
    PartnerApplicationIn,
    PartnerDecisionIn,
    PartnerOut,
    ProductIn,
    ProductMoveIn,
    ProductOut,
    ReviewCommentIn,
    ReviewCommentOut,
    ReviewQueueItem,
    ReviewStepOut,
    StoreIn,
    StoreOut,
    StorePageOut,
)
from hearth.web.deps import CurrentUser, NowDep, SessionDep, requires
from hearth.web.openapi import answers

router = APIRouter(tags=["mall"])
QUEUE_STATES = [state for state in ProductState if state is not ProductState.DRAFT]
Reviewer = Annotated[User, Depends(requires(Capability.REVIEW))]


@router.post(
    "/partners/applications",
    status_code=status.HTTP_201_CREATED,
    response_model=PartnerOut,
    responses=answers(Conflict),
)
async def apply(
    body: PartnerApplicationIn, user: CurrentUser, session: SessionDep, now: NowDep
) -> PartnerOut:
    """Apply for your company to become a partner."""
    partner = await partners.apply(session, user=user, now=now, **body.model_dump())
    return PartnerOut.model_validate(partner)


@router.get("/partners/applications", response_model=list[PartnerOut])
async def applications(
    _: Reviewer, session: SessionDep, state: PartnerState | None = None
) -> list[PartnerOut]:
    """List partner applications (reviewers)."""
    return [PartnerOut.model_validate(p) for p in await partners.applications(session, state=state)]


@router.post(
    "/partners/applications/{partner_id}/decision",
    response_model=PartnerOut,
    responses=answers(InvalidTransition),
)
async def decide(
    partner_id: str, body: PartnerDecisionIn, reviewer: Reviewer, session: SessionDep, now: NowDep
) -> PartnerOut:
    """Approve or reject a partner application, with a reason for a rejection."""
    partner = await partners.decide(
        session,
        reviewer=reviewer,
        partner_id=partner_id,
        approve=body.approve,
        reason=body.reason,
        now=now,
    )
    return PartnerOut.model_validate(partner)


@router.get("/stores", response_model=list[StoreOut])
async def store_directory(session: SessionDep) -> list[StoreOut]:
    """List the mall's stores (approved partners), public."""
    return [StoreOut.of(p, n) for p, n in await partners.directory(session)]


@router.get("/stores/{slug}", response_model=StorePageOut)
async def store_page(slug: str, session: SessionDep) -> StorePageOut:
    """Show one store with its approved products, public."""
    partner, items = await partners.store(session, slug=slug)
    return StorePageOut.of(partner, items)


@router.patch("/store", response_model=PartnerOut)
async def update_store(body: StoreIn, user: CurrentUser, session: SessionDep) -> PartnerOut:
    """Change your company's store details (partner members)."""
    partner = await partners.update_store(session, user=user, **body.model_dump())
    return PartnerOut.model_validate(partner)


@router.post("/products", status_code=status.HTTP_201_CREATED, response_model=ProductOut)
async def create_product(
    body: ProductIn, user: CurrentUser, session: SessionDep, now: NowDep
) -> ProductOut:
    """Create a draft product for your company, with its spec (native or MIoT)."""
    product, warnings = await products.create_product(
        session, user=user, draft=body.draft(), now=now
    )
    return ProductOut.of(product, warnings)


@router.get("/products", response_model=list[ProductOut])
async def list_products(user: CurrentUser, session: SessionDep) -> list[ProductOut]:
    """List your company's products."""
    return [ProductOut.of(p) for p in await products.list_products(session, user=user)]


@router.get("/products/{product_id}", response_model=ProductOut)
async def get_product(product_id: str, user: CurrentUser, session: SessionDep) -> ProductOut:
    """Show a product you may see."""
    return ProductOut.of(await products.get_product(session, user=user, product_id=product_id))


@router.patch("/products/{product_id}", response_model=ProductOut)
async def update_product(
    product_id: str, body: ProductIn, user: CurrentUser, session: SessionDep, now: NowDep
) -> ProductOut:
    """Edit a draft (or a product with changes requested) of your company."""
    product, warnings = await products.update_product(
        session, user=user, product_id=product_id, draft=body.draft(), now=now
    )
    return ProductOut.of(product, warnings)


@router.post(
    "/products/{product_id}/transitions",
    response_model=ProductOut,
    responses=answers(InvalidTransition),
)
async def move_product(
    product_id: str, body: ProductMoveIn, user: CurrentUser, session: SessionDep, now: NowDep
) -> ProductOut:
    """Move a product along its review workflow (submit, review, request changes, approve...)."""
    product = await products.move(
        session,
        user=user,
        product_id=product_id,
        target=body.to,
        reason=body.reason,
        items=body.checklist,
        now=now,
    )
    return ProductOut.of(product)


@router.get("/products/{product_id}/history", response_model=list[ReviewStepOut])
async def product_history(
    product_id: str, user: CurrentUser, session: SessionDep
) -> list[ReviewStepOut]:
    """Every audited review step of a product: who, when, from, to, why."""
    steps = await products.history(session, user=user, product_id=product_id)
    return [ReviewStepOut.model_validate(s) for s in steps]


@router.get("/products/{product_id}/comments", response_model=list[ReviewCommentOut])
async def list_comments(
    product_id: str, user: CurrentUser, session: SessionDep
) -> list[ReviewCommentOut]:
    """The review thread of a product (its partner and reviewers)."""
    rows = await products.thread(session, user=user, product_id=product_id)
    return [
        ReviewCommentOut(id=c.id, parent_id=c.parent_id, author=name, body=c.body, at=c.at)
        for c, name in rows
    ]


@router.post(
    "/products/{product_id}/comments",
    status_code=status.HTTP_201_CREATED,
    response_model=ReviewCommentOut,
)
async def add_comment(
    product_id: str, body: ReviewCommentIn, user: CurrentUser, session: SessionDep, now: NowDep
) -> ReviewCommentOut:
    """Comment on a product's review, or reply to a comment."""
    row = await products.comment(
        session,
        user=user,
        product_id=product_id,
        body=body.body,
        parent_id=body.parent_id,
        now=now,
    )
    return ReviewCommentOut(
        id=row.id, parent_id=row.parent_id, author=user.display_name, body=row.body, at=row.at
    )


@router.get("/review/queue", response_model=list[ReviewQueueItem])
async def review_queue(
    _: Reviewer,
    session: SessionDep,
    now: NowDep,
    state: Annotated[
        ProductState | None,
        Query(description="one state (default: every state waiting on a reviewer)"),
        # Drafts never reach the queue; the service refuses to look for them.
        WithJsonSchema({"type": "string", "enum": [s.value for s in QUEUE_STATES]}),
    ] = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    partner_id: Annotated[str | None, Query(max_length=40)] = None,
    min_hours: Annotated[
        float | None,
        Query(
            ge=0,
            le=products.MAX_QUEUE_HOURS,
            allow_inf_nan=False,
            description="waited at least this long",
        ),
    ] = None,
) -> list[ReviewQueueItem]:
    """Submissions waiting for review, oldest first, with how long each has waited."""
    rows = await products.review_queue(
        session,
        state=state,
        category=category,
        partner_id=partner_id,
        min_hours=min_hours,
        now=now,
    )
    return [
        ReviewQueueItem(
            product=ProductOut.of(p), partner=partner.name, waiting_hours=products.age(p, now)
        )
        for p, partner in rows
    ]
