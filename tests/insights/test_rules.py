"""The pure parts of the figures: percent of goal and its bands, the funding rate, a range's
one number, which days are final, and what a key says."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hearth.insights import rules
from hearth.insights.rules import Kind


def test_percent_of_goal_rounds_down_and_every_band_is_listed_even_empty() -> None:
    assert rules.percent_of_goal(65_000_00 * 61, 65_000_00) == 6100
    assert rules.percent_of_goal(199, 200) == 99  # short of the goal is never shown as 100%
    assert rules.percent_of_goal(5, 0) == 0
    assert rules.bands([0, 49, 50, 100, 6100]) == [
        ("0–50%", 2), ("50–100%", 1), ("100–200%", 1), ("200–500%", 0), ("500–1,000%", 0),
        ("1,000%+", 1),
    ]  # fmt: skip


def test_the_funding_rate_is_unknown_until_a_campaign_ends() -> None:
    assert rules.funding_rate(0, 0) is None
    assert rules.funding_rate(3, 1) == 0.75


def test_a_level_reads_its_last_day_and_a_flow_its_sum() -> None:
    assert rules.over_range(Kind.LEVEL, [5, 7, 6]) == 6
    assert rules.over_range(Kind.FLOW, [5, 7, 6]) == 18
    assert rules.over_range(Kind.FLOW, []) == 0


def test_a_day_is_final_once_it_is_over_and_has_settled() -> None:
    day = date(2026, 11, 3)
    assert not rules.settled(day, datetime(2026, 11, 4, 1, 59, tzinfo=UTC))
    assert rules.settled(day, datetime(2026, 11, 4, 2, 0, tzinfo=UTC))


def test_a_key_says_what_it_counts() -> None:
    names = {"ptn_1": "Lumi Labs", "prd_1": "Glow Lamp"}
    assert rules.key_label("", names) == "All"
    assert rules.key_label("category:light", names) == "light"
    assert rules.key_label("maker:ptn_1", names) == "Lumi Labs"
    assert rules.key_label("maker:hearth", names) == "hearth"
    assert rules.key_label("channel:sale|currency:CNY", names) == "Regular sale, CNY"
    assert rules.key_label("product:prd_1|channel:crowdfunding", names) == "Glow Lamp, Crowdfunding"
