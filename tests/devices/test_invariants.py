"""Invariants over generated input: the importer and the validator never crash, an
imported spec always obeys the native rules, and a compiled checker accepts exactly the
values its property allows."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hearth.devices import (
    DEFAULT_MAX_STRING_LENGTH,
    Format,
    compile_spec,
    import_miot,
    parse_spec,
    spec_to_dict,
)
from hearth.devices.spec import INT_LIMITS
from hearth.errors import SpecInvalid, ValueRejected

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
any_json = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)


def anything(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly plausible values, one time in eight garbage."""
    return st.integers(0, 7).flatmap(lambda n: scalars if n == 0 else valid)


urns = anything(
    st.sampled_from(
        [
            "urn:miot-spec-v2:property:on:00000006:x:1",
            "urn:dreame-spec:property:mode:00000001:x:1",
            "urn:miot-spec-v2:service:light:00007802:x:1:0000C802",
            "light",
            " ",
        ]
    )
)
iids = anything(st.integers(-2, 12) | st.sampled_from(["1", "2", "x", 3.0, 10**6]))
formats = anything(st.sampled_from([f.value for f in Format] + ["hex", "tlv8", "UInt8", "int"]))
access = anything(st.lists(st.sampled_from(["read", "write", "notify", "", "Read", 1]), max_size=4))
numbers = anything(st.integers(-300, 70000) | st.floats(-1e4, 1e4) | st.sampled_from(["5", "1.5"]))
value_range = anything(st.lists(numbers, min_size=0, max_size=4))
value_list = anything(
    st.lists(
        st.fixed_dictionaries(
            {"value": anything(st.integers(-5, 300) | st.booleans() | st.text(max_size=3))},
            optional={"description": anything(st.text(max_size=6))},
        ),
        max_size=5,
    )
)
properties = st.fixed_dictionaries(
    {"iid": iids, "type": urns, "format": formats},
    optional={
        "access": access,
        "unit": anything(st.sampled_from(["hour", "none", "℃", "zz"])),
        "value-range": value_range,
        "value-list": value_list,
        "source": scalars,
    },
)
refs = anything(st.lists(anything(st.integers(-1, 12)), max_size=3))
actions = st.fixed_dictionaries({"iid": iids, "type": urns}, optional={"in": refs, "out": refs})
events = st.fixed_dictionaries({"iid": iids, "type": urns}, optional={"arguments": refs})
services = st.fixed_dictionaries(
    {"iid": iids, "type": urns},
    optional={
        "description": anything(st.text(max_size=10)),
        "properties": anything(st.lists(anything(properties), max_size=6)),
        "actions": anything(st.lists(actions, max_size=3)),
        "events": anything(st.lists(events, max_size=3)),
    },
)
instances = st.fixed_dictionaries(
    {
        "type": anything(st.just("urn:miot-spec-v2:device:fan:0000A005:acme-f1:1")),
        "services": anything(st.lists(anything(services), max_size=4)),
    },
    optional={"description": anything(st.text(max_size=10))},
)


def _import_obeys_the_rules(document: object) -> None:
    result = import_miot(document)
    if result.spec is None:
        assert result.errors, "a failed import must say why"
        return
    # An imported spec is a native spec like any other, and round-trips.
    assert parse_spec(spec_to_dict(result.spec)) == result.spec
    for issue in (*result.errors, *result.warnings):
        assert issue.pointer == "" or issue.pointer.startswith("/")
    compile_spec(result.spec)


@FAST
@given(any_json)
def test_importer_never_crashes_on_any_json(document: object) -> None:
    _import_obeys_the_rules(document)


@FAST
@given(instances)
def test_importer_keeps_only_what_obeys_the_rules_in_miot_shaped_documents(
    document: dict[str, Any],
) -> None:
    _import_obeys_the_rules(document)


@FAST
@given(any_json)
def test_validator_only_ever_raises_spec_invalid(document: object) -> None:
    try:
        parse_spec(document)
    except SpecInvalid as err:
        assert err.issues
        assert all({"pointer", "reason", "message"} <= set(i) for i in err.issues)


@st.composite
def constrained(draw: st.DrawFn) -> tuple[dict[str, Any], st.SearchStrategy[Any], Any]:
    """Return a property, a strategy of values inside it, and one value outside it."""
    kind = draw(st.sampled_from(["int", "int-list", "float", "string", "bool"]))
    prop: dict[str, Any] = {"iid": 1, "type": "urn:x:property:p:1", "access": ["read", "write"]}
    if kind in ("int", "int-list"):
        fmt = draw(st.sampled_from(list(INT_LIMITS)))
        lo, hi = INT_LIMITS[fmt]
        low = draw(st.integers(lo, hi))
        high = draw(st.integers(low, min(hi, low + 10**6)))
        step = draw(st.integers(1, max(1, (high - low) or 1)))
        prop.update(format=fmt.value, range={"min": low, "max": high, "step": step})
        inside = st.integers(0, (high - low) // step).map(lambda k: low + k * step)
        outside = [low - 1, high + 1, float(low) + 0.5, True, str(low)]
        if step > 1 and low + 1 <= high:
            outside.append(low + 1)
        if kind == "int-list":
            listed = draw(st.lists(inside, min_size=1, max_size=5, unique=True))
            prop["values"] = [{"value": v} for v in listed]
            inside = st.sampled_from(listed)
            outside += [v for v in (low, high, low + step) if v not in listed and lo <= v <= hi]
        outside = [
            v
            for v in outside
            if not (
                type(v) is int
                and lo <= v <= hi
                and v in range(low, high + 1, step)
                and "values" not in prop
            )
        ]
        return prop, inside, draw(st.sampled_from(outside))
    if kind == "float":
        start = draw(st.integers(-(10**6), 10**6)) / 10
        stride = draw(st.sampled_from([0.1, 0.25, 0.5, 1, 5]))
        count = draw(st.integers(1, 10**4))
        stop = start + count * stride
        prop.update(format="float", range={"min": start, "max": stop, "step": stride})
        floats = st.integers(0, count).map(lambda k: start + k * stride)
        wrong = [start - stride, stop + stride, start + stride / 2, math.nan, math.inf, "1.0", None]
        outside = draw(st.sampled_from(wrong))
        return prop, floats, outside
    if kind == "string":
        limit = draw(st.integers(1, 50))
        prop.update(format="string", max_length=limit)
        outside = draw(st.sampled_from(["x" * (limit + 1), 1, None, ["a"]]))
        return prop, st.text(max_size=limit), outside
    prop["format"] = "bool"
    return prop, st.booleans(), draw(st.sampled_from([0, 1, "true", None, 1.0]))


def _compiled(prop: dict[str, Any]) -> Any:
    service = {"iid": 1, "type": "urn:x:service:s:1", "properties": [prop]}
    spec = parse_spec({"model": "t.t", "name": "t", "category": "t", "services": [service]})
    return compile_spec(spec)


@FAST
@given(st.data())
def test_values_inside_a_property_always_pass(data: st.DataObject) -> None:
    prop, inside, _ = data.draw(constrained())
    compiled = _compiled(prop)
    value = data.draw(inside)
    result = compiled.check_value(1, 1, value, op="write")
    if prop["format"] == "float":
        assert result == pytest.approx(value, rel=1e-9, abs=1e-9)
    else:
        assert result == value and type(result) is type(value)


@FAST
@given(st.data())
def test_values_outside_a_property_always_fail(data: st.DataObject) -> None:
    prop, _, outside = data.draw(constrained())
    compiled = _compiled(prop)
    with pytest.raises(ValueRejected) as caught:
        compiled.check_value(1, 1, outside, op="write")
    assert caught.value.reason in {
        "wrong_type",
        "not_integer",
        "out_of_range",
        "off_step",
        "not_in_list",
        "too_long",
    }


def test_default_string_limit_is_documented_in_the_model() -> None:
    assert DEFAULT_MAX_STRING_LENGTH == 2048
