"""Customer service: a backer opens a ticket on an order; the partner's members answer.

The platform is not in the loop (partners run their own customer service). A ticket is
seen by its backer and by the members of the order's partner, nobody else; a message from
one side notifies the other and moves the status along ``TICKET_MOVES``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.errors import NotFound
from hearth.funding import events
from hearth.funding.models import Order, Ticket, TicketMessage
from hearth.funding.outcome import partner_members
from hearth.funding.rules import TICKET_WORKFLOW, TicketStatus
from hearth.funding.schemas import FundingTicketIn, FundingTicketMessageIn
from hearth.notifications import service as notifications


async def open_ticket(
    session: AsyncSession,
    *,
    user: User,
    order_id: str,
    ticket: FundingTicketIn,
    now: datetime,
) -> Ticket:
    """Open a ticket on one of the user's orders; the partner's members are notified."""
    order = await session.get(Order, order_id)
    if order is None or order.backer_id != user.id:
        raise NotFound("no such order")
    row = Ticket(
        order_id=order.id,
        partner_id=order.partner_id,
        backer_id=user.id,
        subject=ticket.subject,
        status=TicketStatus.OPEN.value,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    session.add(TicketMessage(ticket_id=row.id, author_id=user.id, body=ticket.body, at=now))
    members = await partner_members(session, order.partner_id)
    if members:
        await notifications.notify(
            session,
            now=now,
            user_ids=members,
            kind="ticket_opened",
            title=f"New ticket: {row.subject}",
            link=f"/tickets/{row.id}",
        )
        events.notified(session, members)
    await session.flush()
    return row


async def get_ticket(
    session: AsyncSession, *, user: User, ticket_id: str
) -> tuple[Ticket, list[TicketMessage]]:
    """Return a ticket and its messages if the user is its backer or the partner's member."""
    ticket = await session.get(Ticket, ticket_id)
    if (
        ticket is None
        or user.id not in (ticket.backer_id,)
        and user.partner_id != ticket.partner_id
    ):
        raise NotFound("no such ticket")
    messages = select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
    return ticket, list(
        await session.scalars(messages.order_by(TicketMessage.at, TicketMessage.id))
    )


async def reply(
    session: AsyncSession,
    *,
    user: User,
    ticket_id: str,
    message: FundingTicketMessageIn,
    now: datetime,
) -> TicketMessage:
    """Add a message; the other side is notified and the status follows who spoke last."""
    ticket, _ = await get_ticket(session, user=user, ticket_id=ticket_id)
    from_partner = user.partner_id == ticket.partner_id and user.id != ticket.backer_id
    target = TicketStatus.ANSWERED if from_partner else TicketStatus.OPEN
    if ticket.status != target:
        TICKET_WORKFLOW.check(TicketStatus(ticket.status), target)
        ticket.status = target.value
    ticket.updated_at = now
    row = TicketMessage(
        ticket_id=ticket.id, author_id=user.id, from_partner=from_partner, body=message.body, at=now
    )
    session.add(row)
    others = (
        [ticket.backer_id] if from_partner else await partner_members(session, ticket.partner_id)
    )
    if others:
        await notifications.notify(
            session,
            now=now,
            user_ids=others,
            kind="ticket_reply",
            title=f"Reply on: {ticket.subject}",
            link=f"/tickets/{ticket.id}",
        )
        events.notified(session, others)
    await session.flush()
    return row


async def set_status(
    session: AsyncSession, *, user: User, ticket_id: str, target: TicketStatus, now: datetime
) -> Ticket:
    """Close or reopen a ticket (either side may)."""
    ticket, _ = await get_ticket(session, user=user, ticket_id=ticket_id)
    TICKET_WORKFLOW.check(TicketStatus(ticket.status), target)
    ticket.status, ticket.updated_at = target.value, now
    await session.flush()
    return ticket


async def backer_tickets(session: AsyncSession, *, user: User) -> list[Ticket]:
    """Return the user's own tickets, most recently active first."""
    query = select(Ticket).where(Ticket.backer_id == user.id)
    return list(await session.scalars(query.order_by(Ticket.updated_at.desc())))


async def partner_tickets(
    session: AsyncSession, *, partner_id: str, status: str | None = None
) -> list[Ticket]:
    """Return a partner's tickets, optionally of one status, most recently active first."""
    query = select(Ticket).where(Ticket.partner_id == partner_id)
    if status:
        query = query.where(Ticket.status == status)
    return list(await session.scalars(query.order_by(Ticket.updated_at.desc())))
