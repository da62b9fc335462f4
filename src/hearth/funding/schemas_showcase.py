"""What a product's public page gives out (``hearth.funding.showcase``), as JSON."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Self

from pydantic import BaseModel, Field

from hearth.funding.schemas import CampaignOut, FundingMoneyOut, Instant

if TYPE_CHECKING:
    from hearth.funding.showcase import ProductPage


class ProductStoreOut(BaseModel):
    """The partner whose store sells the product, and how to reach its customer service."""

    name: str
    slug: str
    url: str
    support_contact: str = Field(description="the partner runs its own customer service")


class ProductSpecItemOut(BaseModel):
    kind: str = Field(description="property, action or event")
    label: str
    text: str = Field(description="what it does, in words, with units and ranges")


class ProductSpecSectionOut(BaseModel):
    heading: str
    items: list[ProductSpecItemOut]


class ProductCertificationOut(BaseModel):
    """The passed certification run the product's approval rests on (its report is public
    at ``report_url``; the run's own id stays with the partner and the platform team)."""

    spec_version: int
    passed: int
    total: int
    certified_at: Instant | None
    report_url: str


class ProductSaleOut(BaseModel):
    """The product on regular sale in its store, after a funded campaign."""

    listing_id: str
    price: FundingMoneyOut
    stock: int
    in_stock: bool


class ProductDeviceMatchOut(BaseModel):
    name: str
    home: str
    shared: list[str] = Field(description="capabilities the device and the product both have")


class ProductRuleMatchOut(BaseModel):
    name: str
    kind: str = Field(description="scene or automation")
    home: str
    uses: list[str] = Field(description="capabilities of the product the rule reads or sets")


class ProductWorksWithOut(BaseModel):
    """What of the viewer's own the product could work with (empty for anonymous viewers)."""

    signed_in: bool
    devices: list[ProductDeviceMatchOut]
    rules: list[ProductRuleMatchOut]


class ProductPageOut(BaseModel):
    """A product on show in the mall, as its public page tells it."""

    id: str
    name: str
    category: str
    description: str
    retail_price: FundingMoneyOut
    photos: list[str] = Field(description="addresses of the product's photos, in order")
    store: ProductStoreOut
    spec: list[ProductSpecSectionOut] = Field(description="what it can do, in plain words")
    certification: ProductCertificationOut | None
    campaigns: list[CampaignOut]
    sale: ProductSaleOut | None = Field(description="null until it graduates to regular sale")
    works_with: ProductWorksWithOut

    @classmethod
    def of(cls, page: ProductPage, now: datetime) -> Self:
        p, partner, run, listing = page.product, page.partner, page.certification, page.listing
        return cls(
            id=p.id,
            name=p.name,
            category=p.category,
            description=p.description,
            retail_price=FundingMoneyOut.of(p.retail_price, p.currency),
            photos=page.photos,
            store=ProductStoreOut(
                name=partner.store_name or partner.name,
                slug=partner.slug,
                url=f"/stores/{partner.slug}",
                support_contact=partner.support_contact,
            ),
            spec=[
                ProductSpecSectionOut(
                    heading=section.heading,
                    items=[
                        ProductSpecItemOut(kind=s.kind, label=s.label, text=s.text)
                        for s in section.sentences
                    ],
                )
                for section in page.spec
            ],
            certification=None
            if run is None
            else ProductCertificationOut(
                spec_version=run.spec_version,
                passed=run.passed,
                total=run.total or run.passed + run.failed,
                certified_at=run.finished_at,
                report_url=f"/products/{p.id}/certification",
            ),
            campaigns=CampaignOut.many(page.campaigns, now),
            sale=None
            if listing is None
            else ProductSaleOut(
                listing_id=listing.id,
                price=FundingMoneyOut.of(listing.price, listing.currency),
                stock=listing.stock,
                in_stock=listing.stock > 0,
            ),
            works_with=ProductWorksWithOut(
                signed_in=page.signed_in,
                devices=[
                    ProductDeviceMatchOut(name=d.name, home=d.home, shared=d.shared)
                    for d in page.devices
                ],
                rules=[
                    ProductRuleMatchOut(name=r.name, kind=r.kind, home=r.home, uses=r.uses)
                    for r in page.rules
                ],
            ),
        )
