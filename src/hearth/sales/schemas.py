"""Requests and answers of regular sale: listings and variants, the cart, checkout, returns."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, StringConstraints

from hearth.funding.schemas import FundingMoneyOut, Instant, whole
from hearth.kit.money import AmountText
from hearth.sales.cart import Line, StoreGroup
from hearth.sales.catalog import ListingView
from hearth.sales.checkout import CheckoutResult
from hearth.sales.models import SaleReturn, SaleVariant
from hearth.sales.rules import MAX_PER_ORDER, MAX_STOCK, ReservationState, ReturnState

# Whole numbers as JSON has them (1.0 counts, as JSON Schema says), never strings.
# (The bounds sit beside the checks, not around ``Count``, so the contract states them.)
Quantity = Annotated[int, Field(ge=1, le=MAX_PER_ORDER), Strict(), BeforeValidator(whole)]
Stock = Annotated[int, Field(ge=0, le=MAX_STOCK), Strict(), BeforeValidator(whole)]
VariantName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=32)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VariantOut(BaseModel):
    id: str
    name: str
    stock: int

    @classmethod
    def of(cls, row: SaleVariant) -> Self:
        return cls(id=row.id, name=row.name, stock=row.stock)


class SaleListingOut(BaseModel):
    """A graduated product on regular sale: price, per-order limit, variants with stock."""

    id: str
    product_id: str
    name: str
    store_name: str
    store_slug: str
    price: FundingMoneyOut
    per_order: int = Field(description="the most one order may take")
    stock: int = Field(description="all variants together")
    variants: list[VariantOut]

    @classmethod
    def of(cls, view: ListingView) -> Self:
        row = view.listing
        return cls(
            id=row.id,
            product_id=row.product_id,
            name=view.name,
            store_name=view.store_name,
            store_slug=view.store_slug,
            price=FundingMoneyOut.of(row.price, row.currency),
            per_order=row.per_order,
            stock=view.stock,
            variants=[VariantOut.of(v) for v in view.variants],
        )


class ListingChangeIn(_In):
    price: AmountText | None = Field(default=None, description="in the listing's currency")
    per_order: Quantity | None = None


class VariantIn(_In):
    name: VariantName
    stock: Stock


class VariantChangeIn(_In):
    name: VariantName | None = None
    stock: Stock | None = Field(default=None, description="what is on the shelf now")


class CartLineIn(_In):
    variant_id: Id
    quantity: Quantity = 1


class CartLineChangeIn(_In):
    quantity: Quantity


class CartLineOut(BaseModel):
    id: str
    listing_id: str
    product_id: str
    variant_id: str
    name: str
    variant: str
    quantity: int
    price: FundingMoneyOut = Field(description="the price now")
    price_seen: FundingMoneyOut = Field(description="the price when it was added")
    subtotal: FundingMoneyOut
    stock: int
    price_changed: bool
    sold_out: bool
    short: bool = Field(description="fewer left than this line asks for")

    @classmethod
    def of(cls, line: Line) -> Self:
        notes = line.notes
        return cls(
            id=line.line.id,
            listing_id=line.listing.id,
            product_id=line.listing.product_id,
            variant_id=line.variant.id,
            name=line.product_name,
            variant=line.variant.name,
            quantity=line.line.quantity,
            price=FundingMoneyOut.of(line.price.amount, line.price.currency),
            price_seen=FundingMoneyOut.of(line.price_seen.amount, line.price.currency),
            subtotal=FundingMoneyOut.of(line.subtotal.amount, line.price.currency),
            stock=line.variant.stock,
            price_changed=notes.price_changed,
            sold_out=notes.sold_out,
            short=notes.short,
        )


class CartStoreOut(BaseModel):
    """One store's lines: one order at checkout."""

    partner_id: str
    name: str
    slug: str
    subtotal: FundingMoneyOut
    lines: list[CartLineOut]

    @classmethod
    def of(cls, group: StoreGroup) -> Self:
        sub = group.subtotal
        return cls(
            partner_id=group.partner_id,
            name=group.name,
            slug=group.slug,
            subtotal=FundingMoneyOut.of(sub.amount, sub.currency),
            lines=[CartLineOut.of(x) for x in group.lines],
        )


class CartOut(BaseModel):
    stores: list[CartStoreOut]
    units: int

    @classmethod
    def of(cls, groups: list[StoreGroup]) -> Self:
        return cls(
            stores=[CartStoreOut.of(g) for g in groups],
            units=sum(x.line.quantity for g in groups for x in g.lines),
        )


class CheckoutIn(_In):
    address_id: Id = Field(description="one of your saved addresses")
    card_id: Id = Field(description="one of your saved cards")


class StoreOutcomeOut(BaseModel):
    partner_id: str
    store_name: str
    state: ReservationState = Field(
        description="paid (an order exists), failed (declined: nothing taken), held "
        "(the payment's outcome is not known yet: ask again with the same key), expired"
    )
    amount: FundingMoneyOut
    order_id: str | None
    failure: str


class CheckoutOut(BaseModel):
    id: str
    created_at: Instant
    stores: list[StoreOutcomeOut]

    @classmethod
    def of(cls, done: CheckoutResult) -> Self:
        return cls(
            id=done.checkout.id,
            created_at=done.checkout.created_at,
            stores=[
                StoreOutcomeOut(
                    partner_id=s.partner_id,
                    store_name=s.store_name,
                    state=s.state,
                    amount=FundingMoneyOut.of(s.amount.amount, s.amount.currency),
                    order_id=s.order_id,
                    failure=s.failure,
                )
                for s in done.stores
            ],
        )


class ReturnIn(_In):
    reason: Reason


class ReturnDeclineIn(_In):
    answer: Reason = Field(description="why, for the fan")


class ReturnOut(BaseModel):
    id: str
    order_id: str
    state: ReturnState
    reason: str
    answer: str
    created_at: Instant
    decided_at: Instant | None
    restocked_at: Instant | None = Field(
        description="when the returned units went back into stock, once it was refunded"
    )

    @classmethod
    def of(cls, row: SaleReturn) -> Self:
        return cls(
            id=row.id,
            order_id=row.order_id,
            state=ReturnState(row.state),
            reason=row.reason,
            answer=row.answer,
            created_at=row.created_at,
            decided_at=row.decided_at,
            restocked_at=row.restocked_at,
        )


class PartnerReturnOut(ReturnOut):
    amount: FundingMoneyOut = Field(description="what the order was paid")
    ship_to: str

    @classmethod
    def of_order(cls, row: SaleReturn, amount: int, currency: str, name: str) -> Self:
        return cls(
            **ReturnOut.of(row).model_dump(),
            amount=FundingMoneyOut.of(amount, currency),
            ship_to=name,
        )


class ListingForm(BaseModel):
    """The partner's listing form."""

    price: str = Field(default="", max_length=20)
    per_order: str = Field(default="", max_length=6)


class VariantForm(BaseModel):
    name: str = Field(default="", max_length=80)
    stock: str = Field(default="", max_length=12)


class AddForm(BaseModel):
    variant_id: str = Field(default="", max_length=32)
    quantity: str = Field(default="1", max_length=6)
    next: str = Field(default="", max_length=200)


class QuantityForm(BaseModel):
    quantity: str = Field(default="", max_length=6)


class CheckoutForm(BaseModel):
    address_id: str = Field(default="", max_length=32)
    card_id: str = Field(default="", max_length=32)
    key: str = Field(default="", max_length=200)


class ReturnForm(BaseModel):
    reason: str = Field(default="", max_length=2000)
    key: str = Field(default="", max_length=200)


class DeclineForm(BaseModel):
    answer: str = Field(default="", max_length=2000)
