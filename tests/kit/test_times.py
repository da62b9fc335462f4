"""The one way a moment is shown: its zone, its locale, and the year only when it is needed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hearth.kit import times

MOMENT = datetime(2026, 12, 7, 9, 15, 30, tzinfo=UTC)
BERLIN = times.zone_or_utc("Europe/Berlin")


def test_a_moment_reads_in_the_zone_and_the_language_it_is_shown_in() -> None:
    english = times.negotiate_locale("en-GB,en;q=0.8")
    german = times.negotiate_locale("de-DE,de;q=0.9,en;q=0.5")
    assert times.when(MOMENT, BERLIN, english) == "7 Dec 2026, 10:15"
    assert times.when(MOMENT, BERLIN, german) == "7. Dez. 2026, 10:15"
    assert times.when(MOMENT, UTC, english, seconds=True) == "7 Dec 2026, 09:15:30"
    assert times.clock(MOMENT, BERLIN, times.negotiate_locale("en-US")) == "10:15\u202fAM"


def test_the_year_is_left_out_only_when_it_is_this_year() -> None:
    english = times.negotiate_locale("en-GB")
    assert times.when(MOMENT, UTC, english, now=MOMENT) == "7 Dec, 09:15"
    assert times.day(MOMENT, UTC, english, now=MOMENT) == "7 Dec"
    assert times.day(MOMENT, UTC, english, now=MOMENT + timedelta(days=40)) == "7 Dec 2026"
    # An evening of New Year's Eve in UTC is already next year in Tokyo, a day earlier is not.
    eve = datetime(2026, 12, 31, 20, 0, tzinfo=UTC)
    tokyo = times.zone_or_utc("Asia/Tokyo")
    assert times.day(eve, tokyo, english, now=eve - timedelta(days=1)) == "1 Jan 2027"
    assert times.day(eve, UTC, english, now=eve - timedelta(days=1)) == "31 Dec"


def test_the_browser_s_languages_are_tried_by_weight_and_nonsense_falls_back_to_english() -> None:
    assert str(times.negotiate_locale("fr;q=0.4, de-AT;q=0.9")) == "de_AT"
    assert str(times.negotiate_locale("xx-YY, *;q=0.1")) == "en"
    assert str(times.negotiate_locale("")) == "en"
    assert str(times.negotiate_locale("de;q=abc, fr")) == "fr"


def test_only_real_zone_names_are_zones_and_a_city_finds_its_zone() -> None:
    assert times.zone_named("Europe/Berlin") is not None
    assert times.zone_named("../../etc/passwd") is None
    assert times.zone_named("Berlin") is None
    assert times.zone_named("GB") is not None  # an IANA name without a slash is still one
    assert times.zone_or_utc("Mars/Olympus") is UTC
    assert times.zone_matches("Berlin") == ["Europe/Berlin"]
    assert times.zone_matches("new york") == ["America/New_York"]
    assert times.zone_matches("   ") == []


def test_lengths_of_time_and_distances_from_now_are_words() -> None:
    english = times.negotiate_locale("en")
    assert times.span(timedelta(minutes=3), english) == "3 minutes"
    assert times.ago(MOMENT - timedelta(hours=2), MOMENT, english) == "2 hours ago"
    assert times.ago(MOMENT + timedelta(days=2), MOMENT, english) == "in 2 days"
