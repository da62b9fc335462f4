"""Times from requests: aware, within bounds that leave room to shift them, handed on in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from hearth.kit.timebounds import EARLIEST, LATEST, BoundedDatetime


class Window(BaseModel):
    at: BoundedDatetime


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "9999-12-31T23:59:59Z",
        "1899-12-31T23:59:59Z",
        "2026-05-01T12:00:00",  # no offset: whose noon?
    ],
)
def test_times_that_cannot_be_shifted_or_placed_are_refused(value: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Window(at=value)
    assert [e["loc"] for e in refused.value.errors()] == [("at",)]


def test_a_time_is_handed_on_in_utc() -> None:
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
    assert EARLIEST <= at <= LATEST
    for days in (-366, 366):
        (at + timedelta(days=days)).astimezone(timezone(timedelta(hours=-14)))
        (at + timedelta(days=days)).astimezone(timezone(timedelta(hours=14)))
