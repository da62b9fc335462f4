"""The crowdfunding rules, pure: workflows, tier availability, progress, deadline rules.

Nothing here touches the database or the web. Services load rows, turn them into the
small values below, ask these functions, and store what they answer.

Campaign workflow (every move audited in ``campaign_steps``)::

                     ┌──retract──┐
                     ▼           │
    draft ──submit──► submitted ──approve──► scheduled ──start──► live ──end──► funded ──► …
      ▲                  │    ▲                  │                  │     └─────► failed
      │          send back    resubmit           │                  │
      │                  ▼    │                  │                  │
      │               sent_back                  │                  │
      └──────────────────(any of these)──cancel──┴──────cancel──────┴──► cancelled

A launch is reviewed by the platform team before it goes live: the partner submits it,
a reviewer approves it (it is then scheduled and goes live at its start time) or sends it
back with comments, and the partner edits it and resubmits. ``LAUNCH_MOVES`` names who
makes each of these moves (``check_launch_move``).

Rules near the deadline (also in docs/funding.md):

- while a campaign is live a backer may pledge, change tier or quantity, or cancel;
- in the last ``FINAL_HOURS`` before the end, a change that *lowers* what was pledged
  (a cancel, a smaller quantity, a cheaper tier) is refused if the campaign has reached its
  goal and the change would take it back below: late withdrawals cannot sink a funded
  campaign. Raising a pledge is always allowed;
- at the end time everything freezes, even if the outcome worker has not run yet: the
  clock decides, not the state column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from hearth.errors import Conflict, InvalidInput, MallError, PermissionDenied
from hearth.kit.workflow import Workflow

FINAL_HOURS = 24
RETRY_WINDOW = timedelta(days=3)  # a backer whose charge failed has this long to fix it
# A backer may not pay again while their last charge is in doubt; one refused after their
# window closed leaves them at least this long to pay with another card.
DOUBT_GRACE = timedelta(days=1)
MAX_QUANTITY = 1000
MAX_TIERS = 12


class CampaignState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # a launch waiting for the platform team's review
    SENT_BACK = "sent_back"  # the platform team asked for changes; the partner edits it
    SCHEDULED = "scheduled"  # approved: it goes live at its start time
    LIVE = "live"
    FUNDED = "funded"
    FAILED = "failed"
    FULFILLING = "fulfilling"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"


CAMPAIGN_MOVES: Mapping[CampaignState, frozenset[CampaignState]] = {
    CampaignState.DRAFT: frozenset({CampaignState.SUBMITTED, CampaignState.CANCELLED}),
    CampaignState.SUBMITTED: frozenset(
        {
            CampaignState.SCHEDULED,
            CampaignState.SENT_BACK,
            CampaignState.DRAFT,
            CampaignState.CANCELLED,
        }
    ),
    CampaignState.SENT_BACK: frozenset({CampaignState.SUBMITTED, CampaignState.CANCELLED}),
    CampaignState.SCHEDULED: frozenset(
        {CampaignState.LIVE, CampaignState.DRAFT, CampaignState.CANCELLED}
    ),
    CampaignState.LIVE: frozenset(
        {CampaignState.FUNDED, CampaignState.FAILED, CampaignState.CANCELLED}
    ),
    CampaignState.FUNDED: frozenset({CampaignState.FULFILLING}),
    CampaignState.FAILED: frozenset(),
    CampaignState.FULFILLING: frozenset({CampaignState.FULFILLED}),
    CampaignState.FULFILLED: frozenset(),
    CampaignState.CANCELLED: frozenset(),
}
CAMPAIGN_WORKFLOW = Workflow(CAMPAIGN_MOVES, initial={CampaignState.DRAFT}, name="campaign")

# Before approval a campaign is seen by its partner and the platform team alone.
UNLAUNCHED = frozenset({CampaignState.DRAFT, CampaignState.SUBMITTED, CampaignState.SENT_BACK})
PUBLIC_STATES = frozenset(CampaignState) - UNLAUNCHED
# What a partner may still change: its draft, or a launch the platform team sent back.
EDITABLE = frozenset({CampaignState.DRAFT, CampaignState.SENT_BACK})
# The platform team's queue of launches to review.
IN_REVIEW = frozenset({CampaignState.SUBMITTED})
# Funded: its pledges are being or were charged, and its orders may be refunded.
CHARGED_STATES = frozenset(
    {CampaignState.FUNDED, CampaignState.FULFILLING, CampaignState.FULFILLED}
)


class LaunchActor(StrEnum):
    PARTNER = "partner"
    REVIEWER = "reviewer"


@dataclass(frozen=True)
class LaunchMove:
    """Who makes a move of the launch review, and whether they must say why."""

    actor: LaunchActor
    needs_reason: bool = False


LAUNCH_MOVES: Mapping[tuple[CampaignState, CampaignState], LaunchMove] = {
    (CampaignState.DRAFT, CampaignState.SUBMITTED): LaunchMove(LaunchActor.PARTNER),
    (CampaignState.SENT_BACK, CampaignState.SUBMITTED): LaunchMove(LaunchActor.PARTNER),
    (CampaignState.SUBMITTED, CampaignState.DRAFT): LaunchMove(LaunchActor.PARTNER),
    (CampaignState.SUBMITTED, CampaignState.SCHEDULED): LaunchMove(LaunchActor.REVIEWER),
    (CampaignState.SUBMITTED, CampaignState.SENT_BACK): LaunchMove(
        LaunchActor.REVIEWER, needs_reason=True
    ),
}


def check_launch_move(
    current: CampaignState, target: CampaignState, *, actor: LaunchActor, reason: str = ""
) -> None:
    """Refuse a launch-review move the workflow lacks, one ``actor`` may not make, or one
    that needs a reason given without."""
    CAMPAIGN_WORKFLOW.check(current, target)
    move = LAUNCH_MOVES.get((current, target))
    if move is None:
        raise InvalidInput(f"moving a campaign to {target.value!r} is not a launch-review step")
    if move.actor is not actor:
        raise PermissionDenied(f"only a {move.actor} may move a campaign to {target.value!r}")
    if move.needs_reason and not reason.strip():
        raise InvalidInput.fields(
            [{"field": "reason", "message": "say what the partner should change"}]
        )


class PledgeState(StrEnum):
    ACTIVE = "active"  # card saved, counted in the campaign, nothing charged yet
    CHARGED = "charged"  # paid at the end; an order exists
    PAYMENT_FAILED = "payment_failed"  # the charge failed; the backer has a retry window
    DROPPED = "dropped"  # the retry window passed without a successful charge
    CANCELLED = "cancelled"  # the backer withdrew while the campaign was live
    RELEASED = "released"  # the campaign failed or was cancelled: nothing is taken


PLEDGE_MOVES: Mapping[PledgeState, frozenset[PledgeState]] = {
    PledgeState.ACTIVE: frozenset(
        {
            PledgeState.CHARGED,
            PledgeState.PAYMENT_FAILED,
            PledgeState.CANCELLED,
            PledgeState.RELEASED,
        }
    ),
    PledgeState.PAYMENT_FAILED: frozenset({PledgeState.CHARGED, PledgeState.DROPPED}),
    PledgeState.CHARGED: frozenset(),
    PledgeState.DROPPED: frozenset(),
    PledgeState.CANCELLED: frozenset(),
    PledgeState.RELEASED: frozenset(),
}
PLEDGE_WORKFLOW = Workflow(PLEDGE_MOVES, initial={PledgeState.ACTIVE}, name="pledge")

# Pledges that count towards the campaign's backers and money raised.
COUNTED = frozenset({PledgeState.ACTIVE, PledgeState.CHARGED, PledgeState.PAYMENT_FAILED})


class Channel(StrEnum):
    """Where an order line was sold: a funded campaign, or the store's regular sale."""

    CROWDFUNDING = "crowdfunding"
    SALE = "sale"


class OrderStatus(StrEnum):
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    REFUNDED = "refunded"


ORDER_MOVES: Mapping[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PAID: frozenset({OrderStatus.SHIPPED, OrderStatus.REFUNDED}),
    OrderStatus.SHIPPED: frozenset(
        {OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.REFUNDED}
    ),
    OrderStatus.DELIVERED: frozenset({OrderStatus.REFUNDED}),
    OrderStatus.REFUNDED: frozenset(),
}
ORDER_WORKFLOW = Workflow(ORDER_MOVES, initial={OrderStatus.PAID}, name="order")

DONE_ORDERS = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.REFUNDED})


class TicketStatus(StrEnum):
    OPEN = "open"  # waiting for the partner
    ANSWERED = "answered"  # the partner replied; waiting for the backer
    CLOSED = "closed"


TICKET_MOVES: Mapping[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.OPEN: frozenset({TicketStatus.ANSWERED, TicketStatus.CLOSED}),
    TicketStatus.ANSWERED: frozenset({TicketStatus.OPEN, TicketStatus.CLOSED}),
    TicketStatus.CLOSED: frozenset({TicketStatus.OPEN}),
}
TICKET_WORKFLOW = Workflow(TICKET_MOVES, initial={TicketStatus.OPEN}, name="ticket")


# -- tiers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tier:
    """What the rules need of a reward tier."""

    id: str
    price: int
    limit: int | None  # units on offer; None is unlimited
    sold: int
    per_backer: int
    closes_at: datetime | None  # early-bird tiers close on a date, or when sold out

    def remaining(self) -> int | None:
        """Return the units left, or None when the tier is unlimited."""
        return None if self.limit is None else max(0, self.limit - self.sold)

    def is_open(self, now: datetime) -> bool:
        """Tell whether the tier still takes new units at ``now``."""
        if self.closes_at is not None and now >= self.closes_at:
            return False
        remaining = self.remaining()
        return remaining is None or remaining > 0


def is_early_bird(
    *, closes_at: datetime | None, ends_at: datetime, limit: int | None, marked: bool
) -> bool:
    """Tell whether a tier is an early bird: it really closes before the campaign does.

    Either it closes on a date before the campaign's end, or it has a unit limit and its
    partner marked it an early bird (a limited tier is not one by itself: a "Collector's
    edition" of 50 units is scarce, not early).
    """
    if closes_at is not None and closes_at < ends_at:
        return True
    return marked and limit is not None


def shipping_cost_of(rates: Mapping[str, int], country: str) -> int:
    """Return the shipping of one pledge to ``country`` (an ISO code), in minor units.

    A campaign without rates ships anywhere free; one with rates ships only to the
    countries it lists, and refuses the others by name.
    """
    if not rates:
        return 0
    cost = rates.get(country.strip().upper())
    if cost is None:
        listed = ", ".join(sorted(rates))
        raise InvalidInput.fields(
            [
                {
                    "field": "country",
                    "message": f"this campaign does not ship to {country or 'that country'}; "
                    f"it ships to {listed}",
                }
            ]
        )
    return cost


def pledge_total(*, price: int, quantity: int, shipping: int) -> int:
    """Return what a pledge will be charged: the tier's price times the quantity, plus
    shipping (once per pledge)."""
    return price * quantity + shipping


def check_quantity(tier: Tier, quantity: int) -> None:
    """Refuse a quantity outside 1..the tier's per-backer limit."""
    if not 1 <= quantity <= min(tier.per_backer, MAX_QUANTITY):
        raise InvalidInput.fields(
            [
                {
                    "field": "quantity",
                    "message": f"between 1 and {tier.per_backer} per backer for this tier",
                }
            ]
        )


@dataclass(frozen=True)
class Window:
    """A campaign's timing and standing, as the pledge rules see them."""

    state: CampaignState
    starts_at: datetime
    ends_at: datetime
    goal: int
    raised: int


def check_pledging_open(window: Window, now: datetime) -> None:
    """Refuse any pledge change unless the campaign is live and its end has not come."""
    if window.state is not CampaignState.LIVE or not window.starts_at <= now < window.ends_at:
        raise MallError("the campaign is not taking pledges now")


def check_lowering(window: Window, now: datetime, *, decrease: int) -> None:
    """Refuse, in the final hours, a decrease that would take a funded campaign below goal."""
    check_pledging_open(window, now)
    if decrease <= 0:
        return
    in_final_hours = now >= window.ends_at - timedelta(hours=FINAL_HOURS)
    if in_final_hours and window.raised >= window.goal and window.raised - decrease < window.goal:
        raise Conflict(
            f"in the last {FINAL_HOURS} hours a pledge cannot be lowered or cancelled "
            "if that would take the campaign below its goal"
        )


# -- progress ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    goal: int
    raised: int
    backers: int

    @property
    def percent(self) -> int:
        """Return the percent of goal reached, rounded down (it may go far past 100)."""
        return self.raised * 100 // self.goal if self.goal > 0 else 0

    @property
    def bar(self) -> int:
        """Return the width of a progress bar, capped at 100."""
        return min(100, self.percent)

    @property
    def funded(self) -> bool:
        return self.goal > 0 and self.raised >= self.goal


def outcome_of(progress: Progress) -> CampaignState:
    """Return what a campaign becomes at its end: all or nothing."""
    return CampaignState.FUNDED if progress.funded else CampaignState.FAILED


def raised_counts(state: CampaignState) -> str:
    """Say what a campaign's one public figure, "raised", counts in this state."""
    if state in CHARGED_STATES:
        return (
            "pledges charged or still being paid, less refunds; "
            "pledges whose payment failed for good are not counted"
        )
    if state is CampaignState.FAILED:
        return "pledged when it ended below its goal; nothing was charged"
    if state is CampaignState.CANCELLED:
        return "pledged when it was cancelled; nothing was charged"
    return "pledged so far; charged only if the goal is reached by the end"


def time_left(ends_at: datetime, now: datetime) -> str:
    """Say how long is left in words people read at a glance ("3 days", "5 hours")."""
    seconds = int((ends_at - now).total_seconds())
    if seconds <= 0:
        return "ended"
    if seconds >= 2 * 86400:
        return f"{seconds // 86400} days"
    if seconds >= 2 * 3600:
        return f"{seconds // 3600} hours"
    if seconds >= 120:
        return f"{seconds // 60} minutes"
    return f"{seconds} seconds"


# -- a campaign draft -------------------------------------------------------------------


@dataclass(frozen=True)
class TierDraft:
    """A reward tier to store: its prices in minor units of the campaign's currency."""

    title: str
    price: int
    retail_price: int
    limit: int | None = None
    per_backer: int = 5
    closes_at: datetime | None = None
    description: str = ""
    early_bird: bool = False  # marked by the partner (``is_early_bird``)


def problems_of_order(*, starts_at: datetime, ends_at: datetime) -> list[dict[str, str]]:
    """List what is out of order in a campaign's dates: every draft is held to this, and
    publishing checks the rest of its schedule (``problems_of_schedule``)."""
    if ends_at > starts_at:
        return []
    return [
        {"field": "starts_at", "message": "before the campaign ends"},
        {"field": "ends_at", "message": "after the campaign starts"},
    ]


def problems_of_schedule(
    *, starts_at: datetime, ends_at: datetime, delivery: datetime, now: datetime
) -> list[dict[str, str]]:
    """List what is wrong with a campaign's dates when it is published."""
    problems: list[dict[str, str]] = []
    if ends_at <= starts_at:
        problems.append({"field": "ends_at", "message": "after the start"})
    elif ends_at - starts_at > timedelta(days=90):
        problems.append({"field": "ends_at", "message": "at most 90 days after the start"})
    if ends_at <= now:
        problems.append({"field": "ends_at", "message": "in the future"})
    if delivery <= ends_at:
        problems.append({"field": "delivery_date", "message": "after the campaign ends"})
    return problems


def problems_of_tiers(
    closing: list[datetime | None], *, starts_at: datetime, ends_at: datetime
) -> list[dict[str, str]]:
    """List early-bird closing times that fall outside the campaign (tier by tier)."""
    return [
        {"field": f"tiers.{n}.closes_at", "message": "between the campaign's start and end"}
        for n, closes_at in enumerate(closing)
        if closes_at is not None and not starts_at < closes_at < ends_at
    ]
