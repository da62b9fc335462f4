"""Events of the crowdfunding area.

Services record them on the session with ``hearth.outbox.record``; whoever owns the
transaction (a route's unit of work, the deadline worker, the pledge batcher) publishes
them once it has committed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from hearth.bus import Event, shared_event
from hearth.notifications.events import NotificationsSent
from hearth.outbox import record


@shared_event
@dataclass(frozen=True)
class CampaignProgressed(Event):
    """A campaign's money raised, backers or remaining units changed (live pages refresh)."""

    campaign_id: str
    raised: int
    backers: int
    percent: int
    remaining: dict[str, int | None] = field(default_factory=dict)


@shared_event
@dataclass(frozen=True)
class CampaignMoved(Event):
    """A campaign moved along its workflow."""

    campaign_id: str
    from_state: str
    to_state: str


def notified(session: AsyncSession, user_ids: list[str]) -> None:
    """Record the event that refreshes these users' inbox badges."""
    if user_ids:
        record(session, NotificationsSent(user_ids=sorted(set(user_ids))))
