"""A store charge whose answer never came is settled by asking the provider, never guessed:
the units stay held until it answers, a charge becomes the paid order, a decline gives the
units back, and a provider silent for hours leaves it to the platform team. On SQLite and
PostgreSQL, with several workers at once."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from hearth import db
from hearth.accounts.models import User
from hearth.accounts.roles import Role
from hearth.bootstrap import Hearth
from hearth.errors import Conflict
from hearth.funding.models import Order, StoreListing
from hearth.notifications.models import Notification
from hearth.payments import books, doubts
from hearth.payments.doubt_rules import ASK_AFTER, MAX_ASKS, DoubtState
from hearth.payments.ledger import AccountKey
from hearth.payments.models import PaymentDoubt, SandboxPayment
from hearth.payments.provider import PaymentProvider, PaymentStatus
from hearth.sales import cart, catalog, checkout
from hearth.sales.models import Reservation
from hearth.sales.rules import RESERVATION_TTL, ReservationState
from tests.helpers import create_account
from tests.payments.doubtful import LateAnswers, NoAnswer
from tests.sales.world import COMMISSION_BP, DECLINES, T0, Fan, SaleWorld, make

TIMES_OUT = "4000000000000408"  # the sandbox charges, then its answer times out

LATER = T0 + RESERVATION_TTL + timedelta(minutes=1)  # past the reservation's time


@pytest.fixture
def world(hearth: Hearth) -> SaleWorld:
    return make(hearth.sessions)


async def _on_sale(world: SaleWorld, stock: int = 5) -> tuple[str, str]:
    """Put a lamp on sale; return (listing id, variant id)."""
    leo = await world.partner("leo", "Lumi Labs")
    listing = await world.listing(leo, "Lumi Lamp", price=19900, stock=stock)
    async with db.transaction(world.sessions) as session:
        row = await session.get_one(StoreListing, listing)
        variant = (await catalog.ensure_variants(session, row))[0]
    return listing, variant.id


async def _buy(
    world: SaleWorld, fan: Fan, variant_id: str, provider: PaymentProvider | None = None
) -> checkout.CheckoutResult:
    async with world.unit() as session:
        await cart.add(session, user=fan.user, variant_id=variant_id, quantity=2, now=T0)
    return await world.check_out(fan, f"buy-{fan.user.username}", provider=provider)


async def _settle(
    world: SaleWorld, now: datetime, provider: PaymentProvider | None = None
) -> doubts.Round:
    return await checkout.settle_doubts(
        world.sessions,
        provider or world.provider,
        world.publish,
        commission_bp=COMMISSION_BP,
        now=now,
    )


async def _stock(world: SaleWorld, listing_id: str) -> int:
    async with world.sessions() as session:
        row = await session.get_one(StoreListing, listing_id)
        return row.stock


async def _reservation(world: SaleWorld, reservation_id: str) -> Reservation:
    async with world.sessions() as session:
        return await session.get_one(Reservation, reservation_id)


async def _doubt(world: SaleWorld, reservation_id: str) -> PaymentDoubt:
    async with world.sessions() as session:
        return (
            await session.scalars(
                select(PaymentDoubt).where(PaymentDoubt.subject_id == reservation_id)
            )
        ).one()


async def test_a_charge_that_timed_out_but_went_through_becomes_the_paid_order(
    world: SaleWorld,
) -> None:
    listing, variant = await _on_sale(world)
    mia = await world.fan("mia", card=TIMES_OUT)
    (share,) = (await _buy(world, mia, variant)).stores
    assert share.state is ReservationState.HELD
    assert (await _doubt(world, share.reservation_id)).state == DoubtState.OPEN

    # Its time runs out, but a charge that may have happened is never given back blind.
    assert await checkout.release_expired(world.sessions, world.publish, now=LATER) == 0
    assert await _stock(world, listing) == 3
    done = await _settle(world, LATER)

    assert done.settled == 1
    row = await _reservation(world, share.reservation_id)
    assert row.state == ReservationState.PAID and row.order_id is not None
    assert await _stock(world, listing) == 3  # sold, not given back
    doubt = await _doubt(world, share.reservation_id)
    assert doubt.state == DoubtState.SETTLED and doubt.payment_id is not None
    async with world.sessions() as session:
        payment = await session.get_one(SandboxPayment, doubt.payment_id)
        assert payment.status == PaymentStatus.CAPTURED and payment.captured == 39800
        order = await session.get_one(Order, row.order_id)
        assert order.payment_id == payment.id and order.amount == 39800
        clearing = await books.balance(
            session, account=AccountKey.clearing("sandbox"), currency="CNY"
        )
        assert clearing.amount == 39800  # the money the provider holds is booked
    # Asked again later, nothing more happens.
    assert (await _settle(world, LATER + timedelta(hours=9))).settled == 0


async def test_a_charge_refused_whose_answer_was_lost_gives_the_units_back_and_tells_the_fan(
    world: SaleWorld,
) -> None:
    listing, variant = await _on_sale(world)
    bo = await world.fan("bob", card=DECLINES)
    late = LateAnswers(world.provider)
    (share,) = (await _buy(world, bo, variant, late)).stores
    assert share.state is ReservationState.HELD and await _stock(world, listing) == 3

    assert (await _settle(world, T0 + ASK_AFTER[0], late)).settled == 1

    row = await _reservation(world, share.reservation_id)
    assert row.state == ReservationState.FAILED and row.order_id is None
    assert await _stock(world, listing) == 5
    async with world.sessions() as session:
        told = await session.scalar(
            select(Notification.title).where(
                Notification.user_id == bo.user.id, Notification.kind == "payment_failed"
            )
        )
        assert told is not None and "nothing was charged" in told
        assert await session.scalar(select(func.count()).select_from(Order)) == 0


async def test_a_provider_silent_for_hours_keeps_the_units_held_then_waits_for_a_person(
    world: SaleWorld,
) -> None:
    listing, variant = await _on_sale(world)
    ada = await _reviewer(world)
    mia = await world.fan("mia")
    down = NoAnswer(world.provider)
    (share,) = (await _buy(world, mia, variant, down)).stores
    doubt = await _doubt(world, share.reservation_id)

    now = T0
    for waited in ASK_AFTER:
        assert (await _settle(world, now + waited - timedelta(seconds=1), down)).silent == 0
        now += waited
        assert (await _settle(world, now, down)).silent == 1
        assert await checkout.release_expired(world.sessions, world.publish, now=now) == 0

    assert down.calls == 1 + MAX_ASKS
    doubt = await _doubt(world, share.reservation_id)
    assert doubt.state == DoubtState.REVIEW and doubt.asks == MAX_ASKS
    assert (await _reservation(world, share.reservation_id)).state == ReservationState.HELD
    assert await _stock(world, listing) == 3
    async with world.sessions() as session:
        told = await session.scalar(select(Notification.link).where(Notification.user_id == ada.id))
        assert told == "/platform/payments"
    # Nobody asks any more on their own.
    assert (await _settle(world, now + timedelta(days=1), down)).silent == 0

    # The platform team asks once more; the provider is back, and the charge is made.
    down.silent = False
    async with world.unit() as session:
        again = await doubts.ask_again(session, user=ada, doubt_id=doubt.id, now=now)
        assert again.state == DoubtState.OPEN and again.asked_again_by == ada.id
    async with world.unit() as session:
        with pytest.raises(Conflict):
            await doubts.ask_again(session, user=ada, doubt_id=doubt.id, now=now)
    assert (await _settle(world, now, down)).settled == 1
    assert (await _reservation(world, share.reservation_id)).state == ReservationState.PAID


async def test_a_charge_that_lands_after_its_units_went_back_is_refunded_with_its_own_key(
    world: SaleWorld,
) -> None:
    listing, variant = await _on_sale(world)
    mia = await world.fan("mia", card=TIMES_OUT)
    (share,) = (await _buy(world, mia, variant)).stores
    async with world.unit() as session:
        # Expiry got there between the call and its timeout being noted.
        await checkout.give_back(
            session,
            reservation_id=share.reservation_id,
            to=ReservationState.EXPIRED,
            why="It was not paid in time.",
            now=LATER,
        )

    # The card's refund times out too: its answer is lost, so the next round asks again.
    assert (await _settle(world, LATER)).silent == 1
    assert (await _doubt(world, share.reservation_id)).state == DoubtState.OPEN
    done = await _settle(world, LATER + ASK_AFTER[1])

    assert done.settled == 1 and "Refunded" in done.words[0]
    doubt = await _doubt(world, share.reservation_id)
    assert doubt.state == DoubtState.SETTLED
    async with world.sessions() as session:
        payment = await session.get_one(SandboxPayment, doubt.payment_id)
        assert payment.status == PaymentStatus.REFUNDED and payment.refunded == 39800
        clearing = await books.balance(
            session, account=AccountKey.clearing("sandbox"), currency="CNY"
        )
        assert clearing.amount == 0  # booked in, and booked back out
    assert (await _reservation(world, share.reservation_id)).state == ReservationState.EXPIRED
    assert await _stock(world, listing) == 5


async def test_several_workers_settle_each_doubt_once(world: SaleWorld) -> None:
    listing, variant = await _on_sale(world, stock=20)
    fans = [await world.fan(f"fan{n}", card=TIMES_OUT) for n in range(4)]
    shares = [(await _buy(world, fan, variant)).stores[0] for fan in fans]

    rounds = await asyncio.gather(*(_settle(world, LATER) for _ in range(3)))

    assert sum(r.settled for r in rounds) == 4
    async with world.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Order)) == 4
        paid = await session.scalar(
            select(func.count()).select_from(SandboxPayment).where(SandboxPayment.captured > 0)
        )
        assert paid == 4  # asking replays: no card is charged twice
        clearing = await books.balance(
            session, account=AccountKey.clearing("sandbox"), currency="CNY"
        )
        assert clearing.amount == 4 * 39800  # each booked once
    for share in shares:
        assert (await _reservation(world, share.reservation_id)).state == ReservationState.PAID
    assert await _stock(world, listing) == 12


async def _reviewer(world: SaleWorld) -> User:
    async with db.transaction(world.sessions) as session:
        return await create_account(session, "ada", role=Role.REVIEWER)
