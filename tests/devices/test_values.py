"""Checking property values against a compiled spec: one reason code per kind of mistake."""

from __future__ import annotations

from typing import Any

import pytest

from hearth.devices import REASONS, CompiledSpec, compile_spec, parse_spec
from hearth.errors import ValueRejected

PROPERTIES: list[dict[str, Any]] = [
    {
        "iid": 1,
        "type": "urn:x:property:on:1",
        "format": "bool",
        "access": ["read", "write", "notify"],
    },
    {
        "iid": 2,
        "type": "urn:x:property:brightness:1",
        "format": "uint8",
        "access": ["read", "write", "notify"],
        "range": {"min": 1, "max": 100, "step": 1},
    },
    {
        "iid": 3,
        "type": "urn:x:property:target-temperature:1",
        "format": "float",
        "access": ["read", "write"],
        "range": {"min": 16, "max": 30, "step": 0.5},
    },
    {
        "iid": 4,
        "type": "urn:x:property:mode:1",
        "format": "uint8",
        "access": ["read", "write"],
        "values": [{"value": 0, "description": "Auto"}, {"value": 2, "description": "Sleep"}],
    },
    {
        "iid": 5,
        "type": "urn:x:property:name:1",
        "format": "string",
        "access": ["read", "write"],
        "max_length": 8,
    },
    {"iid": 6, "type": "urn:x:property:fault:1", "format": "uint8", "access": ["read", "notify"]},
    {"iid": 7, "type": "urn:x:property:motor-control:1", "format": "uint8", "access": ["write"]},
    {"iid": 8, "type": "urn:x:property:alarm-id:1", "format": "int16", "access": []},
    {
        "iid": 9,
        "type": "urn:x:property:level:1",
        "format": "int32",
        "access": ["notify"],
        "range": {"min": -10, "max": 50, "step": 5},
    },
    {"iid": 10, "type": "urn:x:property:note:1", "format": "string", "access": ["read", "write"]},
    {"iid": 11, "type": "urn:x:property:power:1", "format": "float", "access": ["read"]},
]


@pytest.fixture(scope="module")
def device() -> CompiledSpec:
    return compile_spec(
        parse_spec(
            {
                "model": "acme.thing.v1",
                "name": "Thing",
                "category": "thing",
                "services": [
                    {
                        "iid": 2,
                        "type": "urn:x:service:thing:1",
                        "properties": PROPERTIES,
                        "actions": [
                            {"iid": 1, "type": "urn:x:action:go:1", "in": [2, 4], "out": [6]}
                        ],
                        "events": [{"iid": 1, "type": "urn:x:event:alarm:1", "arguments": [8, 6]}],
                    }
                ],
            }
        )
    )


@pytest.mark.parametrize(
    ("piid", "value", "coerced"),
    [
        (1, True, True),
        (2, 1, 1),
        (2, 100, 100),
        (3, 21, 21.0),
        (3, 21.5, 21.5),
        (3, 22.500000001, 22.5),
        (4, 2, 2),
        (5, "Kitchen", "Kitchen"),
        (9, -10, -10),
        (9, 45, 45),
        (11, 1e6, 1e6),
    ],
)
def test_values_inside_the_spec_are_accepted_and_coerced(
    device: CompiledSpec, piid: int, value: object, coerced: object
) -> None:
    result = device.check_value(2, piid, value, op="value")
    assert result == coerced
    assert type(result) is type(coerced)


@pytest.mark.parametrize(
    ("piid", "value", "reason"),
    [
        (1, 1, "wrong_type"),
        (1, "true", "wrong_type"),
        (1, None, "wrong_type"),
        (2, True, "wrong_type"),
        (2, 50.0, "not_integer"),
        (2, 50.5, "not_integer"),
        (2, "50", "wrong_type"),
        (2, 0, "out_of_range"),
        (2, 101, "out_of_range"),
        (3, 15.5, "out_of_range"),
        (3, 21.2, "off_step"),
        (3, float("nan"), "wrong_type"),
        (3, float("inf"), "wrong_type"),
        (3, False, "wrong_type"),
        (4, 1, "not_in_list"),
        (5, "Living room", "too_long"),
        (5, 5, "wrong_type"),
        (6, 256, "out_of_range"),
        (6, -1, "out_of_range"),
        (9, 12, "off_step"),
        (10, "x" * 2049, "too_long"),
        (11, [], "wrong_type"),
    ],
)
def test_values_outside_the_spec_are_rejected_with_their_reason(
    device: CompiledSpec, piid: int, value: object, reason: str
) -> None:
    with pytest.raises(ValueRejected) as caught:
        device.check_value(2, piid, value, op="value")
    assert caught.value.reason == reason
    assert caught.value.pointer == f"/services/0/properties/{piid - 1}"
    assert caught.value.message.startswith(f"2.{piid}: ")


@pytest.mark.parametrize(
    ("piid", "op", "reason"),
    [
        (6, "write", "not_writable"),
        (11, "write", "not_writable"),
        (7, "read", "not_readable"),
        (7, "report", "not_readable"),
        (8, "report", "not_readable"),
        (8, "write", "not_writable"),
        (9, "read", "not_readable"),
    ],
)
def test_access_is_checked_for_the_operation(
    device: CompiledSpec, piid: int, op: Any, reason: str
) -> None:
    with pytest.raises(ValueRejected) as caught:
        device.check_value(2, piid, 10, op=op)
    assert caught.value.reason == reason


def test_notify_only_properties_may_be_reported_and_read_only_ones_too(
    device: CompiledSpec,
) -> None:
    assert device.check_value(2, 9, 5, op="report") == 5
    assert device.check_value(2, 11, 3, op="report") == 3.0
    assert device.check_value(2, 7, 1, op="write") == 1


def test_unknown_property_is_rejected_as_unknown(device: CompiledSpec) -> None:
    with pytest.raises(ValueRejected) as caught:
        device.check_value(3, 1, True)
    assert caught.value.reason == "unknown"
    with pytest.raises(ValueRejected):
        device.check_key("2.99", True)


def test_a_report_is_split_into_accepted_and_rejected_values(device: CompiledSpec) -> None:
    accepted, rejected = device.check_values(
        {"2.1": True, "2.2": 500, "2.3": 20, "9.9": 1, "2.7": 1}, op="report"
    )
    assert accepted == {"2.1": True, "2.3": 20.0}
    assert {k: e.reason for k, e in rejected.items()} == {
        "2.2": "out_of_range",
        "9.9": "unknown",
        "2.7": "not_readable",
    }


def test_action_arguments_must_be_exactly_its_inputs(device: CompiledSpec) -> None:
    assert device.check_action(2, 1, {"2.2": 10, "2.4": 0}) == {"2.2": 10, "2.4": 0}
    assert device.check_action(2, 1, {"2.6": 3}, direction="out") == {"2.6": 3}
    for args in ({"2.2": 10}, {"2.2": 10, "2.4": 0, "2.1": True}):
        with pytest.raises(ValueRejected) as caught:
            device.check_action(2, 1, args)
        assert caught.value.reason == "bad_arguments"
    with pytest.raises(ValueRejected) as caught:
        device.check_action(2, 1, {"2.2": 0, "2.4": 0})
    assert caught.value.reason == "out_of_range"


def test_event_arguments_are_checked_even_for_properties_without_access(
    device: CompiledSpec,
) -> None:
    assert device.check_event(2, 1, {"2.8": -3}) == {"2.8": -3}
    with pytest.raises(ValueRejected) as caught:
        device.check_event(2, 1, {"2.1": True})
    assert caught.value.reason == "bad_arguments"
    with pytest.raises(ValueRejected) as caught:
        device.check_event(2, 2, {})
    assert caught.value.reason == "unknown"


def test_every_reason_code_is_documented() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "device-spec.md").read_text()
    for reason in REASONS:
        assert f"`{reason}`" in doc
