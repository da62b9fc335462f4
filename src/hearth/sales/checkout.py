"""Checkout: a fan's cart becomes one order per store, paid with a saved card.

1. In one transaction the checkout is recorded under its idempotency key and every unit is
   taken from stock with a conditional update (``stock = stock - n WHERE stock >= n``), the
   variants in one fixed order across all stores so two checkouts never wait on each other
   in a circle; one variant short and nothing is taken. Each store's share becomes a
   *reservation*, held until ``RESERVATION_TTL`` has passed.
2. With no transaction open, each store's share is charged through the payment provider
   (authorized and captured at once, the fan present) with the key
   ``sale:<reservation>:charge``.
3. A success moves the reservation ``held → paid`` with a conditional update and, in the
   same transaction, books the capture with the platform's commission and creates the
   order and its lines (channel "sale"), and takes the bought lines out of the cart. A
   decline, or a provider that did nothing, moves it ``held → failed`` and gives the units
   back in that transaction. A timeout leaves it held and notes the call as a payment in
   doubt (``payments.doubts``): the same request again (same key) asks the provider again
   with the same key, which replays what happened, and so does ``settle_doubts`` in the
   background, a minute later and then on a widening schedule. A reservation in doubt is
   never given back by expiry: what the provider answers settles it (a charge becomes the
   paid order, the units being still held; a decline gives them back), and after
   ``MAX_ASKS`` asks without an answer it waits for the platform team.
4. A reservation nobody finished expires and its units go back (``release_expired``,
   claimed by any number of workers). A payment that lands after its reservation was
   given back is booked and refunded at once with its own key, so no money is kept for
   units not sold.

A retried request with the same key never takes stock or money twice: it finds its
checkout and reports it (charging again only shares still held, with their own keys).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db
from hearth.accounts import addresses
from hearth.accounts.models import User
from hearth.errors import (
    AuthenticationRequired,
    Conflict,
    IdempotencyKeyReused,
    NotFound,
    PaymentDeclined,
    ProviderTimeout,
    ProviderUnavailable,
)
from hearth.funding import events
from hearth.funding.models import BackerCard, Order, OrderItem, StoreListing
from hearth.funding.outcome import partner_members
from hearth.funding.rules import Channel, OrderStatus
from hearth.kit.money import Money
from hearth.mall.models import Partner
from hearth.notifications import service as notifications
from hearth.outbox import Publish, unit_of_work
from hearth.payments import books, doubts
from hearth.payments.doubt_rules import Subject
from hearth.payments.provider import Payment, PaymentProvider
from hearth.sales import cart, catalog
from hearth.sales.models import CartLine, Checkout, Reservation, SaleVariant
from hearth.sales.rules import (
    DEFAULT_VARIANT,
    RESERVATION_TTL,
    ReservationState,
    by_store,
    lock_order,
    over_limit,
)


@dataclass(frozen=True)
class StoreOutcome:
    """What became of one store's share of a checkout."""

    reservation_id: str
    partner_id: str
    store_name: str
    state: ReservationState
    amount: Money
    order_id: str | None
    failure: str


@dataclass(frozen=True)
class CheckoutResult:
    checkout: Checkout
    stores: tuple[StoreOutcome, ...]
    new: bool


@dataclass(frozen=True)
class _Held:
    id: str
    amount: int
    currency: str
    customer_id: str
    method_id: str


def _locking(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def _take(session: AsyncSession, wanted: dict[str, int], names: dict[str, str]) -> None:
    """Take units of each variant, in lock order, or raise ``Conflict`` naming the first
    that is short (the caller's transaction then gives back what was taken before it)."""
    for variant_id, n in lock_order(wanted):
        taken = await session.execute(
            update(SaleVariant)
            .where(SaleVariant.id == variant_id, SaleVariant.stock >= n)
            .values(stock=SaleVariant.stock - n)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            left = await session.scalar(
                select(SaleVariant.stock).where(SaleVariant.id == variant_id)
            )
            name = names[variant_id]
            if not left:
                raise Conflict(f"{name} is sold out; take it out of your cart to go on.")
            raise Conflict(f"Only {left} of {name} left; lower the quantity in your cart.")


async def _move_listings(session: AsyncSession, per_listing: dict[str, int]) -> None:
    """Keep each listing's stock the sum of its variants' (after them, in id order)."""
    for listing_id, n in sorted(per_listing.items()):
        await session.execute(
            update(StoreListing)
            .where(StoreListing.id == listing_id)
            .values(stock=StoreListing.stock + n)
            .execution_options(synchronize_session=False)
        )


def _line_name(line: cart.Line) -> str:
    variant = line.variant.name
    return line.product_name if variant == DEFAULT_VARIANT else f"{line.product_name} ({variant})"


async def _begin(
    session: AsyncSession,
    *,
    user: User,
    address_id: str,
    card: BackerCard,
    idempotency_key: str,
    now: datetime,
) -> Checkout:
    address = await addresses.own_address(session, user=user, address_id=address_id)
    found = await cart.lines(session, user_id=user.id)
    if not found:
        raise Conflict("Your cart is empty.")
    entries = [line.entry for line in found]
    too_many = over_limit(entries)
    if too_many:
        line = next(x for x in found if x.listing.id == too_many[0])
        raise Conflict(
            f"{line.product_name}: at most {line.listing.per_order} in one order; "
            "lower the quantity in your cart."
        )
    currencies = {line.listing.partner_id: line.listing.currency for line in found}
    shipping = {
        "name": address.name,
        "line1": address.line1,
        "line2": address.line2,
        "city": address.city,
        "postal_code": address.postal_code,
        "region": address.region,
        "country": address.country,
        "phone": address.phone,
    }
    checkout = Checkout(
        user_id=user.id,
        idempotency_key=idempotency_key,
        address_id=address.id,
        shipping=shipping,
        card_id=card.id,
        created_at=now,
    )
    session.add(checkout)
    await session.flush()
    wanted: dict[str, int] = {}
    per_listing: dict[str, int] = {}
    for e in entries:
        wanted[e.variant_id] = wanted.get(e.variant_id, 0) + e.quantity
        per_listing[e.listing_id] = per_listing.get(e.listing_id, 0) - e.quantity
    await _take(session, wanted, {line.variant.id: _line_name(line) for line in found})
    await _move_listings(session, per_listing)
    by_variant = {line.variant.id: line for line in found}
    for partner_id, group in by_store(entries):
        lines: list[dict[str, Any]] = []
        for e in group:
            line = by_variant[e.variant_id]
            lines.append(
                {
                    "variant_id": e.variant_id,
                    "listing_id": e.listing_id,
                    "product_id": line.listing.product_id,
                    "title": line.product_name,
                    "variant": line.variant.name,
                    "quantity": e.quantity,
                    "unit_price": e.price,
                }
            )
        session.add(
            Reservation(
                checkout_id=checkout.id,
                user_id=user.id,
                partner_id=partner_id,
                state=ReservationState.HELD.value,
                lines=lines,
                amount=sum(x["quantity"] * x["unit_price"] for x in lines),
                currency=currencies[partner_id],
                expires_at=now + RESERVATION_TTL,
                failure="",
                created_at=now,
                updated_at=now,
            )
        )
    await session.flush()
    return checkout


async def checkout(
    sessions: async_sessionmaker[AsyncSession],
    provider: PaymentProvider,
    publish: Publish,
    *,
    user: User,
    address_id: str,
    card_id: str,
    idempotency_key: str,
    commission_bp: int,
    now: datetime,
) -> CheckoutResult:
    """Check the person's cart out into one order per store; once per idempotency key."""
    try:
        return await _checkout(
            sessions,
            provider,
            publish,
            user=user,
            address_id=address_id,
            card_id=card_id,
            idempotency_key=idempotency_key,
            commission_bp=commission_bp,
            now=now,
        )
    except IntegrityError:
        # The same key at the same moment: the other request recorded the checkout first,
        # so this one now finds it and reports it.
        return await _checkout(
            sessions,
            provider,
            publish,
            user=user,
            address_id=address_id,
            card_id=card_id,
            idempotency_key=idempotency_key,
            commission_bp=commission_bp,
            now=now,
        )


async def _checkout(
    sessions: async_sessionmaker[AsyncSession],
    provider: PaymentProvider,
    publish: Publish,
    *,
    user: User,
    address_id: str,
    card_id: str,
    idempotency_key: str,
    commission_bp: int,
    now: datetime,
) -> CheckoutResult:
    async with db.transaction(sessions) as session:
        card = await session.get(BackerCard, card_id)
        if card is None or card.user_id != user.id:
            raise NotFound("No such card among yours.")
        existing = await session.scalar(
            select(Checkout).where(
                Checkout.user_id == user.id, Checkout.idempotency_key == idempotency_key
            )
        )
        if existing is not None:
            if existing.address_id != address_id or existing.card_id != card_id:
                raise IdempotencyKeyReused(idempotency_key)
            checkout_id, new = existing.id, False
        else:
            made = await _begin(
                session,
                user=user,
                address_id=address_id,
                card=card,
                idempotency_key=idempotency_key,
                now=now,
            )
            checkout_id, new = made.id, True
        held = [
            _Held(r.id, r.amount, r.currency, card.customer_id, card.method_id)
            for r in await session.scalars(
                select(Reservation)
                .where(
                    Reservation.checkout_id == checkout_id,
                    Reservation.state == ReservationState.HELD.value,
                )
                .order_by(Reservation.partner_id)
            )
        ]
    for share in held:
        await _pay(sessions, provider, publish, share, commission_bp=commission_bp, now=now)
    async with db.transaction(sessions) as session:
        return await result(session, user=user, checkout_id=checkout_id, new=new)


async def result(
    session: AsyncSession, *, user: User, checkout_id: str, new: bool = False
) -> CheckoutResult:
    """Return one of the person's checkouts with what became of each store's share."""
    found = await session.get(Checkout, checkout_id)
    if found is None or found.user_id != user.id:
        raise NotFound("No such checkout among yours.")
    rows = await session.execute(
        select(Reservation, Partner.name)
        .join(Partner, Partner.id == Reservation.partner_id)
        .where(Reservation.checkout_id == found.id)
        .order_by(Partner.name, Reservation.id)
        .execution_options(populate_existing=True)
    )
    stores = tuple(
        StoreOutcome(
            reservation_id=r.id,
            partner_id=r.partner_id,
            store_name=name,
            state=ReservationState(r.state),
            amount=Money(r.amount, r.currency),
            order_id=r.order_id,
            failure=r.failure,
        )
        for r, name in rows
    )
    return CheckoutResult(found, stores, new)


async def _pay(
    sessions: async_sessionmaker[AsyncSession],
    provider: PaymentProvider,
    publish: Publish,
    share: _Held,
    *,
    commission_bp: int,
    now: datetime,
) -> None:
    try:
        payment = await provider.authorize(
            customer_id=share.customer_id,
            method_id=share.method_id,
            amount=Money(share.amount, share.currency),
            reference=share.id,
            idempotency_key=_charge_key(share.id),
            capture=True,
            off_session=False,
        )
    except (PaymentDeclined, AuthenticationRequired, ProviderUnavailable) as err:
        # Nothing was taken: the units go back now.
        async with unit_of_work(sessions, publish) as session:
            await give_back(
                session,
                reservation_id=share.id,
                to=ReservationState.FAILED,
                why=err.sentence,
                now=now,
            )
        return
    except ProviderTimeout as err:
        # Unknown: held, and noted so that the provider is asked (never guessed) before
        # anything is given back.
        async with db.transaction(sessions) as session:
            await doubts.record(
                session,
                subject=Subject.SALE,
                subject_id=share.id,
                key=_charge_key(share.id),
                call=_call(share),
                why=err.sentence,
                now=now,
            )
        return
    async with unit_of_work(sessions, publish) as session:
        kept = await record_paid(
            session,
            reservation_id=share.id,
            payment=payment,
            provider=provider.name,
            commission_bp=commission_bp,
            now=now,
        )
    if kept:
        return
    # Paid after its units went back: the money goes back too.
    await _refund_late(sessions, provider, reservation_id=share.id, payment=payment, now=now)


def _charge_key(reservation_id: str) -> str:
    return f"sale:{reservation_id}:charge"


def _call(share: _Held) -> doubts.Call:
    """Return the charge of a store's share, as ``_pay`` makes it."""
    return doubts.Call(
        customer_id=share.customer_id,
        method_id=share.method_id,
        amount=Money(share.amount, share.currency),
        reference=share.id,
        capture=True,
        off_session=False,
    )


async def _refund_late(
    sessions: async_sessionmaker[AsyncSession],
    provider: PaymentProvider,
    *,
    reservation_id: str,
    payment: Payment,
    now: datetime,
) -> None:
    """Refund and book a payment that came for a reservation already given back."""
    done = await provider.refund(
        payment_id=payment.id, idempotency_key=f"sale:{reservation_id}:refund"
    )
    async with db.transaction(sessions) as session:
        await books.record_refund(session, refund=done, provider=provider.name, at=now)


async def give_back(
    session: AsyncSession,
    *,
    reservation_id: str,
    to: ReservationState,
    why: str,
    now: datetime,
) -> bool:
    """Move a held reservation to ``to`` (failed, expired) and put its units back in
    stock, once; False if it was not held any more."""
    moved = await session.execute(
        update(Reservation)
        .where(Reservation.id == reservation_id, Reservation.state == ReservationState.HELD.value)
        .values(state=to.value, failure=why[:200], updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        return False
    row = await session.get(Reservation, reservation_id, populate_existing=True)
    assert row is not None
    await catalog.put_back(
        session,
        ((x["variant_id"], x["listing_id"], int(x["quantity"])) for x in row.lines),
        now=now,
    )
    return True


async def record_paid(
    session: AsyncSession,
    *,
    reservation_id: str,
    payment: Payment,
    provider: str,
    commission_bp: int,
    now: datetime,
) -> bool:
    """Book a store's payment and create its order, once. False if the reservation was
    given back before the payment came (the capture is booked; the caller refunds it)."""
    row = await session.get(Reservation, reservation_id, with_for_update=_locking(session))
    assert row is not None
    store = await session.get(Partner, row.partner_id)
    assert store is not None
    await books.record_capture(
        session,
        payment=payment,
        partner_id=row.partner_id,
        provider=provider,
        commission_bp=commission_bp,
        memo=f"store order {reservation_id} at {store.name}"[:200],
        at=now,
    )
    moved = await session.execute(
        update(Reservation)
        .where(Reservation.id == row.id, Reservation.state == ReservationState.HELD.value)
        .values(state=ReservationState.PAID.value, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        await session.refresh(row)
        return row.state == ReservationState.PAID
    checkout = await session.get(Checkout, row.checkout_id)
    assert checkout is not None
    order = Order(
        channel=Channel.SALE.value,
        partner_id=row.partner_id,
        backer_id=row.user_id,
        quantity=sum(int(x["quantity"]) for x in row.lines),
        amount=row.amount,
        refunded=0,
        currency=row.currency,
        status=OrderStatus.PAID.value,
        shipping=checkout.shipping,
        payment_id=payment.id,
        card_id=checkout.card_id,
        created_at=now,
    )
    session.add(order)
    await session.flush()
    session.add_all(_items(order, row.lines, now))
    await session.execute(
        update(Reservation)
        .where(Reservation.id == row.id)
        .values(order_id=order.id)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        delete(CartLine).where(
            CartLine.user_id == row.user_id,
            CartLine.variant_id.in_([x["variant_id"] for x in row.lines]),
        )
    )
    money = Money(row.amount, row.currency)
    await notifications.notify(
        session,
        now=now,
        user_ids=[row.user_id],
        kind="order_created",
        title=f"{store.name}: paid {money}; order created",
        link=f"/orders/{order.id}",
    )
    members = await partner_members(session, row.partner_id)
    if members:
        await notifications.notify(
            session,
            now=now,
            user_ids=members,
            kind="sale_order",
            title=f"New store order: {money}",
            link="/partner/orders",
        )
    events.notified(session, [row.user_id, *members])
    await session.flush()
    return True


def _items(order: Order, lines: Sequence[dict[str, Any]], now: datetime) -> list[OrderItem]:
    return [
        OrderItem(
            order_id=order.id,
            channel=Channel.SALE.value,
            partner_id=order.partner_id,
            product_id=x["product_id"],
            listing_id=x["listing_id"],
            variant_id=x["variant_id"],
            title=str(x["title"])[:160],
            variant=str(x["variant"])[:40],
            quantity=int(x["quantity"]),
            unit_price=int(x["unit_price"]),
            amount=int(x["quantity"]) * int(x["unit_price"]),
            currency=order.currency,
            created_at=now,
        )
        for x in lines
    ]


async def release_expired(
    sessions: async_sessionmaker[AsyncSession],
    publish: Publish,
    *,
    now: datetime,
    limit: int = 100,
) -> int:
    """Give back the units of reservations nobody finished in time (none whose charge is
    in doubt: ``settle_doubts`` asks the provider about those); return how many.

    Any number of workers may run it at once: on PostgreSQL each claims rows the others
    have not locked (``SKIP LOCKED``), and everywhere the move ``held → expired`` is a
    conditional update in the same transaction as the units going back, so each
    reservation is given back once."""
    async with unit_of_work(sessions, publish) as session:
        due = (
            select(Reservation.id)
            .where(
                Reservation.state == ReservationState.HELD.value,
                Reservation.expires_at <= now,
                # A charge in doubt is settled by asking the provider, never by expiry.
                ~doubts.unsettled(Reservation.id),
            )
            .order_by(Reservation.expires_at, Reservation.id)
            .limit(limit)
        )
        if _locking(session):
            due = due.with_for_update(skip_locked=True)
        released = 0
        for reservation_id in list(await session.scalars(due)):
            released += await give_back(
                session,
                reservation_id=reservation_id,
                to=ReservationState.EXPIRED,
                why="It was not paid in time; nothing was charged.",
                now=now,
            )
        return released


async def settle_doubts(
    sessions: async_sessionmaker[AsyncSession],
    provider: PaymentProvider,
    publish: Publish,
    *,
    commission_bp: int,
    now: datetime,
    limit: int = 50,
) -> doubts.Round:
    """Ask the provider about store charges that timed out, and settle what it answers.

    A charge that happened is kept as the paid order (its units are still held: a
    reservation in doubt is never given back by expiry), or, for one given back before
    its timeout was noted, booked and refunded at once with its own key. A decline gives
    the units back and tells the fan. No answer leaves it for the next round."""

    async def settle(
        session: AsyncSession, doubt: doubts.Claimed, answer: doubts.Charged | doubts.Refused
    ) -> doubts.Settlement:
        reservation_id = doubt.subject_id
        if isinstance(answer, doubts.Charged):
            payment = answer.payment
            if await record_paid(
                session,
                reservation_id=reservation_id,
                payment=payment,
                provider=provider.name,
                commission_bp=commission_bp,
                now=now,
            ):
                return doubts.Settlement("Charged: the store order is made.")

            async def refund() -> str:
                await _refund_late(
                    sessions, provider, reservation_id=reservation_id, payment=payment, now=now
                )
                return "Refunded in full."

            return doubts.Settlement("Charged after its units had gone back.", then=refund)
        words = answer.error.sentence
        if await give_back(
            session,
            reservation_id=reservation_id,
            to=ReservationState.FAILED,
            why=words,
            now=now,
        ):
            await _tell_refused(session, reservation_id=reservation_id, why=words, now=now)
        return doubts.Settlement(f"Refused ({words}); the units went back to stock.")

    return await doubts.settle_round(
        sessions, provider, publish, subject=Subject.SALE, settle=settle, now=now, limit=limit
    )


async def _tell_refused(
    session: AsyncSession, *, reservation_id: str, why: str, now: datetime
) -> None:
    """Tell a fan that a store's share, whose answer was late, was not paid after all."""
    row = await session.get_one(Reservation, reservation_id)
    store = await session.get_one(Partner, row.partner_id)
    await notifications.notify(
        session,
        now=now,
        user_ids=[row.user_id],
        kind="payment_failed",
        title=f"{store.name}: your payment did not go through; nothing was charged",
        body=why,
        link=f"/checkouts/{row.checkout_id}",
    )
    events.notified(session, [row.user_id])
