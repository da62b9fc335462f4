"""The rules of release notes (the weekly update), pure: what a version may look like, when a
note may be dated, which suggestions a note may ship, and how the shipped notice reads.

A note belongs to a board and is published by the board's owner (``rules.answers_for``). It
cites the suggestions of that board it implements; publishing moves each to done.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from hearth.community.rules import STATUS_LABELS, STATUS_WORKFLOW, Status

MAX_VERSION = 24
MAX_RELEASE_TITLE = 120
MAX_RELEASE_BODY = 20_000  # characters of Markdown
MAX_CITED = 50  # suggestions one note may ship
MAX_IMAGES = 4  # images on one suggestion
EARLIEST = date(2000, 1, 1)
# A version is a short label of letters, digits, dots and dashes that starts and ends with a
# letter or a digit ("1.4", "2026.49", "v2.0-beta"): it is part of the note's address.
VERSION = re.compile(r"^[0-9A-Za-z](?:[0-9A-Za-z.\-]{0,22}[0-9A-Za-z])?$")
VERSION_PATTERN = VERSION.pattern
# The statuses a note's form offers: what the owner has said is coming. (Any suggestion that
# may move to done may be cited through the API; the form keeps the list short.)
SHIPPABLE_LISTED = (Status.UNDER_REVIEW, Status.PLANNED, Status.IN_PROGRESS)


def version_problem(version: str) -> str | None:
    """Say what is wrong with ``version`` as a note's version (None: fine)."""
    if not version:
        return "is needed: a short label such as 1.4 or 2026.49"
    if len(version) > MAX_VERSION:
        return f"may have at most {MAX_VERSION} characters"
    if not VERSION.match(version):
        return (
            "may hold only letters, digits, dots and dashes, and starts and ends with a "
            "letter or a digit (such as 1.4 or 2026.49)"
        )
    return None


def day_problem(day: date, *, today: date) -> str | None:
    """Say what is wrong with ``day`` as a note's publish date (None: fine). A note may be
    dated back (notes written before they were posted here) but not ahead: a day of slack
    lets a maker ahead of UTC date it their today."""
    if day < EARLIEST:
        return f"may not be before {EARLIEST.isoformat()}"
    if day > today + timedelta(days=1):
        return "may not be in the future"
    return None


def released_at(day: date | None, *, now: datetime) -> datetime:
    """Return the moment a note dated ``day`` is shown as published: ``now`` for today (or no
    day given), else noon UTC of that day, which reads as the same day in every zone from
    UTC−12 to UTC+11."""
    if day is None or day == now.astimezone(UTC).date():
        return now
    return datetime.combine(day, time(12), tzinfo=UTC)


def ship_problem(status: Status) -> str | None:
    """Say why a suggestion in ``status`` cannot ship (None: it may move to done)."""
    if STATUS_WORKFLOW.can(status, Status.DONE):
        return None
    if status is Status.DONE:
        return "is done already"
    if status is Status.DUPLICATE:
        return "is a duplicate of another and cannot move to done"
    return f"is {STATUS_LABELS[status].lower()} and cannot move to done"


def anchor(version: str) -> str:
    """Return the fragment id of a note on its board's changelog page."""
    return "v" + version


def shipped_title(titles: Sequence[str], *, board: str, version: str, limit: int = 200) -> str:
    """Return the notice a follower of the cited ``titles`` gets, within ``limit``
    characters: 'Your suggestion "Dark mode" shipped in hearth 1.4.', both named when they
    follow two, and counted when the names do not fit."""
    where = f"shipped in {board} {version}."
    if len(titles) == 1:
        text = f'Your suggestion "{titles[0]}" {where}'
    elif len(titles) == 2:
        text = f'Your suggestions "{titles[0]}" and "{titles[1]}" {where}'
    else:
        named = ", ".join(f'"{t}"' for t in titles[:-1])
        text = f'Your suggestions {named} and "{titles[-1]}" {where}'
    if len(text) <= limit:
        return text
    if len(titles) == 1:
        room = limit - len(f'Your suggestion "…" {where}')
        return f'Your suggestion "{titles[0][: max(room, 1)].rstrip()}…" {where}'
    short = f"{len(titles)} suggestions you follow {where}"
    return short if len(short) <= limit else short[: limit - 1] + "…"
