"""When timed triggers fire: cron expressions, weekly times, sunrise and sunset.

Pure functions of a trigger, a place and an instant: ``next_fire(trigger, place, after)``
returns the first aware-UTC instant strictly after ``after``. Cron and weekly times are
read in the home's time zone (so 07:30 stays 07:30 across daylight saving); sunrise and
sunset come from ``astral`` for the home's latitude and longitude.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from astral import Observer
from astral.sun import sunrise, sunset
from croniter import croniter

from hearth.scenes.rules import HH_MM, ScheduleTrigger, SunEvent, SunTrigger, TimedTrigger

SEARCH_DAYS = 370  # a weekly schedule or a sun event always occurs within a year


@dataclass(frozen=True)
class Place:
    """Where a home is: its time zone, and (for sun triggers) its coordinates."""

    timezone: str = "UTC"
    latitude: float | None = None
    longitude: float | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def valid_cron(expression: str) -> bool:
    """Tell whether ``expression`` is a five-field cron expression."""
    return len(expression.split()) == 5 and bool(croniter.is_valid(expression))


def local(at: datetime, place: Place) -> datetime:
    """Return ``at`` in the home's time zone."""
    return at.astimezone(place.zone)


def minutes_of(hh_mm: str) -> int:
    match = HH_MM.match(hh_mm)
    if match is None:
        raise ValueError(f"not a time of day: {hh_mm!r}")
    return int(match.group(1)) * 60 + int(match.group(2))


def _cron_next(expression: str, place: Place, after: datetime) -> datetime:
    start = local(after, place)
    nxt: datetime = croniter(expression, start).get_next(datetime)
    return nxt.astimezone(UTC)


def _weekly_next(trigger: ScheduleTrigger, place: Place, after: datetime) -> datetime | None:
    start = local(after, place)
    for offset in range(8):
        day = start.date() + timedelta(days=offset)
        if day.weekday() not in trigger.days:
            continue
        for hh_mm in trigger.times:
            minutes = minutes_of(hh_mm)
            wall = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=place.zone)
            moment = wall.astimezone(UTC)
            if moment > after:
                return moment
    return None


def sun_time(event: SunEvent, place: Place, day: date) -> datetime | None:
    """Return the instant of sunrise or sunset on ``day`` (local date), or None (polar)."""
    if not place.located:
        return None
    assert place.latitude is not None and place.longitude is not None
    observer = Observer(latitude=place.latitude, longitude=place.longitude)
    try:
        moment = (sunrise if event is SunEvent.SUNRISE else sunset)(
            observer, date=day, tzinfo=place.zone
        )
    except ValueError:  # the sun does not rise or set that day (polar day or night)
        return None
    return moment.astimezone(UTC)


def _sun_next(trigger: SunTrigger, place: Place, after: datetime) -> datetime | None:
    if not place.located:
        return None
    offset = timedelta(minutes=trigger.offset_minutes)
    start = local(after, place).date() - timedelta(days=1)
    for days in range(SEARCH_DAYS):
        moment = sun_time(trigger.event, place, start + timedelta(days=days))
        if moment is not None and moment + offset > after:
            return moment + offset
    return None


def next_fire(trigger: TimedTrigger, place: Place, after: datetime) -> datetime | None:
    """Return when ``trigger`` next fires strictly after ``after``; None if it never does."""
    if after.tzinfo is None:
        raise ValueError("next_fire needs an aware datetime")
    if isinstance(trigger, SunTrigger):
        return _sun_next(trigger, place, after)
    if trigger.cron is not None:
        return _cron_next(trigger.cron, place, after)
    return _weekly_next(trigger, place, after)
