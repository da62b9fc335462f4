"""Request, response and form models of the mall: partners, stores, products and review,
uploads, members and invitations.

Forms of the pages do not forbid extra fields: every form carries its CSRF token.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import UploadFile
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic import Strict as StrictType

from hearth.errors import InvalidInput
from hearth.kit.bounds import EMAIL, NOT_BLANK, TWO_OR_MORE
from hearth.kit.money import AmountText, Money
from hearth.mall import members
from hearth.mall.models import Partner, PartnerInvitation, Product, ProductImage
from hearth.mall.products import CATEGORIES, ProductDraft
from hearth.mall.review import ProductState


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# An amount as a partner writes it, in ASCII digits; the service reads it in the currency.
Amount = AmountText
# A count is a JSON number, never a string to be converted.
Count = Annotated[int, StrictType()]
Short = Annotated[str, StringConstraints(max_length=40)]


# -- partners -------------------------------------------------------------------------------


class PartnerApplicationIn(Strict):
    name: str = Field(max_length=120, pattern=TWO_OR_MORE)
    description: str = Field(default="", max_length=5000)
    contact_email: str = Field(max_length=254, pattern=EMAIL)
    categories: list[Short] = Field(
        min_length=1,
        max_length=11,
        json_schema_extra={"items": {"type": "string", "enum": list(CATEGORIES)}},
    )


class PartnerDecisionIn(Strict):
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


# -- products and their review ------------------------------------------------------------


class ProductIn(Strict):
    name: str | None = Field(default=None, max_length=120)
    category: Short | None = None
    description: str | None = Field(default=None, max_length=20_000)
    spec: dict[str, Any] | None = Field(default=None, description="native spec document")
    miot: dict[str, Any] | None = Field(default=None, description="a MIoT spec instance")
    retail_price: Amount | None = Field(default=None, examples=["199.00"])
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    campaign_goal: Amount | None = Field(default=None, examples=["100000.00"])
    campaign_days: Count | None = Field(default=None, ge=1, le=90)

    def draft(self) -> ProductDraft:
        return ProductDraft(**self.model_dump())


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


class ProductMoveIn(Strict):
    to: ProductState
    reason: str = Field(default="", max_length=5000)
    checklist: list[Annotated[str, StringConstraints(max_length=500)]] = Field(
        default_factory=list, max_length=50
    )


class ReviewStepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    actor_id: str | None
    from_state: str
    to_state: str
    reason: str
    checklist: list[dict[str, Any]]
    at: datetime


class ReviewCommentIn(Strict):
    body: str = Field(max_length=5000, pattern=NOT_BLANK)
    parent_id: str | None = Field(default=None, max_length=40)


class ReviewCommentOut(BaseModel):
    id: str
    parent_id: str | None
    author: str
    body: str
    at: datetime


class ReviewQueueItem(BaseModel):
    product: ProductOut
    partner: str
    waiting_hours: float


# -- stores -------------------------------------------------------------------------------


def _logo_url(partner: Partner) -> str | None:
    return f"/media/stores/{partner.slug}/logo" if partner.logo_key else None


class StoreOut(BaseModel):
    """A store in the mall's directory."""

    slug: str
    name: str
    description: str
    support_contact: str
    logo: str | None
    products: int = Field(description="how many approved products it sells")

    @classmethod
    def of(cls, partner: Partner, products: int) -> StoreOut:
        return cls(
            slug=partner.slug,
            name=partner.store_name or partner.name,
            description=partner.store_description or partner.description,
            support_contact=partner.support_contact,
            logo=_logo_url(partner),
            products=products,
        )


class StorePageOut(BaseModel):
    """One store with its approved products."""

    slug: str
    name: str
    description: str
    support_contact: str
    logo: str | None
    products: list[ProductOut]

    @classmethod
    def of(cls, partner: Partner, products: list[Product]) -> StorePageOut:
        return cls(
            slug=partner.slug,
            name=partner.store_name or partner.name,
            description=partner.store_description or partner.description,
            support_contact=partner.support_contact,
            logo=_logo_url(partner),
            products=[ProductOut.of(p) for p in products],
        )


# -- uploads ------------------------------------------------------------------------------


class ProductImageUpload(BaseModel):
    image: UploadFile | None = Field(default=None, description="PNG, JPEG or WebP")


class StoreLogoUpload(BaseModel):
    logo: UploadFile | None = Field(default=None, description="PNG, JPEG or WebP")


class ProductImageOut(BaseModel):
    id: str
    url: str
    content_type: str
    size: int
    position: int

    @classmethod
    def of(cls, row: ProductImage) -> ProductImageOut:
        return cls(
            id=row.id,
            url=f"/media/images/{row.id}",
            content_type=row.content_type,
            size=row.size,
            position=row.position,
        )


# -- members and invitations --------------------------------------------------------------


class PartnerMemberOut(BaseModel):
    id: str
    username: str
    display_name: str


class PartnerInvitationIn(Strict):
    username: str | None = Field(default=None, max_length=40, description="omit for a link")
    days: Count = Field(
        default=members.DEFAULT_DAYS,
        ge=1,
        le=members.MAX_DAYS,
        description="days until it expires",
    )


class PartnerInvitationOut(BaseModel):
    id: str
    invitee: str | None
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None
    token: str | None = Field(default=None, description="a link's token, shown only once")
    link: str | None = None

    @classmethod
    def of(
        cls, row: PartnerInvitation, invitee: str | None, token: str | None = None
    ) -> PartnerInvitationOut:
        return cls(
            id=row.id,
            invitee=invitee,
            expires_at=row.expires_at,
            used_at=row.used_at,
            revoked_at=row.revoked_at,
            token=token,
            link=f"/partner/join/{token}" if token else None,
        )


class ReceivedPartnerInvitationOut(BaseModel):
    """An open invitation addressed to you."""

    id: str
    partner: str
    expires_at: datetime


class PartnerInvitationAcceptIn(Strict):
    """A link's token, or the id of an invitation addressed to you: one of the two."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {
                    "required": ["token"],
                    "properties": {"token": {"type": "string", "minLength": 1}},
                },
                {
                    "required": ["invitation_id"],
                    "properties": {"invitation_id": {"type": "string", "minLength": 1}},
                },
            ]
        }
    )

    token: str | None = Field(default=None, max_length=100)
    invitation_id: str | None = Field(default=None, max_length=40)


# -- forms of the pages -------------------------------------------------------------------


class PartnerApplicationForm(BaseModel):
    name: str = Field(default="", max_length=120)
    contact_email: str = Field(default="", max_length=254)
    description: str = Field(default="", max_length=5000)
    categories: list[Short] = Field(default=[], max_length=20)


class StoreForm(BaseModel):
    store_name: str = Field(default="", max_length=120)
    store_description: str = Field(default="", max_length=5000)
    support_contact: str = Field(default="", max_length=254)


class PartnerInviteForm(BaseModel):
    username: str = Field(default="", max_length=40)


class ProductForm(BaseModel):
    """The product form as typed: texts, checked and converted by ``draft``."""

    name: str = Field(default="", max_length=20_000)
    category: str = Field(default="", max_length=20_000)
    description: str = Field(default="", max_length=20_000)
    retail_price: str = Field(default="", max_length=20_000)
    campaign_goal: str = Field(default="", max_length=20_000)
    campaign_days: str = Field(default="", max_length=20_000)
    spec_file: UploadFile | None = None

    def texts(self) -> dict[str, str]:
        """Return what was typed, to show again in a refused form."""
        return self.model_dump(exclude={"spec_file"})

    def draft(self, spec: dict[str, Any]) -> ProductDraft:
        """Return the draft this form describes, with ``spec`` read from its file."""
        days = self.campaign_days.strip()
        # Checked here rather than by an int field: a refused form re-renders with the
        # problem next to its field, which a request validation error would not do.
        if days and re.fullmatch(r"[0-9]{1,6}", days) is None:
            raise InvalidInput.fields([{"field": "campaign_days", "message": "a whole number"}])
        return ProductDraft(
            name=self.name,
            category=self.category or None,
            description=self.description,
            retail_price=self.retail_price or None,
            campaign_goal=self.campaign_goal or None,
            campaign_days=int(days) if days else None,
            **spec,
        )


class PartnerDecisionForm(BaseModel):
    decision: str
    reason: str = Field(default="", max_length=2000)


class ReviewMoveForm(BaseModel):
    to: str
    reason: str = Field(default="", max_length=5000)
    checklist: str = Field(default="", max_length=20_000)


class ReviewCommentForm(BaseModel):
    body: str = Field(default="", max_length=5000)
    parent_id: str = Field(default="", max_length=40)
