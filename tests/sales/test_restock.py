"""The units of an accepted, refunded return go back into stock, once, on SQLite and
PostgreSQL: the variant's stock and the listing's grow by them, ``StockReturned`` is
recorded, they can be sold again, and the partner's returns page says so."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from hearth.accounts.models import User
from hearth.bootstrap import Hearth
from hearth.errors import Conflict
from hearth.funding import orders
from hearth.funding.models import OrderRefund
from hearth.kit.clock import FrozenClock
from hearth.sales import returns
from hearth.sales.events import StockReturned
from hearth.sales.models import SaleReturn
from hearth.sales.rules import ReservationState
from tests.funding.test_api import _client
from tests.helpers import login
from tests.sales.test_checkout import put, stock_of, variant_of
from tests.sales.world import T0, Fan, SaleWorld, make

DELIVERED = T0 + timedelta(days=2)
ACCEPTED = T0 + timedelta(days=4)


@pytest.fixture
def world(hearth: Hearth) -> SaleWorld:
    return make(hearth.sessions)


async def buy(world: SaleWorld, fan: Fan, variant_id: str, quantity: int, key: str) -> str:
    """Check ``quantity`` of a variant out for ``fan``; return the paid order's id."""
    await put(world, fan.user, variant_id, quantity)
    done = await world.check_out(fan, key)
    (store,) = done.stores
    assert store.state is ReservationState.PAID and store.order_id is not None
    return store.order_id


async def returned(world: SaleWorld, partner: User, fan: Fan, order_id: str) -> str:
    """Ship and deliver ``order_id``, and have ``fan`` ask to return it; return the return."""
    async with world.unit() as session:
        await orders.import_tracking(
            session,
            user=partner,
            text=f"order_id,carrier,tracking_number\n{order_id},SF,SF{order_id[-6:]}\n",
            now=T0,
        )
        await orders.mark_delivered(session, user=partner, order_id=order_id, now=DELIVERED)
        asked = await returns.request(
            session,
            user=fan.user,
            order_id=order_id,
            reason="It does not fit the shelf.",
            idempotency_key=f"return-{order_id}",
            now=DELIVERED + timedelta(days=1),
        )
    return asked.row.id


async def accept(world: SaleWorld, partner: User, return_id: str, key: str) -> SaleReturn:
    return await returns.accept(
        world.sessions,
        world.provider,
        world.publish,
        user=partner,
        return_id=return_id,
        idempotency_key=key,
        now=ACCEPTED,
    )


async def test_an_accepted_return_puts_its_units_back_once_so_they_sell_again(
    world: SaleWorld, hearth: Hearth
) -> None:
    leo = await world.partner("leo", "Lumi Labs")
    lamp = await world.listing(leo, "Lumi Lamp", stock=2)
    variant = (await variant_of(world, lamp)).id
    mia, ben = await world.fan("mia"), await world.fan("ben")
    order_id = await buy(world, mia, variant, 2, "k1")
    assert await stock_of(world, lamp) == (0, 0)
    return_id = await returned(world, leo, mia, order_id)

    world.published.clear()
    accepted = await accept(world, leo, return_id, "a")

    assert (accepted.state, accepted.restocked_at) == ("accepted", ACCEPTED)
    assert await stock_of(world, lamp) == (2, 2)
    assert [e for e in world.published if isinstance(e, StockReturned)] == [
        StockReturned(
            return_id=return_id,
            order_id=order_id,
            partner_id=str(leo.partner_id),
            units={variant: 2},
        )
    ]
    again = await accept(world, leo, return_id, "a")  # the same key answers the same
    async with world.unit() as session:
        assert await returns.restock(session, return_id=return_id, now=ACCEPTED) == {}
    assert again.restocked_at == ACCEPTED
    assert await stock_of(world, lamp) == (2, 2)
    # The units sell again.
    assert await buy(world, ben, variant, 2, "k2")
    assert await stock_of(world, lamp) == (0, 0)

    hearth.clock = FrozenClock(ACCEPTED)
    client = _client(hearth)
    try:
        assert (await login(client, "leo")).status_code == 200
        page = await client.get("/partner/returns")
        assert "2 units went back into stock" in page.text
        (shown,) = (await client.get("/api/v1/partner/returns")).json()
        assert shown["state"] == "accepted"
        assert datetime.fromisoformat(shown["restocked_at"]) == ACCEPTED
    finally:
        await client.aclose()


async def test_two_accepts_at_once_refund_once_and_put_the_units_back_once(
    world: SaleWorld,
) -> None:
    leo = await world.partner("leo", "Lumi Labs")
    lamp = await world.listing(leo, "Lumi Lamp", stock=5)
    mia = await world.fan("mia")
    order_id = await buy(world, mia, (await variant_of(world, lamp)).id, 3, "k1")
    return_id = await returned(world, leo, mia, order_id)

    outcomes = await asyncio.gather(
        accept(world, leo, return_id, "first"),
        accept(world, leo, return_id, "second"),
        return_exceptions=True,
    )

    assert sorted(type(x).__name__ for x in outcomes) == ["Conflict", "SaleReturn"]
    assert await stock_of(world, lamp) == (5, 5)
    assert len([e for e in world.published if isinstance(e, StockReturned)]) == 1
    async with world.sessions() as session:
        refunds = await session.scalar(
            select(func.count()).select_from(OrderRefund).where(OrderRefund.order_id == order_id)
        )
        assert refunds == 1


async def test_a_declined_return_puts_nothing_back(world: SaleWorld) -> None:
    leo = await world.partner("leo", "Lumi Labs")
    lamp = await world.listing(leo, "Lumi Lamp", stock=5)
    mia = await world.fan("mia")
    order_id = await buy(world, mia, (await variant_of(world, lamp)).id, 1, "k1")
    return_id = await returned(world, leo, mia, order_id)
    async with world.unit() as session:
        await returns.decline(
            session, user=leo, return_id=return_id, answer="It was used.", now=ACCEPTED
        )
        assert await returns.restock(session, return_id=return_id, now=ACCEPTED) == {}

    assert await stock_of(world, lamp) == (4, 4)
    with pytest.raises(Conflict):
        await accept(world, leo, return_id, "late")
    assert await stock_of(world, lamp) == (4, 4)
    assert not [e for e in world.published if isinstance(e, StockReturned)]
