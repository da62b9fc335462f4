"""What crowdfunding takes in and gives out: request, form and response models.

Money goes in as a decimal string in the campaign's currency ("199.00"), as partners and
fans write it; the model checks its form and bounds, and the service reads it exactly with
the currency (``Money.parse``), which alone knows how many decimals are allowed. Money
comes out as integer minor units, the currency code and a display string.

Every name carries the area (``FundingOrderOut``, not ``OrderOut``): one OpenAPI document
holds the models of every area.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Protocol, Self, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    Strict,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from hearth.errors import InvalidInput
from hearth.funding.rules import (
    MAX_QUANTITY,
    MAX_TIERS,
    CampaignState,
    Channel,
    TicketStatus,
    is_early_bird,
    raised_counts,
    time_left,
)
from hearth.kit.bounds import NON_ZERO
from hearth.kit.money import AmountText, Money
from hearth.kit.timebounds import Bounded

if TYPE_CHECKING:
    from hearth.funding.campaigns import CampaignView
    from hearth.funding.figures import Figures
    from hearth.funding.models import (
        BackerCard,
        Campaign,
        CampaignStep,
        CampaignTier,
        CampaignUpdate,
        OrderItem,
        Pledge,
        StoreListing,
        Ticket,
        TicketMessage,
    )
    from hearth.funding.orders import OrderLine

MAX_UNITS = 10_000_000  # a tier's units on offer, a listing's stock (the columns are int32)
M = TypeVar("M", bound=BaseModel)


def _one_line(value: object) -> object:
    """Collapse runs of whitespace, as an address line is printed on a label."""
    return " ".join(value.split()) if isinstance(value, str) else value


def _country(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def _blank_is_none(value: object) -> object:
    return None if value == "" else value


def _positive(value: str) -> str:
    if Decimal(value) <= 0:
        raise ValueError("more than zero")
    return value


# Written as partners and fans write amounts, in ASCII digits (``kit.money.AMOUNT_PATTERN``):
# any amount fits the BIGINT columns in minor units, even times the largest quantity.
Amount = Annotated[
    AmountText,
    Field(examples=["199.00"], description="a decimal amount in the campaign's currency"),
]
PositiveAmount = Annotated[
    Amount,
    AfterValidator(_positive),
    Field(json_schema_extra={"allOf": [{"pattern": NON_ZERO}]}),
]


def whole(value: object) -> object:
    """Take a JSON number with nothing after the point as the whole number it is."""
    # JSON Schema counts 5.0 as an integer, as the contract says; "5" and 5.5 stay refused.
    return int(value) if isinstance(value, float) and value.is_integer() else value


# Counts of things (units, quantities) are JSON numbers, never strings to be converted.
Count = Annotated[int, Strict(), BeforeValidator(whole)]
# A time a partner sets: with its timezone, within the years hearth takes.
Moment = Annotated[AwareDatetime, Bounded]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# Times go out as this API has always written them: ISO 8601 with "+00:00".
Instant = Annotated[
    datetime,
    PlainSerializer(datetime.isoformat, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
OneLine = BeforeValidator(_one_line)
BlankIsNone = BeforeValidator(_blank_is_none)  # an empty form field or query says "none"


def problems_of(err: ValidationError, *, where: str = "") -> list[dict[str, str]]:
    """Name each field a validation error found, as ``{"field", "message"}`` pairs."""
    found = []
    for item in err.errors():
        path = ".".join(str(part) for part in item["loc"])
        field = ".".join(part for part in (where, path) if part) or "request"
        found.append({"field": field, "message": str(item["msg"]).removeprefix("Value error, ")})
    return found


def parse(model: type[M], data: object, *, where: str = "") -> M:
    """Validate ``data`` as ``model`` or raise ``InvalidInput`` naming every bad field (for
    input that no route validated: a form read in parts, a service's dict argument)."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise InvalidInput.fields(problems_of(err, where=where)) from err


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- campaigns ----------------------------------------------------------------------------


class CampaignTierIn(_In):
    """A reward tier as a partner writes it."""

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    description: str = Field(default="", max_length=2000)
    price: PositiveAmount
    retail_price: Amount = Field(description="the planned retail price: at least ``price``")
    limit: Count | None = Field(
        default=None, ge=1, le=MAX_UNITS, description="units on offer; null is unlimited"
    )
    per_backer: Count = Field(default=5, ge=1, le=MAX_QUANTITY)
    closes_at: Moment | None = Field(
        default=None,
        description="the tier stops taking pledges then (before the campaign ends: an early bird)",
    )
    early_bird: bool = Field(
        default=False,
        description=(
            "mark a limited tier an early bird; a tier that closes before the campaign "
            "ends is one anyway"
        ),
    )

    @field_validator("early_bird")
    @classmethod
    def _early_bird_ends_early(cls, value: bool, info: ValidationInfo) -> bool:
        if value and info.data.get("limit") is None and info.data.get("closes_at") is None:
            raise ValueError("an early-bird tier needs a unit limit or a closing time")
        return value

    @field_validator("retail_price")
    @classmethod
    def _not_below_price(cls, value: str, info: ValidationInfo) -> str:
        price = info.data.get("price")
        if price is not None and Decimal(value) < Decimal(price):
            raise ValueError("at least the crowdfunding price")
        return value


ImageAddress = Annotated[str, StringConstraints(max_length=499, pattern=r"^(/|https://)")]
MAX_FAQ = 30
MAX_SHIPPING_RATES = 250  # more than there are countries


class CampaignFaqIn(_In):
    """A question backers ask, answered by the partner before they have to ask it."""

    question: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    answer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


def _country_code(value: str) -> str:
    if re.fullmatch(r"[A-Z]{2}", value) is None:
        raise PydanticCustomError("country", "a two-letter country code, such as CN or US")
    return value


CountryCode = Annotated[
    str,
    AfterValidator(_country_code),
    BeforeValidator(lambda v: v.strip().upper() if isinstance(v, str) else v),
    Field(
        description="ISO 3166 two-letter code, in either case",
        examples=["CN"],
        json_schema_extra={"pattern": "^[A-Z]{2}$"},
    ),
]


class CampaignShippingIn(_In):
    """What shipping one pledge to a country costs."""

    country: CountryCode
    cost: Amount = Field(description="in the campaign's currency; 0.00 ships free")


def _one_rate_per_country(
    rates: list[CampaignShippingIn] | None,
) -> list[CampaignShippingIn] | None:
    if rates is not None:
        seen = [r.country for r in rates]
        twice = sorted({c for c in seen if seen.count(c) > 1})
        if twice:
            raise ValueError(f"one rate per country; {', '.join(twice)} given more than once")
    return rates


class CampaignIn(_In):
    """A change to a draft campaign; what is left out stays as it was."""

    title: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
        | None
    ) = None
    summary: str | None = Field(default=None, max_length=280)
    description: str | None = Field(default=None, max_length=20_000)
    images: list[ImageAddress] | None = Field(
        default=None, max_length=12, description="https:// or / addresses"
    )
    goal: PositiveAmount | None = Field(default=None, examples=["100000.00"])
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    delivery_date: Moment | None = None
    tiers: list[CampaignTierIn] | None = Field(default=None, min_length=1, max_length=MAX_TIERS)
    risks: str | None = Field(default=None, max_length=20_000)
    faq: list[CampaignFaqIn] | None = Field(default=None, max_length=MAX_FAQ)
    shipping: Annotated[list[CampaignShippingIn] | None, AfterValidator(_one_rate_per_country)] = (
        Field(
            default=None,
            max_length=MAX_SHIPPING_RATES,
            description="shipping per destination country; empty ships anywhere free",
        )
    )


class NewCampaignIn(CampaignIn):
    """A new campaign for one of the partner's approved products."""

    product_id: str = Field(max_length=32)
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    goal: PositiveAmount = Field(examples=["100000.00"])
    starts_at: Moment
    ends_at: Moment
    delivery_date: Moment
    tiers: list[CampaignTierIn] = Field(min_length=1, max_length=MAX_TIERS)


FormCell = Annotated[str, StringConstraints(max_length=200)]
FormText = Annotated[str, StringConstraints(max_length=2000)]
# What each tier row of the campaign form sends, in the order of CampaignTierIn's fields.
TIER_CELLS = (
    "title",
    "description",
    "price",
    "retail",
    "limit",
    "per_backer",
    "closes",
    "early_bird",
)
# The FAQ's and the shipping table's rows, sent the same way.
FAQ_CELLS = ("question", "answer")
SHIPPING_CELLS = ("country", "cost")


def _form_count(text: str) -> int | str | None:
    """Read a count typed into a form (blank: none); anything but ASCII digits is passed on
    as typed, for the campaign's model to refuse by name."""
    text = text.strip()
    if not text:
        return None
    return int(text) if re.fullmatch(r"[0-9]{1,9}", text) else text


def _form_moment(text: str, zone: tzinfo) -> datetime | str | None:
    """Read a time typed into a ``datetime-local`` box (or a ``date`` box: its midnight) in
    the writer's zone, as UTC; anything else is passed on as typed, for the model to refuse
    by name."""
    text = text.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def local_input(moment: datetime | None, zone: tzinfo) -> str:
    """Write a stored time for a ``datetime-local`` box in the writer's zone."""
    if moment is None:
        return ""
    return moment.astimezone(zone).replace(tzinfo=None).isoformat(timespec="minutes")


def _columns(form: BaseModel, prefix: str, cells: Sequence[str]) -> list[dict[str, str]]:
    """Return a form's parallel columns ``<prefix>_<cell>`` as rows, as typed."""
    columns = [getattr(form, f"{prefix}_{cell}") for cell in cells]
    count = max((len(c) for c in columns), default=0)
    return [
        {cell: (col[n] if n < len(col) else "") for cell, col in zip(cells, columns, strict=True)}
        for n in range(count)
    ]


def filled(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Return the rows with anything typed in them (an emptied row is a removed one)."""
    return [r for r in rows if any(v.strip() for v in r.values())]


FaqQuestion = Annotated[str, StringConstraints(max_length=300)]
FaqAnswer = Annotated[str, StringConstraints(max_length=5000)]


class CampaignForm(BaseModel):
    """The partner console's campaign form: times as the partner's browser writes them
    (``datetime-local``, in the partner's zone), tiers, FAQ entries and shipping rates as
    parallel rows, one list per cell (a row left empty is left out: that is how a row is
    removed without JavaScript)."""

    product_id: str = Field(default="", max_length=32)
    title: str = Field(default="", max_length=120)
    goal: str = Field(default="", max_length=20)
    starts_at: str = Field(default="", max_length=40)
    ends_at: str = Field(default="", max_length=40)
    delivery_on: str = Field(default="", max_length=40)
    summary: str = Field(default="", max_length=280)
    description: str = Field(default="", max_length=20_000)
    risks: str = Field(default="", max_length=20_000)
    tier_title: list[FormCell] = Field(default_factory=list, max_length=MAX_TIERS + 1)
    tier_description: list[FormText] = Field(default_factory=list, max_length=MAX_TIERS + 1)
    tier_price: list[FormCell] = Field(default_factory=list, max_length=MAX_TIERS + 1)
    tier_retail: list[FormCell] = Field(default_factory=list, max_length=MAX_TIERS + 1)
    tier_limit: list[FormCell] = Field(default_factory=list, max_length=MAX_TIERS + 1)
    tier_per_backer: list[FormCell] = Field(default_factory=list, max_length=MAX_TIERS + 1)
    tier_closes: list[FormCell] = Field(default_factory=list, max_length=MAX_TIERS + 1)
    tier_early_bird: list[FormCell] = Field(default_factory=list, max_length=MAX_TIERS + 1)
    faq_question: list[FaqQuestion] = Field(default_factory=list, max_length=MAX_FAQ + 1)
    faq_answer: list[FaqAnswer] = Field(default_factory=list, max_length=MAX_FAQ + 1)
    shipping_country: list[FormCell] = Field(
        default_factory=list, max_length=MAX_SHIPPING_RATES + 1
    )
    shipping_cost: list[FormCell] = Field(default_factory=list, max_length=MAX_SHIPPING_RATES + 1)
    then: str = Field(default="", max_length=20, description="``preview``: show it once saved")

    def rows(self) -> list[dict[str, str]]:
        """Return the tier rows as typed, blank rows included (to show the form again)."""
        return _columns(self, "tier", TIER_CELLS)

    def faq_rows(self) -> list[dict[str, str]]:
        """Return the FAQ rows as typed, blank rows included."""
        return _columns(self, "faq", FAQ_CELLS)

    def shipping_rows(self) -> list[dict[str, str]]:
        """Return the shipping rows as typed, blank rows included."""
        return _columns(self, "shipping", SHIPPING_CELLS)

    def _fields(self, zone: tzinfo) -> dict[str, Any]:
        tiers = []
        for row in self.rows():
            if not (row["title"].strip() or row["price"].strip()):
                continue
            tier: dict[str, Any] = {
                "title": row["title"],
                "description": row["description"].strip(),
                "price": row["price"].strip(),
                "retail_price": row["retail"].strip() or row["price"].strip(),
                "limit": _form_count(row["limit"]),
                "closes_at": _form_moment(row["closes"], zone),
                "early_bird": row["early_bird"].strip() == "yes",
            }
            per_backer = _form_count(row["per_backer"])
            if per_backer is not None:
                tier["per_backer"] = per_backer
            tiers.append(tier)
        fields = {
            "title": self.title,
            "summary": self.summary,
            "description": self.description,
            "risks": self.risks.strip(),
            "goal": self.goal.strip(),
            "starts_at": _form_moment(self.starts_at, zone),
            "ends_at": _form_moment(self.ends_at, zone),
            "delivery_date": _form_moment(self.delivery_on, zone),
            "tiers": tiers,
            # The form shows the whole FAQ and table: what is left out of them is removed.
            "faq": filled(self.faq_rows()),
            "shipping": filled(self.shipping_rows()),
        }
        return {k: v for k, v in fields.items() if v is not None}

    def campaign(self, zone: tzinfo) -> NewCampaignIn:
        """Return the new campaign the form describes, or raise ``InvalidInput``."""
        return parse(NewCampaignIn, {"product_id": self.product_id, **self._fields(zone)})

    def changes(self, zone: tzinfo) -> CampaignIn:
        """Return the whole draft the edit form describes, or raise ``InvalidInput``."""
        fields = self._fields(zone)
        for needed in ("starts_at", "ends_at", "delivery_date"):
            fields.setdefault(needed, "")  # a box emptied on edit is refused by name
        return parse(CampaignIn, fields)


class CampaignCancelIn(_In):
    reason: Annotated[Text, Field(max_length=2000, description="said to the backers")]


class CampaignCancelForm(CampaignCancelIn):
    """The platform's cancel form: the reason, beside the page's CSRF token."""

    model_config = ConfigDict(extra="ignore")


class CampaignUpdateIn(_In):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=160)]
    body: str = Field(default="", max_length=20_000)
    backers_only: bool = False


class CampaignGraduateIn(_In):
    price: PositiveAmount
    stock: Count = Field(ge=0, le=MAX_UNITS)


class LaunchReviewIn(_In):
    """The platform team's decision on a launch: comments for the partner (required to
    send it back)."""

    reason: str = Field(default="", max_length=2000, description="said to the partner")


class LaunchReviewForm(LaunchReviewIn):
    """The launch review page's form: the decision and the comments."""

    model_config = ConfigDict(extra="ignore")

    decision: str = Field(default="", max_length=20)


class CampaignActionForm(BaseModel):
    """The forms of a partner's campaign page; each action reads its own fields."""

    reason: str = Field(default="", max_length=2000)
    title: str = Field(default="", max_length=160)
    body: str = Field(default="", max_length=20_000)
    backers_only: bool = False
    price: str = Field(default="", max_length=20)
    stock: str = Field(default="", max_length=20)

    def listing(self) -> CampaignGraduateIn:
        """Return the listing the graduate form describes, or raise ``InvalidInput``."""
        stock = _form_count(self.stock)
        return parse(CampaignGraduateIn, {"price": self.price, "stock": stock})


# -- pledges ------------------------------------------------------------------------------


class PledgeShippingIn(_In):
    """Where the reward ships; lines are kept as printed on a label."""

    # Constraints first: the validators after them run before, on the raw text.
    name: Annotated[str, StringConstraints(min_length=1, max_length=80), OneLine]
    line1: Annotated[str, StringConstraints(min_length=1, max_length=120), OneLine]
    line2: Annotated[str, StringConstraints(max_length=120), OneLine] = ""
    city: Annotated[str, StringConstraints(min_length=1, max_length=60), OneLine]
    postal_code: Annotated[str, StringConstraints(min_length=1, max_length=16), OneLine]
    country: Annotated[
        str,
        StringConstraints(pattern=r"^[A-Z]{2}$"),
        BeforeValidator(_country),
        Field(description="ISO 3166 two-letter code, in either case"),
    ]
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] = ""


class BackerCardIn(_In):
    token: str = Field(min_length=1, max_length=64, description="from the provider's card form")


class PledgeIn(_In):
    tier_id: str = Field(max_length=32)
    quantity: Count = Field(default=1, ge=1, le=MAX_QUANTITY)
    card_id: str = Field(max_length=32)
    shipping: PledgeShippingIn


class PledgeForm(BaseModel):
    """The pledge form of a campaign page: a saved card or a new card number, and the
    address (checked by the pledge, so that a refused one re-renders the page)."""

    tier_id: str = Field(max_length=32)
    idempotency_key: str = Field(max_length=200)
    quantity: int = Field(default=1, ge=1, le=MAX_QUANTITY)
    card_id: str = Field(default="", max_length=32)
    card_number: str = Field(default="", max_length=32)
    name: str = Field(default="", max_length=80)
    line1: str = Field(default="", max_length=120)
    line2: str = Field(default="", max_length=120)
    city: str = Field(default="", max_length=60)
    postal_code: str = Field(default="", max_length=16)
    country: str = Field(default="", max_length=2)
    phone: str = Field(default="", max_length=32)

    def shipping(self) -> dict[str, str]:
        """Return the address fields as the pledge takes them."""
        return self.model_dump(
            include={"name", "line1", "line2", "city", "postal_code", "country", "phone"}
        )


class PledgeChangeIn(_In):
    tier_id: str | None = Field(default=None, max_length=32)
    quantity: Count | None = Field(default=None, ge=1, le=MAX_QUANTITY)


class PledgeChangeForm(BaseModel):
    quantity: int = Field(ge=1, le=MAX_QUANTITY)
    tier_id: str = Field(default="", max_length=32)


class PledgeRetryIn(_In):
    card_id: str | None = Field(default=None, max_length=32)


# -- orders and tickets -------------------------------------------------------------------


class OrderRefundIn(_In):
    amount: Annotated[Amount | None, BlankIsNone] = Field(
        default=None, description="omit for all that is left"
    )
    reason: str = Field(default="", max_length=200)


class OrderRefundForm(BaseModel):
    amount: str = Field(default="", max_length=20)
    reason: str = Field(default="", max_length=200)


class TrackingImportIn(_In):
    csv: str = Field(max_length=5_000_000)


class FundingTicketIn(_In):
    subject: Annotated[Text, Field(max_length=160)]
    body: Annotated[Text, Field(max_length=10_000)]


class FundingTicketForm(FundingTicketIn):
    """The order page's question form: subject and body, beside the page's CSRF token."""

    model_config = ConfigDict(extra="ignore")


class FundingTicketMessageIn(_In):
    body: Annotated[Text, Field(max_length=10_000)]


class FundingTicketReplyForm(BaseModel):
    """A reply, and a close if ``close`` is ticked."""

    body: str = Field(max_length=10_000)
    close: str = Field(default="", max_length=10)


class FundingTicketStatusIn(_In):
    status: TicketStatus


# -- out ----------------------------------------------------------------------------------


class FundingMoneyOut(BaseModel):
    amount: int = Field(description="integer minor units of the currency")
    currency: str = Field(description="ISO 4217 code")
    display: str

    @classmethod
    def of(cls, amount: int, currency: str) -> Self:
        return cls(**Money(amount, currency).to_dict())


class CampaignPartnerOut(BaseModel):
    id: str
    name: str
    slug: str


class CampaignTierOut(BaseModel):
    id: str
    title: str
    description: str
    price: FundingMoneyOut
    retail_price: FundingMoneyOut
    limit: int | None
    remaining: int | None
    per_backer: int
    closes_at: Instant | None
    early_bird: bool = Field(
        description="closes before the campaign ends: on a date, or a limited tier so marked"
    )
    open: bool
    backers: int

    @classmethod
    def of(cls, row: CampaignTier, currency: str, now: datetime, *, ends_at: datetime) -> Self:
        remaining = None if row.limit is None else max(0, row.limit - row.sold)
        closed = (row.closes_at is not None and now >= row.closes_at) or remaining == 0
        return cls(
            id=row.id,
            title=row.title,
            description=row.description,
            price=FundingMoneyOut.of(row.price, currency),
            retail_price=FundingMoneyOut.of(row.retail_price, currency),
            limit=row.limit,
            remaining=remaining,
            per_backer=row.per_backer,
            closes_at=row.closes_at,
            early_bird=is_early_bird(
                closes_at=row.closes_at, ends_at=ends_at, limit=row.limit, marked=row.early_bird
            ),
            open=not closed,
            backers=row.pledges,
        )


class CampaignFaqOut(BaseModel):
    question: str
    answer: str


class CampaignShippingOut(BaseModel):
    country: str = Field(description="ISO 3166 two-letter code")
    cost: FundingMoneyOut


class CampaignOut(BaseModel):
    id: str
    product_id: str
    partner: CampaignPartnerOut
    title: str
    summary: str
    description: str
    images: list[str]
    photos: list[str] = Field(description="the product's uploaded photos, in display order")
    risks: str
    faq: list[CampaignFaqOut]
    shipping: list[CampaignShippingOut] = Field(
        description="shipping per pledge by destination; empty ships anywhere free"
    )
    state: str
    goal: FundingMoneyOut
    raised: FundingMoneyOut = Field(
        description=(
            "pledged; once funded, less pledges dropped after a failed charge and refunds "
            "(``raised_counts`` says it in words)"
        )
    )
    raised_counts: str = Field(description="what ``raised`` counts, in words for a person")
    backers: int = Field(description="backers counted in ``raised``")
    percent: int = Field(description="of the goal, rounded down; may go far past 100")
    starts_at: Instant
    ends_at: Instant
    time_left: str
    delivery_date: date
    tiers: list[CampaignTierOut]

    @classmethod
    def of(cls, view: CampaignView, now: datetime) -> Self:
        c, p = view.campaign, view.progress
        return cls(
            id=c.id,
            product_id=c.product_id,
            partner=CampaignPartnerOut(
                id=view.partner.id, name=view.partner.name, slug=view.partner.slug
            ),
            title=c.title,
            summary=c.summary,
            description=c.description,
            images=c.images,
            photos=view.photos,
            risks=c.risks or "",
            faq=[CampaignFaqOut(**item) for item in c.faq or []],
            shipping=[
                CampaignShippingOut(country=k, cost=FundingMoneyOut.of(v, c.currency))
                for k, v in sorted((c.shipping_rates or {}).items())
            ],
            state=c.state,
            goal=FundingMoneyOut.of(c.goal, c.currency),
            raised=FundingMoneyOut.of(p.raised, c.currency),
            raised_counts=raised_counts(CampaignState(c.state)),
            backers=p.backers,
            percent=p.percent,
            starts_at=c.starts_at,
            ends_at=c.ends_at,
            time_left=time_left(c.ends_at, now) if now >= c.starts_at else "not started",
            delivery_date=c.delivery_date.date(),
            tiers=[CampaignTierOut.of(t, c.currency, now, ends_at=c.ends_at) for t in view.tiers],
        )

    @classmethod
    def many(cls, views: Sequence[CampaignView], now: datetime) -> list[Self]:
        return [cls.of(v, now) for v in views]


class LaunchOut(CampaignOut):
    """A launch in the platform team's review queue."""

    submitted_at: Instant | None = Field(description="when it was last submitted")

    @classmethod
    def of_launch(cls, view: CampaignView, now: datetime, submitted_at: datetime | None) -> Self:
        return cls(**CampaignOut.of(view, now).model_dump(), submitted_at=submitted_at)


class CampaignFiguresOut(BaseModel):
    """A campaign's money, each kind apart: pledged is not collected, and collected is not
    what the partner is paid."""

    pledged: FundingMoneyOut = Field(description="every pledge that counted at the end or now")
    backers: int
    collected: FundingMoneyOut = Field(description="charged from backers")
    charged: int = Field(description="pledges charged")
    failed: FundingMoneyOut = Field(description="pledges whose charge failed")
    failures: int
    retrying: int = Field(description="failed pledges still in their retry window")
    refunded: FundingMoneyOut = Field(description="given back to backers")
    commission: FundingMoneyOut = Field(description="kept by the platform, after refunds")
    payable: FundingMoneyOut = Field(
        description="the partner's share, after commission and refunds (before payouts)"
    )

    @classmethod
    def of(cls, figures: Figures) -> Self:
        c = figures.currency
        return cls(
            pledged=FundingMoneyOut.of(figures.pledged, c),
            backers=figures.backers,
            collected=FundingMoneyOut.of(figures.collected, c),
            charged=figures.charged,
            failed=FundingMoneyOut.of(figures.failed, c),
            failures=figures.failures,
            retrying=figures.retrying,
            refunded=FundingMoneyOut.of(figures.refunded, c),
            commission=FundingMoneyOut.of(figures.commission, c),
            payable=FundingMoneyOut.of(figures.payable, c),
        )


class CampaignUpdateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    title: str
    body: str
    backers_only: bool
    created_at: Instant

    @classmethod
    def of(cls, row: CampaignUpdate) -> Self:
        return cls.model_validate(row)


class CampaignStepOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_state: str = Field(alias="from")
    to_state: str = Field(alias="to")
    actor_id: str | None = Field(description="null when the clock moved it")
    reason: str
    at: Instant

    @classmethod
    def of(cls, row: CampaignStep) -> Self:
        return cls(
            from_state=row.from_state,
            to_state=row.to_state,
            actor_id=row.actor_id,
            reason=row.reason,
            at=row.at,
        )


class BackerCardOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int

    @classmethod
    def of(cls, row: BackerCard) -> Self:
        return cls.model_validate(row)


class PledgeOut(BaseModel):
    id: str
    campaign_id: str
    tier_id: str
    quantity: int
    amount: FundingMoneyOut = Field(description="the tier's price times the quantity")
    shipping_cost: FundingMoneyOut = Field(description="to the address's country, once")
    total: FundingMoneyOut = Field(description="what is charged: amount plus shipping")
    state: str
    card_id: str
    shipping: dict[str, str]
    failure: str
    retry_until: Instant | None = Field(description="a failed charge may be fixed until then")
    created_at: Instant

    @classmethod
    def of(cls, row: PledgeShape) -> Self:
        return cls(**_pledge_fields(row))


class BackerPledgeOut(PledgeOut):
    """A pledge as its backer lists it, with its campaign's title."""

    campaign_title: str

    @classmethod
    def of_campaign(cls, row: Pledge, campaign: Campaign) -> Self:
        return cls(**_pledge_fields(row), campaign_title=campaign.title)


class PledgeShape(Protocol):
    """What a pledge is shown from: its row, or a pledge just written as plain values."""

    @property
    def id(self) -> str: ...
    @property
    def campaign_id(self) -> str: ...
    @property
    def tier_id(self) -> str: ...
    @property
    def quantity(self) -> int: ...
    @property
    def amount(self) -> int: ...
    @property
    def shipping_cost(self) -> int: ...
    @property
    def currency(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def card_id(self) -> str: ...
    @property
    def shipping(self) -> dict[str, Any]: ...
    @property
    def failure(self) -> str: ...
    @property
    def retry_until(self) -> datetime | None: ...
    @property
    def created_at(self) -> datetime: ...


def _pledge_fields(row: PledgeShape) -> dict[str, Any]:
    return {
        "id": row.id,
        "campaign_id": row.campaign_id,
        "tier_id": row.tier_id,
        "quantity": row.quantity,
        "amount": FundingMoneyOut.of(row.amount, row.currency),
        "shipping_cost": FundingMoneyOut.of(row.shipping_cost, row.currency),
        "total": FundingMoneyOut.of(row.amount + row.shipping_cost, row.currency),
        "state": row.state,
        "card_id": row.card_id,
        "shipping": row.shipping,
        "failure": row.failure,
        "retry_until": row.retry_until,
        "created_at": row.created_at,
    }


class CampaignDetailOut(CampaignOut):
    """A campaign with the caller's own pledge in it, if any."""

    my_pledge: PledgeOut | None

    @classmethod
    def of_mine(cls, view: CampaignView, now: datetime, mine: Pledge | None) -> Self:
        shown = CampaignOut.of(view, now).model_dump()
        return cls(**shown, my_pledge=PledgeOut.of(mine) if mine is not None else None)


class PledgeRetryOut(BaseModel):
    order_id: str
    status: str


class OrderItemOut(BaseModel):
    """One line of an order, with the channel it sold through."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    channel: Channel
    product_id: str
    listing_id: str | None
    variant_id: str | None
    title: str
    variant: str
    quantity: int
    unit_price: FundingMoneyOut
    amount: FundingMoneyOut

    @classmethod
    def of(cls, row: OrderItem) -> Self:
        return cls(
            id=row.id,
            channel=Channel(row.channel),
            product_id=row.product_id,
            listing_id=row.listing_id,
            variant_id=row.variant_id,
            title=row.title,
            variant=row.variant,
            quantity=row.quantity,
            unit_price=FundingMoneyOut.of(row.unit_price, row.currency),
            amount=FundingMoneyOut.of(row.amount, row.currency),
        )


class FundingOrderOut(BaseModel):
    """An order of either channel: a funded pledge's, or a store checkout's."""

    id: str
    channel: Channel
    title: str = Field(description="the campaign's title, or the first item's")
    summary: str = Field(description="what is in it, in a few words")
    pledge_id: str | None = Field(description="the charged pledge (crowdfunding orders only)")
    campaign_id: str | None
    campaign_title: str
    tier_title: str
    partner_id: str
    items: list[OrderItemOut]
    quantity: int
    amount: FundingMoneyOut
    refunded: FundingMoneyOut
    status: str
    carrier: str
    tracking_number: str
    shipping: dict[str, str]
    created_at: Instant
    delivered_at: Instant | None

    @classmethod
    def of(cls, line: OrderLine) -> Self:
        o = line.order
        return cls(
            id=o.id,
            channel=Channel(o.channel),
            title=line.title,
            summary=line.summary,
            pledge_id=o.pledge_id,
            campaign_id=o.campaign_id,
            campaign_title=line.campaign_title,
            tier_title=line.tier_title,
            partner_id=o.partner_id,
            items=[OrderItemOut.of(i) for i in line.items],
            quantity=o.quantity,
            amount=FundingMoneyOut.of(o.amount, o.currency),
            refunded=FundingMoneyOut.of(o.refunded, o.currency),
            status=o.status,
            carrier=o.carrier,
            tracking_number=o.tracking_number,
            shipping=o.shipping,
            created_at=o.created_at,
            delivered_at=o.delivered_at,
        )


class FundingOrderStatusOut(BaseModel):
    id: str
    status: str


class OrderRefundOut(FundingOrderStatusOut):
    refunded: FundingMoneyOut = Field(description="all refunded so far")


class TrackingImportOut(BaseModel):
    shipped: int = Field(description="orders marked shipped")


class FundingTicketOut(BaseModel):
    id: str
    order_id: str
    subject: str
    status: str
    created_at: Instant
    updated_at: Instant

    @classmethod
    def of(cls, row: Ticket) -> Self:
        return cls(**_ticket_fields(row))


def _ticket_fields(row: Ticket) -> dict[str, Any]:
    return {
        "id": row.id,
        "order_id": row.order_id,
        "subject": row.subject,
        "status": row.status,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


class FundingTicketMessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    from_partner: bool
    body: str
    at: Instant


class FundingTicketThreadOut(FundingTicketOut):
    """A ticket with its messages, oldest first."""

    messages: list[FundingTicketMessageOut]

    @classmethod
    def of_thread(cls, row: Ticket, messages: Sequence[TicketMessage]) -> Self:
        return cls(
            **_ticket_fields(row),
            messages=[FundingTicketMessageOut.model_validate(m) for m in messages],
        )


class StoreListingOut(BaseModel):
    """A graduated product on regular sale in its partner's store."""

    id: str
    product_id: str
    campaign_id: str
    name: str
    price: FundingMoneyOut
    stock: int

    @classmethod
    def of(cls, row: StoreListing, name: str) -> Self:
        return cls(
            id=row.id,
            product_id=row.product_id,
            campaign_id=row.campaign_id,
            name=name,
            price=FundingMoneyOut.of(row.price, row.currency),
            stock=row.stock,
        )


class GraduationOut(BaseModel):
    """A funded product's listing for regular sale."""

    id: str
    product_id: str
    price: FundingMoneyOut
    stock: int

    @classmethod
    def of(cls, row: StoreListing) -> Self:
        return cls(
            id=row.id,
            product_id=row.product_id,
            price=FundingMoneyOut.of(row.price, row.currency),
            stock=row.stock,
        )
