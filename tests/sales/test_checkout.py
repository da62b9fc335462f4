"""Regular sale through its services, on SQLite and PostgreSQL: the cart, checkout into one
order per store, stock taken and given back, the ledger, idempotency, expiry, returns."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hearth import db
from hearth.bootstrap import Hearth
from hearth.errors import Conflict, NotFound
from hearth.funding import orders
from hearth.funding.models import BackerCard, Order, OrderItem, StoreListing
from hearth.kit.money import Money
from hearth.payments import books
from hearth.payments.ledger import AccountKey
from hearth.payments.models import SandboxPayment
from hearth.sales import cart, catalog, checkout, returns
from hearth.sales.models import CartLine, SaleVariant
from hearth.sales.rules import RESERVATION_TTL, RETURN_WINDOW, ReservationState
from tests.sales.world import COMMISSION_BP, DECLINES, T0, SaleWorld, make


@pytest.fixture
def world(hearth: Hearth) -> SaleWorld:
    return make(hearth.sessions)


async def variant_of(world: SaleWorld, listing_id: str) -> SaleVariant:
    async with db.transaction(world.sessions) as session:
        row = await session.get(StoreListing, listing_id)
        assert row is not None
        return (await catalog.ensure_variants(session, row))[0]


async def stock_of(world: SaleWorld, listing_id: str) -> tuple[int, int]:
    """Return (the variants' stock summed, the listing's own stock)."""
    async with world.sessions() as session:
        summed = await session.scalar(
            select(func.sum(SaleVariant.stock)).where(SaleVariant.listing_id == listing_id)
        )
        listing = await session.get(StoreListing, listing_id)
        assert listing is not None
        return int(summed or 0), listing.stock


async def put(world: SaleWorld, fan_user: object, variant_id: str, quantity: int) -> None:
    async with world.unit() as session:
        await cart.add(session, user=fan_user, variant_id=variant_id, quantity=quantity, now=T0)  # type: ignore[arg-type]


async def test_one_checkout_across_two_stores_makes_an_order_per_store_and_books_each(
    world: SaleWorld,
) -> None:
    leo = await world.partner("leo", "Lumi Labs")
    ivy = await world.partner("ivy", "Ivy Works")
    lamp = await world.listing(leo, "Lumi Lamp", price=19900, stock=10)
    fan_listing = await world.listing(ivy, "Ivy Fan", price=9900, stock=3)
    mia = await world.fan("mia")
    await put(world, mia.user, (await variant_of(world, lamp)).id, 2)
    await put(world, mia.user, (await variant_of(world, fan_listing)).id, 1)

    done = await world.check_out(mia)

    assert [s.state for s in done.stores] == [ReservationState.PAID] * 2
    assert await stock_of(world, lamp) == (8, 8)
    assert await stock_of(world, fan_listing) == (2, 2)
    async with world.sessions() as session:
        mine = await orders.backer_orders(session, user=mia.user)
        assert sorted(o.order.amount for o in mine) == [9900, 39800]
        assert {o.order.channel for o in mine} == {"sale"}
        assert all(i.channel == "sale" for o in mine for i in o.items)
        assert {o.order.shipping["name"] for o in mine} == {"Mia Chen"}
        assert await session.scalar(select(func.count()).select_from(CartLine)) == 0
        payable = await books.balance(
            session, account=AccountKey.payable(str(leo.partner_id)), currency="CNY"
        )
        # The partner is owed the price less the platform's 8%.
        assert payable == Money(-(39800 - 39800 * COMMISSION_BP // 10_000), "CNY")


async def test_a_declined_store_gives_its_units_back_and_stays_in_the_cart(
    world: SaleWorld,
) -> None:
    leo = await world.partner("leo", "Lumi Labs")
    lamp = await world.listing(leo, "Lumi Lamp", stock=4)
    bo = await world.fan("bob", card=DECLINES)
    await put(world, bo.user, (await variant_of(world, lamp)).id, 3)

    done = await world.check_out(bo)

    (store,) = done.stores
    assert store.state is ReservationState.FAILED
    assert "insufficient" in store.failure.lower() or store.failure
    assert await stock_of(world, lamp) == (4, 4)
    async with world.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Order)) == 0
        assert len(await cart.lines(session, user_id=bo.user.id)) == 1


async def test_the_same_key_twice_at_once_is_one_checkout_charged_once(world: SaleWorld) -> None:
    leo = await world.partner("leo", "Lumi Labs")
    lamp = await world.listing(leo, "Lumi Lamp", stock=5)
    mia = await world.fan("mia")
    await put(world, mia.user, (await variant_of(world, lamp)).id, 2)

    async def go() -> checkout.CheckoutResult:
        return await world.check_out(mia, "same")

    first, second = await asyncio.gather(go(), go())
    again = await go()

    assert first.checkout.id == second.checkout.id == again.checkout.id
    assert not again.new
    assert await stock_of(world, lamp) == (3, 3)
    async with world.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Order)) == 1
        assert await session.scalar(select(func.count()).select_from(SandboxPayment)) == 1


async def test_a_short_variant_refuses_the_whole_checkout_and_takes_nothing(
    world: SaleWorld,
) -> None:
    leo = await world.partner("leo", "Lumi Labs")
    ivy = await world.partner("ivy", "Ivy Works")
    lamp = await world.listing(leo, "Lumi Lamp", stock=5)
    fan_listing = await world.listing(ivy, "Ivy Fan", stock=1)
    mia = await world.fan("mia")
    await put(world, mia.user, (await variant_of(world, lamp)).id, 2)
    await put(world, mia.user, (await variant_of(world, fan_listing)).id, 1)
    async with world.unit() as session:
        await catalog.change_variant(
            session,
            user=ivy,
            listing_id=fan_listing,
            variant_id=(await variant_of(world, fan_listing)).id,
            name=None,
            stock=0,
            now=T0,
        )

    with pytest.raises(Conflict, match="Ivy Fan is sold out"):
        await world.check_out(mia)

    assert await stock_of(world, lamp) == (5, 5)
    async with world.sessions() as session:
        notes = {x.product_name: x.notes for x in await cart.lines(session, user_id=mia.user.id)}
        assert notes["Ivy Fan"].sold_out and not notes["Lumi Lamp"].any


async def test_a_price_change_shows_in_the_cart_and_is_what_is_charged(world: SaleWorld) -> None:
    leo = await world.partner("leo", "Lumi Labs")
    lamp = await world.listing(leo, "Lumi Lamp", price=19900)
    mia = await world.fan("mia")
    await put(world, mia.user, (await variant_of(world, lamp)).id, 1)
    async with world.unit() as session:
        await catalog.change_listing(
            session, user=leo, listing_id=lamp, price="179.00", per_order=None
        )
        (line,) = await cart.lines(session, user_id=mia.user.id)
        assert line.notes.price_changed
        assert str(line.price_seen) != str(line.price)

    done = await world.check_out(mia)
    assert done.stores[0].amount == Money(17900, "CNY")


async def test_expired_reservations_are_given_back_once_by_two_rounds_at_once(
    world: SaleWorld,
) -> None:
    leo = await world.partner("leo", "Lumi Labs")
    lamp = await world.listing(leo, "Lumi Lamp", stock=6)
    mia = await world.fan("mia")
    variant = await variant_of(world, lamp)
    await put(world, mia.user, variant.id, 2)
    async with db.transaction(world.sessions) as session:
        # A checkout whose payment never came back: reserved, never paid.
        await checkout._begin(
            session,
            user=mia.user,
            address_id=mia.address_id,
            card=await session.get_one(BackerCard, mia.card_id),
            idempotency_key="lost",
            now=T0,
        )
    assert await stock_of(world, lamp) == (4, 4)
    assert (
        await checkout.release_expired(world.sessions, world.publish, now=T0 + timedelta(minutes=1))
        == 0
    )

    later = T0 + RESERVATION_TTL
    rounds = await asyncio.gather(
        checkout.release_expired(world.sessions, world.publish, now=later),
        checkout.release_expired(world.sessions, world.publish, now=later),
    )

    assert sorted(rounds) == [0, 1]
    assert await stock_of(world, lamp) == (6, 6)


async def test_a_delivered_order_is_returned_within_the_window_and_refunded(
    world: SaleWorld,
) -> None:
    leo = await world.partner("leo", "Lumi Labs")
    ivy = await world.partner("ivy", "Ivy Works")
    lamp = await world.listing(leo, "Lumi Lamp", price=19900)
    mia = await world.fan("mia")
    await put(world, mia.user, (await variant_of(world, lamp)).id, 1)
    done = await world.check_out(mia)
    order_id = done.stores[0].order_id
    assert order_id is not None
    async with world.unit() as session:
        with pytest.raises(Conflict, match="delivered"):
            await returns.request(
                session,
                user=mia.user,
                order_id=order_id,
                reason="Too big",
                idempotency_key="r",
                now=T0,
            )
        await orders.import_tracking(
            session,
            user=leo,
            text=f"order_id,carrier,tracking_number\n{order_id},SF,SF123456\n",
            now=T0,
        )
        await orders.mark_delivered(
            session, user=leo, order_id=order_id, now=T0 + timedelta(days=2)
        )
    async with world.unit() as session:
        asked = await returns.request(
            session,
            user=mia.user,
            order_id=order_id,
            reason="Too big",
            idempotency_key="r",
            now=T0 + timedelta(days=3),
        )
        again = await returns.request(
            session,
            user=mia.user,
            order_id=order_id,
            reason="Too big",
            idempotency_key="r",
            now=T0 + timedelta(days=3),
        )
        assert asked.new and not again.new and asked.row.id == again.row.id
        with pytest.raises(NotFound):
            await returns.decline(session, user=ivy, return_id=asked.row.id, answer="no", now=T0)

    accepted = await returns.accept(
        world.sessions,
        world.provider,
        world.publish,
        user=leo,
        return_id=asked.row.id,
        idempotency_key="a",
        now=T0 + timedelta(days=4),
    )

    assert accepted.state == "accepted"
    async with world.sessions() as session:
        order = await session.get_one(Order, order_id)
        assert (order.status, order.refunded) == ("refunded", 19900)
        payable = await books.balance(
            session, account=AccountKey.payable(str(leo.partner_id)), currency="CNY"
        )
        assert payable.amount == 0


async def test_a_return_after_the_window_is_refused(world: SaleWorld) -> None:
    leo = await world.partner("leo", "Lumi Labs")
    lamp = await world.listing(leo, "Lumi Lamp")
    mia = await world.fan("mia")
    await put(world, mia.user, (await variant_of(world, lamp)).id, 1)
    done = await world.check_out(mia)
    order_id = done.stores[0].order_id
    assert order_id is not None
    async with world.unit() as session:
        await orders.import_tracking(
            session,
            user=leo,
            text=f"order_id,carrier,tracking_number\n{order_id},SF,SF123456\n",
            now=T0,
        )
        await orders.mark_delivered(session, user=leo, order_id=order_id, now=T0)
        with pytest.raises(Conflict, match="14 days"):
            await returns.request(
                session,
                user=mia.user,
                order_id=order_id,
                reason="Changed my mind",
                idempotency_key="r",
                now=T0 + RETURN_WINDOW,
            )


async def test_another_partner_may_not_change_a_price_or_stock(world: SaleWorld) -> None:
    leo = await world.partner("leo", "Lumi Labs")
    ivy = await world.partner("ivy", "Ivy Works")
    lamp = await world.listing(leo, "Lumi Lamp", price=19900, stock=5)
    variant = await variant_of(world, lamp)
    async with world.unit() as session:
        with pytest.raises(NotFound):
            await catalog.change_listing(
                session, user=ivy, listing_id=lamp, price="1.00", per_order=None
            )
        with pytest.raises(NotFound):
            await catalog.change_variant(
                session,
                user=ivy,
                listing_id=lamp,
                variant_id=variant.id,
                name=None,
                stock=0,
                now=T0,
            )
    assert await stock_of(world, lamp) == (5, 5)


async def test_variants_keep_the_listings_stock_as_their_sum(world: SaleWorld) -> None:
    leo = await world.partner("leo", "Lumi Labs")
    lamp = await world.listing(leo, "Lumi Lamp", stock=5)
    async with world.unit() as session:
        await catalog.add_variant(session, user=leo, listing_id=lamp, name="Red", stock=7, now=T0)
        view = await catalog.listing(session, listing_id=lamp)
        assert [(v.name, v.stock) for v in view.variants] == [("Standard", 5), ("Red", 7)]
    assert await stock_of(world, lamp) == (12, 12)
    async with world.sessions() as session:
        items = await session.scalar(select(func.count()).select_from(OrderItem))
        assert items == 0
