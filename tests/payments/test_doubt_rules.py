"""When the provider is asked about a charge in doubt, and when a person is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hearth.errors import InvalidTransition
from hearth.payments.doubt_rules import (
    ASK_AFTER,
    DOUBT_WORKFLOW,
    MAX_ASKS,
    DoubtState,
    after_silence,
    asks_for_one_more_try,
    first_ask,
)

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_the_first_ask_comes_a_minute_after_the_timeout() -> None:
    assert first_ask(NOW) == NOW + timedelta(minutes=1)


def test_each_silence_waits_longer_until_the_bound_sends_it_to_a_person() -> None:
    waits = []
    for asks in range(1, MAX_ASKS):
        state, at = after_silence(asks, NOW)
        assert state is DoubtState.OPEN
        waits.append(at - NOW)
    assert waits == sorted(waits) and waits == list(ASK_AFTER[1:])
    assert after_silence(MAX_ASKS, NOW) == (DoubtState.REVIEW, NOW)
    assert sum(ASK_AFTER, timedelta()) < timedelta(hours=9)  # a person hears the same day


def test_a_person_asking_again_gets_exactly_one_more_ask() -> None:
    assert after_silence(asks_for_one_more_try() + 1, NOW)[0] is DoubtState.REVIEW


def test_a_settled_doubt_never_opens_again() -> None:
    assert DOUBT_WORKFLOW.move(DoubtState.REVIEW, DoubtState.OPEN) is DoubtState.OPEN
    with pytest.raises(InvalidTransition):
        DOUBT_WORKFLOW.move(DoubtState.SETTLED, DoubtState.OPEN)
