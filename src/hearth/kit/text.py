"""Names people give things (homes, rooms, devices, scenes): tidied and checked, no I/O.

A name is one line of text a person reads. Runs of whitespace (tabs and line breaks
included) become one space and the ends are trimmed; what is left must be 1 to
``max_length`` characters and hold nothing a person cannot see or that would garble what
follows it on screen: control characters (NUL, escape, delete...), lone surrogates
(which no database can store as UTF-8) and the invisible bidirectional overrides that make
text read in another order than it is stored.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError

# Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def tidy(value: str) -> str:
    """Return ``value`` with runs of whitespace made one space and the ends trimmed."""
    return " ".join(value.split())


def unreadable(value: str) -> str | None:
    """Return the first character of ``value`` a name may not hold, written as ``U+XXXX``
    (None: every character is fine)."""
    for char in value:
        if char in _BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cs"):
            return f"U+{ord(char):04X}"
    return None


def name_problem(value: str, *, max_length: int) -> str | None:
    """Return what is wrong with a tidied name, as a sentence's end (None: nothing)."""
    if not value:
        return f"needs 1-{max_length} characters besides spaces"
    if len(value) > max_length:
        return f"may have at most {max_length} characters"
    found = unreadable(value)
    if found is not None:
        return f"may not hold control characters (it holds {found})"
    return None


MAX_NAME = 80  # what every name column holds (String(80))

# The contract's pattern for a name, in the regular expressions every JSON Schema validator
# reads (no ``\s``: its meaning differs between them). What a name may not hold: the control
# characters that tidying does not make a space, and the bidirectional controls. A lone
# surrogate, which no pattern can name, is refused by the server alone.
_BARRED = r"\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069"
# What Python's ``str.split`` takes for a space (``str.isspace``).
SPACES = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NAME_PATTERN = rf"^[^{_BARRED}]*[^{SPACES}{_BARRED}][^{_BARRED}]*$"
"""A name as the contract states it: something besides spaces, nothing unreadable."""


def _check_name(value: str) -> str:
    problem = name_problem(value, max_length=MAX_NAME)
    if problem is not None:
        raise PydanticCustomError("invalid_name", f"a name {problem}")
    return value


def _tidied(value: object) -> object:
    return tidy(value) if isinstance(value, str) else value


Name = Annotated[
    str,
    Field(strict=True, max_length=MAX_NAME, json_schema_extra={"pattern": NAME_PATTERN}),
    BeforeValidator(_tidied),
    AfterValidator(_check_name),
]
"""A name as a request carries it: tidied, 1-80 readable characters."""
