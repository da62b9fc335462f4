"""Charges in doubt, pure: when to ask the provider again, and when to stop and ask a person.

A charge whose provider call timed out may or may not have happened. It is never guessed:
the same call is made again with the same idempotency key, which makes the provider replay
what it did (a charge, a decline) without moving money a second time. Until an answer
comes, whatever the charge was for stays as it is (a store's units stay held, a pledge is
neither charged nor dropped).

The provider is asked on a widening schedule, ``ASK_AFTER``: a timeout is usually one lost
answer, so the first ask comes a minute later, and a provider that is down for a while is
not hammered. After ``MAX_ASKS`` asks without an answer (about eight hours) the doubt is
left for the platform team to look at (``review``); a person may ask once more from the
platform's page, and an answer settles it as any round would.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum

from hearth.kit.workflow import Workflow

# How long to wait before each ask, the first counted from the timeout itself.
ASK_AFTER: tuple[timedelta, ...] = (
    timedelta(minutes=1),
    timedelta(minutes=2),
    timedelta(minutes=5),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=2),
    timedelta(hours=4),
)
MAX_ASKS = len(ASK_AFTER)
LEASE = timedelta(minutes=5)  # a worker asking about a doubt holds it this long


class Subject(StrEnum):
    """What a doubtful charge was for; each area settles its own."""

    SALE = "sale"  # a store's share of a checkout (a reservation)
    PLEDGE = "pledge"  # a pledge charged at the deadline, or paid again by its backer


class DoubtState(StrEnum):
    OPEN = "open"  # the outcome is unknown; the provider is asked on the schedule
    REVIEW = "review"  # no answer after MAX_ASKS asks: the platform team looks at it
    SETTLED = "settled"  # the provider answered, and what it said is booked


DOUBT_MOVES: Mapping[DoubtState, frozenset[DoubtState]] = {
    DoubtState.OPEN: frozenset({DoubtState.SETTLED, DoubtState.REVIEW}),
    # A person asks again: one more ask, then back here if the provider still says nothing.
    DoubtState.REVIEW: frozenset({DoubtState.OPEN, DoubtState.SETTLED}),
    DoubtState.SETTLED: frozenset(),
}
DOUBT_WORKFLOW = Workflow(DOUBT_MOVES, initial={DoubtState.OPEN}, name="payment doubt")
UNSETTLED = frozenset({DoubtState.OPEN, DoubtState.REVIEW})


def first_ask(now: datetime) -> datetime:
    """Return when to first ask about a call that timed out at ``now``."""
    return now + ASK_AFTER[0]


def after_silence(asks: int, now: datetime) -> tuple[DoubtState, datetime]:
    """Return the state and the next ask after ``asks`` asks (this one counted) went
    unanswered at ``now``: open with the next time on the schedule, or review."""
    if asks >= MAX_ASKS:
        return DoubtState.REVIEW, now
    return DoubtState.OPEN, now + ASK_AFTER[asks]


def asks_for_one_more_try() -> int:
    """Return the count a doubt a person asks again restarts from: one more silence sends
    it back for review."""
    return MAX_ASKS - 1
