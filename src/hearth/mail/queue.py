"""The outgoing mail queue: letters written in the caller's transaction, claimed once to send.

A letter exists exactly when the change that caused it does (``enqueue`` runs in the
caller's transaction). Senders, in any number of processes, ``claim`` due letters with one
conditional update that stamps them with the claimer's id and a lease: a letter another
sender claimed first is left out by the condition, on SQLite (one writer at a time) as on
PostgreSQL (the update re-reads a row it waited for). What a sender claimed it alone
settles (``settle``, conditional on its stamp). A sender that stops mid-send leaves a lease
that runs out, and the letter is taken up again: at most once more, and only then.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth import outbox
from hearth.errors import MailError, MailRefused
from hearth.mail.events import MailQueued
from hearth.mail.models import OutgoingMail
from hearth.mail.rules import LEASE, Letter, gives_up, wait_after

QUEUED, SENT, FAILED = "queued", "sent", "failed"


async def enqueue(session: AsyncSession, letters: Iterable[Letter], *, now: datetime) -> int:
    """Queue ``letters`` in the caller's transaction; return how many."""
    rows = [
        OutgoingMail(
            kind=letter.kind[:60],
            to_address=letter.to,
            to_name=letter.to_name[:80],
            subject=letter.subject[:200],
            content=letter.content(),
            status=QUEUED,
            attempts=0,
            next_attempt_at=now,
            last_error="",
            created_at=now,
        )
        for letter in letters
    ]
    if rows:
        session.add_all(rows)
        await session.flush()
        outbox.record(session, MailQueued(len(rows)))
    return len(rows)


@dataclass(frozen=True)
class Claimed:
    """A letter one sender claimed: what it needs to compose and send it."""

    id: str
    attempts: int
    letter: Letter


def new_claimer() -> str:
    """Return a fresh id for one sender's claims."""
    return secrets.token_hex(8)


async def claim(
    session: AsyncSession, *, claimer: str, now: datetime, limit: int = 20
) -> list[Claimed]:
    """Claim up to ``limit`` due letters for ``claimer`` and return them."""
    due = (
        select(OutgoingMail.id)
        .where(
            OutgoingMail.status == QUEUED,
            OutgoingMail.next_attempt_at <= now,
            (OutgoingMail.lease_until.is_(None)) | (OutgoingMail.lease_until < now),
        )
        .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(await session.scalars(due))
    if not ids:
        return []
    # Only the rows this statement stamped are this claim's: a row the same claimer took in
    # a round running alongside (one sender, two rounds) is left out by the condition.
    taken = list(
        await session.scalars(
            update(OutgoingMail)
            .where(
                OutgoingMail.id.in_(ids),
                OutgoingMail.status == QUEUED,
                (OutgoingMail.lease_until.is_(None)) | (OutgoingMail.lease_until < now),
            )
            .values(lease_until=now + LEASE, claimed_by=claimer)
            .returning(OutgoingMail.id)
            .execution_options(synchronize_session=False)
        )
    )
    if not taken:
        return []
    rows = await session.scalars(
        select(OutgoingMail)
        .where(OutgoingMail.id.in_(taken))
        .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id)
        .execution_options(populate_existing=True)
    )
    return [
        Claimed(
            row.id,
            row.attempts,
            Letter(
                to=row.to_address,
                to_name=row.to_name,
                subject=row.subject,
                paragraphs=tuple(row.content.get("paragraphs", ())),
                action_label=str(row.content.get("action_label", "")),
                action_path=str(row.content.get("action_path", "")),
                footer=str(row.content.get("footer", "")),
                kind=row.kind,
            ),
        )
        for row in rows
    ]


async def settle(
    session: AsyncSession,
    claimed: Claimed,
    *,
    claimer: str,
    now: datetime,
    error: MailError | None = None,
) -> str:
    """Record how sending ``claimed`` went; return its status (``sent``, ``queued`` to
    retry after a back-off, ``failed`` when refused or tried too often)."""
    values: dict[str, object]
    if error is None:
        values = {"status": SENT, "sent_at": now, "content": {}, "last_error": ""}
    else:
        attempts = claimed.attempts + 1
        done = isinstance(error, MailRefused) or gives_up(attempts)
        values = {
            "status": FAILED if done else QUEUED,
            "attempts": attempts,
            "next_attempt_at": now + wait_after(attempts),
            "last_error": error.message[:300],
        }
        if done:
            values["content"] = {}
    values |= {"lease_until": None, "claimed_by": None}
    await session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == claimed.id, OutgoingMail.claimed_by == claimer)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return str(values["status"])


async def pending(session: AsyncSession, *, to: str | None = None) -> Sequence[OutgoingMail]:
    """Return the letters not sent yet (to one address), oldest first."""
    query = select(OutgoingMail).where(OutgoingMail.status == QUEUED)
    if to is not None:
        query = query.where(OutgoingMail.to_address == to)
    return list(await session.scalars(query.order_by(OutgoingMail.created_at, OutgoingMail.id)))
