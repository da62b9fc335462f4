"""The rules of the fan community, pure: boards, categories, the status workflow, who may
answer, the trending score, and the comment edit window.

A board is where fans suggest: hearth's own (``PLATFORM_BOARD``, answered by the platform
team) and one per approved product (its key is the product's id, answered by the members of
the partner that makes it). Fans suggest, vote, follow and comment; only the board's owner
moves a suggestion's status, and every move carries a public answer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from hearth.accounts.roles import Capability, can
from hearth.kit.workflow import Workflow

PLATFORM_BOARD = "hearth"  # the key of hearth's own board; a product's board is keyed by its id

MAX_TITLE = 120
MAX_BODY = 10_000  # characters of Markdown
MAX_ANSWER = 5_000
MAX_COMMENT = 4_000
PAGE_SIZE = 20
EDIT_WINDOW = timedelta(minutes=15)  # a comment may be edited this long after it was posted
# Trending: a vote loses half its weight every HALF_LIFE (see ``trend_key``).
HALF_LIFE = timedelta(hours=72)


class BoardKind(StrEnum):
    PLATFORM = "platform"
    PRODUCT = "product"


# The categories a suggestion may take, per kind of board: (key, label). Fixed lists, so a
# board's filter is always the same few chips and the owner can triage by them.
CATEGORIES: Mapping[BoardKind, tuple[tuple[str, str], ...]] = {
    BoardKind.PLATFORM: (
        ("feature", "New feature"),
        ("home-app", "Home app"),
        ("automation", "Scenes and automations"),
        ("mall", "Store and crowdfunding"),
        ("integration", "Integrations"),
        ("bug", "Something is broken"),
    ),
    BoardKind.PRODUCT: (
        ("feature", "New feature"),
        ("hardware", "Hardware and design"),
        ("firmware", "Firmware"),
        ("app", "In the app"),
        ("accessory", "Accessories"),
        ("bug", "Something is broken"),
    ),
}


def category_label(kind: BoardKind | str, key: str) -> str:
    """Return how a category reads on a page (its key if the board kind has no such one)."""
    return dict(CATEGORIES[BoardKind(kind)]).get(key, key)


def category_problem(kind: BoardKind | str, key: str) -> str | None:
    """Say what is wrong with ``key`` as a category of a board of ``kind`` (None: fine)."""
    keys = [k for k, _ in CATEGORIES[BoardKind(kind)]]
    if key in keys:
        return None
    if not key:
        return "is needed: choose the one your suggestion is about"
    return "is not one of this board's: " + ", ".join(keys)


class Status(StrEnum):
    OPEN = "open"
    UNDER_REVIEW = "under_review"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DECLINED = "declined"
    DUPLICATE = "duplicate"


STATUS_LABELS: Mapping[Status, str] = {
    Status.OPEN: "Open",
    Status.UNDER_REVIEW: "Under review",
    Status.PLANNED: "Planned",
    Status.IN_PROGRESS: "In progress",
    Status.DONE: "Done",
    Status.DECLINED: "Declined",
    Status.DUPLICATE: "Duplicate",
}

_CLOSING = {Status.DECLINED, Status.DUPLICATE}
# Forward along open → under review → planned → in progress → done (steps may be skipped),
# or aside to declined or duplicate from anywhere still open to change. Back moves undo a
# mistake or a change of plan: a planned suggestion may be looked at again, one in progress
# may go back to planned, a declined one may be reconsidered, a duplicate reopened, and a
# done one may turn out not to be (back to in progress).
STATUS_MOVES: Mapping[Status, frozenset[Status]] = {
    Status.OPEN: frozenset(
        {Status.UNDER_REVIEW, Status.PLANNED, Status.IN_PROGRESS, Status.DONE} | _CLOSING
    ),
    Status.UNDER_REVIEW: frozenset(
        {Status.PLANNED, Status.IN_PROGRESS, Status.DONE, Status.OPEN} | _CLOSING
    ),
    Status.PLANNED: frozenset({Status.IN_PROGRESS, Status.DONE, Status.UNDER_REVIEW} | _CLOSING),
    Status.IN_PROGRESS: frozenset({Status.DONE, Status.PLANNED, Status.DECLINED}),
    Status.DONE: frozenset({Status.IN_PROGRESS}),
    Status.DECLINED: frozenset({Status.UNDER_REVIEW}),
    Status.DUPLICATE: frozenset({Status.OPEN}),
}
STATUS_WORKFLOW = Workflow(STATUS_MOVES, initial={Status.OPEN}, name="suggestion")
# The statuses a fan may still vote on: a closed suggestion keeps its votes but takes none.
VOTABLE = frozenset(Status) - _CLOSING


@dataclass(frozen=True)
class BoardOwner:
    """Who answers a board: the platform team (``partner_id`` None) or a partner's members."""

    kind: BoardKind
    partner_id: str | None


def answers_for(owner: BoardOwner, *, role: str, partner_id: str | None) -> bool:
    """Tell whether a person of ``role`` (member of ``partner_id``) speaks for the board's
    owner: the platform team (reviewers and admins) on hearth's board, the members of the
    product's partner on a product's board. Nobody else, the platform team included, gives
    a product's official answers: the partner runs its own customer relations."""
    if owner.kind is BoardKind.PLATFORM:
        return can(role, Capability.REVIEW)
    return (
        owner.partner_id is not None
        and partner_id == owner.partner_id
        and can(role, Capability.PARTNER_CONSOLE)
    )


def may_edit_comment(
    *, author_id: str | None, user_id: str, posted_at: datetime, now: datetime
) -> bool:
    """Tell whether ``user_id`` may still edit a comment: its author, within ``EDIT_WINDOW``."""
    return author_id == user_id and now - posted_at <= EDIT_WINDOW


_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def trending_score(votes: int, created_at: datetime, now: datetime) -> float:
    """Return a suggestion's weight at ``now``: ``(votes + 1) · 2^(−age / HALF_LIFE)``.

    The one keeps a suggestion whose votes were all withdrawn in order by its age (its
    author's vote, given when posting, counts like any other)."""
    age = max(timedelta(0), now - created_at)
    return float((votes + 1) * 2.0 ** (-(age / HALF_LIFE)))


def trend_key(votes: int, created_at: datetime) -> float:
    """Return the stored key that orders suggestions as ``trending_score`` does at any ``now``.

    ``log2(trending_score) = log2(votes + 1) − (now − created_at) / HALF_LIFE``, and ``now``
    is the same for every suggestion, so ``log2(votes + 1) + (created_at − epoch) / HALF_LIFE``
    sorts them the same way while depending on the row alone: it is kept in a column (updated
    with the vote counter) and indexed, and listing by trending needs no clock and no maths in
    SQL."""
    return float(math.log2(votes + 1) + (created_at - _EPOCH) / HALF_LIFE)


def page_count(total: int, size: int = PAGE_SIZE) -> int:
    """Return how many pages ``total`` items fill (at least one, empty or not)."""
    return max(1, -(-total // size))


class Sort(StrEnum):
    TRENDING = "trending"  # votes decayed by age (``trending_score``)
    TOP = "top"  # most votes of all time
    NEWEST = "newest"
    ANSWERED = "answered"  # the most recently answered first; never answered ones last


SORT_LABELS: Mapping[Sort, str] = {
    Sort.TRENDING: "Trending",
    Sort.TOP: "Top",
    Sort.NEWEST: "Newest",
    Sort.ANSWERED: "Recently answered",
}
