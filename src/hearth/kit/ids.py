"""Identifiers: sortable, unguessable, prefixed by what they name (``usr_01J...``).

Time-ordered ids keep B-tree inserts cheap on PostgreSQL and SQLite alike; the random
tail (80 bits) makes them unguessable, so an id in a URL reveals neither counts nor
neighbours. Access checks never rely on that, but it costs nothing.
"""

from __future__ import annotations

import os
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    """Return a new id such as ``usr_01j9z3...`` (prefix, underscore, 26 characters)."""
    millis = time.time_ns() // 1_000_000
    tail = int.from_bytes(os.urandom(10), "big")
    return f"{prefix}_{_encode(millis, 10)}{_encode(tail, 16)}"
