"""Who used hearth on which day, recorded cheaply: at most one row per person per UTC day.

A person is *active* on a day when a request of theirs, signed in, reaches hearth (a page or
the API; the home app, the mall, the community alike). ``Activity.seen`` is called for
every such request: the first of a person's day in this process inserts their row (an
insert that a second process's row for the same day makes a no-op), and the process then
remembers the person for the rest of the day, so their later requests write nothing. The
memory is only a saving: a process that forgets (a restart, a full memory) inserts again
and the database keeps one row.
"""

from __future__ import annotations

from datetime import date, datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth.db import insert_for
from hearth.insights.models import ActiveDay
from hearth.insights.rules import day_of

log = structlog.get_logger(__name__)

REMEMBER = 200_000  # people a process remembers per day (about 20 MB at most)


class Activity:
    """Record that a person was active today, once per person per day per process."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self._day: date | None = None
        self._seen: set[str] = set()

    async def seen(self, user_id: str, now: datetime) -> None:
        """Record that ``user_id`` is active on ``now``'s UTC day, unless already known.

        A failed write is logged and forgotten: being counted never costs a person their
        request."""
        day = day_of(now)
        if day != self._day:
            self._day, self._seen = day, set()
        if user_id in self._seen:
            return
        try:
            async with self.sessions() as session, session.begin():
                await record(session, user_id=user_id, day=day)
        except Exception:  # noqa: BLE001 - counting is never worth a failed request
            log.warning("activity_not_recorded", user_id=user_id, exc_info=True)
            return
        if len(self._seen) >= REMEMBER:
            self._seen.clear()
        self._seen.add(user_id)


async def record(session: AsyncSession, *, user_id: str, day: date) -> None:
    """Insert the row saying ``user_id`` was active on ``day`` (a second one is a no-op)."""
    await session.execute(
        insert_for(session)(ActiveDay).values(user_id=user_id, day=day).on_conflict_do_nothing()
    )
