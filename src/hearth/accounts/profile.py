"""A person's profile: the name others see, their own time zone and language.

The zone and the locale are the person's for everything that belongs to no home (a home's
pages keep the home's zone); None means "as the browser says".
"""

from __future__ import annotations

import functools

from sqlalchemy.ext.asyncio import AsyncSession

from hearth import outbox
from hearth.accounts.events import AccountChanged
from hearth.accounts.models import User
from hearth.errors import InvalidInput, NotAuthenticated
from hearth.kit import times
from hearth.kit.text import name_problem, tidy

# The languages a person may pick, as Babel names them, each in its own words.
LOCALES: tuple[str, ...] = (
    "en",
    "en_GB",
    "en_US",
    "de",
    "es",
    "fr",
    "it",
    "ja",
    "ko",
    "nl",
    "pl",
    "pt_BR",
    "zh_Hans",
    "zh_Hant",
)


@functools.cache
def locale_choices() -> tuple[tuple[str, str], ...]:
    """Return ``(tag, name)`` for every language a person may pick, named in itself."""
    choices = []
    for tag in LOCALES:
        locale = times.locale_named(tag)
        assert locale is not None, tag
        choices.append(
            (tag, (locale.display_name or tag)[:1].upper() + (locale.display_name or tag)[1:])
        )
    return tuple(choices)


_UNSET = object()


async def update_profile(
    session: AsyncSession,
    *,
    user: User,
    display_name: str | None = None,
    time_zone: str | None | object = _UNSET,
    locale: str | None | object = _UNSET,
) -> User:
    """Change what is given: the display name, the zone (None: the browser's), the locale."""
    row = await session.get(User, user.id, populate_existing=True)
    if row is None:
        raise NotAuthenticated("Sign in again.")
    # Everything is checked before anything changes: a refused field changes nothing.
    problems = []
    changes: dict[str, str | None] = {}
    if display_name is not None:
        name = tidy(display_name)
        problem = name_problem(name, max_length=80)
        if problem is not None:
            problems.append({"field": "display_name", "message": f"Your name {problem}."})
        changes["display_name"] = name
    if time_zone is not _UNSET:
        if time_zone is None or time_zone == "":
            changes["time_zone"] = None
        elif isinstance(time_zone, str) and times.zone_named(time_zone) is not None:
            changes["time_zone"] = time_zone
        else:
            problems.append({"field": "time_zone", "message": "Pick a time zone from the list."})
    if locale is not _UNSET:
        if locale is None or locale == "":
            changes["locale"] = None
        elif isinstance(locale, str) and locale in LOCALES:
            changes["locale"] = locale
        else:
            problems.append({"field": "locale", "message": "Pick a language from the list."})
    if problems:
        raise InvalidInput.fields(problems)
    for key, value in changes.items():
        setattr(row, key, value)
    outbox.record(session, AccountChanged(row.id))
    return row
