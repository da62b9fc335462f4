"""The one spec validator: structure (from the pydantic models) and the rules that span
several objects (unique iids, references to properties, ranges and value lists that fit
the format). Every issue names its place with a JSON pointer into the native document.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from pydantic import ValidationError

from hearth.devices.issues import Issue, escape, invalid, pointer
from hearth.devices.spec import INT_LIMITS, Format, Property, Spec
from hearth.errors import SpecInvalid

_PYDANTIC_REASONS = {
    "missing": "missing",
    "extra_forbidden": "unknown_key",
    "string_pattern_mismatch": "bad_pattern",
    "greater_than_equal": "out_of_range",
    "less_than_equal": "out_of_range",
    "too_short": "too_short",
    "string_too_short": "too_short",
    "too_long": "too_long",
    "string_too_long": "too_long",
    "enum": "not_allowed",
}


# Members of a union show up in error locations; they are not keys of the document.
_UNION_TAGS = frozenset(["bool", "int", "float", "str"])


def structure_issues(err: ValidationError) -> list[Issue]:
    """Turn pydantic's errors into issues, one per place."""
    issues: dict[str, Issue] = {}
    for item in err.errors(include_url=False, include_context=False, include_input=False):
        loc = item["loc"]
        union = bool(loc) and loc[-1] in _UNION_TAGS
        where = "".join("/" + escape(token) for token in (loc[:-1] if union else loc))
        if where in issues:
            continue
        reason = _PYDANTIC_REASONS.get(item["type"], "wrong_type")
        message = str(item["msg"]).removeprefix("Value error, ")
        if union:
            message = "must be a finite number" if loc[-1] in ("int", "float") else message
            if len(loc) > 1 and loc[-2] == "value":
                message = "must be a boolean, a finite number or a string"
        issues[where] = Issue(where, reason, message)
    return list(issues.values())


def parse_spec(data: object) -> Spec:
    """Validate a native spec document (already parsed) and return the spec.

    Raise ``SpecInvalid`` listing every issue, each with its JSON pointer.
    """
    try:
        spec = Spec.model_validate(data)
    except ValidationError as err:
        raise invalid(structure_issues(err)) from None
    issues = spec_issues(spec)
    if issues:
        raise invalid(issues)
    return spec


def spec_issues(spec: Spec) -> list[Issue]:
    """Return what breaks the cross-object rules in an otherwise well-formed spec."""
    # Pointers are built only when something is wrong: this runs on every import.
    issues: list[Issue] = []
    if not spec.services:
        issues.append(Issue("/services", "too_short", "a spec needs at least one service"))
    services: dict[int, int] = {}
    for si, service in enumerate(spec.services):
        _unique(issues, services, service.iid, ("services", si))
        piids: dict[int, int] = {}
        for pi, prop in enumerate(service.properties):
            _unique(issues, piids, prop.iid, ("services", si, "properties", pi))
            access = prop.access
            if (
                prop.range is not None
                or prop.values
                or prop.max_length is not None
                or (len(access) > 1 and len(set(access)) != len(access))
            ):
                issues.extend(property_issues(prop, f"/services/{si}/properties/{pi}"))
        aiids: dict[int, int] = {}
        for ai, action in enumerate(service.actions):
            at = ("services", si, "actions", ai)
            _unique(issues, aiids, action.iid, at)
            _references(issues, piids, action.in_, (*at, "in"))
            _references(issues, piids, action.out, (*at, "out"))
        eiids: dict[int, int] = {}
        for ei, event in enumerate(service.events):
            at = ("services", si, "events", ei)
            _unique(issues, eiids, event.iid, at)
            _references(issues, piids, event.arguments, (*at, "arguments"))
    return issues


def _unique(issues: list[Issue], seen: dict[int, int], iid: int, at: tuple[str | int, ...]) -> None:
    if iid not in seen:
        seen[iid] = int(at[-1])
        return
    first = pointer(*at[:-1], seen[iid])
    issues.append(
        Issue(pointer(*at, "iid"), "duplicate_iid", f"iid {iid} is already used by {first}")
    )


def _references(
    issues: list[Issue], piids: dict[int, int], refs: Sequence[int], at: tuple[str | int, ...]
) -> None:
    for i, piid in enumerate(refs):
        if piid not in piids:
            issues.append(
                Issue(pointer(*at, i), "bad_reference", f"no property {piid} in this service")
            )


def property_issues(prop: Property, at: str) -> list[Issue]:
    """Return what is wrong with one property's access, range, value list and length."""
    issues: list[Issue] = []
    if len(set(prop.access)) != len(prop.access):
        issues.append(Issue(f"{at}/access", "duplicate_access", "an access is listed twice"))
    fmt = prop.format
    if prop.max_length is not None and fmt is not Format.STRING:
        issues.append(
            Issue(f"{at}/max_length", "not_allowed", f"max_length is for strings, not {fmt}")
        )
    limits = INT_LIMITS.get(fmt)
    if prop.range is not None:
        issues.extend(_range_issues(prop, limits, f"{at}/range"))
    seen: set[Any] = set()
    for i, option in enumerate(prop.values):
        where = f"{at}/values/{i}/value"
        problem = value_problem(prop, option.value)
        if problem:
            issues.append(Issue(where, problem[0], problem[1]))
        elif option.value in seen:
            issues.append(Issue(where, "duplicate_value", f"{option.value!r} is listed twice"))
        seen.add(option.value)
    return issues


def _range_issues(prop: Property, limits: tuple[int, int] | None, at: str) -> Iterator[Issue]:
    assert prop.range is not None
    fmt, low, high, step = prop.format, prop.range.min, prop.range.max, prop.range.step
    if fmt in (Format.BOOL, Format.STRING):
        yield Issue(at, "not_allowed", f"a {fmt} property cannot have a range")
        return
    if low > high:
        yield Issue(at, "bad_range", f"min {low} is greater than max {high}")
    if step is not None and step <= 0:
        yield Issue(f"{at}/step", "bad_range", "step must be greater than 0")
    if limits is None:
        return
    for name, number in (("min", low), ("max", high), ("step", step)):
        if number is not None and type(number) is not int:
            yield Issue(f"{at}/{name}", "not_integer", f"{fmt} needs a whole {name}")
    for name, number in (("min", low), ("max", high)):
        if not limits[0] <= number <= limits[1]:
            yield Issue(
                f"{at}/{name}",
                "out_of_format",
                f"{number} does not fit {fmt} ({limits[0]}..{limits[1]})",
            )


def value_problem(prop: Property, value: object) -> tuple[str, str] | None:
    """Return ``(reason, message)`` if ``value`` cannot be one of the property's values."""
    fmt = prop.format
    kind = type(value)
    if fmt is Format.BOOL:
        return None if kind is bool else ("wrong_type", "must be true or false")
    if fmt is Format.STRING:
        return None if kind is str else ("wrong_type", "must be a string")
    if fmt is Format.FLOAT:
        if kind not in (int, float):
            return "wrong_type", "must be a number"
    elif kind is not int:
        return "wrong_type", f"must be a whole number for {fmt}"
    assert isinstance(value, int | float)
    limits = INT_LIMITS.get(fmt)
    if limits and not limits[0] <= value <= limits[1]:
        return "out_of_format", f"{value} does not fit {fmt}"
    rng = prop.range
    if rng is not None and rng.min <= rng.max and not rng.min <= value <= rng.max:
        return "value_out_of_range", f"{value} is outside the range {rng.min}..{rng.max}"
    return None


def document_report(data: object) -> dict[str, Any]:
    """Validate a native document and return ``{"valid", "issues", "warnings"}``."""
    try:
        parse_spec(data)
    except SpecInvalid as err:
        return {"valid": False, "issues": [dict(i) for i in err.issues], "warnings": []}
    return {"valid": True, "issues": [], "warnings": []}
