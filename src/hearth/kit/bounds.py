"""Shapes of text that requests share, stated once so the contract and the server agree.

Each is a JSON Schema ``pattern`` (what the published contract says) that the server also
enforces: a request the document allows is one the server takes.
"""

from __future__ import annotations

# Text that a database can hold: no NUL (PostgreSQL refuses it; the app refuses it first).
NO_NUL = r"^[^\x00]*$"
# Some text after trimming: at least one character that is not whitespace.
NOT_BLANK = r"^\s*[^\s\x00][^\x00]*$"
# At least two characters after trimming.
TWO_OR_MORE = r"^\s*[^\s\x00][^\x00]*[^\s\x00]\s*$"
# An email address, give or take: something@somewhere.tld, spaces around forgiven.
EMAIL = r"^\s*[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+\s*$"
# Printable ASCII, as payment providers take idempotency keys.
PRINTABLE_ASCII = r"^[\x21-\x7e]+$"
# An amount with at least one non-zero digit (with ``Amount``'s own pattern: more than zero).
NON_ZERO = r"[1-9]"
