"""Times hearth takes in: from the year 1970 to 9000, in UTC.

Python's ``datetime`` ends at the years 1 and 9999, and so do the databases' timestamps. A
time near either end parses, then breaks where hearth uses it: turned into UTC
(``9999-12-31T23:59:59-14:00`` is past the last day), stored, or moved (a campaign's final
hours, a report's period, ``until - 24 h`` of a device's history). Every time a request
carries is held to these years instead, so it is refused with its field named rather than
failing later. The bounds leave centuries of room for any shift hearth makes.

Two types: ``BoundedDatetime`` judges a naive time as written (whether one is accepted at all
is for its model to say); ``AwareBoundedDatetime`` wants an offset and hands the time on in
UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime
from pydantic_core import PydanticCustomError

FIRST_YEAR = 1970
LAST_YEAR = 9000
MESSAGE = f"a time from the year {FIRST_YEAR} to {LAST_YEAR} (UTC)"


def in_bounds(value: datetime) -> bool:
    """Tell whether ``value`` lies within the years hearth takes, once in UTC.

    A naive time is judged as it is written; whether one is accepted at all is for the
    caller to say."""
    if value.tzinfo is not None:
        try:
            value = value.astimezone(UTC)
        except OverflowError:  # past the first or last day Python can hold
            return False
    return FIRST_YEAR <= value.year <= LAST_YEAR


def bounded(value: datetime) -> datetime:
    """Return ``value`` unchanged, or refuse it (as pydantic's error) outside the years."""
    if not in_bounds(value):
        raise PydanticCustomError("datetime_bounds", MESSAGE)
    return value


def in_utc(value: datetime) -> datetime:
    """Return an aware ``value`` in UTC, or refuse it outside the years."""
    return bounded(value).astimezone(UTC)


# For a type that refuses naive times too: ``Annotated[AwareDatetime, Bounded]``.
Bounded = AfterValidator(bounded)
BoundedDatetime = Annotated[datetime, Bounded]
AwareBoundedDatetime = Annotated[AwareDatetime, AfterValidator(in_utc)]
"""An aware time within the years, handed on in UTC."""
