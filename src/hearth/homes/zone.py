"""The time zone a home's times are shown in.

One small reader, so that where the zone is kept can change in one place. Today it is the
zone the home's scenes run their schedules in (``scene_places``, owned by
``hearth.scenes``, an area above this one: read as a bare table, not through its model);
a home without one reads in UTC.
"""

from __future__ import annotations

from sqlalchemy import String, column, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.kit import times

_PLACES = table("scene_places", column("home_id", String), column("timezone", String))
DEFAULT = "UTC"


async def home_time_zone(session: AsyncSession, home_id: str) -> str:
    """Return the IANA name of the zone a home's times read in ("Europe/Berlin")."""
    name = await session.scalar(select(_PLACES.c.timezone).where(_PLACES.c.home_id == home_id))
    return name if name and times.zone_named(name) is not None else DEFAULT
