"""The migration that moves the paying card onto orders, run on the demo's database (orders
of both channels, refunds, returns) on SQLite and PostgreSQL: every order gets the card
that paid it, nothing hanging on an order is lost, and it goes back down and up again."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Connection

from hearth import db
from hearth.demo import seed
from hearth.funding.models import Order, OrderItem, OrderRefund, Pledge
from hearth.sales.models import Checkout, Reservation, SaleReturn
from tests.conftest import make_settings

BEFORE = "5d2b8e4f1a73"  # regular sale, before orders named their card


def _columns(connection: Connection, table: str) -> list[str]:
    return [c["name"] for c in inspect(connection).get_columns(table)]


def _downgrade_to(connection: Connection, revision: str) -> None:
    from alembic import command

    command.downgrade(db._alembic_config(connection), revision)


async def test_every_order_gets_the_card_that_paid_it_and_keeps_what_hangs_on_it(
    tmp_path: Path, database_url: str
) -> None:
    await seed(make_settings(tmp_path, database_url))
    engine = db.create_engine(database_url, pool=False)
    try:
        counted = [func.count(OrderItem.id), func.count(OrderRefund.id), func.count(SaleReturn.id)]

        async def counts() -> list[int]:
            async with engine.connect() as conn:
                return [int(await conn.scalar(select(c)) or 0) for c in counted]

        kept = await counts()
        async with engine.begin() as conn:
            await conn.run_sync(_downgrade_to, BEFORE)
        async with engine.connect() as conn:
            assert "card_id" not in await conn.run_sync(_columns, "orders")
        await db.upgrade(engine)

        assert await counts() == kept and kept[0] > 0 and kept[1] > 0
        async with db.session_factory(engine)() as session:
            pledged = list(
                await session.execute(
                    select(Order.card_id, Pledge.card_id).join(Pledge, Pledge.id == Order.pledge_id)
                )
            )
            sold = list(
                await session.execute(
                    select(Order.card_id, Checkout.card_id)
                    .join(Reservation, Reservation.order_id == Order.id)
                    .join(Checkout, Checkout.id == Reservation.checkout_id)
                )
            )
            assert pledged and sold
            assert all(order == paid for order, paid in [*pledged, *sold])
            orphans = select(func.count()).select_from(Order).where(Order.card_id.is_(None))
            assert await session.scalar(orphans) == 0
            # Returns accepted before kept their units out of stock: none is marked back.
            restocked = select(func.count()).where(SaleReturn.restocked_at.is_not(None))
            assert await session.scalar(restocked) == 0
    finally:
        await engine.dispose()
