"""The state rules: each message applied once in any order, availability, desired/reported."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hearth.hub.state import (
    WINDOW,
    Mark,
    Twin,
    apply_confirmed,
    apply_desired,
    apply_report,
    apply_status,
    settle_desired,
)

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_a_repeated_report_is_not_applied_twice() -> None:
    twin = Twin("dev_a")
    assert apply_report(twin, boot=1, seq=1, props={"2.1": True}, now=NOW) == {"2.1": True}
    assert apply_report(twin, boot=1, seq=1, props={"2.1": True}, now=NOW) is None
    assert twin.reports == 1


def test_a_late_report_fills_in_what_it_alone_carried_but_never_overwrites_newer_values() -> None:
    twin = Twin("dev_a")
    apply_report(twin, boot=1, seq=6, props={"2.1": True}, now=NOW)
    changed = apply_report(twin, boot=1, seq=5, props={"2.1": False, "2.2": 40}, now=NOW)
    assert changed == {"2.2": 40}
    assert twin.reported == {"2.1": True, "2.2": 40}
    assert twin.reports == 2


def test_messages_older_than_the_window_or_from_an_earlier_boot_are_dropped() -> None:
    twin = Twin("dev_a")
    apply_report(twin, boot=2, seq=100, props={"2.1": 1}, now=NOW)
    assert apply_report(twin, boot=2, seq=100 - WINDOW, props={"2.1": 0}, now=NOW) is None
    assert apply_report(twin, boot=1, seq=500, props={"2.1": 0}, now=NOW) is None
    assert apply_report(twin, boot=3, seq=0, props={"2.1": 7}, now=NOW) == {"2.1": 7}


@given(st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=80), st.randoms())
def test_any_shuffle_of_a_window_with_repeats_applies_each_message_exactly_once(
    seqs: list[int], shuffler: random.Random
) -> None:
    # Two workers and redelivery: every message may arrive twice, in any order.
    deliveries = seqs + seqs
    shuffler.shuffle(deliveries)
    mark, applied = Mark(), []
    for seq in deliveries:
        after = mark.admit(7, seq)
        if after is not None:
            applied.append(seq)
            mark = after
    assert sorted(applied) == sorted(set(seqs))


@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 3), st.integers()), max_size=60))
def test_each_property_ends_with_the_value_of_the_newest_message_that_carried_it(
    messages: list[tuple[int, int, int]],
) -> None:
    twin = Twin("dev_a")
    for seq, prop, value in messages:
        apply_report(twin, boot=1, seq=seq, props={f"2.{prop + 1}": value}, now=NOW)
    newest: dict[str, tuple[int, int]] = {}
    for index, (seq, prop, value) in enumerate(messages):
        key = f"2.{prop + 1}"
        first_of_seq = all(s != seq for s, _, _ in messages[:index])
        if first_of_seq and (key not in newest or seq > newest[key][0]):
            newest[key] = (seq, value)
    assert twin.reported == {key: value for key, (_, value) in newest.items()}


def test_a_last_will_from_an_older_connection_does_not_take_a_reconnected_device_offline() -> None:
    twin = Twin("dev_a")
    assert apply_status(twin, boot=1, link=1, online=True, now=NOW) is True
    assert apply_status(twin, boot=1, link=2, online=True, now=NOW) is None  # reconnected
    assert apply_status(twin, boot=1, link=1, online=False, now=NOW) is None  # old will
    assert twin.online
    assert apply_status(twin, boot=1, link=2, online=False, now=NOW) is False
    assert not twin.online


def test_heartbeats_push_the_moment_a_silent_device_counts_as_offline() -> None:
    """2.5 to 3 heartbeats after the last message; moved only when it would come sooner,
    so that most messages leave it as it was."""
    twin = Twin("dev_a", heartbeat=10)
    apply_status(twin, boot=1, link=1, online=True, now=NOW)
    assert twin.stale_at == NOW + timedelta(seconds=30)
    soon = NOW + timedelta(seconds=3)
    apply_report(twin, boot=1, seq=1, props={}, now=soon)
    assert twin.stale_at == NOW + timedelta(seconds=30)  # still 2.5 heartbeats away
    later = NOW + timedelta(seconds=20)
    apply_status(twin, boot=1, link=1, online=True, now=later)
    assert twin.stale_at == later + timedelta(seconds=30)
    for step in range(1, 200):
        now = later + timedelta(seconds=step * 0.7)
        apply_report(twin, boot=1, seq=1 + step, props={}, now=now)
        assert now + timedelta(seconds=25) <= twin.stale_at <= now + timedelta(seconds=30)


def test_desired_values_leave_the_delta_once_reported_or_answered() -> None:
    twin = Twin("dev_a", reported={"2.1": False, "2.2": 10})
    apply_desired(twin, {"2.1": True, "2.2": 50, "2.3": "x"})
    assert twin.delta() == {"2.1": True, "2.2": 50, "2.3": "x"}
    apply_report(twin, boot=1, seq=1, props={"2.1": True}, now=NOW)
    assert twin.delta() == {"2.2": 50, "2.3": "x"}
    settle_desired(twin, ["2.2"])
    assert twin.delta() == {"2.3": "x"}


def test_a_confirmed_value_stands_until_a_report_sent_after_the_answer() -> None:
    twin = Twin("dev_a")
    apply_report(twin, boot=1, seq=4, props={"2.2": 10}, now=NOW)
    answered_at = twin.mark
    apply_report(twin, boot=1, seq=5, props={"2.2": 40}, now=NOW)  # sent after it answered
    apply_desired(twin, {"2.2": 30, "2.1": True})
    changed = apply_confirmed(twin, {"2.2": 30, "2.1": True}, after=answered_at, now=NOW)
    assert changed == {"2.1": True}  # 40 came later and stays
    assert twin.reported == {"2.2": 40, "2.1": True}
    assert twin.desired == {"2.2": 30}  # only the wish the device confirmed is done
    apply_report(twin, boot=1, seq=3, props={"2.1": False}, now=NOW)  # sent before: too old
    assert twin.reported["2.1"] is True
    apply_report(twin, boot=1, seq=6, props={"2.1": False}, now=NOW)
    assert twin.reported["2.1"] is False
