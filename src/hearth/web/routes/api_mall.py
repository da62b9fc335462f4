"""JSON API for partner applications, stores, product submissions and their review."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field

from hearth.accounts.models import User
from hearth.accounts.roles import Capability
from hearth.kit.money import Money
from hearth.mall import partners, products
from hearth.mall.models import Product
from hearth.mall.review import PartnerState, ProductState
from hearth.web.deps import CurrentUser, SessionDep, requires

router = APIRouter(tags=["mall"])
Reviewer = Annotated[User, Depends(requires(Capability.REVIEW))]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApplicationIn(Strict):
    name: str = Field(max_length=120)
    description: str = Field(default="", max_length=5000)
    contact_email: str = Field(max_length=254)
    categories: list[str] = Field(min_length=1, max_length=11)


class DecisionIn(Strict):
    approve: bool
    reason: str = Field(default="", max_length=2000)


class PartnerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    slug: str
    description: str
    status: str
    categories: list[str]
    store_name: str
    store_description: str
    support_contact: str
    decision_reason: str
    created_at: datetime


class StoreIn(Strict):
    store_name: str | None = Field(default=None, max_length=120)
    store_description: str | None = Field(default=None, max_length=5000)
    support_contact: str | None = Field(default=None, max_length=254)


class ProductIn(Strict):
    name: str | None = Field(default=None, max_length=120)
    category: str | None = None
    description: str | None = Field(default=None, max_length=20_000)
    spec: dict[str, Any] | None = Field(default=None, description="native spec document")
    miot: dict[str, Any] | None = Field(default=None, description="a MIoT spec instance")
    retail_price: str | None = Field(default=None, examples=["199.00"])
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    campaign_goal: str | None = Field(default=None, examples=["100000.00"])
    campaign_days: int | None = None

    def draft(self) -> products.ProductDraft:
        return products.ProductDraft(**self.model_dump())


class ProductOut(BaseModel):
    id: str
    partner_id: str
    name: str
    category: str
    description: str
    state: str
    spec_version: int
    has_spec: bool
    retail_price: str
    campaign_goal: str
    campaign_days: int
    submitted_at: datetime | None
    updated_at: datetime
    warnings: list[dict[str, Any]] = []

    @classmethod
    def of(cls, product: Product, warnings: list[dict[str, Any]] | None = None) -> ProductOut:
        return cls(
            id=product.id,
            partner_id=product.partner_id,
            name=product.name,
            category=product.category,
            description=product.description,
            state=product.state,
            spec_version=product.spec_version,
            has_spec=product.spec is not None,
            retail_price=Money(product.retail_price, product.currency).format(),
            campaign_goal=Money(product.campaign_goal, product.currency).format(),
            campaign_days=product.campaign_days,
            submitted_at=product.submitted_at,
            updated_at=product.updated_at,
            warnings=warnings or [],
        )


class MoveIn(Strict):
    to: ProductState
    reason: str = Field(default="", max_length=5000)
    checklist: list[str] = Field(default_factory=list, max_length=50)


class StepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    actor_id: str | None
    from_state: str
    to_state: str
    reason: str
    checklist: list[dict[str, Any]]
    at: datetime


class CommentIn(Strict):
    body: str = Field(max_length=5000)
    parent_id: str | None = None


class CommentOut(BaseModel):
    id: str
    parent_id: str | None
    author: str
    body: str
    at: datetime


class QueueItem(BaseModel):
    product: ProductOut
    partner: str
    waiting_hours: float


@router.post("/partners/applications", status_code=status.HTTP_201_CREATED)
async def apply(body: ApplicationIn, user: CurrentUser, session: SessionDep) -> PartnerOut:
    """Apply for your company to become a partner."""
    partner = await partners.apply(session, user=user, **body.model_dump())
    return PartnerOut.model_validate(partner)


@router.get("/partners/applications")
async def applications(
    _: Reviewer, session: SessionDep, state: PartnerState | None = None
) -> list[PartnerOut]:
    """List partner applications (reviewers)."""
    return [PartnerOut.model_validate(p) for p in await partners.applications(session, state=state)]


@router.post("/partners/applications/{partner_id}/decision")
async def decide(
    partner_id: str, body: DecisionIn, reviewer: Reviewer, session: SessionDep
) -> PartnerOut:
    """Approve or reject a partner application, with a reason for a rejection."""
    partner = await partners.decide(
        session, reviewer=reviewer, partner_id=partner_id, approve=body.approve, reason=body.reason
    )
    return PartnerOut.model_validate(partner)


@router.get("/stores")
async def store_directory(session: SessionDep) -> list[dict[str, Any]]:
    """List the mall's stores (approved partners), public."""
    return [
        {
            "slug": p.slug,
            "name": p.store_name or p.name,
            "description": p.store_description or p.description,
            "support_contact": p.support_contact,
            "logo": f"/media/stores/{p.slug}/logo" if p.logo_key else None,
            "products": n,
        }
        for p, n in await partners.directory(session)
    ]


@router.get("/stores/{slug}")
async def store_page(slug: str, session: SessionDep) -> dict[str, Any]:
    """Show one store with its approved products, public."""
    partner, items = await partners.store(session, slug=slug)
    return {
        "slug": partner.slug,
        "name": partner.store_name or partner.name,
        "description": partner.store_description or partner.description,
        "support_contact": partner.support_contact,
        "logo": f"/media/stores/{partner.slug}/logo" if partner.logo_key else None,
        "products": [ProductOut.of(p).model_dump(mode="json") for p in items],
    }


@router.patch("/store")
async def update_store(body: StoreIn, user: CurrentUser, session: SessionDep) -> PartnerOut:
    """Change your company's store details (partner members)."""
    partner = await partners.update_store(session, user=user, **body.model_dump())
    return PartnerOut.model_validate(partner)


@router.post("/products", status_code=status.HTTP_201_CREATED)
async def create_product(body: ProductIn, user: CurrentUser, session: SessionDep) -> ProductOut:
    """Create a draft product for your company, with its spec (native or MIoT)."""
    product, warnings = await products.create_product(session, user=user, draft=body.draft())
    return ProductOut.of(product, warnings)


@router.get("/products")
async def list_products(user: CurrentUser, session: SessionDep) -> list[ProductOut]:
    """List your company's products."""
    return [ProductOut.of(p) for p in await products.list_products(session, user=user)]


@router.get("/products/{product_id}")
async def get_product(product_id: str, user: CurrentUser, session: SessionDep) -> ProductOut:
    """Show a product you may see."""
    return ProductOut.of(await products.get_product(session, user=user, product_id=product_id))


@router.patch("/products/{product_id}")
async def update_product(
    product_id: str, body: ProductIn, user: CurrentUser, session: SessionDep
) -> ProductOut:
    """Edit a draft (or a product with changes requested) of your company."""
    product, warnings = await products.update_product(
        session, user=user, product_id=product_id, draft=body.draft()
    )
    return ProductOut.of(product, warnings)


@router.post("/products/{product_id}/transitions")
async def move_product(
    product_id: str, body: MoveIn, user: CurrentUser, session: SessionDep
) -> ProductOut:
    """Move a product along its review workflow (submit, review, request changes, approve...)."""
    product = await products.move(
        session,
        user=user,
        product_id=product_id,
        target=body.to,
        reason=body.reason,
        items=body.checklist,
    )
    return ProductOut.of(product)


@router.get("/products/{product_id}/history")
async def product_history(product_id: str, user: CurrentUser, session: SessionDep) -> list[StepOut]:
    """Every audited review step of a product: who, when, from, to, why."""
    steps = await products.history(session, user=user, product_id=product_id)
    return [StepOut.model_validate(s) for s in steps]


@router.get("/products/{product_id}/comments")
async def list_comments(
    product_id: str, user: CurrentUser, session: SessionDep
) -> list[CommentOut]:
    """The review thread of a product (its partner and reviewers)."""
    rows = await products.thread(session, user=user, product_id=product_id)
    return [
        CommentOut(id=c.id, parent_id=c.parent_id, author=name, body=c.body, at=c.at)
        for c, name in rows
    ]


@router.post("/products/{product_id}/comments", status_code=status.HTTP_201_CREATED)
async def add_comment(
    product_id: str, body: CommentIn, user: CurrentUser, session: SessionDep
) -> CommentOut:
    """Comment on a product's review, or reply to a comment."""
    row = await products.comment(
        session, user=user, product_id=product_id, body=body.body, parent_id=body.parent_id
    )
    return CommentOut(
        id=row.id, parent_id=row.parent_id, author=user.display_name, body=row.body, at=row.at
    )


@router.get("/review/queue")
async def review_queue(
    _: Reviewer,
    session: SessionDep,
    state: ProductState | None = None,
    category: str | None = None,
    partner_id: str | None = None,
    min_hours: float | None = None,
) -> list[QueueItem]:
    """Submissions waiting for review, oldest first, with how long each has waited."""
    rows = await products.review_queue(
        session, state=state, category=category, partner_id=partner_id, min_hours=min_hours
    )
    return [
        QueueItem(product=ProductOut.of(p), partner=partner.name, waiting_hours=products.age(p))
        for p, partner in rows
    ]
