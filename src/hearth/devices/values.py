"""Per-property value checkers, built once per spec and called on every value.

A checker takes a JSON value and returns it coerced (an int for a float property becomes
a float; a float within a millionth of a step snaps onto the step) or raises
``ValueRejected`` with one of the stable reason codes below. Checkers test the exact
``type()`` because JSON's ``true`` must never pass for ``1``, nor ``1`` for ``true``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final

from hearth.devices.spec import DEFAULT_MAX_STRING_LENGTH, INT_LIMITS, Format, Property
from hearth.errors import ValueRejected

Checker = Callable[[Any], Any]

# Reason codes (stable; clients and metrics count them). See docs/device-spec.md.
UNKNOWN: Final = "unknown"  # no such property, action or event in the spec
NOT_READABLE: Final = "not_readable"  # read or report of a property that cannot be read
NOT_WRITABLE: Final = "not_writable"  # write to a property without write access
WRONG_TYPE: Final = "wrong_type"  # JSON type does not match the format (true for 1...)
NOT_INTEGER: Final = "not_integer"  # a fractional number for an integer format
OUT_OF_RANGE: Final = "out_of_range"  # outside the range, or outside the format's limits
OFF_STEP: Final = "off_step"  # inside the range but not min + k * step
NOT_IN_LIST: Final = "not_in_list"  # the property has a value list and this is not in it
TOO_LONG: Final = "too_long"  # a string longer than max_length
BAD_ARGUMENTS: Final = "bad_arguments"  # action or event arguments missing or unexpected
REASONS: Final = (
    UNKNOWN,
    NOT_READABLE,
    NOT_WRITABLE,
    WRONG_TYPE,
    NOT_INTEGER,
    OUT_OF_RANGE,
    OFF_STEP,
    NOT_IN_LIST,
    TOO_LONG,
    BAD_ARGUMENTS,
)
# How far from the step grid a float may be and still count as on it, in steps.
STEP_TOLERANCE: Final = 1e-6


def make_checker(prop: Property, *, name: str, where: str) -> Checker:
    """Return the checker for ``prop``; ``name`` ("2.1") and ``where`` go into errors."""
    if prop.format is Format.BOOL:
        return _bool_checker(prop, name, where)
    if prop.format is Format.STRING:
        return _string_checker(prop, name, where)
    if prop.format is Format.FLOAT:
        return _float_checker(prop, name, where)
    return _int_checker(prop, name, where)


def _reject(name: str, where: str, reason: str, message: str) -> ValueRejected:
    return ValueRejected(f"{name}: {message}", reason=reason, pointer=where)


def _type_name(value: object) -> str:
    return {bool: "true/false", int: "a whole number", float: "a number", str: "a string"}.get(
        type(value), "null" if value is None else type(value).__name__
    )


def _allowed(prop: Property) -> frozenset[Any] | None:
    return frozenset(option.value for option in prop.values) if prop.values else None


def _bool_checker(prop: Property, name: str, where: str) -> Checker:
    allowed = _allowed(prop)

    def check(value: Any) -> Any:
        if type(value) is not bool:
            raise _reject(
                name, where, WRONG_TYPE, f"expected true or false, got {_type_name(value)}"
            )
        if allowed is not None and value not in allowed:
            raise _reject(name, where, NOT_IN_LIST, f"{value} is not one of the listed values")
        return value

    return check


def _string_checker(prop: Property, name: str, where: str) -> Checker:
    allowed = _allowed(prop)
    limit = prop.max_length or DEFAULT_MAX_STRING_LENGTH

    def check(value: Any) -> Any:
        if type(value) is not str:
            raise _reject(name, where, WRONG_TYPE, f"expected a string, got {_type_name(value)}")
        if len(value) > limit:
            raise _reject(name, where, TOO_LONG, f"{len(value)} characters, at most {limit}")
        if allowed is not None and value not in allowed:
            raise _reject(name, where, NOT_IN_LIST, f"{value!r} is not one of the listed values")
        return value

    return check


def _int_checker(prop: Property, name: str, where: str) -> Checker:
    fmt = prop.format
    low, high = INT_LIMITS[fmt]
    base, step = 0, 1
    if prop.range is not None:
        # The rules guarantee whole numbers here for integer formats.
        low, high = max(low, int(prop.range.min)), min(high, int(prop.range.max))
        base, step = int(prop.range.min), int(prop.range.step or 1)
    allowed = _allowed(prop)

    def check(value: Any) -> Any:
        if type(value) is not int:
            if type(value) is float:
                raise _reject(name, where, NOT_INTEGER, f"{fmt} needs a whole number, got {value}")
            raise _reject(name, where, WRONG_TYPE, f"expected a number, got {_type_name(value)}")
        if allowed is not None:
            if value in allowed:
                return value
            raise _reject(name, where, NOT_IN_LIST, f"{value} is not one of the listed values")
        if value < low or value > high:
            raise _reject(name, where, OUT_OF_RANGE, f"{value} is outside {low}..{high}")
        if step != 1 and (value - base) % step:
            raise _reject(name, where, OFF_STEP, f"{value} is not {base} + a multiple of {step}")
        return value

    return check


def _decimals(step: float) -> int:
    exponent = Decimal(repr(step)).as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _float_checker(prop: Property, name: str, where: str) -> Checker:
    low, high = -math.inf, math.inf
    base, step = 0.0, 0.0
    if prop.range is not None:
        low, high = float(prop.range.min), float(prop.range.max)
        base, step = low, float(prop.range.step or 0.0)
    decimals = _decimals(step) if step else 0
    allowed = frozenset(float(v) for v in _allowed(prop) or ()) or None
    finite = math.isfinite

    def check(value: Any) -> Any:
        kind = type(value)
        if kind is int:
            value = float(value)
        elif kind is not float or not finite(value):
            raise _reject(name, where, WRONG_TYPE, f"expected a number, got {_type_name(value)}")
        if allowed is not None:
            if value in allowed:
                return value
            raise _reject(name, where, NOT_IN_LIST, f"{value} is not one of the listed values")
        if value < low or value > high:
            raise _reject(name, where, OUT_OF_RANGE, f"{value} is outside {low:g}..{high:g}")
        if step:
            steps = (value - base) / step
            try:
                whole = round(steps)
            except OverflowError:  # a range so wide that max - min is infinite
                whole = 0
            if abs(steps - whole) > STEP_TOLERANCE:
                raise _reject(name, where, OFF_STEP, f"{value} is not {base:g} + k × {step:g}")
            value = min(max(round(base + whole * step, decimals), low), high)
        return value

    return check
