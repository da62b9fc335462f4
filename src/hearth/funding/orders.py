"""Orders and their fulfilment: lists for backers and partners, CSV of what to ship,
tracking numbers imported from CSV, and refunds by the partner.

A backer sees only their own orders; a partner's members only their partner's. Others'
orders answer ``NotFound``. A tracking import is all or nothing: every row is checked
first and, if any is wrong, nothing changes and each bad row is reported with its line.
A refund is recorded before the provider is asked, with the order held (``_hold``), so two
refunds at once can never give back more than was paid; one the provider refuses is marked
failed, which frees its amount again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db
from hearth.accounts.models import User
from hearth.errors import Conflict, HearthError, InvalidInput, NotFound, ProviderTimeout
from hearth.funding import events
from hearth.funding.campaigns import partner_of
from hearth.funding.models import Campaign, CampaignTier, Order, OrderItem, OrderRefund
from hearth.funding.rules import ORDER_WORKFLOW, OrderStatus
from hearth.kit.money import Money
from hearth.notifications import service as notifications
from hearth.outbox import Publish, unit_of_work
from hearth.payments import books
from hearth.payments.provider import PaymentProvider

EXPORT_COLUMNS = (
    "order_id",
    "campaign",
    "tier",
    "quantity",
    "name",
    "line1",
    "line2",
    "city",
    "postal_code",
    "country",
    "phone",
    "status",
    "carrier",
    "tracking_number",
)
MAX_IMPORT_ROWS = 20_000


@dataclass(frozen=True)
class OrderLine:
    """An order as lists show it: a campaign's (its title and tier) or a store's (its
    items), and what is in it."""

    order: Order
    campaign_title: str
    tier_title: str
    items: tuple[OrderItem, ...] = ()

    @property
    def money(self) -> Money:
        return Money(self.order.amount, self.order.currency)

    @property
    def refunded(self) -> Money:
        return Money(self.order.refunded, self.order.currency)

    @property
    def title(self) -> str:
        """Return what the order is called: its campaign's title, or its first item's."""
        if self.campaign_title:
            return self.campaign_title
        if not self.items:
            return "Order"
        more = len(self.items) - 1
        return self.items[0].title + (f" and {more} more" if more else "")

    @property
    def summary(self) -> str:
        """Return what is in it in a few words ("2 × Lumi Glow Lamp (Red)")."""
        if self.campaign_title:
            return f"{self.order.quantity} × {self.tier_title}"
        return ", ".join(
            f"{i.quantity} × {i.title}" + (f" ({i.variant})" if i.variant else "")
            for i in self.items
        )


def _lines_query() -> object:
    return (
        select(Order, Campaign.title, CampaignTier.title)
        .outerjoin(Campaign, Campaign.id == Order.campaign_id)
        .outerjoin(CampaignTier, CampaignTier.id == Order.tier_id)
    )


async def _with_items(session: AsyncSession, rows: object) -> list[OrderLine]:
    found = [(o, c or "", t or "") for o, c, t in rows]  # type: ignore[attr-defined]
    items: dict[str, list[OrderItem]] = {}
    ids = [o.id for o, _, _ in found]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = select(OrderItem).where(OrderItem.order_id.in_(chunk))
        for item in await session.scalars(query.order_by(OrderItem.order_id, OrderItem.id)):
            items.setdefault(item.order_id, []).append(item)
    return [OrderLine(o, c, t, tuple(items.get(o.id, ()))) for o, c, t in found]


async def backer_orders(session: AsyncSession, *, user: User) -> list[OrderLine]:
    """Return the user's orders of both channels, newest first."""
    query = _lines_query().where(Order.backer_id == user.id)  # type: ignore[attr-defined]
    rows = await session.execute(query.order_by(Order.created_at.desc(), Order.id.desc()))
    return await _with_items(session, rows)


async def backer_order(session: AsyncSession, *, user: User, order_id: str) -> OrderLine:
    """Return one of the user's orders, or raise ``NotFound``."""
    query = _lines_query().where(Order.id == order_id, Order.backer_id == user.id)  # type: ignore[attr-defined]
    found = await _with_items(session, (await session.execute(query)).all())
    if not found:
        raise NotFound("no such order")
    return found[0]


async def partner_orders(
    session: AsyncSession,
    *,
    user: User,
    campaign_id: str | None = None,
    status: str | None = None,
    query_text: str | None = None,
    limit: int = 500,
) -> list[OrderLine]:
    """Return the partner's orders, filtered by campaign, status or a search on the name."""
    partner_id = partner_of(user)
    query = _lines_query().where(Order.partner_id == partner_id)  # type: ignore[attr-defined]
    if campaign_id:
        query = query.where(Order.campaign_id == campaign_id)
    if status:
        if status not in OrderStatus.__members__.values():
            raise InvalidInput.fields(
                [{"field": "status", "message": f"one of {', '.join(OrderStatus)}"}]
            )
        query = query.where(Order.status == status)
    if query_text and query_text.strip():
        # In the database, before the limit: a search must find an order past the first page.
        needle = query_text.strip().lower()
        name = func.lower(Order.shipping["name"].as_string())
        query = query.where(
            or_(Order.id.contains(needle, autoescape=True), name.contains(needle, autoescape=True))
        )
    rows = await session.execute(query.order_by(Order.created_at, Order.id).limit(limit))
    return await _with_items(session, rows)


async def partner_order(session: AsyncSession, *, user: User, order_id: str) -> OrderLine:
    """Return one of the partner's orders, or raise ``NotFound``."""
    partner_id = partner_of(user)
    query = _lines_query().where(Order.id == order_id, Order.partner_id == partner_id)  # type: ignore[attr-defined]
    found = await _with_items(session, (await session.execute(query)).all())
    if not found:
        raise NotFound("no such order")
    return found[0]


def export_csv(lines: Sequence[OrderLine]) -> str:
    """Write what to ship, one row per order, as CSV."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for line in lines:
        o, ship = line.order, line.order.shipping
        writer.writerow(
            [
                o.id,
                line.title,
                line.tier_title or line.summary,
                o.quantity,
                *(ship.get(k, "") for k in ("name", "line1", "line2", "city", "postal_code")),
                ship.get("country", ""),
                ship.get("phone", ""),
                o.status,
                o.carrier,
                o.tracking_number,
            ]
        )
    return out.getvalue()


@dataclass(frozen=True)
class TrackingRow:
    line: int
    order_id: str
    carrier: str
    tracking_number: str


def parse_tracking(text: str) -> tuple[list[TrackingRow], list[dict[str, object]]]:
    """Read ``order_id,carrier,tracking_number`` rows; return them and per-row problems."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    needed = {"order_id", "carrier", "tracking_number"}
    if reader.fieldnames is None or not needed <= {f.strip() for f in reader.fieldnames}:
        return [], [
            {"line": 1, "message": "the header must name order_id, carrier, tracking_number"}
        ]
    rows: list[TrackingRow] = []
    problems: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    for raw in reader:
        line = reader.line_num
        if len(rows) + len(problems) >= MAX_IMPORT_ROWS:
            problems.append({"line": line, "message": f"at most {MAX_IMPORT_ROWS} rows"})
            break
        values = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        order_id, carrier, number = (
            values.get("order_id", ""),
            values.get("carrier", ""),
            values.get("tracking_number", ""),
        )
        if not order_id and not carrier and not number:
            continue
        wrong = []
        if not order_id:
            wrong.append("order_id is empty")
        if not 1 <= len(carrier) <= 40:
            wrong.append("carrier: 1-40 characters")
        if not 4 <= len(number) <= 64 or not number.replace("-", "").isalnum():
            wrong.append("tracking_number: 4-64 letters, digits or dashes")
        if order_id in seen:
            wrong.append(f"order {order_id} is also on line {seen[order_id]}")
        if wrong:
            problems.append({"line": line, "order_id": order_id, "message": "; ".join(wrong)})
            continue
        seen[order_id] = line
        rows.append(TrackingRow(line, order_id, carrier, number))
    return rows, problems


async def import_tracking(session: AsyncSession, *, user: User, text: str, now: datetime) -> int:
    """Apply a tracking CSV: all rows or none; return how many orders were marked shipped."""
    partner_id = partner_of(user)
    rows, problems = parse_tracking(text)
    ids = [r.order_id for r in rows]
    found = {
        o.id: o
        for o in await session.scalars(
            select(Order).where(Order.id.in_(ids), Order.partner_id == partner_id)
        )
    }
    for row in rows:
        order = found.get(row.order_id)
        if order is None:
            problems.append(
                {"line": row.line, "order_id": row.order_id, "message": "no such order"}
            )
        elif not ORDER_WORKFLOW.can(OrderStatus(order.status), OrderStatus.SHIPPED):
            problems.append(
                {
                    "line": row.line,
                    "order_id": row.order_id,
                    "message": f"the order is {order.status}",
                }
            )
    if problems:
        problems.sort(key=lambda p: int(str(p["line"])))
        raise InvalidInput(
            f"{len(problems)} rows have problems; nothing was imported", detail=problems
        )
    if not rows:
        raise InvalidInput("the file has no rows", detail=[{"line": 1, "message": "no rows"}])
    backers: list[str] = []
    for row in rows:
        order = found[row.order_id]
        order.status = OrderStatus.SHIPPED.value
        order.carrier, order.tracking_number, order.shipped_at = (
            row.carrier,
            row.tracking_number,
            now,
        )
        backers.append(order.backer_id)
    await session.flush()
    await notifications.notify(
        session,
        now=now,
        user_ids=backers,
        kind="order_shipped",
        title="Your order is on its way",
        link="/orders",
    )
    events.notified(session, backers)
    return len(rows)


async def mark_delivered(
    session: AsyncSession, *, user: User, order_id: str, now: datetime
) -> Order:
    """Mark a shipped order delivered."""
    order = (await partner_order(session, user=user, order_id=order_id)).order
    ORDER_WORKFLOW.check(OrderStatus(order.status), OrderStatus.DELIVERED)
    order.status = OrderStatus.DELIVERED.value
    order.delivered_at = now
    await session.flush()
    return order


async def _hold(session: AsyncSession, order: Order) -> None:
    """Hold ``order`` until the transaction ends, so its refunds are checked one at a time.

    PostgreSQL locks the row. SQLite has no row locks, and its driver begins a transaction
    only at the first write: every read before it sees whatever was committed at that
    moment, so four refunds could each read the same total. A write that changes nothing
    takes SQLite's one write lock first; the other refunds wait for it, and every read
    after it is current until commit.
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.refresh(order, with_for_update=True)
        return
    await session.execute(
        update(Order)
        .where(Order.id == order.id)
        .values(refunded=Order.refunded)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(order)


async def refund(
    sessions: async_sessionmaker[AsyncSession],
    provider: PaymentProvider,
    publish: Publish,
    *,
    user: User,
    order_id: str,
    amount: str | None,
    reason: str,
    now: datetime,
) -> Order:
    """Refund all that is left of an order, or ``amount`` of it, with its ledger entries."""
    async with db.transaction(sessions) as session:
        order = (await partner_order(session, user=user, order_id=order_id)).order
        await _hold(session, order)
        pending = await session.scalar(
            select(func.coalesce(func.sum(OrderRefund.amount), 0)).where(
                OrderRefund.order_id == order.id, OrderRefund.state == "requested"
            )
        )
        left = order.amount - order.refunded - int(pending or 0)
        wanted = left if amount in (None, "") else Money.parse(str(amount), order.currency).amount
        if wanted <= 0 or wanted > left:
            raise InvalidInput.fields(
                [
                    {
                        "field": "amount",
                        "message": f"more than zero and at most {Money(left, order.currency)}",
                    }
                ]
            )
        if order.status == OrderStatus.REFUNDED:
            raise Conflict("the order is refunded already")
        row = OrderRefund(
            order_id=order.id,
            amount=wanted,
            reason=reason[:200],
            requested_by=user.id,
            created_at=now,
        )
        session.add(row)
        await session.flush()
        refund_id, payment_id = row.id, order.payment_id
    try:
        done = await provider.refund(
            payment_id=payment_id,
            idempotency_key=f"order-refund:{refund_id}",
            amount=Money(wanted, order.currency),
        )
    except ProviderTimeout:
        raise  # it may have happened: the refund stays requested, its amount held
    except HearthError:
        # The provider refused: nothing went back, so the amount is free to refund again.
        async with db.transaction(sessions) as session:
            await session.execute(
                update(OrderRefund)
                .where(OrderRefund.id == refund_id, OrderRefund.state == "requested")
                .values(state="failed")
            )
        raise
    async with unit_of_work(sessions, publish) as session:
        await books.record_refund(session, refund=done, provider=provider.name, at=now)
        claimed = await session.execute(
            update(OrderRefund)
            .where(OrderRefund.id == refund_id, OrderRefund.state == "requested")
            .values(state="done", provider_refund_id=done.id)
            .execution_options(synchronize_session=False)
        )
        fresh = await session.get(Order, order_id, populate_existing=True)
        assert fresh is not None
        order = fresh
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            order.refunded += wanted
            if order.refunded >= order.amount:
                order.status = OrderStatus.REFUNDED.value
            await notifications.notify(
                session,
                now=now,
                user_ids=[order.backer_id],
                kind="order_refunded",
                title=f"Refund of {Money(wanted, order.currency)} on your order",
                body=reason,
                link=f"/orders/{order.id}",
            )
            events.notified(session, [order.backer_id])
        await session.flush()
    return order
