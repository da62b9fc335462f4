"""Partner members and invitations.

How someone becomes a partner member:

1. the applicant of an approved application (``partners.decide`` makes them one);
2. anyone a member invites, either by username (the invitee sees it on /partner and
   accepts) or with an invitation link whose token is shown once. Both kinds expire and
   work once; only a fan who belongs to no company may accept (reviewers and admins
   stay platform staff). Accepting makes the user role ``partner`` with that company.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth import outbox
from hearth.accounts.events import AccountChanged
from hearth.accounts.models import User
from hearth.accounts.roles import Capability, Role, can
from hearth.accounts.service import normalise_username
from hearth.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hearth.mall import notices
from hearth.mall.models import Partner, PartnerInvitation
from hearth.mall.review import PartnerState

DEFAULT_DAYS = 7
MAX_DAYS = 30


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _own_partner(session: AsyncSession, user: User) -> Partner:
    if user.partner_id is None or not can(user.role, Capability.PARTNER_CONSOLE):
        raise PermissionDenied("only partner members invite others")
    partner = await session.get(Partner, user.partner_id)
    if partner is None or partner.status != PartnerState.APPROVED:
        raise PermissionDenied("your company can invite members once it is approved")
    return partner


async def invite(
    session: AsyncSession,
    *,
    user: User,
    now: datetime,
    username: str | None = None,
    days: int = DEFAULT_DAYS,
) -> tuple[PartnerInvitation, str | None]:
    """Invite a user by username, or (no username) make a link; return it and the link token."""
    partner = await _own_partner(session, user)
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput.fields([{"field": "days", "message": f"1-{MAX_DAYS} days"}])
    invitation = PartnerInvitation(
        partner_id=partner.id, created_by=user.id, created_at=now, expires_at=now + timedelta(days)
    )
    token: str | None = None
    if username:
        invitee = await session.scalar(
            select(User).where(User.username == normalise_username(username))
        )
        if invitee is None or not invitee.is_active:
            raise NotFound(f"no user named {username.strip()!r}")
        _check_joinable(invitee, partner)
        invitation.invitee_id = invitee.id
    else:
        token = secrets.token_urlsafe(24)
        invitation.token_hash = _digest(token)
    session.add(invitation)
    await session.flush()
    if invitation.invitee_id:
        await notices.invited(
            session, partner=partner, invitee_id=invitation.invitee_id, by=user, now=now
        )
    return invitation, token


def _check_joinable(user: User, partner: Partner) -> None:
    if user.partner_id == partner.id:
        raise Conflict(f"{user.username} is already a member of {partner.name}")
    if user.partner_id is not None:
        raise Conflict(f"{user.username} already belongs to another partner company")
    if user.role != Role.FAN:
        raise Conflict(f"a {user.role} account cannot join a partner company")


async def _join(
    session: AsyncSession, invitation: PartnerInvitation, user: User, now: datetime
) -> Partner:
    if invitation.revoked_at is not None:
        raise Conflict("this invitation was withdrawn")
    if invitation.used_at is not None:
        raise Conflict("this invitation was already used")
    if invitation.expires_at <= now:
        raise Conflict("this invitation has expired; ask for a new one")
    partner = await session.get(Partner, invitation.partner_id)
    if partner is None or partner.status != PartnerState.APPROVED:
        raise NotFound("no such invitation")
    _check_joinable(user, partner)
    # Claim the invitation with a conditional update, so that of two people (or two
    # processes) using one link at the same moment exactly one gets in.
    claimed = await session.execute(
        update(PartnerInvitation)
        .where(
            PartnerInvitation.id == invitation.id,
            PartnerInvitation.used_at.is_(None),
            PartnerInvitation.revoked_at.is_(None),
        )
        .values(used_at=now, used_by=user.id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("this invitation was already used")
    await session.refresh(invitation)
    # The caller's row, in this transaction: the route's copy of it is detached.
    row = await session.get(User, user.id)
    if row is None:
        raise NotFound("no such person")
    row.role = Role.PARTNER.value
    row.partner_id = partner.id
    await session.flush()
    outbox.record(session, AccountChanged(user.id))
    return partner


async def accept_token(session: AsyncSession, *, user: User, token: str, now: datetime) -> Partner:
    """Join the company of an invitation link."""
    invitation = await session.scalar(
        select(PartnerInvitation).where(PartnerInvitation.token_hash == _digest(token.strip()))
    )
    if invitation is None:
        raise NotFound("no such invitation")
    return await _join(session, invitation, user, now)


async def accept(
    session: AsyncSession, *, user: User, invitation_id: str, now: datetime
) -> Partner:
    """Accept an invitation addressed to the user."""
    invitation = await session.get(PartnerInvitation, invitation_id)
    if invitation is None or invitation.invitee_id != user.id:
        raise NotFound("no such invitation")
    return await _join(session, invitation, user, now)


async def pending_for(
    session: AsyncSession, *, user: User, now: datetime
) -> list[tuple[PartnerInvitation, str]]:
    """Return open invitations addressed to the user, with the company's name."""
    rows = await session.execute(
        select(PartnerInvitation, Partner.name)
        .join(Partner, Partner.id == PartnerInvitation.partner_id)
        .where(
            PartnerInvitation.invitee_id == user.id,
            PartnerInvitation.used_at.is_(None),
            PartnerInvitation.revoked_at.is_(None),
            PartnerInvitation.expires_at > now,
        )
        .order_by(PartnerInvitation.created_at)
    )
    return [(i, name) for i, name in rows]


async def members(session: AsyncSession, *, user: User) -> list[User]:
    """Return the members of the user's own company."""
    partner = await _own_partner(session, user)
    rows = await session.scalars(
        select(User).where(User.partner_id == partner.id).order_by(User.display_name)
    )
    return list(rows)


async def invitations(
    session: AsyncSession, *, user: User
) -> list[tuple[PartnerInvitation, str | None]]:
    """Return the company's invitations, newest first, with the invitee's username."""
    partner = await _own_partner(session, user)
    rows = await session.execute(
        select(PartnerInvitation, User.username)
        .join(User, User.id == PartnerInvitation.invitee_id, isouter=True)
        .where(PartnerInvitation.partner_id == partner.id)
        .order_by(PartnerInvitation.created_at.desc())
    )
    return [(i, name) for i, name in rows]


async def revoke(
    session: AsyncSession, *, user: User, invitation_id: str, now: datetime
) -> PartnerInvitation:
    """Withdraw an unused invitation of the user's own company."""
    partner = await _own_partner(session, user)
    invitation = await session.get(PartnerInvitation, invitation_id)
    if invitation is None or invitation.partner_id != partner.id:
        raise NotFound("no such invitation")
    if invitation.used_at is not None:
        raise Conflict("this invitation was already used")
    invitation.revoked_at = invitation.revoked_at or now
    await session.flush()
    return invitation
