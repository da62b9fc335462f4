"""A rating's figures from its five counters: the average to one decimal, each bar's share,
and the share positive (4 or 5 stars), which says 100% or 0% only when it is so."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hearth.community.review_rules import figures, stars_problem


def test_the_figures_of_a_rating_read_as_a_store_shows_them() -> None:
    shown = figures([1, 0, 2, 7, 30])  # 1 one-star ... 30 five-star reviews
    assert shown.count == 40
    assert shown.average == Decimal("4.6")  # 185 / 40 = 4.625, to one decimal
    assert shown.positive == 93  # 37 of 40
    assert shown.bars() == [(5, 30, 75), (4, 7, 18), (3, 2, 5), (2, 0, 0), (1, 1, 3)]


def test_no_reviews_have_no_average_and_no_share_positive() -> None:
    shown = figures([0, 0, 0, 0, 0])
    assert (shown.count, shown.average, shown.positive) == (0, None, None)
    assert [pct for _s, _n, pct in shown.bars()] == [0] * 5


def test_one_unhappy_review_among_hundreds_keeps_it_below_100_percent() -> None:
    assert figures([1, 0, 0, 0, 400]).positive == 99
    assert figures([400, 0, 0, 0, 1]).positive == 1
    assert figures([0, 0, 0, 3, 4]).positive == 100
    assert figures([2, 2, 0, 0, 0]).positive == 0


def test_a_rating_is_one_to_five_whole_stars() -> None:
    assert stars_problem(None) and stars_problem(0) and stars_problem(6)
    assert all(stars_problem(s) is None for s in range(1, 6))
    with pytest.raises(ValueError):
        figures([1, 2, 3])


@given(st.lists(st.integers(0, 10_000), min_size=5, max_size=5).filter(any))
def test_the_average_lies_within_the_stars_given_and_positive_is_a_percent(
    counts: list[int],
) -> None:
    shown = figures(counts)
    given_stars = [s for s in range(1, 6) if counts[s - 1]]
    assert shown.average is not None and shown.positive is not None
    assert min(given_stars) <= shown.average <= max(given_stars)
    assert 0 <= shown.positive <= 100
    assert (shown.positive == 100) == (counts[0] + counts[1] + counts[2] == 0)
