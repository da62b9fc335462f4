"""Events of the notifications area."""

from __future__ import annotations

from dataclasses import dataclass, field

from hearth.bus import Event, shared_event


@shared_event
@dataclass(frozen=True)
class NotificationsSent(Event):
    """New notifications exist for these users (open pages refresh their inbox badge)."""

    user_ids: list[str] = field(default_factory=list)
