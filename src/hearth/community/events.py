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


# -- duplicates (``duplicates.py``) ---------------------------------------------------------


@shared_event
@dataclass(frozen=True)
class SuggestionMerged(Event):
    """A board's owner merged a duplicate into another suggestion: its votes and followers
    moved there."""

    suggestion_id: str
    into_id: str
    board_id: str


# -- moderation (``moderation.py``) ----------------------------------------------------------


@shared_event
@dataclass(frozen=True)
class ItemReported(Event):
    """Someone reported something people wrote: the moderation queue has news."""

    target_kind: str
    target_id: str


@shared_event
@dataclass(frozen=True)
class ModeratorActed(Event):
    """A moderator hid, restored, dismissed the reports of, muted or unmuted (``action``)."""

    action: str
    target_kind: str
    target_id: str


# -- reviews after delivery, and questions on campaigns ------------------------------------


@shared_event
@dataclass(frozen=True)
class ReviewWritten(Event):
    """A verified buyer wrote (``created``) or edited a review; the product's rating moved."""

    review_id: str
    product_id: str
    stars: int
    created: bool


@shared_event
@dataclass(frozen=True)
class ReviewAnswered(Event):
    """The product's partner answered a review in public (or edited its answer)."""

    review_id: str
    product_id: str


@shared_event
@dataclass(frozen=True)
class QuestionAsked(Event):
    """Someone asked a question about a campaign."""

    question_id: str
    campaign_id: str


@shared_event
@dataclass(frozen=True)
class QuestionAnswered(Event):
    """The campaign's partner answered a question in public (or edited its answer)."""

    question_id: str
    campaign_id: str


# -- release notes --------------------------------------------------------------------------


@shared_event
@dataclass(frozen=True)
class ReleasePublished(Event):
    """A board's owner published a release note; the suggestions it cites moved to done."""

    release_id: str
    board_id: str
    version: str
    suggestion_ids: tuple[str, ...]


@shared_event
@dataclass(frozen=True)
class ReleaseEdited(Event):
    """A board's owner changed a release note's words."""

    release_id: str
    board_id: str
    version: str
