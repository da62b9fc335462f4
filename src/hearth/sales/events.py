"""Events of regular sale.

Services record them on the session with ``hearth.outbox.record``; whoever owns the
transaction publishes them once it has committed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hearth.bus import Event


@dataclass(frozen=True)
class StockReturned(Event):
    """The units of an accepted, refunded return went back into stock, once: each variant
    and its listing grew by them, so they can be sold again."""

    return_id: str
    order_id: str
    partner_id: str
    units: dict[str, int] = field(default_factory=dict)  # variant id -> units put back
