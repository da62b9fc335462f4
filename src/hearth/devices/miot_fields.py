"""Reading the fields of a MIoT spec instance as they occur in the wild.

Every helper takes the raw value and its JSON pointer, records what it had to change
(a warning) or could not import (an error), and returns the native value or None.
A warning means the item was imported, adjusted; an error means the item at the pointer
was left out. ``miot.py`` walks the document with these.
"""

from __future__ import annotations

import math
import re
from typing import Any

from hearth.devices.issues import Issue
from hearth.devices.spec import INT_LIMITS, Access, Format
from hearth.devices.units import normalise_unit

_FORMATS: dict[str, Format] = {f.value: f for f in Format}
# Spellings seen in vendor documents; each is imported with a warning.
_FORMAT_ALIASES: dict[str, Format] = {
    "boolean": Format.BOOL,
    "int": Format.INT32,
    "integer": Format.INT32,
    "uint": Format.UINT32,
    "long": Format.INT64,
    "double": Format.FLOAT,
    "float32": Format.FLOAT,
    "float64": Format.FLOAT,
    "number": Format.FLOAT,
    "str": Format.STRING,
    "text": Format.STRING,
}
_ACCESS = {a.value: a for a in Access}
# The access lists nearly every property has, so the common case is one dict lookup.
_KNOWN_ACCESS: dict[tuple[Any, ...], tuple[str, ...]] = {
    combo: combo
    for combo in [
        (),
        ("read",),
        ("write",),
        ("notify",),
        ("read", "write"),
        ("read", "notify"),
        ("write", "notify"),
        ("read", "write", "notify"),
        ("read", "notify", "write"),
        ("write", "read", "notify"),
        ("notify", "read"),
        ("write", "read"),
    ]
}
_INT_TEXT = re.compile(r"^\s*[+-]?\d{1,19}\s*$")
# Widening order when a range does not fit its format: unsigned first for ranges >= 0.
_WIDER_UNSIGNED = (Format.UINT8, Format.UINT16, Format.UINT32, Format.INT64)
_WIDER_SIGNED = (Format.INT8, Format.INT16, Format.INT32, Format.INT64)
_SIZE = {
    Format.UINT8: 1,
    Format.INT8: 1,
    Format.UINT16: 2,
    Format.INT16: 2,
    Format.UINT32: 4,
    Format.INT32: 4,
    Format.INT64: 8,
}
MAX_TEXT = 1000


class Context:
    """Collects the warnings and errors of one import."""

    __slots__ = ("warnings", "errors")

    def __init__(self) -> None:
        self.warnings: list[Issue] = []
        self.errors: list[Issue] = []

    def warn(self, at: str, reason: str, message: str) -> None:
        self.warnings.append(Issue(at, reason, message))

    def error(self, at: str, reason: str, message: str) -> None:
        self.errors.append(Issue(at, reason, message))

    def extra_keys(self, raw: dict[str, Any], known: frozenset[str], at: str) -> None:
        """Warn about keys hearth does not read, except the harmless ones seen in the wild."""
        if known.issuperset(raw):
            return
        for key in raw:
            if key not in known and key not in _HARMLESS:
                self.warn(f"{at}/{_escape(key)}", "ignored_key", f"key {key!r} is not imported")

    def integer(self, value: Any, at: str, what: str) -> int | None:
        """Return ``value`` as an int (numeric text and whole floats coerced), or None."""
        kind = type(value)
        if kind is int:
            return int(value)
        if kind is float and math.isfinite(value) and value.is_integer():
            self.warn(at, "coerced", f"{what} {value!r} read as {int(value)}")
            return int(value)
        if kind is str and _INT_TEXT.match(value):
            self.warn(at, "coerced", f"{what} {value!r} read as a number")
            return int(value)
        return None

    def number(self, value: Any, at: str, what: str) -> int | float | None:
        """Return ``value`` as a finite int or float (numeric text coerced), or None."""
        kind = type(value)
        if kind is int:
            return int(value)
        if kind is float:
            return float(value) if math.isfinite(value) else None
        if kind is str:
            try:
                number = int(value) if _INT_TEXT.match(value) else float(value)
            except ValueError:
                return None
            if isinstance(number, float) and not math.isfinite(number):
                return None
            self.warn(at, "coerced", f"{what} {value!r} read as a number")
            return number
        return None

    def iid(self, value: Any, parent: str, limit: int) -> int | None:
        """Return a valid iid (0..limit) or record why not."""
        if type(value) is int and 0 <= value <= limit:
            return value
        at = f"{parent}/iid"
        iid = self.integer(value, at, "iid")
        if iid is None:
            what = "missing" if value is None else f"{value!r} is not a whole number"
            self.error(at, "missing" if value is None else "wrong_type", f"iid {what}")
        elif not 0 <= iid <= limit:
            self.error(at, "out_of_range", f"iid {iid} is outside 0..{limit}")
            return None
        return iid

    def urn(self, value: Any, parent: str) -> str | None:
        """Return a type URN (any non-empty text up to 255 characters) or record why not."""
        at = f"{parent}/type"
        if type(value) is not str or not value.strip():
            self.error(at, "missing" if value is None else "wrong_type", "type must be text")
            return None
        text = value.strip()
        if len(text) > 255:
            self.error(at, "too_long", "type is longer than 255 characters")
            return None
        return text

    def text(self, value: Any, parent: str) -> str:
        """Return a description; other scalars are turned into text, anything else dropped."""
        if value is None:
            return ""
        if type(value) is str and len(value) <= MAX_TEXT and value == value.strip():
            return value
        at = f"{parent}/description"
        if type(value) is not str:
            if type(value) in (int, float, bool):
                self.warn(at, "coerced", f"description {value!r} read as text")
                return str(value)
            self.error(at, "wrong_type", "description must be text")
            return ""
        text = value.strip()
        if len(text) > MAX_TEXT:
            self.warn(at, "truncated", f"description cut to {MAX_TEXT} characters")
            return text[:MAX_TEXT]
        return text

    def format(self, value: Any, parent: str) -> Format | None:
        """Return the format, or record that the property cannot be represented."""
        fmt = _FORMATS.get(value) if type(value) is str else None
        if fmt is not None:
            return fmt
        at = f"{parent}/format"
        if type(value) is not str:
            self.error(at, "missing" if value is None else "wrong_type", "format must be text")
            return None
        key = value.strip().lower()
        fmt = _FORMATS.get(key) or _FORMAT_ALIASES.get(key)
        if fmt is None:
            self.error(at, "unsupported_format", f"format {value!r} cannot be represented")
        else:
            self.warn(at, "format_normalised", f"format {value!r} read as {fmt}")
        return fmt

    def access(self, value: Any, parent: str) -> list[str]:
        """Return the known access entries, in order, once each."""
        if value is None:
            return []
        if type(value) is list:
            try:
                return list(_KNOWN_ACCESS[tuple(value)])
            except (KeyError, TypeError):  # TypeError: an unhashable entry such as {}
                pass
        at = f"{parent}/access"
        if type(value) is str:
            self.warn(at, "coerced", f"access {value!r} read as a list")
            value = [v for v in re.split(r"[^A-Za-z]+", value) if v]
        if type(value) is not list:
            self.error(at, "wrong_type", "access must be a list")
            return []
        found: list[str] = []
        for i, entry in enumerate(value):
            access = _ACCESS.get(entry.strip().lower()) if type(entry) is str else None
            if access is None:
                self.warn(f"{at}/{i}", "ignored_access", f"access {entry!r} is not known")
            elif access.value not in found:
                found.append(access.value)
        return found

    def unit(self, value: Any, parent: str, out: dict[str, Any]) -> None:
        """Set ``unit`` (canonical) and ``unit_original`` (as spelt) on ``out``."""
        if value is None or value == "none":
            return
        at = f"{parent}/unit"
        if type(value) is not str:
            self.error(at, "wrong_type", "unit must be text")
            return
        unit, known = normalise_unit(value)
        if unit is not None:
            out["unit"] = unit.value
            if unit.value != value:
                out["unit_original"] = value[:64]
                self.warn(at, "unit_normalised", f"unit {value!r} read as {unit.value!r}")
        elif not known:
            out["unit_original"] = value[:64]
            self.warn(at, "unknown_unit", f"unit {value!r} is not known; kept as spelt")


def widen(fmt: Format, low: int, high: int) -> Format | None:
    """Return the narrowest integer format at least as wide as ``fmt`` that holds the range."""
    order = _WIDER_UNSIGNED if low >= 0 else _WIDER_SIGNED
    for candidate in order:
        lo, hi = INT_LIMITS[candidate]
        if _SIZE[candidate] >= _SIZE[fmt] and lo <= low and high <= hi:
            return candidate
    return None


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


# Keys that vendors add for their own bookkeeping; ignoring them loses nothing.
_HARMLESS = frozenset(["source", "comment", "comments", "name", "gatt-access", "sub-type"])
