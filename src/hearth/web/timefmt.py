"""Times on pages: the template filters every page uses, in the right zone and the viewer's locale.

The locale is the one the signed-in person chose on their account page, else the
browser's (``Accept-Language``). The zone is the one the page names for what it shows
(``time_zone`` in the template's context: a home's pages pass the home's), otherwise the
viewer's own: the one they chose on their account page, else the one the browser tells in
the ``tz`` cookie that ``hearth.js`` keeps, and UTC until it has. Filters:

- ``{{ moment | when }}``: "7 Dec, 10:15" (``when(seconds=True)`` adds seconds);
- ``{{ moment | day }}``: "7 Dec 2026";
- ``{{ moment | clock }}``: "10:15";
- ``{{ moment | ago }}``: "3 minutes ago";
- ``{{ moment | stamp }}``: a ``<time>`` element with the machine-readable moment and ``when``;
- ``{{ zone_label() }}``: the zone the page's times are in, named for a person.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from babel import Locale
from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape
from starlette.requests import Request

from hearth.kit import times

ZONE_COOKIE = "tz"


def _chosen(request: Request, what: str) -> str | None:
    """Return what the signed-in viewer chose on their account page (``time_zone``, ``locale``)."""
    viewer = getattr(request.state, "viewer", None)
    value = getattr(viewer, what, None)
    return value if isinstance(value, str) and value else None


def viewer_locale(request: Request | None) -> Locale:
    """Return the locale the viewer chose, else the one their browser asks for."""
    if request is None:
        return times.DEFAULT_LOCALE
    cached = request.scope.get("hearth.locale")
    if cached is None:
        chosen = _chosen(request, "locale")
        cached = (times.locale_named(chosen) if chosen else None) or times.negotiate_locale(
            request.headers.get("accept-language")
        )
        request.scope["hearth.locale"] = cached
    locale: Locale = cached
    return locale


def viewer_zone(request: Request | None) -> tzinfo:
    """Return the viewer's own zone: the one they chose, else as the browser last told it,
    else UTC."""
    if request is None:
        return times.zone_or_utc(None)
    chosen = _chosen(request, "time_zone")
    if chosen and times.zone_named(chosen) is not None:
        return times.zone_or_utc(chosen)
    return times.zone_or_utc(request.cookies.get(ZONE_COOKIE))


def _now(request: Request | None) -> datetime | None:
    if request is None:
        return None
    hearth = getattr(request.app.state, "hearth", None)
    return hearth.clock.now() if hearth is not None else None


def _parts(context: Context) -> tuple[tzinfo, Locale, datetime | None]:
    request: Request | None = context.get("request")
    named = context.get("time_zone")
    zone = times.zone_or_utc(named) if named else viewer_zone(request)
    return zone, viewer_locale(request), _now(request)


@pass_context
def when_filter(context: Context, moment: datetime | None, seconds: bool = False) -> str:
    if moment is None:
        return ""
    zone, locale, now = _parts(context)
    return times.when(moment, zone, locale, now=now, seconds=seconds)


@pass_context
def day_filter(context: Context, moment: datetime | None) -> str:
    if moment is None:
        return ""
    zone, locale, now = _parts(context)
    return times.day(moment, zone, locale, now=now)


@pass_context
def clock_filter(context: Context, moment: datetime | None, seconds: bool = False) -> str:
    if moment is None:
        return ""
    zone, locale, _ = _parts(context)
    return times.clock(moment, zone, locale, seconds=seconds)


@pass_context
def ago_filter(context: Context, moment: datetime | None) -> str:
    if moment is None:
        return ""
    _, locale, now = _parts(context)
    if now is None:
        return ""
    return times.ago(moment, now, locale)


@pass_context
def stamp_filter(context: Context, moment: datetime | None, seconds: bool = False) -> Markup:
    if moment is None:
        return Markup("")
    text = when_filter(context, moment, seconds)
    return Markup('<time datetime="{}">{}</time>').format(moment.isoformat(), escape(text))


@pass_context
def zone_label(context: Context) -> str:
    zone, locale, now = _parts(context)
    if now is None:
        return str(zone)
    return times.zone_label(zone, now, locale)


def install(env: Environment) -> None:
    """Add the time filters to a template environment."""
    filters: dict[str, Any] = {
        "when": when_filter,
        "day": day_filter,
        "clock": clock_filter,
        "ago": ago_filter,
        "stamp": stamp_filter,
    }
    env.filters.update(filters)
    env.globals["zone_label"] = zone_label
