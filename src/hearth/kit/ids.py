"""Identifiers: sortable, unguessable, prefixed by what they name (``usr_01J...``).

Time-ordered ids keep B-tree inserts cheap on PostgreSQL and SQLite alike; the random
tail (80 bits) makes them unguessable, so an id in a URL reveals neither counts nor
neighbours. Access checks never rely on that, but it costs nothing.
"""

from __future__ import annotations

import base64
import os
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
# base64's base32 alphabet, digit for digit, turned into Crockford's.
_CROCKFORD = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _ALPHABET.encode())


def encode(value: int, length: int) -> str:
    """Return ``value`` in ``length`` Crockford base32 digits, most significant first."""
    # In whole 40-bit groups, base32 has no padding: encode them and keep the tail.
    groups = (length * 5 + 39) // 40
    digits = base64.b32encode(value.to_bytes(groups * 5, "big")).translate(_CROCKFORD)
    if value >> (length * 5):
        raise ValueError(f"{value} does not fit in {length} base32 digits")
    return digits[-length:].decode()


def new_id(prefix: str) -> str:
    """Return a new id such as ``usr_01j9z3...`` (prefix, underscore, 26 characters)."""
    millis = time.time_ns() // 1_000_000
    tail = int.from_bytes(os.urandom(10), "big")
    return f"{prefix}_{encode(millis << 80 | tail, 26)}"
