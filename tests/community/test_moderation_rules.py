"""The pure rules of moderation: the posting limits' wait, mute lengths, who sees hidden
content and who moderates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hearth.community.moderation_rules import (
    COMMENT_LIMIT,
    SUGGESTION_LIMIT,
    may_see_hidden,
    moderates,
    mute_end,
    retry_seconds,
    wait_before_posting,
)

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def test_the_wait_ends_when_the_oldest_post_that_fills_the_window_leaves_it() -> None:
    posts = [NOW - timedelta(minutes=m) for m in (50, 40, 30, 20, 10)]
    assert wait_before_posting(posts, SUGGESTION_LIMIT, NOW) == timedelta(minutes=10)
    assert wait_before_posting(posts[1:], SUGGESTION_LIMIT, NOW) == timedelta(0)
    older = [NOW - timedelta(minutes=m) for m in (70, 40, 30, 20, 10)]
    assert wait_before_posting(older, SUGGESTION_LIMIT, NOW) == timedelta(0)
    assert retry_seconds(timedelta(seconds=0.2)) == 1


@given(
    st.lists(st.integers(min_value=0, max_value=900), max_size=60),
)
def test_after_the_wait_a_person_may_post_and_just_before_it_may_not(seconds: list[int]) -> None:
    posts = [NOW - timedelta(seconds=s) for s in seconds]
    wait = wait_before_posting(posts, COMMENT_LIMIT, NOW)
    later = NOW + wait
    inside = [p for p in posts if later - p < COMMENT_LIMIT.window]
    assert len(inside) < COMMENT_LIMIT.count
    if wait > timedelta(0):
        just_before = later - timedelta(microseconds=1)
        counted = [p for p in posts if just_before - p < COMMENT_LIMIT.window]
        assert len(counted) >= COMMENT_LIMIT.count


def test_a_mute_lasts_one_hour_to_thirty_days_given_in_hours_or_as_a_moment() -> None:
    assert mute_end(NOW, hours=24, until=None) == (NOW + timedelta(hours=24), None)
    assert mute_end(NOW, hours=None, until=NOW + timedelta(days=30))[0] == NOW + timedelta(days=30)
    assert mute_end(NOW, hours=None, until=NOW + timedelta(minutes=30))[1] == (
        "is at least one hour from now"
    )
    assert mute_end(NOW, hours=24 * 31, until=None)[1] == "is at most 30 days from now"
    assert mute_end(NOW, hours=1, until=NOW)[1] is not None  # one or the other, not both


def test_only_the_platform_team_moderates_and_sees_what_is_hidden_besides_its_author() -> None:
    assert [r for r in ("fan", "partner", "reviewer", "admin") if moderates(r)] == [
        "reviewer",
        "admin",
    ]
    assert may_see_hidden(author_id="usr_a", user_id="usr_a", moderator=False)
    assert may_see_hidden(author_id="usr_a", user_id="usr_b", moderator=True)
    assert not may_see_hidden(author_id="usr_a", user_id="usr_b", moderator=False)
    assert not may_see_hidden(author_id=None, user_id=None, moderator=False)
