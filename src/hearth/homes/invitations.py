"""Invitations into a home: for a named user (who finds it in their inbox) or a link.

Owners invite as ``owner`` or ``member``. A link carries a token whose digest alone is
stored; it lets exactly one person in: acceptance is a conditional update on a pending
row, so two people racing for one link cannot both join. Invitations expire after
``rules.INVITATION_LIFETIME``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.accounts.service import USERNAME, normalise_username
from hearth.errors import Conflict, InvalidInput, NotFound
from hearth.homes.models import Home, HomeInvitation
from hearth.homes.rules import (
    INVITATION_LIFETIME,
    INVITATION_WORKFLOW,
    HomeAction,
    HomeRole,
    InvitationState,
    is_open,
    new_token,
    token_digest,
)
from hearth.homes.service import add_member, membership, require
from hearth.notifications import service as notifications

MAX_PENDING = 50


@dataclass(frozen=True)
class Pending:
    """An open invitation as its invitee sees it."""

    invitation: HomeInvitation
    home_name: str
    invited_by: str


async def _check_room_for_more(session: AsyncSession, home_id: str, now: datetime) -> None:
    rows = await session.scalars(
        select(HomeInvitation.expires_at).where(
            HomeInvitation.home_id == home_id,
            HomeInvitation.state == InvitationState.PENDING.value,
        )
    )
    if sum(1 for expires in rows if expires > now) >= MAX_PENDING:
        raise Conflict(f"A home has at most {MAX_PENDING} open invitations. Withdraw one first.")


async def invite_user(
    session: AsyncSession,
    *,
    user: User,
    home_id: str,
    username: str,
    role: HomeRole,
    now: datetime,
) -> HomeInvitation:
    """Invite a user by username; they find the invitation in their inbox.

    The answer is the same whether or not anyone has that name, so inviting cannot be
    used to list hearth's users: a name nobody holds still gets a pending invitation,
    addressed to no one, that nobody can accept and that expires like the others. (A
    member already in the home is refused: the owner sees the home's people anyway.)"""
    home, _ = await require(session, user=user, home_id=home_id, action=HomeAction.INVITE)
    name = normalise_username(username)
    if not USERNAME.match(name):  # no account can have it: say so, it tells nothing
        raise InvalidInput.fields(
            [{"field": "username", "message": "a username is 3-40 letters, digits, '.', '_', '-'"}]
        )
    invitee = await session.scalar(select(User).where(User.username == name))
    if invitee is not None:
        if await membership(session, user_id=invitee.id, home_id=home.id) is not None:
            raise Conflict(f"{invitee.display_name} (@{invitee.username}) is already in this home.")
    await _check_room_for_more(session, home.id, now)
    invitation = HomeInvitation(
        home_id=home.id,
        role=role.value,
        invitee_id=invitee.id if invitee is not None else None,
        addressed_to=name,
        invited_by=user.id,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    session.add(invitation)
    await session.flush()
    if invitee is None:
        return invitation
    await notifications.notify(
        session,
        now=now,
        user_ids=[invitee.id],
        kind="home_invitation",
        title=f"{user.display_name} invites you to {home.name}",
        body=f"Join as {'an owner' if role is HomeRole.OWNER else 'a member'}.",
        link="/invitations",
    )
    return invitation


async def create_link(
    session: AsyncSession, *, user: User, home_id: str, role: HomeRole, now: datetime
) -> tuple[HomeInvitation, str]:
    """Create a single-use invitation link; return it with its token (shown only now)."""
    home, _ = await require(session, user=user, home_id=home_id, action=HomeAction.INVITE)
    await _check_room_for_more(session, home.id, now)
    token, digest = new_token()
    invitation = HomeInvitation(
        home_id=home.id,
        role=role.value,
        token_digest=digest,
        invited_by=user.id,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    session.add(invitation)
    await session.flush()
    return invitation, token


async def list_open(
    session: AsyncSession, *, user: User, home_id: str, now: datetime
) -> list[HomeInvitation]:
    """Return a home's open invitations (owners only), newest first."""
    await require(session, user=user, home_id=home_id, action=HomeAction.INVITE)
    rows = await session.scalars(
        select(HomeInvitation)
        .where(
            HomeInvitation.home_id == home_id,
            HomeInvitation.state == InvitationState.PENDING.value,
            HomeInvitation.expires_at > now,
        )
        .order_by(HomeInvitation.created_at.desc())
    )
    return list(rows)


async def mine(session: AsyncSession, *, user: User, now: datetime) -> list[Pending]:
    """Return the open invitations addressed to the user by name."""
    inviter = User.__table__.alias("inviter")
    rows = await session.execute(
        select(HomeInvitation, Home.name, inviter.c.display_name)
        .join(Home, Home.id == HomeInvitation.home_id)
        .join(inviter, inviter.c.id == HomeInvitation.invited_by)
        .where(
            HomeInvitation.invitee_id == user.id,
            HomeInvitation.state == InvitationState.PENDING.value,
            HomeInvitation.expires_at > now,
        )
        .order_by(HomeInvitation.created_at.desc())
    )
    return [Pending(row[0], row[1], row[2]) for row in rows]


async def _claim(
    session: AsyncSession,
    invitation: HomeInvitation,
    user: User,
    target: InvitationState,
    now: datetime,
) -> None:
    """Move a pending invitation with a conditional update: only one answer wins."""
    if not is_open(invitation.state, invitation.expires_at, now):
        raise Conflict("This invitation was used, withdrawn or has expired.")
    INVITATION_WORKFLOW.check(InvitationState(invitation.state), target)
    claimed = await session.execute(
        update(HomeInvitation)
        .where(
            HomeInvitation.id == invitation.id,
            HomeInvitation.state == InvitationState.PENDING.value,
        )
        .values(state=target.value, answered_at=now, accepted_by=user.id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("This invitation was used, withdrawn or has expired.")
    await session.refresh(invitation)


async def _join(
    session: AsyncSession, invitation: HomeInvitation, user: User, now: datetime
) -> str:
    await _claim(session, invitation, user, InvitationState.ACCEPTED, now)
    current = await membership(session, user_id=user.id, home_id=invitation.home_id)
    if current is not HomeRole.OWNER:  # an invitation never demotes anyone
        await add_member(
            session,
            home_id=invitation.home_id,
            user_id=user.id,
            role=HomeRole(invitation.role),
            now=now,
        )
    return invitation.home_id


async def _addressed(session: AsyncSession, user: User, invitation_id: str) -> HomeInvitation:
    invitation = await session.get(HomeInvitation, invitation_id)
    if invitation is None or invitation.invitee_id != user.id:
        raise NotFound("There is no such invitation.")
    return invitation


async def accept(session: AsyncSession, *, user: User, invitation_id: str, now: datetime) -> str:
    """Accept an invitation addressed to the user; return the home's id."""
    return await _join(session, await _addressed(session, user, invitation_id), user, now)


async def decline(session: AsyncSession, *, user: User, invitation_id: str, now: datetime) -> None:
    """Decline an invitation addressed to the user."""
    invitation = await _addressed(session, user, invitation_id)
    await _claim(session, invitation, user, InvitationState.DECLINED, now)


async def by_token(
    session: AsyncSession, *, token: str, now: datetime
) -> tuple[HomeInvitation, Home]:
    """Return the open link invitation for ``token`` and its home, or ``NotFound``."""
    invitation = await session.scalar(
        select(HomeInvitation).where(HomeInvitation.token_digest == token_digest(token))
    )
    home = await session.get(Home, invitation.home_id) if invitation is not None else None
    if invitation is None or home is None:
        raise NotFound("This invitation link is not valid.")
    if not is_open(invitation.state, invitation.expires_at, now):
        raise NotFound("This invitation link was used, withdrawn or has expired.")
    return invitation, home


async def accept_link(session: AsyncSession, *, user: User, token: str, now: datetime) -> str:
    """Join the home an invitation link leads to; return the home's id."""
    invitation, _ = await by_token(session, token=token, now=now)
    return await _join(session, invitation, user, now)


async def withdraw(
    session: AsyncSession, *, user: User, home_id: str, invitation_id: str, now: datetime
) -> None:
    """Withdraw an open invitation of a home the user owns."""
    await require(session, user=user, home_id=home_id, action=HomeAction.INVITE)
    invitation = await session.get(HomeInvitation, invitation_id)
    if invitation is None or invitation.home_id != home_id:
        raise NotFound("There is no such invitation.")
    await _claim(session, invitation, user, InvitationState.WITHDRAWN, now)
