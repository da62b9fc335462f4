"""The demo's regular sale: two stores sell graduated products, store orders in every
state, returns waiting, accepted (its units back in stock) and declined, receipts for the
fan's store orders, a fan's cart across both stores with a price change; the books
balance."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from hearth import db
from hearth.accounts.models import User
from hearth.demo import seed
from hearth.funding import receipts
from hearth.funding.models import Order, StoreListing
from hearth.payments import books
from hearth.sales import cart
from hearth.sales.models import SaleReturn
from tests.conftest import make_settings


async def test_the_demo_sells_in_two_stores_with_orders_in_every_state(
    tmp_path: Path, database_url: str
) -> None:
    settings = make_settings(tmp_path, database_url)
    await seed(settings)
    await seed(settings)  # a second run changes nothing
    engine = db.create_engine(database_url, pool=False)
    try:
        async with db.session_factory(engine)() as session:
            stores = set(await session.scalars(select(StoreListing.partner_id)))
            assert len(stores) == 2
            sold = set(await session.scalars(select(Order.status).where(Order.channel == "sale")))
            assert sold == {"paid", "shipped", "delivered", "refunded"}
            answers = set(await session.scalars(select(SaleReturn.state)))
            assert answers == {"requested", "accepted", "declined"}
            fan = await session.scalar(select(User).where(User.username == "fan"))
            assert fan is not None
            store_orders = set(
                await session.scalars(
                    select(Order.id).where(Order.backer_id == fan.id, Order.channel == "sale")
                )
            )
            charged = [r for r in await receipts.receipts(session, user=fan) if r.kind == "charge"]
            assert store_orders and store_orders <= {r.order_id for r in charged}
            assert all(r.card_last4 == "4242" for r in charged)
            accepted = await session.scalar(
                select(SaleReturn).where(SaleReturn.state == "accepted")
            )
            assert accepted is not None and accepted.restocked_at is not None
            lines = await cart.lines(session, user_id=fan.id)
            assert len({x.listing.partner_id for x in lines}) == 2
            assert any(x.notes.price_changed for x in lines)
            assert not any((await books.trial_balance(session)).values())
    finally:
        await engine.dispose()
