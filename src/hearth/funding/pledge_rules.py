"""What a backer may change on a pledge, and how its state reads, pure.

Nothing here touches the database or the web: services load the pledge, its campaign and
its order, ask these functions, and store what they answer.

- The **address** can change until the reward ships: while the pledge waits for the
  charge, while a failed charge may still be fixed, and after the charge while the order
  is paid but not shipped (the order's copy changes with it).
- The **card** can change until the charge: while the pledge is active, and during the
  retry window of a declined charge. A charge in progress (a worker holds the pledge's
  lease) is not raced: the change waits for its outcome.
- A saved card cannot be removed while an open pledge (active, or failed and still in its
  retry window) would be charged with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hearth.errors import Conflict
from hearth.funding.rules import CampaignState, OrderStatus, PledgeState

OPEN_PLEDGES = frozenset({PledgeState.ACTIVE, PledgeState.PAYMENT_FAILED})

# What a decline code means, for the backer (the provider's codes, as real ones send them).
DECLINES = {
    "insufficient_funds": "the bank says there is not enough money on the card",
    "card_declined": "the bank declined the card",
    "lost_card": "the bank says the card was reported lost",
    "expired_card": "the card has expired",
    "incorrect_cvc": "the security code is wrong",
    "incorrect_number": "the card number is not one the provider knows",
    "authentication_required": "the bank wants you to confirm the payment yourself",
}


def decline_words(code: str | None, message: str) -> str:
    """Say why a card was refused, in words, from its decline code (or the message)."""
    return DECLINES.get(code or "", message)


@dataclass(frozen=True)
class Standing:
    """A pledge as these rules see it."""

    state: PledgeState
    campaign: CampaignState
    retry_until: datetime | None
    order: OrderStatus | None  # the order a charge made, if any

    def in_retry_window(self, now: datetime) -> bool:
        """Tell whether a failed charge may still be fixed at ``now``."""
        return (
            self.state is PledgeState.PAYMENT_FAILED
            and self.retry_until is not None
            and now < self.retry_until
        )


def address_refusal(standing: Standing, now: datetime) -> str | None:
    """Return why the address cannot change now, or None when it can."""
    if standing.state is PledgeState.ACTIVE or standing.in_retry_window(now):
        return None
    if standing.state is PledgeState.CHARGED:
        if standing.order is OrderStatus.PAID:
            return None
        if standing.order is OrderStatus.REFUNDED:
            return "the order is refunded; there is nothing left to ship"
        return "the reward has shipped, so its address can no longer change; ask the maker"
    return f"a {words_of_state(standing.state)} pledge ships nothing"


def check_address_change(standing: Standing, now: datetime) -> None:
    """Refuse an address change the pledge no longer allows."""
    refusal = address_refusal(standing, now)
    if refusal is not None:
        raise Conflict(refusal)


def card_refusal(standing: Standing, now: datetime) -> str | None:
    """Return why the card cannot change now, or None when it can."""
    if standing.state is PledgeState.ACTIVE or standing.in_retry_window(now):
        return None
    if standing.state is PledgeState.CHARGED:
        return "the pledge is paid; its card can no longer change"
    if standing.state is PledgeState.PAYMENT_FAILED:
        return "the time to fix this payment has passed"
    return f"a {words_of_state(standing.state)} pledge is never charged"


def check_card_change(standing: Standing, now: datetime) -> None:
    """Refuse a card change the pledge no longer allows."""
    refusal = card_refusal(standing, now)
    if refusal is not None:
        raise Conflict(refusal)


def words_of_state(state: PledgeState) -> str:
    """Name a pledge's state for a person."""
    return {
        PledgeState.ACTIVE: "pledged",
        PledgeState.CHARGED: "paid",
        PledgeState.PAYMENT_FAILED: "payment failed",
        PledgeState.DROPPED: "dropped",
        PledgeState.CANCELLED: "cancelled",
        PledgeState.RELEASED: "released",
    }[state]


def next_step(standing: Standing) -> str:
    """Say what happens next to a pledge, in a sentence for its backer (times are added by
    the page, in the viewer's zone)."""
    state, campaign = standing.state, standing.campaign
    if state is PledgeState.ACTIVE:
        if campaign is CampaignState.LIVE or campaign is CampaignState.SCHEDULED:
            return (
                "Your card is saved and nothing is charged yet. It is charged only if the "
                "campaign reaches its goal when it ends."
            )
        return "The campaign is funded: your card is being charged now."
    if state is PledgeState.PAYMENT_FAILED:
        return (
            "The charge failed. Pay with this card again or another one before the window "
            "closes to keep your reward; after that the pledge is dropped."
        )
    if state is PledgeState.CHARGED:
        return {
            OrderStatus.PAID: "Paid. The maker is preparing your reward; you can still change "
            "where it ships until it leaves.",
            OrderStatus.SHIPPED: "Paid and on its way.",
            OrderStatus.DELIVERED: "Paid and delivered.",
            OrderStatus.REFUNDED: "Paid, then refunded.",
        }.get(standing.order or OrderStatus.PAID, "Paid.")
    if state is PledgeState.DROPPED:
        return (
            "The payment did not go through in time, so the pledge was dropped. "
            "Nothing was charged."
        )
    if state is PledgeState.CANCELLED:
        return "You withdrew this pledge. Nothing was charged."
    return "The campaign did not go ahead, so the pledge was released. Nothing was charged."


def card_in_use(campaign_title: str, pledge_id: str) -> Conflict:
    """The refusal of removing a card an open pledge would be charged with."""
    return Conflict(
        f"This card pays for your pledge to {campaign_title} ({pledge_id}). "
        "Choose another card for that pledge first."
    )
