"""The rules of reviews and campaign questions, pure: stars, the figures a product's rating
shows, the sorts of its reviews, and the bounds of what people write.

A fan whose order of a product was delivered rates it 1-5 stars, once per order and product
(writing again edits). A rating's figures are kept as five counters (how many reviews gave
each number of stars) and everything a page shows is worked out from them here: the count,
the average to one decimal, each bar's share, and the share positive, where **positive means
4 or 5 stars** (the way Youpin shows "97% positive").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

STARS = (5, 4, 3, 2, 1)  # the order bars are drawn in, best first
POSITIVE = frozenset({4, 5})
MAX_REVIEW_TITLE = 120
MAX_REVIEW_BODY = 5_000  # characters of Markdown
MAX_REPLY = 3_000  # a partner's answer to a review or a question
MAX_QUESTION = 1_000
REVIEW_PAGE_SIZE = 10
QUESTIONS_SHOWN = 5  # on a campaign's page; its Q&A page shows every question
SUGGESTIONS_SHOWN = 3  # the top of the product's board on a campaign's page

# How a review names the channel its order came through.
CHANNEL_LABELS: Mapping[str, str] = {"crowdfunding": "Backed", "sale": "Bought"}


class ReviewSort(StrEnum):
    NEWEST = "newest"
    HIGHEST = "highest"  # most stars first, then newest
    LOWEST = "lowest"  # fewest stars first, then newest


REVIEW_SORT_LABELS: Mapping[ReviewSort, str] = {
    ReviewSort.NEWEST: "Newest",
    ReviewSort.HIGHEST: "Highest rated",
    ReviewSort.LOWEST: "Lowest rated",
}


def stars_problem(stars: int | None) -> str | None:
    """Say what is wrong with ``stars`` as a rating (None: fine)."""
    if stars is None:
        return "choose 1 to 5 stars"
    if stars not in STARS:
        return "must be a whole number from 1 to 5"
    return None


def _half_up(value: Decimal, places: str) -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Figures:
    """A product's rating from its five counters (``counts[s]``: reviews giving ``s`` stars)."""

    counts: Mapping[int, int]

    @property
    def count(self) -> int:
        return sum(self.counts.get(s, 0) for s in STARS)

    @property
    def average(self) -> Decimal | None:
        """The mean of the stars, to one decimal (half up); None without reviews."""
        if not self.count:
            return None
        total = sum(s * self.counts.get(s, 0) for s in STARS)
        return _half_up(Decimal(total) / Decimal(self.count), "0.1")

    @property
    def positive(self) -> int | None:
        """The percent of reviews with 4 or 5 stars, rounded half up, except that it says
        100 only when every review is positive and 0 only when none is; None without
        reviews."""
        if not self.count:
            return None
        good = sum(self.counts.get(s, 0) for s in POSITIVE)
        share = int(_half_up(Decimal(100 * good) / Decimal(self.count), "1"))
        if good < self.count:
            share = min(share, 99)
        if good:
            share = max(share, 1)
        return share

    def share(self, stars: int) -> int:
        """Return the percent of reviews giving ``stars`` (a bar's length), rounded half up."""
        if not self.count:
            return 0
        return int(_half_up(Decimal(100 * self.counts.get(stars, 0)) / Decimal(self.count), "1"))

    def bars(self) -> list[tuple[int, int, int]]:
        """Return (stars, reviews, percent) for each bar, five stars first."""
        return [(s, self.counts.get(s, 0), self.share(s)) for s in STARS]


def figures(counts: Sequence[int]) -> Figures:
    """Return the figures of the counters for 1, 2, 3, 4 and 5 stars, in that order."""
    if len(counts) != 5:
        raise ValueError("five counters: 1 to 5 stars")
    return Figures({stars: int(n) for stars, n in zip((1, 2, 3, 4, 5), counts, strict=True)})


def stars_text(stars: int) -> str:
    """Return how a number of stars reads aloud: "4 out of 5 stars"."""
    return f"{stars} out of 5 stars"
