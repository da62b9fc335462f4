"""Events of accounts: what every process must hear to forget what it knew of a credential
or a person (``hearth.accounts.credentials`` remembers both for half a second)."""

from __future__ import annotations

from dataclasses import dataclass

from hearth.bus import Event, shared_event


@shared_event
@dataclass(frozen=True)
class CredentialEnded(Event):
    """A browser session was closed or an API token revoked (``digest``: its stored hash)."""

    digest: str


@shared_event
@dataclass(frozen=True)
class AccountChanged(Event):
    """A person's role, company or standing changed."""

    user_id: str
