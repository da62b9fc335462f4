"""Events of mail."""

from __future__ import annotations

from dataclasses import dataclass

from hearth.bus import Event, shared_event


@shared_event
@dataclass(frozen=True)
class MailQueued(Event):
    """Letters were queued: a sender in any process may send them now rather than at its
    next round."""

    count: int
