"""Who a request's credential signs in, read from the database at most every half second.

Every request is checked against the sessions and tokens in the database, and that check
was most of what a request cost: a transaction, a join of two tables and an ORM row, for
a request that may need nothing else (``GET /api/v1/me`` spent over 1 ms on it, against
0.14 ms for the rest of hearth's front door; ``bench/front_door.py``). Each process now
remembers, per credential, whom it signed in and when the database said so, and believes
it for ``FRESH`` seconds (half a second). So:

- a log-out, a revoked token or a changed account is refused or seen at once in the
  process that made the change (the service records ``CredentialEnded`` or
  ``AccountChanged``; the outbox publishes it after commit and this cache forgets), at
  once in every process that hears the event over the relay, and within ``FRESH`` in a
  process that missed it: within one second everywhere, whatever the broker does;
- a session past its expiry is refused on the first request after it, cached or not;
- nothing about a credential is kept that the database would not say: the cache holds
  the hash of the secret, never the secret, and only credentials that signed someone in.

What the routes get is a detached copy of the person's row, fresh for each request:
reading it needs no session, and a service that changes the person loads their row in
its own transaction (``mall.members``).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state

from hearth.accounts import service as accounts
from hearth.accounts.events import AccountChanged, CredentialEnded
from hearth.accounts.models import User
from hearth.accounts.service import Credential, digest
from hearth.bus import EventBus
from hearth.outbox import Publish, unit_of_work

FRESH = 0.5  # seconds a process believes what the database said of a credential
LIMIT = 50_000  # credentials remembered per process; past it, the stale ones are dropped
_COLUMNS = tuple(attribute.key for attribute in inspect(User).column_attrs)
_MANAGER = inspect(User).class_manager


@dataclass(frozen=True)
class _Known:
    user_id: str
    values: tuple[Any, ...]  # the person's row, in _COLUMNS order
    expires_at: datetime | None  # a session's end; tokens do not expire
    read_at: float  # time.monotonic() when the database was asked


def detached(values: tuple[Any, ...]) -> User:
    """Return a detached ``User`` with ``values``, as if loaded by a session now closed.

    Filled in as a loaded row is, not through ``User(...)``, whose attribute events cost
    twice as much (12 µs against 24 µs a request)."""
    user: User = _MANAGER.new_instance()
    instance_state(user).dict.update(zip(_COLUMNS, values, strict=True))
    make_transient_to_detached(user)
    return user


class Credentials:
    """The credential check of one process, with what it remembers of recent ones."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        publish: Publish,
        *,
        fresh: float = FRESH,
        limit: int = LIMIT,
    ) -> None:
        self._sessions = sessions
        self._publish = publish
        self.fresh = fresh
        self._limit = limit
        self._known: dict[str, _Known] = {}
        self._reading: dict[str, asyncio.Future[_Known | None]] = {}
        self.reads = 0  # database reads, for tests and metrics

    def watch(self, bus: EventBus) -> None:
        """Forget credentials and people as their events arrive (from any process)."""
        bus.subscribe(CredentialEnded, self._ended)
        bus.subscribe(AccountChanged, self._changed)

    async def user(self, credential: Credential, *, now: datetime) -> User | None:
        """Return the active person ``credential`` signs in, or None."""
        hashed = digest(credential.secret)
        known = self._known.get(hashed)
        if known is None or time.monotonic() - known.read_at >= self.fresh:
            known = await self._refresh(hashed, credential, now)
            if known is None:
                return None
        if known.expires_at is not None and known.expires_at <= now:
            self._known.pop(hashed, None)
            return None
        return detached(known.values)

    async def _refresh(self, hashed: str, credential: Credential, now: datetime) -> _Known | None:
        """Read a credential again; the requests that need it meanwhile share the one read
        (a busy client's requests would otherwise all read it at once, every half second,
        and make a burst of slow answers)."""
        reading = self._reading.get(hashed)
        if reading is None:
            reading = asyncio.ensure_future(self._read_into(hashed, credential, now))
            self._reading[hashed] = reading
            reading.add_done_callback(lambda done: self._read_done(hashed, done))
        # Shielded: a request that leaves does not cancel the read the others wait for.
        return await asyncio.shield(reading)

    def _read_done(self, hashed: str, reading: asyncio.Future[_Known | None]) -> None:
        self._reading.pop(hashed, None)
        if not reading.cancelled():
            reading.exception()  # retrieved, so that one nobody waited for is not reported

    async def _read_into(self, hashed: str, credential: Credential, now: datetime) -> _Known | None:
        read_at = time.monotonic()
        found = await self._read(credential, now=now)
        if found is None:
            self._known.pop(hashed, None)
            return None
        user, expires_at = found
        if len(self._known) >= self._limit:
            self._drop_stale()
        values = tuple(getattr(user, column) for column in _COLUMNS)
        known = self._known[hashed] = _Known(user.id, values, expires_at, read_at)
        return known

    async def _read(
        self, credential: Credential, *, now: datetime
    ) -> tuple[User, datetime | None] | None:
        self.reads += 1
        async with unit_of_work(self._sessions, self._publish) as session:
            if credential.kind == "session":
                return await accounts.user_for_session(session, credential.secret, now=now)
            user = await accounts.user_for_token(session, credential.secret, now=now)
            return None if user is None else (user, None)

    def forget(self, hashed: str) -> None:
        """Forget one credential (by its stored hash)."""
        self._known.pop(hashed, None)

    def forget_user(self, user_id: str) -> None:
        """Forget every credential of one person."""
        for hashed in [h for h, known in self._known.items() if known.user_id == user_id]:
            del self._known[hashed]

    async def _ended(self, event: CredentialEnded) -> None:
        self.forget(event.digest)

    async def _changed(self, event: AccountChanged) -> None:
        self.forget_user(event.user_id)

    def _drop_stale(self) -> None:
        oldest = time.monotonic() - self.fresh
        self._known = {d: k for d, k in self._known.items() if k.read_at >= oldest}
        if len(self._known) >= self._limit:  # a burst of fresh ones: start over
            self._known.clear()
