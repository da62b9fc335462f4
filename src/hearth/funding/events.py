"""Events of the crowdfunding area, and the outbox services put them in.

Services run inside the caller's transaction, so they cannot publish: an event must not
go out for a change that may still roll back. They ``emit`` into the session's outbox;
whoever commits the transaction then publishes ``drain(session)`` (routes through a
background task, which runs after the response, workers after their own commit).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from hearth.bus import Event
from hearth.notifications.events import NotificationsSent
from hearth.relay import shared_event

_OUTBOX = "hearth.funding.outbox"


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


def emit(session: AsyncSession, *events: object) -> None:
    """Queue events to publish once the session's transaction has committed."""
    session.info.setdefault(_OUTBOX, []).extend(events)


def notified(session: AsyncSession, user_ids: list[str]) -> None:
    """Queue the event that refreshes these users' inbox badges."""
    if user_ids:
        emit(session, NotificationsSent(user_ids=sorted(set(user_ids))))


def drain(session: AsyncSession) -> list[object]:
    """Return and forget the events queued in this session."""
    events: list[object] = session.info.pop(_OUTBOX, [])
    return events
