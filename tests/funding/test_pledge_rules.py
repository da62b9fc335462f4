"""What a backer may change on a pledge, by its state, and how the state reads (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hearth.errors import Conflict
from hearth.funding import pledge_rules
from hearth.funding.pledge_rules import Standing
from hearth.funding.rules import CampaignState, OrderStatus, PledgeState

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
OPEN_WINDOW = NOW + timedelta(days=1)
SHUT_WINDOW = NOW - timedelta(seconds=1)


def standing(
    state: PledgeState,
    *,
    campaign: CampaignState = CampaignState.FUNDED,
    retry_until: datetime | None = None,
    order: OrderStatus | None = None,
) -> Standing:
    return Standing(state, campaign, retry_until, order)


@pytest.mark.parametrize(
    ("shown", "address", "card"),
    [
        (standing(PledgeState.ACTIVE, campaign=CampaignState.LIVE), True, True),
        (standing(PledgeState.PAYMENT_FAILED, retry_until=OPEN_WINDOW), True, True),
        (standing(PledgeState.PAYMENT_FAILED, retry_until=SHUT_WINDOW), False, False),
        (standing(PledgeState.CHARGED, order=OrderStatus.PAID), True, False),
        (standing(PledgeState.CHARGED, order=OrderStatus.SHIPPED), False, False),
        (standing(PledgeState.CHARGED, order=OrderStatus.DELIVERED), False, False),
        (standing(PledgeState.CHARGED, order=OrderStatus.REFUNDED), False, False),
        (standing(PledgeState.DROPPED), False, False),
        (standing(PledgeState.CANCELLED, campaign=CampaignState.LIVE), False, False),
        (standing(PledgeState.RELEASED, campaign=CampaignState.FAILED), False, False),
    ],
)
def test_the_address_changes_until_shipping_and_the_card_until_the_charge(
    shown: Standing, address: bool, card: bool
) -> None:
    assert (pledge_rules.address_refusal(shown, NOW) is None) is address
    assert (pledge_rules.card_refusal(shown, NOW) is None) is card


def test_a_refused_change_says_why_in_words() -> None:
    shipped = standing(PledgeState.CHARGED, order=OrderStatus.SHIPPED)
    with pytest.raises(Conflict, match="has shipped, so its address can no longer change"):
        pledge_rules.check_address_change(shipped, NOW)
    late = standing(PledgeState.PAYMENT_FAILED, retry_until=SHUT_WINDOW)
    with pytest.raises(Conflict, match="the time to fix this payment has passed"):
        pledge_rules.check_card_change(late, NOW)


def test_every_state_says_what_happens_next() -> None:
    said = {
        state: pledge_rules.next_step(standing(state, order=OrderStatus.PAID))
        for state in PledgeState
    }
    assert len(set(said.values())) == len(PledgeState)  # each state reads differently
    assert all(text.endswith(".") and text[0].isupper() for text in said.values())
    live = pledge_rules.next_step(standing(PledgeState.ACTIVE, campaign=CampaignState.LIVE))
    assert "nothing is charged yet" in live


def test_a_decline_code_is_said_in_words_and_an_unknown_one_keeps_the_message() -> None:
    assert pledge_rules.decline_words("insufficient_funds", "declined") == (
        "the bank says there is not enough money on the card"
    )
    assert pledge_rules.decline_words("do_not_honor", "the card was declined") == (
        "the card was declined"
    )
