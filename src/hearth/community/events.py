"""Events of the fan community, recorded on the unit of work (``hearth.outbox.record``)."""

from __future__ import annotations

from dataclasses import dataclass

from hearth.bus import Event, shared_event


@shared_event
@dataclass(frozen=True)
class SuggestionPosted(Event):
    """A fan posted a suggestion on a board."""

    suggestion_id: str
    board_id: str


@shared_event
@dataclass(frozen=True)
class SuggestionAnswered(Event):
    """A board's owner moved a suggestion's status and answered in public."""

    suggestion_id: str
    board_id: str
    from_status: str
    to_status: str


@shared_event
@dataclass(frozen=True)
class SuggestionVoted(Event):
    """A suggestion's vote count changed (open pages may refresh it)."""

    suggestion_id: str
    votes: int


@shared_event
@dataclass(frozen=True)
class CommentPosted(Event):
    """Someone commented on a suggestion."""

    suggestion_id: str
    comment_id: str
    official: bool


@shared_event
@dataclass(frozen=True)
class SuggestionMerged(Event):
    """A board's owner merged a duplicate into another suggestion: its votes and followers
    moved there."""

    suggestion_id: str
    into_id: str
    board_id: str
