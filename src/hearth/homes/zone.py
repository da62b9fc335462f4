"""A home's time zone: the one place the home app reads it from.

Charts, and every page about a home, show times in the home's zone. The zone is kept with
the home's place (``scene_places``, which schedules and sunrise and sunset use); the home
app reads that table by name rather than importing the scenes area above it. A home with
no place yet, or a name this machine does not know, reads as UTC.
"""

from __future__ import annotations

from sqlalchemy import String, column, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.kit import times

_PLACES = table("scene_places", column("home_id", String), column("timezone", String))


async def home_zone(session: AsyncSession, *, home_id: str) -> str:
    """Return the IANA name of the home's time zone ("Europe/Berlin"), or "UTC"."""
    name = await session.scalar(
        select(_PLACES.c.timezone).where(_PLACES.c.home_id == home_id).limit(1)
    )
    return name if name and times.zone_named(name) is not None else "UTC"
