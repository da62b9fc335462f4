"""The rules of regular sale, pure: reservations and returns as workflows, limits, what
changed in a cart since a line was added, and how a cart splits into one order per store.

Stock is taken at checkout, not when a fan adds to the cart: a cart holds nothing back,
so a cart left for a week keeps no one else from buying. A checkout reserves its units
(a conditional update per variant, in a fixed order), pays, and either turns the
reservation into an order or gives the units back; a reservation nobody finishes is given
back after ``RESERVATION_TTL`` by whichever worker claims it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from hearth.errors import InvalidInput
from hearth.kit.workflow import Workflow

RESERVATION_TTL = timedelta(minutes=15)  # a checkout must pay within this, or give back
RETURN_WINDOW = timedelta(days=14)  # a delivered store order may be returned this long
MAX_PER_ORDER = 100  # the most a partner may let one order take of a product
DEFAULT_PER_ORDER = 5
MAX_VARIANTS = 20
MAX_CART_LINES = 50
MAX_STOCK = 10_000_000  # the column is int32
DEFAULT_VARIANT = "Standard"  # a product without variants sells as this one


class ReservationState(StrEnum):
    HELD = "held"  # units taken from stock, payment under way
    PAID = "paid"  # paid: the order exists, the units are sold
    FAILED = "failed"  # the payment was declined: the units went back
    EXPIRED = "expired"  # nobody finished it in time: the units went back


RESERVATION_MOVES: Mapping[ReservationState, frozenset[ReservationState]] = {
    ReservationState.HELD: frozenset(
        {ReservationState.PAID, ReservationState.FAILED, ReservationState.EXPIRED}
    ),
    ReservationState.PAID: frozenset(),
    ReservationState.FAILED: frozenset(),
    ReservationState.EXPIRED: frozenset(),
}
RESERVATION_WORKFLOW = Workflow(
    RESERVATION_MOVES, initial={ReservationState.HELD}, name="reservation"
)


class ReturnState(StrEnum):
    REQUESTED = "requested"  # the fan asked; the partner decides
    REFUNDING = "refunding"  # the partner accepted; the refund is under way
    ACCEPTED = "accepted"  # refunded
    DECLINED = "declined"  # the partner said no, with a reason


RETURN_MOVES: Mapping[ReturnState, frozenset[ReturnState]] = {
    ReturnState.REQUESTED: frozenset({ReturnState.REFUNDING, ReturnState.DECLINED}),
    # The provider refused the refund: the return waits for the partner again.
    ReturnState.REFUNDING: frozenset({ReturnState.ACCEPTED, ReturnState.REQUESTED}),
    ReturnState.ACCEPTED: frozenset(),
    ReturnState.DECLINED: frozenset(),
}
RETURN_WORKFLOW = Workflow(RETURN_MOVES, initial={ReturnState.REQUESTED}, name="return")


def return_open_until(delivered_at: datetime | None) -> datetime | None:
    """Return until when a delivered order may be returned (None: not delivered yet)."""
    return None if delivered_at is None else delivered_at + RETURN_WINDOW


def may_return(delivered_at: datetime | None, now: datetime) -> bool:
    """Tell whether an order delivered at ``delivered_at`` may still be returned at ``now``."""
    until = return_open_until(delivered_at)
    return until is not None and now < until


def variant_problems(name: str, stock: int) -> list[dict[str, str]]:
    """List what is wrong with a variant's name and stock."""
    problems = []
    if not 1 <= len(name.strip()) <= 40:
        problems.append({"field": "name", "message": "1 to 40 characters"})
    if not 0 <= stock <= MAX_STOCK:
        problems.append({"field": "stock", "message": f"a whole number from 0 to {MAX_STOCK:,}"})
    return problems


@dataclass(frozen=True)
class CartEntry:
    """One cart line as the rules see it: what was seen when it was added, and now."""

    line_id: str
    partner_id: str
    listing_id: str
    variant_id: str
    quantity: int
    price_seen: int
    price: int
    stock: int
    per_order: int


@dataclass(frozen=True)
class Notes:
    """What changed for a cart line since it was added."""

    price_changed: bool
    sold_out: bool
    short: bool  # fewer left than the line asks for

    @property
    def any(self) -> bool:
        return self.price_changed or self.sold_out or self.short


def notes_of(entry: CartEntry) -> Notes:
    """Say what changed for ``entry``: its price, or the stock left."""
    return Notes(
        price_changed=entry.price != entry.price_seen,
        sold_out=entry.stock <= 0,
        short=0 < entry.stock < entry.quantity,
    )


def check_quantity(quantity: int, per_order: int) -> None:
    """Refuse a quantity outside 1..the product's per-order limit."""
    if not 1 <= quantity <= per_order:
        raise InvalidInput.fields(
            [{"field": "quantity", "message": f"between 1 and {per_order} per order"}]
        )


def over_limit(entries: Iterable[CartEntry]) -> list[str]:
    """Return the listings of which the cart asks for more than one order may take."""
    per_listing: dict[str, int] = {}
    limits: dict[str, int] = {}
    for e in entries:
        per_listing[e.listing_id] = per_listing.get(e.listing_id, 0) + e.quantity
        limits[e.listing_id] = e.per_order
    return sorted(lid for lid, n in per_listing.items() if n > limits[lid])


def by_store(entries: Sequence[CartEntry]) -> list[tuple[str, list[CartEntry]]]:
    """Split cart lines into one group per partner, each becoming one order; partners in
    id order, lines in variant order, so that stock rows are always taken in one order."""
    groups: dict[str, list[CartEntry]] = {}
    for e in entries:
        groups.setdefault(e.partner_id, []).append(e)
    return [
        (partner, sorted(lines, key=lambda e: e.variant_id))
        for partner, lines in sorted(groups.items())
    ]


def lock_order(variant_quantities: Mapping[str, int]) -> list[tuple[str, int]]:
    """Return (variant, units) in the one order every transaction takes stock rows in, so
    two checkouts never wait on each other in a circle."""
    return sorted(variant_quantities.items())
