"""Labels and UI hints derived from the spec, for control pages and device cards."""

from __future__ import annotations

from typing import Any

import pytest

from hearth.devices import Property, UiHint, label, parse_spec, present, ui_hint, value_label


def prop(**fields: Any) -> Property:
    return Property.model_validate({"iid": 1, "type": "urn:x:property:p:1", **fields})


@pytest.mark.parametrize(
    ("description", "type_", "expected"),
    [
        ("Brightness", "urn:miot-spec-v2:property:brightness:0000000D:x:1", "Brightness"),
        ("", "urn:miot-spec-v2:property:no-motion-duration:000000CB:x:1", "No motion duration"),
        ("  ", "urn:dreame-spec:property:mop_mode:00000005:x:1", "Mop mode"),
        ("status-low-power", "urn:lumi-spec:property:status-low-power:1", "Status low power"),
        ("", "not-a-urn", "Not a urn"),
        ("PM2.5 Density", "urn:miot-spec-v2:property:pm2.5-density:00000034", "PM2.5 Density"),
    ],
)
def test_label_comes_from_description_else_from_the_type_name(
    description: str, type_: str, expected: str
) -> None:
    assert label(description, type_) == expected


@pytest.mark.parametrize(
    ("fields", "hint"),
    [
        ({"format": "bool", "access": ["read", "write"]}, UiHint.TOGGLE),
        ({"format": "bool", "access": ["read", "notify"]}, UiHint.READONLY),
        ({"format": "uint8", "access": ["write"], "values": [{"value": 1}]}, UiHint.SELECT),
        (
            {"format": "uint8", "access": ["read", "write"], "range": {"min": 0, "max": 100}},
            UiHint.SLIDER,
        ),
        (
            {"format": "float", "access": ["write"], "range": {"min": 16, "max": 30, "step": 0.5}},
            UiHint.SLIDER,
        ),
        (
            {"format": "uint32", "access": ["write"], "range": {"min": 0, "max": 4294967295}},
            UiHint.NUMBER,
        ),
        ({"format": "float", "access": ["write"], "range": {"min": 0, "max": 1}}, UiHint.NUMBER),
        ({"format": "int32", "access": ["write"]}, UiHint.NUMBER),
        ({"format": "uint32", "access": ["write"], "unit": "rgb"}, UiHint.COLOR),
        ({"format": "string", "access": ["read", "write"]}, UiHint.TEXT),
        ({"format": "string", "access": []}, UiHint.READONLY),
    ],
)
def test_ui_hint_fits_format_access_and_constraints(fields: dict[str, Any], hint: UiHint) -> None:
    assert ui_hint(prop(**fields)) == hint


def test_values_are_shown_with_their_description_or_unit() -> None:
    mode = prop(format="uint8", values=[{"value": 0, "description": "Auto"}, {"value": 1}])
    assert value_label(mode, 0) == "Auto"
    assert value_label(mode, 1) == "1"
    assert value_label(prop(format="float", unit="celsius"), 21.5) == "21.5 °C"
    assert value_label(prop(format="bool"), True) == "On"


def test_every_property_action_and_event_gets_a_control(light: dict[str, Any]) -> None:
    view = present(parse_spec(light))
    assert [(c.kind, c.key, c.label, c.hint) for c in view.controls] == [
        ("property", "2.1", "On", UiHint.TOGGLE),
        ("property", "2.2", "Brightness", UiHint.SLIDER),
        ("action", "2.1", "Toggle", UiHint.BUTTON),
        ("event", "2.1", "Overheated", None),
    ]
    assert view.control("action", 2, 1) is not None
    assert view.control("action", 2, 9) is None


def test_main_switch_prefers_the_service_named_like_the_category(light: dict[str, Any]) -> None:
    indicator = {
        "iid": 3,
        "type": "urn:miot-spec-v2:service:indicator-light:00007803",
        "properties": [
            {
                "iid": 1,
                "type": "urn:miot-spec-v2:property:on:00000006",
                "format": "bool",
                "access": ["read", "write"],
            }
        ],
    }
    fan = {**indicator, "iid": 4, "type": "urn:miot-spec-v2:service:fan:00007808"}
    light["services"] = [indicator, fan, *light["services"]]
    view = present(parse_spec(light))
    assert view.main_switch == (2, 1)
    assert view.primary == (2, 2)


def test_a_read_only_on_is_not_a_main_switch(light: dict[str, Any]) -> None:
    light["services"][0]["properties"][0]["access"] = ["read", "notify"]
    assert present(parse_spec(light)).main_switch is None
