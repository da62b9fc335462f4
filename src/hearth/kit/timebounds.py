"""Times a request may carry: aware, and far enough from Python's limits to be shifted.

Python's ``datetime`` holds years 1 to 9999, and PostgreSQL and SQLite hold more, so a
time near either end is accepted by the parser and then overflows where hearth converts
it to UTC or moves it (``until - 24 h``, a time zone of -14:00): a 500 instead of an answer.
``BoundedDatetime`` refuses, as a 422 naming the field, any time that is not aware or
does not lie between ``EARLIEST`` and ``LATEST`` once in UTC, and hands on the time in
UTC. The bounds leave centuries of room for any shift hearth makes and reach past
anything a device, a campaign or a payment will be dated.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime
from pydantic_core import PydanticCustomError

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def within_bounds(value: datetime) -> datetime:
    """Return an aware ``value`` in UTC, or raise if it lies outside ``EARLIEST``-``LATEST``."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-14:00 is in the year 10000 in UTC
        utc = None
    if utc is None or not EARLIEST <= utc <= LATEST:
        raise PydanticCustomError(
            "datetime_out_of_range",
            f"a time from {EARLIEST.year} to {LATEST.year}, with its offset from UTC",
        )
    return utc


BoundedDatetime = Annotated[AwareDatetime, AfterValidator(within_bounds)]
"""An aware time between ``EARLIEST`` and ``LATEST``, handed on in UTC."""
