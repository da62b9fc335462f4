"""Importing a MIoT property's constraints: its value range and its value list.

A range the format cannot hold widens the format (devices send what the range says);
fractional bounds on an integer format are rounded inwards; list entries that do not fit
are left out one by one. Warnings and errors follow ``miot_fields``' convention.
"""

from __future__ import annotations

import math
from typing import Any

from hearth.devices.miot_fields import Context, widen
from hearth.devices.spec import INT_LIMITS, Format

_OPTION_KEYS = frozenset(["value", "description"])


def import_range(
    ctx: Context, raw: Any, fmt: Format, parent: str
) -> tuple[Format, dict[str, Any] | None]:
    """Return the (possibly widened) format and the native range, or None."""
    if raw is None or raw == []:
        return fmt, None
    at = f"{parent}/value-range"
    if fmt in (Format.BOOL, Format.STRING):
        ctx.error(at, "not_allowed", f"a {fmt} property cannot have a range; range not imported")
        return fmt, None
    if type(raw) is not list or len(raw) < 2:
        ctx.error(at, "wrong_type", "value-range must be [min, max, step]; range not imported")
        return fmt, None
    if len(raw) != 3:
        kept = "[min, max]" if len(raw) == 2 else "the first three"
        ctx.warn(at, "wrong_arity", f"value-range has {len(raw)} numbers; read {kept}")
    numbers = [
        v if type(v) is int else ctx.number(v, f"{at}/{i}", "range value")
        for i, v in enumerate(raw[:3])
    ]
    for i, number in enumerate(numbers):
        if number is None:
            ctx.error(f"{at}/{i}", "wrong_type", f"{raw[i]!r} is not a number; range not imported")
            return fmt, None
    low, high = numbers[0], numbers[1]
    step = numbers[2] if len(numbers) == 3 else None
    assert low is not None and high is not None
    if low > high:
        ctx.error(at, "bad_range", f"min {low} is greater than max {high}; range not imported")
        return fmt, None
    if step is not None and step <= 0:
        ctx.warn(f"{at}/2", "bad_step", f"step {step} is not positive; any step allowed")
        step = None
    if fmt is Format.FLOAT:
        return fmt, _range_dict(low, high, step)
    if not all(type(n) is int for n in (low, high, step) if n is not None):
        ctx.warn(at, "range_adjusted", f"{fmt} needs whole numbers; range rounded inwards")
        low, high = math.ceil(low), math.floor(high)
        step = max(1, round(step)) if step is not None else None
        if low > high:
            ctx.error(at, "bad_range", "no whole number lies in the range; range not imported")
            return fmt, None
    low, high = int(low), int(high)
    limits = INT_LIMITS[fmt]
    if not limits[0] <= low <= high <= limits[1]:
        wider = widen(fmt, low, high)
        if wider is None:
            ctx.error(at, "out_of_format", f"{low}..{high} fits no integer format; not imported")
            return fmt, None
        ctx.warn(f"{at}", "format_widened", f"{fmt} cannot hold {low}..{high}; read as {wider}")
        fmt = wider
    return fmt, _range_dict(low, high, step)


def _range_dict(low: int | float, high: int | float, step: int | float | None) -> dict[str, Any]:
    rng: dict[str, Any] = {"min": low, "max": high}
    if step is not None:
        rng["step"] = step
    return rng


def import_values(
    ctx: Context, raw: Any, fmt: Format, rng: dict[str, Any] | None, parent: str
) -> list[dict[str, Any]]:
    """Return the native value list: the entries that fit the format and the range."""
    if raw is None:
        return []
    at = f"{parent}/value-list"
    if type(raw) is not list:
        ctx.error(at, "wrong_type", "value-list must be a list; not imported")
        return []
    options: list[dict[str, Any]] = []
    seen: set[Any] = set()
    for i, item in enumerate(raw):
        where = f"{at}/{i}"
        if not isinstance(item, dict):
            ctx.error(where, "wrong_type", "a value-list entry must be an object; not imported")
            continue
        ctx.extra_keys(item, _OPTION_KEYS, where)
        value = _option_value(ctx, item.get("value"), fmt, f"{where}/value")
        if value is None:
            continue
        if fmt in INT_LIMITS and not INT_LIMITS[fmt][0] <= value <= INT_LIMITS[fmt][1]:
            ctx.error(
                f"{where}/value", "out_of_format", f"{value} does not fit {fmt}; not imported"
            )
            continue
        if rng is not None and not rng["min"] <= value <= rng["max"]:
            ctx.error(
                f"{where}/value",
                "value_out_of_range",
                f"{value} is outside the range; not imported",
            )
            continue
        if value in seen:
            ctx.error(
                f"{where}/value", "duplicate_value", f"{value!r} is listed twice; not imported"
            )
            continue
        seen.add(value)
        option: dict[str, Any] = {"value": value}
        description = ctx.text(item.get("description"), where)
        if description:
            option["description"] = description
        options.append(option)
    return options


def _option_value(ctx: Context, value: Any, fmt: Format, at: str) -> Any:
    kind = type(value)
    if fmt is Format.BOOL:
        if kind is bool:
            return value
        if value in (0, 1, "0", "1", "true", "false") and kind is not float:
            ctx.warn(at, "coerced", f"{value!r} read as {value in (1, '1', 'true')}")
            return value in (1, "1", "true")
    elif fmt is Format.STRING:
        if kind is str:
            return value
        if kind is int or (kind is float and math.isfinite(value)):
            ctx.warn(at, "coerced", f"{value!r} read as text")
            return str(value)
    elif fmt is Format.FLOAT:
        if kind is not bool:
            number = ctx.number(value, at, "value")
            if number is not None:
                return number
    elif kind is not bool:
        number = ctx.integer(value, at, "value")
        if number is not None:
            return number
    ctx.error(at, "wrong_type", f"{value!r} is not a {fmt} value; not imported")
    return None
