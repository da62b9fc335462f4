"""Shapes of text that requests share, stated once so the contract and the server agree.

Each is a JSON Schema ``pattern`` (what the published contract says) that the server also
enforces: a request the document allows is one the server takes.
"""

from __future__ import annotations

# Some text after trimming: at least one character that is not whitespace.
NOT_BLANK = r"^\s*\S[\s\S]*$"
# At least two characters after trimming.
TWO_OR_MORE = r"^\s*\S[\s\S]*\S\s*$"
# An email address, give or take: something@somewhere.tld, spaces around forgiven.
EMAIL = r"^\s*[^@\s]+@[^@\s]+\.[^@\s]+\s*$"
# Printable ASCII, as payment providers take idempotency keys.
PRINTABLE_ASCII = r"^[\x21-\x7e]+$"
# An amount with at least one non-zero digit (with ``Amount``'s own pattern: more than zero).
NON_ZERO = r"[1-9]"
