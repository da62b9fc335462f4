"""The community's pure rules: the status workflow, who answers a board, the trending key,
categories and the comment edit window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hearth.community.rules import (
    EDIT_WINDOW,
    STATUS_WORKFLOW,
    BoardKind,
    BoardOwner,
    Status,
    answers_for,
    category_problem,
    may_edit_comment,
    trend_key,
    trending_score,
)
from hearth.errors import InvalidTransition

T0 = datetime(2026, 12, 1, tzinfo=UTC)
# Hypothesis takes naive bounds and adds the zone itself.
instants = st.datetimes(
    min_value=datetime(2021, 1, 1),  # noqa: DTZ001
    max_value=datetime(2030, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)


def test_the_status_workflow_runs_forward_and_aside_but_never_out_of_done_to_declined() -> None:
    assert STATUS_WORKFLOW.initial == {Status.OPEN}
    for forward in (Status.UNDER_REVIEW, Status.PLANNED, Status.IN_PROGRESS, Status.DONE):
        assert STATUS_WORKFLOW.can(Status.OPEN, forward)
    assert STATUS_WORKFLOW.can(Status.PLANNED, Status.DUPLICATE)
    with pytest.raises(InvalidTransition):
        STATUS_WORKFLOW.check(Status.DONE, Status.DECLINED)
    with pytest.raises(InvalidTransition):
        STATUS_WORKFLOW.check(Status.DUPLICATE, Status.PLANNED)


LUMI = BoardOwner(BoardKind.PRODUCT, "ptn_lumi")
HEARTH = BoardOwner(BoardKind.PLATFORM, None)


@pytest.mark.parametrize(
    ("owner", "role", "partner_id", "answers"),
    [
        (HEARTH, "reviewer", None, True),
        (HEARTH, "admin", None, True),
        (HEARTH, "partner", "ptn_lumi", False),
        (HEARTH, "fan", None, False),
        (LUMI, "partner", "ptn_lumi", True),
        (LUMI, "partner", "ptn_nova", False),
        (LUMI, "fan", "ptn_lumi", False),  # a fan account left with a company's id
        (LUMI, "admin", None, False),
        (BoardOwner(BoardKind.PRODUCT, None), "partner", None, False),
    ],
)
def test_only_the_board_owners_people_answer_it(
    owner: BoardOwner, role: str, partner_id: str | None, answers: bool
) -> None:
    assert answers_for(owner, role=role, partner_id=partner_id) is answers


@given(a=st.integers(0, 10**6), b=st.integers(0, 10**6), at_a=instants, at_b=instants)
def test_the_stored_trend_key_orders_as_the_decayed_score_does_at_any_moment(
    a: int, b: int, at_a: datetime, at_b: datetime
) -> None:
    now = max(at_a, at_b) + timedelta(hours=1)
    score_a, score_b = trending_score(a, at_a, now), trending_score(b, at_b, now)
    key_a, key_b = trend_key(a, at_a), trend_key(b, at_b)
    if abs(score_a - score_b) > 1e-9 * max(score_a, score_b) and max(score_a, score_b) > 1e-300:
        assert (score_a > score_b) == (key_a > key_b)


def test_a_vote_weighs_half_as_much_every_72_hours() -> None:
    assert trending_score(3, T0, T0) == 4
    assert trending_score(3, T0, T0 + timedelta(hours=72)) == pytest.approx(2)


def test_categories_are_fixed_per_kind_of_board() -> None:
    assert category_problem(BoardKind.PRODUCT, "firmware") is None
    assert category_problem(BoardKind.PLATFORM, "firmware") is not None


def test_a_comment_is_editable_by_its_author_for_fifteen_minutes() -> None:
    assert EDIT_WINDOW == timedelta(minutes=15)
    assert may_edit_comment(author_id="u", user_id="u", posted_at=T0, now=T0 + EDIT_WINDOW)
    assert not may_edit_comment(
        author_id="u", user_id="u", posted_at=T0, now=T0 + EDIT_WINDOW + timedelta(seconds=1)
    )
    assert not may_edit_comment(author_id="u", user_id="v", posted_at=T0, now=T0)
