"""Returns: a fan asks to return a delivered store order within ``RETURN_WINDOW``; a
member of the order's partner accepts (everything left is refunded through the provider
and the ledger, with funding's refund, and the order's units go back into stock) or
declines with a reason. Both sides are told in their inbox.

Asking twice with the same idempotency key returns the first request; one return per
order. Accepting claims the return with a conditional update (``requested → refunding``)
under the caller's key, so two accepts at once refund once; a provider that refuses puts
it back to ``requested``. Once refunded, the return moves ``refunding → accepted`` and, in
the same transaction, its units go back into stock (``restock``): claimed with a
conditional update on ``restocked_at``, so they go back once however often it is asked,
recorded as ``StockReturned``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db
from hearth.accounts.models import User
from hearth.errors import Conflict, HearthError, InvalidInput, NotFound, ProviderTimeout
from hearth.funding import events, orders
from hearth.funding.campaigns import partner_of
from hearth.funding.models import Order, OrderItem
from hearth.funding.outcome import partner_members
from hearth.funding.rules import Channel, OrderStatus
from hearth.kit.money import Money
from hearth.notifications import service as notifications
from hearth.outbox import Publish, record, unit_of_work
from hearth.payments.provider import PaymentProvider
from hearth.sales import catalog
from hearth.sales.events import StockReturned
from hearth.sales.models import SaleReturn
from hearth.sales.rules import RETURN_WINDOW, ReturnState, may_return, return_open_until


@dataclass(frozen=True)
class Asked:
    row: SaleReturn
    new: bool


async def of_order(session: AsyncSession, *, user: User, order_id: str) -> SaleReturn | None:
    """Return the return asked for on one of the person's orders, if any."""
    order = await session.get(Order, order_id)
    if order is None or order.backer_id != user.id:
        raise NotFound("no such order")
    found: SaleReturn | None = await session.scalar(
        select(SaleReturn).where(SaleReturn.order_id == order.id)
    )
    return found


async def request(
    session: AsyncSession,
    *,
    user: User,
    order_id: str,
    reason: str,
    idempotency_key: str,
    now: datetime,
) -> Asked:
    """Ask to return a delivered store order; the partner's members are told."""
    order = await session.get(Order, order_id)
    if order is None or order.backer_id != user.id:
        raise NotFound("no such order")
    existing = await session.scalar(select(SaleReturn).where(SaleReturn.order_id == order.id))
    if existing is not None:
        if existing.idempotency_key == idempotency_key:
            return Asked(existing, False)
        raise Conflict("A return was asked for on this order already.")
    if order.channel != Channel.SALE:
        raise Conflict("Only store orders are returned here; ask the maker about a reward.")
    if order.status != OrderStatus.DELIVERED:
        raise Conflict(f"Only a delivered order can be returned; this one is {order.status}.")
    if not may_return(order.delivered_at, now):
        until = return_open_until(order.delivered_at)
        ended = until.date().isoformat() if until else "before it was delivered"
        raise Conflict(f"The {RETURN_WINDOW.days} days to return this order ended on {ended}.")
    reason = " ".join(reason.split())
    if not 1 <= len(reason) <= 500:
        raise InvalidInput.fields([{"field": "reason", "message": "1 to 500 characters"}])
    row = SaleReturn(
        order_id=order.id,
        user_id=user.id,
        partner_id=order.partner_id,
        state=ReturnState.REQUESTED.value,
        reason=reason,
        answer="",
        idempotency_key=idempotency_key,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    members = await partner_members(session, order.partner_id)
    if members:
        await notifications.notify(
            session,
            now=now,
            user_ids=members,
            kind="return_requested",
            title=f"Return asked for on order {order.id[-8:]}",
            body=reason,
            link="/partner/returns",
        )
        events.notified(session, members)
    return Asked(row, True)


async def partner_returns(
    session: AsyncSession, *, user: User, state: ReturnState | None = None
) -> list[tuple[SaleReturn, Order]]:
    """Return the partner's returns (optionally of one state), newest first."""
    query = (
        select(SaleReturn, Order)
        .join(Order, Order.id == SaleReturn.order_id)
        .where(SaleReturn.partner_id == partner_of(user))
    )
    if state is not None:
        query = query.where(SaleReturn.state == state.value)
    rows = await session.execute(query.order_by(SaleReturn.created_at.desc(), SaleReturn.id))
    return [(r, o) for r, o in rows]


async def _own(session: AsyncSession, user: User, return_id: str) -> SaleReturn:
    row = await session.get(SaleReturn, return_id)
    if row is None or user.partner_id is None or row.partner_id != user.partner_id:
        raise NotFound("No such return.")
    return row


async def accept(
    sessions: async_sessionmaker[AsyncSession],
    provider: PaymentProvider,
    publish: Publish,
    *,
    user: User,
    return_id: str,
    idempotency_key: str,
    now: datetime,
) -> SaleReturn:
    """Accept a return: refund what is left of the order and tell the fan."""
    async with db.transaction(sessions) as session:
        row = await _own(session, user, return_id)
        if row.accept_key == idempotency_key and row.state == ReturnState.ACCEPTED:
            return row
        claimed = await session.execute(
            update(SaleReturn)
            .where(SaleReturn.id == row.id, SaleReturn.state == ReturnState.REQUESTED.value)
            .values(state=ReturnState.REFUNDING.value, accept_key=idempotency_key)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            await session.refresh(row)
            raise Conflict(f"This return is {row.state} already.")
        order_id = row.order_id
    try:
        order = await orders.refund(
            sessions,
            provider,
            publish,
            user=user,
            order_id=order_id,
            amount=None,
            reason="Return accepted",
            now=now,
        )
    except ProviderTimeout:
        raise  # the refund stays requested in funding, this return refunding: ask again
    except HearthError:
        async with db.transaction(sessions) as session:
            await session.execute(
                update(SaleReturn)
                .where(SaleReturn.id == return_id, SaleReturn.state == ReturnState.REFUNDING.value)
                .values(state=ReturnState.REQUESTED.value, accept_key=None)
            )
        raise
    async with unit_of_work(sessions, publish) as session:
        row = await _own(session, user, return_id)
        row.state = ReturnState.ACCEPTED.value
        row.decided_by, row.decided_at = user.id, now
        await session.flush()
        await restock(session, return_id=row.id, now=now)
        refunded = Money(order.refunded, order.currency)
        await notifications.notify(
            session,
            now=now,
            user_ids=[row.user_id],
            kind="return_accepted",
            title=f"Your return was accepted: {refunded} refunded",
            link=f"/orders/{order_id}/return",
        )
        events.notified(session, [row.user_id])
        await session.flush()
        return row


async def restock(session: AsyncSession, *, return_id: str, now: datetime) -> dict[str, int]:
    """Put the units of an accepted return back into stock, once; return the units put
    back per variant (none if the return is not accepted, or went back already)."""
    claimed = await session.execute(
        update(SaleReturn)
        .where(
            SaleReturn.id == return_id,
            SaleReturn.state == ReturnState.ACCEPTED.value,
            SaleReturn.restocked_at.is_(None),
        )
        .values(restocked_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return {}
    row = await session.get(SaleReturn, return_id, populate_existing=True)
    assert row is not None
    items = await session.scalars(
        select(OrderItem).where(
            OrderItem.order_id == row.order_id,
            OrderItem.variant_id.is_not(None),
            OrderItem.listing_id.is_not(None),
        )
    )
    back = await catalog.put_back(
        session,
        [(str(i.variant_id), str(i.listing_id), i.quantity) for i in items],
        now=now,
    )
    record(
        session,
        StockReturned(
            return_id=row.id, order_id=row.order_id, partner_id=row.partner_id, units=back
        ),
    )
    return back


async def decline(
    session: AsyncSession, *, user: User, return_id: str, answer: str, now: datetime
) -> SaleReturn:
    """Decline a return with a reason the fan reads."""
    row = await _own(session, user, return_id)
    answer = " ".join(answer.split())
    if not 1 <= len(answer) <= 500:
        raise InvalidInput.fields(
            [{"field": "answer", "message": "say why, in 1 to 500 characters"}]
        )
    moved = await session.execute(
        update(SaleReturn)
        .where(SaleReturn.id == row.id, SaleReturn.state == ReturnState.REQUESTED.value)
        .values(state=ReturnState.DECLINED.value, answer=answer, decided_by=user.id, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"This return is {row.state} already.")
    await session.refresh(row)
    await notifications.notify(
        session,
        now=now,
        user_ids=[row.user_id],
        kind="return_declined",
        title="Your return was declined",
        body=answer,
        link=f"/orders/{row.order_id}/return",
    )
    events.notified(session, [row.user_id])
    return row
