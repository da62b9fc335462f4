"""What managing a pledge takes in and gives out: a pledge in full, address and card
changes, receipts, and the forms of the pledge and account pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hearth.errors import as_sentence
from hearth.funding import pledge_rules
from hearth.funding.rules import Channel, PledgeState
from hearth.funding.schemas import (
    BackerCardOut,
    BackerPledgeOut,
    FundingMoneyOut,
    Instant,
    PledgeShippingIn,
)

if TYPE_CHECKING:
    from hearth.funding.backing import PledgeView
    from hearth.funding.receipts import Receipt

NEW = "new"  # the choice of a form that means "what I type here", not a saved one


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PledgeAddressIn(_In):
    """Where a pledge's reward ships now: one of the caller's saved addresses, or a new one."""

    # Exactly one of the two, as the contract says (the check below holds the server to it).
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                {"required": ["address_id"], "properties": {"address_id": {"type": "string"}}},
                {"required": ["shipping"], "properties": {"shipping": {"type": "object"}}},
            ]
        },
    )

    address_id: str | None = Field(
        default=None, max_length=32, description="a saved address (GET /api/v1/me/addresses)"
    )
    shipping: PledgeShippingIn | None = None

    @model_validator(mode="after")
    def _one_of_them(self) -> Self:
        if (self.address_id is None) == (self.shipping is None):
            raise ValueError("give address_id or shipping, one of them")
        return self


class PledgeCardIn(_In):
    card_id: str = Field(max_length=32, description="one of the caller's saved cards")


class ReceiptLineOut(BaseModel):
    """One thing a receipt is for: a reward or a product, how many, what it cost."""

    title: str
    variant: str = Field(description="the product's variant; empty for a reward")
    quantity: int
    amount: FundingMoneyOut
    text: str = Field(description="the line in words, such as 2 × Lumi Lamp (Red)")


class ReceiptOut(BaseModel):
    """A receipt for a charge or a refund of an order of either channel."""

    id: str = Field(description="the order's id for its charge, the refund's id for a refund")
    kind: Literal["charge", "refund"]
    channel: Channel = Field(description="a funded pledge's order, or a store's regular sale")
    title: str = Field(description="Payment receipt, or Refund receipt")
    subject: str = Field(description="the campaign, or the store's order, it is about")
    order_id: str
    pledge_id: str | None = Field(description="the charged pledge (crowdfunding orders only)")
    payer: str
    partner_name: str
    store_slug: str
    campaign_id: str | None = Field(description="crowdfunding orders only")
    campaign_title: str = Field(description="empty for a store order")
    tier_title: str = Field(description="empty for a store order")
    quantity: int = Field(description="units in the order")
    lines: list[ReceiptLineOut] = Field(description="what the order is for, line by line")
    shipping: FundingMoneyOut = Field(description="what the charge took for shipping")
    amount: FundingMoneyOut = Field(description="what was charged, or refunded")
    card: str = Field(description="the card in words, such as Visa ending 4242")
    card_brand: str = Field(description="empty where the order never named its card")
    card_last4: str
    reference: str = Field(description="the provider's payment id, or its refund id")
    reason: str
    at: Instant

    @classmethod
    def of(cls, row: Receipt) -> Self:
        return cls(
            id=row.id,
            kind=row.kind,
            channel=row.channel,
            title=row.title,
            subject=row.subject,
            order_id=row.order_id,
            pledge_id=row.pledge_id,
            payer=row.payer,
            partner_name=row.partner_name,
            store_slug=row.store_slug,
            campaign_id=row.campaign_id,
            campaign_title=row.campaign_title,
            tier_title=row.tier_title,
            quantity=row.quantity,
            lines=[
                ReceiptLineOut(
                    title=line.title,
                    variant=line.variant,
                    quantity=line.quantity,
                    amount=FundingMoneyOut.of(line.amount.amount, line.amount.currency),
                    text=line.text,
                )
                for line in row.lines
            ],
            shipping=FundingMoneyOut.of(row.shipping.amount, row.shipping.currency),
            amount=FundingMoneyOut.of(row.amount.amount, row.amount.currency),
            card=row.card,
            card_brand=row.card_brand,
            card_last4=row.card_last4,
            reference=row.reference,
            reason=row.reason,
            at=row.at,
        )


class PledgeTierOut(BaseModel):
    id: str
    title: str
    description: str = Field(description="what is in the box")
    price: FundingMoneyOut
    per_backer: int


class PledgeStoreOut(BaseModel):
    name: str
    slug: str


class PledgeDetailOut(BackerPledgeOut):
    """A pledge as its backer manages it: the reward, the card, what happens next, receipts."""

    campaign_state: str
    campaign_ends_at: Instant
    delivery_date: date
    store: PledgeStoreOut
    tier: PledgeTierOut
    card: BackerCardOut
    state_words: str
    next_step: str
    may_change_address: bool
    address_note: str = Field(description="why the address cannot change now; empty if it can")
    may_change_card: bool
    card_note: str = Field(description="why the card cannot change now; empty if it can")
    may_retry: bool = Field(description="a failed charge may be paid again now")
    order_id: str | None
    order_status: str | None
    receipts: list[ReceiptOut]

    @classmethod
    def of_view(cls, view: PledgeView, now: datetime) -> Self:
        p, c, t = view.pledge, view.campaign, view.tier
        standing = view.standing
        address_note = pledge_rules.address_refusal(standing, now)
        card_note = pledge_rules.card_refusal(standing, now)
        shown = BackerPledgeOut.of_campaign(p, c).model_dump()
        return cls(
            **shown,
            campaign_state=c.state,
            campaign_ends_at=c.ends_at,
            delivery_date=c.delivery_date.date(),
            store=PledgeStoreOut(name=view.partner.name, slug=view.partner.slug),
            tier=PledgeTierOut(
                id=t.id,
                title=t.title,
                description=t.description,
                price=FundingMoneyOut.of(t.price, p.currency),
                per_backer=t.per_backer,
            ),
            card=BackerCardOut.of(view.card),
            state_words=pledge_rules.words_of_state(PledgeState(p.state)),
            next_step=pledge_rules.next_step(standing),
            may_change_address=address_note is None,
            address_note=as_sentence(address_note or ""),
            may_change_card=card_note is None,
            card_note=as_sentence(card_note or ""),
            may_retry=standing.in_retry_window(now),
            order_id=view.order.id if view.order is not None else None,
            order_status=view.order.status if view.order is not None else None,
            receipts=[ReceiptOut.of(r) for r in view.receipts],
        )


# -- forms ---------------------------------------------------------------------------------


class CardChoiceForm(BaseModel):
    """A card picked on a page: a saved one by id, or ``new`` with a number typed in."""

    card_id: str = Field(default="", max_length=32)
    card_number: str = Field(default="", max_length=32)
    idempotency_key: str = Field(default="", max_length=200)

    @property
    def wants_new(self) -> bool:
        """A number typed in wins over a saved card left picked: it is what was just done."""
        return bool(self.card_number.strip())

    def kept(self) -> dict[str, str]:
        """The fields as typed, for the page to show again after a refusal."""
        return {"card_id": self.card_id, "card_number": self.card_number}


class NewCardForm(BaseModel):
    """The account page's form that saves a card."""

    card_number: str = Field(default="", max_length=32)
    idempotency_key: str = Field(default="", max_length=200)


class PledgeAddressForm(BaseModel):
    """The pledge page's address form: a saved address by id, or ``new`` and the fields."""

    address_id: str = Field(default=NEW, max_length=32)
    name: str = Field(default="", max_length=80)
    line1: str = Field(default="", max_length=120)
    line2: str = Field(default="", max_length=120)
    city: str = Field(default="", max_length=60)
    postal_code: str = Field(default="", max_length=16)
    country: str = Field(default="", max_length=2)
    phone: str = Field(default="", max_length=32)

    def shipping(self) -> dict[str, str]:
        return self.model_dump(exclude={"address_id"})

    def kept(self) -> dict[str, str]:
        return self.model_dump()
