"""The ecosystem's figures as data: what each counts, over which days, and how a range reads.

A figure is kept per UTC day in ``insights_daily`` (``rollup``): one number for a day and a
key (``""`` for the whole, else a dimension such as ``category:light``, ``currency:CNY``,
``channel:sale``). ``FIGURES`` says, for every figure the platform dashboard shows, how it is
counted, in words a person reads under its chart; the tests hold the rollup to the same
words, counting the raw rows another way.

Days are UTC days, and the dashboard says so: a rollup per viewer's zone would multiply the
work by the zones in use, and a day's figures in UTC are what the platform team compares
across regions.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

# How long after its end a day is counted once more and then left alone: late rows (a
# pledge settled in a batch, a report from a device's buffer) land within it.
SETTLE = timedelta(hours=2)
WEEK = 7
MONTH = 30


class Range(StrEnum):
    """The spans the dashboard offers."""

    WEEK = "7d"
    MONTH = "30d"
    QUARTER = "90d"

    @property
    def days(self) -> int:
        return {Range.WEEK: 7, Range.MONTH: 30, Range.QUARTER: 90}[self]

    @property
    def label(self) -> str:
        return {Range.WEEK: "7 days", Range.MONTH: "30 days", Range.QUARTER: "90 days"}[self]


class Kind(StrEnum):
    """How a figure adds up over a range."""

    LEVEL = "level"  # a state at the day's end (devices registered): the range shows the last
    FLOW = "flow"  # what happened that day (new stores): the range shows the sum


@dataclass(frozen=True)
class Figure:
    name: str
    title: str
    kind: Kind
    how: str  # how it is counted, shown under the chart
    money: bool = False  # minor units, one line per currency (no whole)


FIGURES: tuple[Figure, ...] = (
    Figure(
        "people.active",
        "Daily active people",
        Kind.LEVEL,
        "People who used hearth that UTC day: any page or API request while signed in, "
        "from the home app to the mall. Devices reporting on their own do not count.",
    ),
    Figure(
        "people.active_7d",
        "Weekly active people",
        Kind.LEVEL,
        "People active on at least one of the 7 days up to and including that day.",
    ),
    Figure(
        "people.active_30d",
        "Monthly active people",
        Kind.LEVEL,
        "People active on at least one of the 30 days up to and including that day.",
    ),
    Figure(
        "devices.registered",
        "Devices registered",
        Kind.LEVEL,
        "Devices made (minted) by the day's end and not revoked, by category and by maker.",
    ),
    Figure(
        "devices.connected",
        "Devices connected",
        Kind.LEVEL,
        "Devices online when the day was last counted (every few minutes today; for a past "
        "day, its last count): the device cloud keeps no history of who was online.",
    ),
    Figure(
        "partners.new",
        "New partner stores",
        Kind.FLOW,
        "Partner companies approved that day.",
    ),
    Figure(
        "campaigns.live",
        "Campaigns live",
        Kind.LEVEL,
        "Campaigns taking pledges at the day's end (a cancelled campaign leaves every day).",
    ),
    Figure(
        "campaigns.funded",
        "Campaigns funded",
        Kind.FLOW,
        "Campaigns that ended that day having reached their goal.",
    ),
    Figure(
        "campaigns.failed",
        "Campaigns not funded",
        Kind.FLOW,
        "Campaigns that ended that day short of their goal (cancelled ones are not counted).",
    ),
    Figure(
        "money.pledged",
        "Money pledged",
        Kind.FLOW,
        "Pledges made that day and not cancelled by their backers, in each currency.",
        money=True,
    ),
    Figure(
        "sales.units",
        "Units sold, by channel",
        Kind.FLOW,
        "Units in orders created that day: crowdfunding orders (made when a campaign is "
        "funded) and regular sale orders from the mall, per product.",
    ),
    Figure(
        "sales.revenue",
        "Revenue, by channel",
        Kind.FLOW,
        "What those orders were paid, in each currency, before refunds.",
        money=True,
    ),
    Figure(
        "suggestions.opened",
        "Suggestions posted",
        Kind.FLOW,
        "Suggestions posted on any board that day.",
    ),
    Figure(
        "suggestions.answered",
        "Suggestions answered",
        Kind.FLOW,
        "Suggestions that got their first official answer that day.",
    ),
)
BY_NAME = {f.name: f for f in FIGURES}


CHANNELS = {"crowdfunding": "Crowdfunding", "sale": "Regular sale"}


def key_label(key: str, names: dict[str, str]) -> str:
    """Say what a figure's key counts: ``category:light`` is "light", ``channel:sale``
    "Regular sale", ``maker:<id>`` the partner's name (``names``), ``hearth`` hearth's own."""
    parts = []
    for part in key.split("|"):
        kind, _, value = part.partition(":")
        if kind == "channel":
            parts.append(CHANNELS.get(value, value))
        elif kind in ("maker", "product"):
            parts.append("hearth" if value == "hearth" else names.get(value, value))
        else:
            parts.append(value)
    return ", ".join(parts) or "All"


def day_of(moment: datetime) -> date:
    """Return the UTC day a moment falls on."""
    return moment.astimezone(UTC).date()


def day_start(day: date) -> datetime:
    """Return the first moment of a UTC day."""
    return datetime.combine(day, time(0), tzinfo=UTC)


def day_end(day: date) -> datetime:
    """Return the first moment after a UTC day."""
    return day_start(day) + timedelta(days=1)


def days_of(last: date, count: int) -> list[date]:
    """Return ``count`` days ending with ``last``, oldest first."""
    return [last - timedelta(days=n) for n in range(count - 1, -1, -1)]


def settled(day: date, now: datetime) -> bool:
    """Tell whether a day is over and past its settling time: counted once more, it is final."""
    return now >= day_end(day) + SETTLE


def over_range(kind: Kind, values: Sequence[int]) -> int:
    """Return a figure's one number for a range: the last day's level or the sum of the flows."""
    if not values:
        return 0
    return values[-1] if kind is Kind.LEVEL else sum(values)


def funding_rate(funded: int, failed: int) -> float | None:
    """Return the share of ended campaigns that were funded, or None when none ended."""
    ended = funded + failed
    return funded / ended if ended else None


# Percent of goal at the end, in bands a person reads at a glance; the last is open-ended
# (the ecosystem's best campaigns reach thousands of percent).
PERCENT_BANDS: tuple[tuple[int, int | None], ...] = (
    (0, 50),
    (50, 100),
    (100, 200),
    (200, 500),
    (500, 1000),
    (1000, None),
)


def band_label(low: int, high: int | None) -> str:
    return f"{low:,}%+" if high is None else f"{low:,}–{high:,}%"


def percent_of_goal(raised: int, goal: int) -> int:
    """Return how many percent of its goal a campaign raised, rounded down."""
    return raised * 100 // goal if goal > 0 else 0


def bands(percents: Iterable[int]) -> list[tuple[str, int]]:
    """Count campaigns per band of percent of goal (every band, empty ones too)."""
    counts = [0] * len(PERCENT_BANDS)
    for p in percents:
        for i, (low, high) in enumerate(PERCENT_BANDS):
            if p >= low and (high is None or p < high):
                counts[i] += 1
                break
    return [
        (band_label(low, high), n) for (low, high), n in zip(PERCENT_BANDS, counts, strict=True)
    ]


def median(values: Sequence[float]) -> float | None:
    """Return the median, or None for no values."""
    return statistics.median(values) if values else None
