"""Regular sale: a graduated product's price, variants with stock and per-order limit; the
fan's server-side cart across stores; checkout into one order per store with stock
reserved, paid through the payment provider and booked in the ledger; returns."""
