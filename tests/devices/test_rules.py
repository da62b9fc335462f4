"""The native validator: each rule names the place (JSON pointer) and the reason."""

from __future__ import annotations

from typing import Any

import pytest

from hearth.devices import document_report, parse_spec, spec_from_text, spec_to_dict
from hearth.errors import SpecInvalid

BRIGHTNESS = "/services/0/properties/1"


def reasons(document: object) -> list[tuple[str, str]]:
    with pytest.raises(SpecInvalid) as caught:
        parse_spec(document)
    return [(i["pointer"], i["reason"]) for i in caught.value.issues]


def test_a_valid_document_parses_and_dumps_back_to_itself(light: dict[str, Any]) -> None:
    spec = parse_spec(light)
    assert spec.services[0].properties[1].range is not None
    assert parse_spec(spec_to_dict(spec)) == spec
    assert spec_to_dict(spec)["services"][0]["actions"] == [
        {"iid": 1, "type": "urn:miot-spec-v2:action:toggle:00002811"}
    ]


def test_every_missing_required_key_is_named(light: dict[str, Any]) -> None:
    del light["model"], light["services"][0]["properties"][1]["format"]
    assert reasons(light) == [("/model", "missing"), (f"{BRIGHTNESS}/format", "missing")]


def test_unknown_keys_are_refused_rather_than_ignored(light: dict[str, Any]) -> None:
    light["services"][0]["properties"][1]["value-range"] = [1, 100, 1]
    assert reasons(light) == [(f"{BRIGHTNESS}/value-range", "unknown_key")]


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("iid", True, "wrong_type"),
        ("iid", "2", "wrong_type"),
        ("iid", 2.0, "wrong_type"),
        ("iid", -1, "out_of_range"),
        ("iid", 10000, "out_of_range"),
        ("format", "tlv8", "not_allowed"),
        ("access", ["read", "execute"], "not_allowed"),
        ("unit", "hour", "not_allowed"),
        ("type", "", "too_short"),
    ],
)
def test_property_fields_are_strictly_typed(
    light: dict[str, Any], field: str, value: object, reason: str
) -> None:
    light["services"][0]["properties"][1][field] = value
    (pointer, found), *_ = reasons(light)
    assert pointer.startswith(f"{BRIGHTNESS}/{field}")
    assert found == reason


@pytest.mark.parametrize(
    ("rng", "pointer", "reason"),
    [
        ({"min": 100, "max": 1}, "/range", "bad_range"),
        ({"min": 1, "max": 100, "step": 0}, "/range/step", "bad_range"),
        ({"min": 1, "max": 100, "step": 0.5}, "/range/step", "not_integer"),
        ({"min": 1, "max": 300}, "/range/max", "out_of_format"),
        ({"min": True, "max": 100}, "/range/min", "wrong_type"),
        ({"min": "1", "max": 100}, "/range/min", "wrong_type"),
        ({"min": 1}, "/range/max", "missing"),
    ],
)
def test_ranges_must_fit_their_format(
    light: dict[str, Any], rng: dict[str, Any], pointer: str, reason: str
) -> None:
    light["services"][0]["properties"][1]["range"] = rng
    assert reasons(light) == [(f"{BRIGHTNESS}{pointer}", reason)]


def test_bool_and_string_properties_cannot_have_ranges(light: dict[str, Any]) -> None:
    light["services"][0]["properties"][0]["range"] = {"min": 0, "max": 1}
    assert reasons(light) == [("/services/0/properties/0/range", "not_allowed")]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (True, "wrong_type"),
        (1.5, "wrong_type"),
        ("1", "wrong_type"),
        (0, "value_out_of_range"),
        (300, "out_of_format"),
    ],
)
def test_value_list_entries_must_fit_format_and_range(
    light: dict[str, Any], value: object, reason: str
) -> None:
    light["services"][0]["properties"][1]["values"] = [{"value": 50}, {"value": value}]
    assert reasons(light) == [(f"{BRIGHTNESS}/values/1/value", reason)]


def test_value_list_entries_must_be_distinct(light: dict[str, Any]) -> None:
    light["services"][0]["properties"][1]["values"] = [{"value": 50}, {"value": 50}]
    assert reasons(light) == [(f"{BRIGHTNESS}/values/1/value", "duplicate_value")]


def test_max_length_is_only_for_strings(light: dict[str, Any]) -> None:
    light["services"][0]["properties"][1]["max_length"] = 10
    assert reasons(light) == [(f"{BRIGHTNESS}/max_length", "not_allowed")]


def test_iids_are_unique_per_level_only(light: dict[str, Any]) -> None:
    service = light["services"][0]
    # Property 1, action 1 and event 1 may share an iid: they are different levels.
    assert parse_spec(light)
    service["properties"].append({"iid": 1, "type": "urn:x:property:again:1", "format": "bool"})
    service["actions"].append({"iid": 1, "type": "urn:x:action:again:1"})
    light["services"].append({**service, "properties": [], "actions": [], "events": []})
    assert reasons(light) == [
        ("/services/0/properties/2/iid", "duplicate_iid"),
        ("/services/0/actions/1/iid", "duplicate_iid"),
        ("/services/1/iid", "duplicate_iid"),
    ]


def test_actions_and_events_must_refer_to_properties_of_their_service(
    light: dict[str, Any],
) -> None:
    light["services"][0]["actions"][0]["in"] = [1, 7]
    light["services"][0]["events"][0]["arguments"] = [8]
    assert reasons(light) == [
        ("/services/0/actions/0/in/1", "bad_reference"),
        ("/services/0/events/0/arguments/0", "bad_reference"),
    ]


def test_a_spec_needs_a_service(light: dict[str, Any]) -> None:
    light["services"] = []
    assert reasons(light) == [("/services", "too_short")]


@pytest.mark.parametrize("model", ["Acme.Lamp", "-lamp", "a" * 65, "lamp v1"])
def test_model_ids_are_short_lowercase_slugs(light: dict[str, Any], model: str) -> None:
    light["model"] = model
    assert reasons(light) == [("/model", "bad_pattern")]


def test_a_document_that_is_not_an_object_is_reported_at_the_root() -> None:
    assert reasons([1, 2]) == [("", "wrong_type")]


def test_yaml_and_json_text_that_does_not_parse_is_reported() -> None:
    with pytest.raises(SpecInvalid) as caught:
        spec_from_text("model: [unclosed", fmt="yaml")
    assert caught.value.issues[0]["reason"] == "bad_yaml"
    with pytest.raises(SpecInvalid) as caught:
        spec_from_text("{", fmt="json")
    assert caught.value.issues[0]["reason"] == "bad_json"


def test_non_finite_numbers_in_json_are_refused(light: dict[str, Any]) -> None:
    text = (
        '{"model": "a.b", "name": "n", "category": "light", "services": [{"iid": 1, '
        '"type": "t", "properties": [{"iid": 1, "type": "t", "format": "float", '
        '"range": {"min": NaN, "max": 1}}]}]}'
    )
    with pytest.raises(SpecInvalid) as caught:
        spec_from_text(text)
    assert caught.value.issues[0]["pointer"] == "/services/0/properties/0/range/min"


def test_report_lists_issues_with_pointer_reason_and_message(light: dict[str, Any]) -> None:
    light["services"][0]["actions"][0]["out"] = [5]
    assert document_report(light) == {
        "valid": False,
        "issues": [
            {
                "pointer": "/services/0/actions/0/out/0",
                "reason": "bad_reference",
                "message": "no property 5 in this service",
            }
        ],
        "warnings": [],
    }
    assert document_report(parse_spec_dict(light))["valid"] is True


def parse_spec_dict(document: dict[str, Any]) -> dict[str, Any]:
    document["services"][0]["actions"][0]["out"] = [2]
    return document
