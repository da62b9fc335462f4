"""A person's choices of how each topic of notifications reaches them (``rules.TOPICS``).

Only a choice that differs from nothing is stored: a topic without a row reaches the
person as its default says, so a new topic reaches everyone as designed, and changing a
default changes it for everyone who never chose.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.errors import InvalidInput
from hearth.notifications import rules
from hearth.notifications.models import NotificationPreference
from hearth.notifications.rules import Choice, Topic

CHUNK = 1000  # ids per IN list: far below either database's limit on parameters


@dataclass(frozen=True)
class Preference:
    """One topic and how it reaches the person."""

    topic: Topic
    in_app: bool
    email: bool


async def read(session: AsyncSession, *, user_id: str, role: str | None = None) -> list[Preference]:
    """Return how every topic reaches the person (those that concern their ``role``, when
    given), in the order topics are listed."""
    rows = {
        row.topic: row
        for row in await session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user_id)
        )
    }
    preferences = []
    for topic in rules.TOPICS:
        if role is not None and not topic.concerns(role):
            continue
        row = rows.get(topic.key)
        choice = Choice(row.in_app, row.email) if row is not None else rules.default(topic)
        preferences.append(Preference(topic, choice.in_app, choice.email))
    return preferences


async def choose(
    session: AsyncSession, *, user_id: str, choices: Mapping[str, Choice]
) -> list[Preference]:
    """Set how the named topics reach the person; topics not named stay as they are."""
    unknown = sorted(set(choices) - {topic.key for topic in rules.TOPICS})
    if unknown:
        raise InvalidInput.fields(
            [{"field": key, "message": "There is no such kind of notification."} for key in unknown]
        )
    if choices:
        await session.execute(
            delete(NotificationPreference).where(
                NotificationPreference.user_id == user_id,
                NotificationPreference.topic.in_(list(choices)),
            )
        )
        session.add_all(
            NotificationPreference(
                user_id=user_id, topic=key, in_app=choice.in_app, email=choice.email
            )
            for key, choice in choices.items()
        )
        await session.flush()
    return await read(session, user_id=user_id)


async def choices_for(
    session: AsyncSession, *, user_ids: Sequence[str], topic: Topic
) -> dict[str, Choice]:
    """Return how ``topic`` reaches each of ``user_ids``."""
    chosen: dict[str, Choice] = {}
    for start in range(0, len(user_ids), CHUNK):
        rows = await session.scalars(
            select(NotificationPreference).where(
                NotificationPreference.topic == topic.key,
                NotificationPreference.user_id.in_(user_ids[start : start + CHUNK]),
            )
        )
        chosen.update({row.user_id: Choice(row.in_app, row.email) for row in rows})
    fallback = rules.default(topic)
    return {user_id: chosen.get(user_id, fallback) for user_id in user_ids}
