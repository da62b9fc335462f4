"""Times hearth takes in: within the years 1970 to 9000 once in UTC, whatever their zone;
the aware kind handed on in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import AwareDatetime, BaseModel, ValidationError

from hearth.kit.timebounds import (
    FIRST_YEAR,
    LAST_YEAR,
    AwareBoundedDatetime,
    BoundedDatetime,
    bounded,
    in_bounds,
)


class Period(BaseModel):
    start: BoundedDatetime
    end: AwareDatetime | None = None


def test_the_edges_of_the_years_are_taken_and_what_lies_past_them_is_not() -> None:
    assert in_bounds(datetime(1970, 1, 1, tzinfo=UTC))
    assert in_bounds(datetime(9000, 12, 31, 23, 59, tzinfo=UTC))
    assert not in_bounds(datetime(1969, 12, 31, 23, 59, tzinfo=UTC))
    assert not in_bounds(datetime(9001, 1, 1, tzinfo=UTC))
    # Past the last day Python holds once in UTC, and before the first.
    assert not in_bounds(datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-14))))
    assert not in_bounds(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))))
    # Judged in UTC: 1970-01-01 01:00 at +02:00 is still 1969 there.
    assert not in_bounds(datetime(1970, 1, 1, 1, tzinfo=timezone(timedelta(hours=2))))


def test_a_naive_time_is_judged_as_written() -> None:
    assert in_bounds(datetime(2026, 11, 1, tzinfo=UTC).replace(tzinfo=None))
    assert not in_bounds(datetime(1, 1, 1, tzinfo=UTC).replace(tzinfo=None))


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59-14:00"])
def test_a_model_refuses_a_time_out_of_bounds_naming_its_field(text: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Period.model_validate({"start": text})
    (error,) = refused.value.errors()
    assert error["loc"] == ("start",)
    assert error["msg"] == "a time from the year 1970 to 9000 (UTC)"


@given(
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-14))])),
    st.integers(-7, 7),
)
def test_a_taken_time_can_be_turned_into_utc_and_moved_a_week(moment: datetime, days: int) -> None:
    if in_bounds(moment):
        (moment.astimezone(UTC) + timedelta(days=days)).isoformat()
        assert bounded(moment) is moment


class Window(BaseModel):
    at: AwareBoundedDatetime


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "9999-12-31T23:59:59Z",
        "1969-12-31T23:59:59Z",
        "2026-05-01T12:00:00",  # no offset: whose noon?
    ],
)
def test_an_aware_time_that_cannot_be_shifted_or_placed_is_refused(value: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Window(at=value)
    assert [e["loc"] for e in refused.value.errors()] == [("at",)]


def test_an_aware_time_is_handed_on_in_utc() -> None:
    at = Window(at="2026-05-01T12:00:00+02:00").at
    assert at == datetime(2026, 5, 1, 10, tzinfo=UTC) and at.utcoffset() == timedelta(0)


OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


@given(st.datetimes(), OFFSETS)
def test_any_wall_clock_time_anywhere_is_refused_or_survives_a_year_and_any_zone(
    wall: datetime, zone: timezone
) -> None:
    try:
        at = Window(at=wall.replace(tzinfo=zone)).at
    except ValidationError:
        return
    assert FIRST_YEAR <= at.year <= LAST_YEAR
    for days in (-366, 366):
        (at + timedelta(days=days)).astimezone(timezone(timedelta(hours=-14)))
        (at + timedelta(days=days)).astimezone(timezone(timedelta(hours=14)))
