"""Events of the home app: frozen, past tense, published after commit to every process."""

from __future__ import annotations

from dataclasses import dataclass

from hearth.bus import Event, shared_event


@shared_event
@dataclass(frozen=True)
class HomeChanged(Event):
    """A home's name, rooms or device placement changed: open home views refresh."""

    home_id: str
    what: str


@shared_event
@dataclass(frozen=True)
class HomeLeft(Event):
    """Someone is no longer in a home (left, removed, or the home was deleted).

    ``user_id`` is None when the home itself is gone: every stream of it closes.
    """

    home_id: str
    user_id: str | None
