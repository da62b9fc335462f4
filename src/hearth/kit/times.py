"""The one way hearth shows a moment to a person: in a time zone, in a locale, through Babel.

Every page formats times here (through the template filters of ``hearth.web.timefmt``), so a
moment reads the same on every page: "7 Dec 2026, 10:15" in British English, "7. Dez. 2026,
10:15" in German, the year left out when it is this year. What is stored is always UTC; the
zone is the home's for what belongs to a home, the viewer's for the rest.
"""

from __future__ import annotations

import functools
import zoneinfo
from datetime import UTC, datetime, timedelta, tzinfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton, format_time, format_timedelta

DEFAULT_LOCALE = Locale("en")


@functools.cache
def zone_names() -> tuple[str, ...]:
    """Return every IANA time zone name this machine knows, sorted."""
    return tuple(
        sorted(name for name in zoneinfo.available_timezones() if "/" in name or name == "UTC")
    )


def zone_named(name: str) -> zoneinfo.ZoneInfo | None:
    """Return the zone of an IANA name, or None for anything else (a path, a typo). Every
    name the machine knows is taken ("GB" too); pickers offer the "Region/City" ones."""
    if name not in known_zones():
        return None
    return zoneinfo.ZoneInfo(name)


@functools.cache
def known_zones() -> frozenset[str]:
    """Return every IANA time zone name this machine knows (what the API lists and takes)."""
    return frozenset(zoneinfo.available_timezones())


def zone_or_utc(name: str | None) -> tzinfo:
    """Return the zone of ``name``, or UTC where it is missing or unknown."""
    return (zone_named(name) if name else None) or UTC


def zone_matches(query: str) -> list[str]:
    """Return the zone names a person may mean by ``query``: "berlin" finds Europe/Berlin."""
    if zone_named(query.strip()) is not None:  # a name as it is written ("GB" too)
        return [query.strip()]
    wanted = query.strip().casefold().replace(" ", "_")
    if not wanted:
        return []
    exact = [name for name in zone_names() if name.casefold() == wanted]
    if exact:
        return exact
    return [
        name
        for name in zone_names()
        if name.casefold().rsplit("/", 1)[-1] == wanted or wanted in name.casefold()
    ]


# Bounded: the tags come from requests, and an unbounded cache would keep every one sent.
@functools.lru_cache(maxsize=512)
def locale_named(tag: str) -> Locale | None:
    """Return the Babel locale of a language tag ("de-DE", "en_GB", "fr"), or None."""
    try:
        return Locale.parse(tag.strip().replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def negotiate_locale(accept_language: str | None) -> Locale:
    """Return the first locale of an ``Accept-Language`` header that Babel knows, by weight."""
    if not accept_language:
        return DEFAULT_LOCALE
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        if not tag or tag == "*":
            continue
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        weighted.append((-weight, index, tag))
    for _, _, tag in sorted(weighted):
        locale = locale_named(tag)
        if locale is not None:
            return locale
    return DEFAULT_LOCALE


def _local(moment: datetime, zone: tzinfo) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone)


def when(
    moment: datetime,
    zone: tzinfo,
    locale: Locale,
    *,
    now: datetime | None = None,
    seconds: bool = False,
) -> str:
    """Format a moment as a date and a time: "7 Dec, 10:15" (the year unless it is this one)."""
    pattern: str = locale.datetime_formats["medium"]
    date_text = day(moment, zone, locale, now=now)
    return pattern.replace("{1}", date_text).replace(
        "{0}", clock(moment, zone, locale, seconds=seconds)
    )


def day(moment: datetime, zone: tzinfo, locale: Locale, *, now: datetime | None = None) -> str:
    """Format a moment's date: "7 Dec 2026" (without the year when it is this one)."""
    local = _local(moment, zone)
    if now is not None and _local(now, zone).year == local.year:
        return format_skeleton("MMMd", local, tzinfo=None, locale=locale)
    return format_skeleton("yMMMd", local, tzinfo=None, locale=locale)


def clock(moment: datetime, zone: tzinfo, locale: Locale, *, seconds: bool = False) -> str:
    """Format a moment's time of day: "10:15" or "10:15 AM", as the locale writes it."""
    return format_time(
        _local(moment, zone), "medium" if seconds else "short", tzinfo=zone, locale=locale
    )


def span(delta: timedelta, locale: Locale) -> str:
    """Format a length of time in words: "3 minutes", "2 days"."""
    return format_timedelta(delta, threshold=0.95, locale=locale)


def ago(moment: datetime, now: datetime, locale: Locale) -> str:
    """Format how long ago a moment was, or how far ahead it is: "3 minutes ago", "in 2 days"."""
    return format_timedelta(moment - now, add_direction=True, threshold=0.95, locale=locale)


def zone_label(zone: tzinfo, moment: datetime, locale: Locale) -> str:
    """Name a zone the way a person reads it on a page: "Central European Time" or "UTC"."""
    if zone is UTC:
        return "UTC"
    return format_time(_local(moment, zone), "zzzz", tzinfo=zone, locale=locale)
