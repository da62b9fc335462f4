"""Rules of the home app, without I/O: roles and what each may do, names, invitations.

``HOME_PERMISSIONS`` is the one table of who may do what inside a home. Members see and
control the devices; owners also manage the home, its rooms, its devices and its people.
An invitation is a small workflow (``INVITATION_MOVES``, held by ``INVITATION_WORKFLOW``);
an illegal move raises ``InvalidTransition``.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from datetime import datetime, timedelta
from enum import StrEnum

from hearth.errors import InvalidInput
from hearth.kit import times
from hearth.kit.text import MAX_NAME as MAX_NAME
from hearth.kit.text import tidy, unreadable
from hearth.kit.workflow import Workflow

INVITATION_LIFETIME = timedelta(days=7)


class HomeRole(StrEnum):
    OWNER = "owner"  # manages the home: rooms, devices, members
    MEMBER = "member"  # sees and controls the home's devices


class HomeAction(StrEnum):
    VIEW = "view"  # see the home, its rooms and devices, their state and history
    CONTROL = "control"  # operate devices, mark favourites
    MANAGE = "manage"  # rename or delete the home; rooms; add, move and remove devices
    INVITE = "invite"  # invite people, change their role, remove them


HOME_PERMISSIONS: dict[HomeRole, frozenset[HomeAction]] = {
    HomeRole.OWNER: frozenset(HomeAction),
    HomeRole.MEMBER: frozenset({HomeAction.VIEW, HomeAction.CONTROL}),
}


def allows(role: HomeRole, action: HomeAction) -> bool:
    """Tell whether ``role`` may do ``action`` in its home."""
    return action in HOME_PERMISSIONS[role]


def clean_name(name: str, *, field: str = "name", what: str = "a home") -> str:
    """Return ``name`` with its whitespace collapsed, or raise ``InvalidInput`` if it is
    blank, too long or holds control characters (``kit.text``)."""
    cleaned = tidy(name)
    if not cleaned or len(cleaned) > MAX_NAME:
        raise InvalidInput(
            f"{what.capitalize()} needs a name of 1-{MAX_NAME} characters.",
            detail=[{"field": field, "message": f"1-{MAX_NAME} characters"}],
        )
    found = unreadable(cleaned)
    if found is not None:
        raise InvalidInput(
            f"{what.capitalize()}'s name may not hold control characters ({found} is one).",
            detail=[{"field": field, "message": f"no control characters ({found} is one)"}],
        )
    return cleaned


def name_key(name: str) -> str:
    """Return what names that read alike share (``Ä``, ``ä``; ``ﬁ``, ``fi``): the name in
    NFKC, case folded, its whitespace collapsed, as a SHA-256 digest.

    Room names are unique by this key, computed here rather than with the database's
    ``lower()``, which folds only ASCII on SQLite and depends on the locale on PostgreSQL.
    The digest keeps it within its column however far folding stretches a name (``ß``
    folds to ``ss``, some ligatures to a dozen letters)."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    return hashlib.sha256(" ".join(folded.split()).encode()).hexdigest()


def choose_zone(text: str) -> str:
    """Return the IANA time zone a person means by ``text`` ("Berlin" is Europe/Berlin), or
    raise ``InvalidInput`` saying what to choose instead."""
    wanted = " ".join(text.split())
    found = times.zone_matches(wanted) if wanted else []
    if len(found) > 1:  # "berlin" also lies inside no other name; "indiana" in several
        city = wanted.casefold().replace(" ", "_")
        found = [name for name in found if name.casefold().rsplit("/", 1)[-1] == city] or found
    if len(found) == 1:
        return found[0]
    if not wanted:
        message = "Choose the home's time zone from the list, for example Europe/Berlin."
    elif not found:
        message = (
            f"No time zone is called {wanted[:64]}: choose one from the list, "
            "for example Europe/Berlin."
        )
    else:
        shown = ", ".join(found[:4]) + (" …" if len(found) > 4 else "")
        message = (
            f"{wanted[:64]} could be one of several time zones ({shown}): choose one from the list."
        )
    raise InvalidInput(message, detail=[{"field": "timezone", "message": message}])


def check_location(latitude: float | None, longitude: float | None) -> None:
    """Raise ``InvalidInput`` unless both coordinates are given and on the globe, or neither."""
    problem = None
    field = "latitude"
    if (latitude is None) != (longitude is None):
        problem = "Give both the latitude and the longitude, or leave both empty."
        field = "longitude" if longitude is None else "latitude"
    elif latitude is not None and not -90 <= latitude <= 90:
        problem = "The latitude is a number between -90 (the South Pole) and 90 (the North Pole)."
    elif longitude is not None and not -180 <= longitude <= 180:
        problem, field = "The longitude is a number between -180 and 180.", "longitude"
    if problem is not None:
        raise InvalidInput(problem, detail=[{"field": field, "message": problem}])


def parse_role(value: str) -> HomeRole:
    """Return the role named ``value`` or raise ``InvalidInput`` naming the choices."""
    try:
        return HomeRole(value)
    except ValueError:
        raise InvalidInput(
            "A role is owner or member.", detail=[{"field": "role", "message": "owner or member"}]
        ) from None


def can_leave(role: HomeRole, owners: int) -> bool:
    """Tell whether someone of ``role`` may leave a home that has ``owners`` owners.

    The last owner cannot leave: a home without an owner could never be managed again
    (they delete the home instead, or make someone else an owner first).
    """
    return role is HomeRole.MEMBER or owners > 1


class InvitationState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


INVITATION_MOVES: dict[InvitationState, frozenset[InvitationState]] = {
    InvitationState.PENDING: frozenset(
        {InvitationState.ACCEPTED, InvitationState.DECLINED, InvitationState.WITHDRAWN}
    ),
    InvitationState.ACCEPTED: frozenset(),
    InvitationState.DECLINED: frozenset(),
    InvitationState.WITHDRAWN: frozenset(),
}
INVITATION_WORKFLOW = Workflow(
    INVITATION_MOVES, initial={InvitationState.PENDING}, name="invitation"
)


def is_open(state: str, expires_at: datetime, now: datetime) -> bool:
    """Tell whether an invitation can still be answered."""
    return state == InvitationState.PENDING and now < expires_at


def new_token() -> tuple[str, str]:
    """Return a fresh invitation-link token and the digest that is stored instead of it."""
    token = secrets.token_urlsafe(24)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    """Return the stored form of a link token (the token itself is never stored)."""
    return hashlib.sha256(token.encode()).hexdigest()
