"""The rules of moderating the fan community, pure: what may be reported and why, the
moderators' actions, who sees hidden content, how long a mute lasts, and how often a person
may post.

Reports name their target by kind and id (``TargetKind``), so a new kind of thing people
write is one more member here and one more reader in ``moderation.py``. The
platform team moderates: every account whose role grants ``Capability.OPERATE`` (reviewers
and admins). Partners do not: they answer their boards, they do not police them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from hearth.accounts.roles import Capability, can


class TargetKind(StrEnum):
    """What a report or a moderator's action is about."""

    SUGGESTION = "suggestion"
    COMMENT = "comment"
    REVIEW = "review"  # of a product, after delivery
    QUESTION = "question"  # about a campaign
    PERSON = "person"  # a mute; never reported


# The kinds people may report (and moderators hide and restore).
REPORTABLE = (TargetKind.SUGGESTION, TargetKind.COMMENT, TargetKind.REVIEW, TargetKind.QUESTION)


class Reason(StrEnum):
    SPAM = "spam"
    ABUSE = "abuse"
    OFF_TOPIC = "off_topic"
    PERSONAL_DATA = "personal_data"
    OTHER = "other"


REASON_LABELS: Mapping[Reason, str] = {
    Reason.SPAM: "Spam or advertising",
    Reason.ABUSE: "Abuse or harassment",
    Reason.OFF_TOPIC: "Off-topic",
    Reason.PERSONAL_DATA: "Someone's personal data",
    Reason.OTHER: "Something else",
}


class Action(StrEnum):
    """What a moderator did; every one is a row of the audit, with who, why and when."""

    HIDE = "hide"
    RESTORE = "restore"
    DISMISS = "dismiss"
    MUTE = "mute"
    UNMUTE = "unmute"


ACTION_LABELS: Mapping[Action, str] = {
    Action.HIDE: "Hid it",
    Action.RESTORE: "Restored it",
    Action.DISMISS: "Dismissed the reports",
    Action.MUTE: "Muted",
    Action.UNMUTE: "Unmuted",
}

MAX_NOTE = 1_000  # characters of a reporter's note
MAX_WHY = 1_000  # characters of a moderator's reason
QUEUE_SIZE = 50  # items on one page of the queue

MUTE_SHORTEST = timedelta(hours=1)
MUTE_LONGEST = timedelta(days=30)
# The lengths a moderator picks from, in hours; or they name the moment it ends.
MUTE_CHOICES: tuple[tuple[int, str], ...] = (
    (1, "1 hour"),
    (24, "1 day"),
    (72, "3 days"),
    (168, "7 days"),
    (720, "30 days"),
)


def moderates(role: str) -> bool:
    """Tell whether a person of ``role`` moderates the community (the platform team)."""
    return can(role, Capability.OPERATE)


def may_see_hidden(*, author_id: str | None, user_id: str | None, moderator: bool) -> bool:
    """Tell whether a reader sees a hidden item: its author and moderators do, nobody else."""
    return moderator or (user_id is not None and author_id == user_id)


def mute_end(
    now: datetime, *, hours: int | None, until: datetime | None
) -> tuple[datetime | None, str | None]:
    """Return when a mute asked for ``hours`` from ``now``, or ``until`` a moment, ends; or
    what is wrong with it (between ``MUTE_SHORTEST`` and ``MUTE_LONGEST`` from now)."""
    if (hours is None) == (until is None):
        return None, "is either a number of hours or the moment it ends"
    end = now + timedelta(hours=hours) if hours is not None else until
    assert end is not None
    if end - now < MUTE_SHORTEST:
        return None, "is at least one hour from now"
    if end - now > MUTE_LONGEST:
        return None, "is at most 30 days from now"
    return end, None


@dataclass(frozen=True)
class Limit:
    """At most ``count`` posts of one kind by one person in any ``window``."""

    what: str  # "suggestions", "comments"
    count: int
    window: timedelta
    window_words: str  # "hour", "10 minutes": how the window reads in a sentence


# Enough for anyone taking part, too few for a flood: a person posts at most 5 suggestions
# in an hour and 30 comments in 10 minutes. Counted from their posts in the database (every
# hearth process shares it), deleted and hidden ones included, so deleting does not give
# the allowance back.
SUGGESTION_LIMIT = Limit("suggestions", 5, timedelta(hours=1), "hour")
COMMENT_LIMIT = Limit("comments", 30, timedelta(minutes=10), "10 minutes")
QUESTION_LIMIT = Limit("questions", 10, timedelta(hours=1), "hour")


def wait_before_posting(recent: Sequence[datetime], limit: Limit, now: datetime) -> timedelta:
    """Return how long a person must wait before posting again, given the times of their
    recent posts of that kind (any order; those older than the window do not count): zero
    when they may post now. They may once fewer than ``limit.count`` posts are inside the
    window, so the wait ends when the oldest post that keeps it full leaves it."""
    inside = sorted(t for t in recent if now - t < limit.window)
    if len(inside) < limit.count:
        return timedelta(0)
    leaving = inside[len(inside) - limit.count]
    return max(timedelta(0), leaving + limit.window - now)


def retry_seconds(wait: timedelta) -> int:
    """Return a wait as the whole seconds a ``Retry-After`` header gives (at least one)."""
    return max(1, math.ceil(wait.total_seconds()))
