"""Each quirk of MIoT instances in the wild: imported, adjusted with a warning, or left
out with an error that names the exact place, while the rest of the document imports."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from hearth.devices import Format, ImportResult, import_miot, import_miot_text

BASE: dict[str, Any] = {
    "type": "urn:miot-spec-v2:device:outlet:0000A002:acme-p1:1",
    "description": "Acme Plug",
    "services": [
        {
            "iid": 1,
            "type": "urn:miot-spec-v2:service:device-information:00007801:acme-p1:1",
            "description": "Device Information",
            "properties": [
                {
                    "iid": 1,
                    "type": "urn:miot-spec-v2:property:manufacturer:00000001:acme-p1:1",
                    "description": "Device Manufacturer",
                    "format": "string",
                    "access": ["read"],
                }
            ],
        },
        {
            "iid": 2,
            "type": "urn:miot-spec-v2:service:switch:0000780C:acme-p1:1",
            "description": "Switch",
            "properties": [
                {
                    "iid": 1,
                    "type": "urn:miot-spec-v2:property:on:00000006:acme-p1:1",
                    "description": "Switch Status",
                    "format": "bool",
                    "access": ["read", "write", "notify"],
                },
                {
                    "iid": 2,
                    "type": "urn:miot-spec-v2:property:off-delay-time:00000054:acme-p1:1",
                    "description": "Off Delay",
                    "format": "uint16",
                    "access": ["read", "write"],
                    "unit": "minutes",
                    "value-range": [0, 480, 1],
                },
            ],
            "actions": [
                {
                    "iid": 1,
                    "type": "urn:miot-spec-v2:action:toggle:00002811:acme-p1:1",
                    "description": "Toggle",
                    "in": [],
                    "out": [],
                }
            ],
            "events": [],
        },
    ],
}
DELAY = "/services/1/properties/1"


def doc() -> dict[str, Any]:
    return copy.deepcopy(BASE)


def delay(document: dict[str, Any]) -> dict[str, Any]:
    prop: dict[str, Any] = document["services"][1]["properties"][1]
    return prop


def issues(result: ImportResult) -> list[tuple[str, str]]:
    return [(i.pointer, i.reason) for i in (*result.errors, *result.warnings)]


def test_clean_instance_imports_without_any_issue() -> None:
    result = import_miot(doc())
    assert result.status == "imported"
    assert result.spec is not None
    assert result.spec.model == "miot.acme-p1"
    assert result.spec.category == "outlet"


def test_services_without_properties_and_null_lists_import_empty() -> None:
    document = doc()
    del document["services"][0]["properties"]
    document["services"][1]["events"] = None
    document["services"][1]["actions"] = None
    result = import_miot(document)
    assert result.status == "imported"
    assert result.spec is not None
    assert result.spec.services[0].properties == ()
    assert result.spec.services[1].actions == ()


def test_source_and_comment_keys_are_ignored_silently_but_unknown_keys_are_reported() -> None:
    document = doc()
    delay(document)["source"] = 1
    document["services"][1]["comment"] = "from the vendor portal"
    delay(document)["gatt-uuid"] = "0x2A19"
    result = import_miot(document)
    assert result.spec is not None
    assert issues(result) == [(f"{DELAY}/gatt-uuid", "ignored_key")]


def test_missing_descriptions_leave_labels_to_the_type_urn() -> None:
    document = doc()
    del delay(document)["description"]
    document["services"][1]["description"] = None
    result = import_miot(document)
    assert result.status == "imported"
    assert result.spec is not None
    assert result.spec.services[1].properties[1].description == ""


def test_non_contiguous_unsorted_iids_are_kept_as_they_are() -> None:
    document = doc()
    delay(document)["iid"] = 17
    document["services"][1]["iid"] = 9
    document["services"].reverse()
    result = import_miot(document)
    assert result.status == "imported"
    assert result.spec is not None
    assert [s.iid for s in result.spec.services] == [9, 1]
    assert [p.iid for p in result.spec.services[0].properties] == [1, 17]


@pytest.mark.parametrize(
    ("raw", "unit"),
    [
        ("hour", "hours"),
        ("Minutes", "minutes"),
        ("℃", "celsius"),
        ("µg/m3", "μg/m3"),
        ("L", "litre"),
        ("%", "percentage"),
        ("B/s", "bytes-per-second"),
    ],
)
def test_misspelt_units_are_normalised_and_the_original_kept(raw: str, unit: str) -> None:
    document = doc()
    delay(document)["unit"] = raw
    result = import_miot(document)
    assert result.spec is not None
    prop = result.spec.services[1].properties[1]
    assert (prop.unit, prop.unit_original) == (unit, raw)
    assert issues(result) == [(f"{DELAY}/unit", "unit_normalised")]


def test_unknown_unit_is_kept_as_spelt_with_a_warning() -> None:
    document = doc()
    delay(document)["unit"] = "furlongs"
    result = import_miot(document)
    assert result.spec is not None
    prop = result.spec.services[1].properties[1]
    assert (prop.unit, prop.unit_original) == (None, "furlongs")
    assert issues(result) == [(f"{DELAY}/unit", "unknown_unit")]


def test_unit_none_means_no_unit() -> None:
    document = doc()
    delay(document)["unit"] = "none"
    result = import_miot(document)
    assert result.status == "imported"
    assert result.spec is not None
    assert result.spec.services[1].properties[1].unit is None


def test_value_list_on_a_float_property_is_kept() -> None:
    document = doc()
    delay(document).update(
        format="float",
        **{
            "value-list": [
                {"value": 0.5, "description": "Half"},
                {"value": 1, "description": "Full"},
            ]
        },
    )
    result = import_miot(document)
    assert result.status == "imported"
    assert result.spec is not None
    assert [o.value for o in result.spec.services[1].properties[1].values] == [0.5, 1]


def test_float_step_on_a_float_property_is_kept() -> None:
    document = doc()
    delay(document).update(format="float", **{"value-range": [-30, 100, 0.1]})
    result = import_miot(document)
    assert result.status == "imported"
    assert result.spec is not None
    rng = result.spec.services[1].properties[1].range
    assert rng is not None
    assert (rng.min, rng.max, rng.step) == (-30, 100, 0.1)


def test_fractional_range_on_an_integer_format_is_rounded_inwards() -> None:
    document = doc()
    delay(document)["value-range"] = [0.5, 99.5, 1]
    result = import_miot(document)
    assert result.spec is not None
    rng = result.spec.services[1].properties[1].range
    assert rng is not None
    assert (rng.min, rng.max, rng.step) == (1, 99, 1)
    assert issues(result) == [(f"{DELAY}/value-range", "range_adjusted")]


def test_vendor_namespaces_and_template_suffixes_are_accepted() -> None:
    document = doc()
    document["type"] = "urn:miot-spec-v2:device:outlet:0000A002:acme-p1:2:0000C803"
    delay(document)["type"] = "urn:dreame-spec:property:off-delay:00000002:acme-p1:1"
    result = import_miot(document)
    assert result.status == "imported"
    assert result.spec is not None
    assert (result.spec.model, result.spec.version) == ("miot.acme-p1.0000c803", 2)
    assert result.spec.services[1].properties[1].type.startswith("urn:dreame-spec:")


@pytest.mark.parametrize("fmt", ["hex", "tlv8", "struct", None, 5])
def test_unrepresentable_format_leaves_out_that_property_only(fmt: object) -> None:
    document = doc()
    delay(document)["format"] = fmt
    result = import_miot(document)
    assert result.spec is not None
    assert [p.iid for p in result.spec.services[1].properties] == [1]
    assert result.errors[0].pointer == f"{DELAY}/format"
    assert result.errors[0].reason in ("unsupported_format", "missing", "wrong_type")
    assert result.status == "warnings"


def test_action_using_a_property_that_was_left_out_is_left_out_too() -> None:
    document = doc()
    delay(document)["format"] = "tlv8"
    document["services"][1]["actions"][0]["in"] = [2]
    result = import_miot(document)
    assert result.spec is not None
    assert result.spec.services[1].actions == ()
    assert ("/services/1/actions/0/in/0", "bad_reference") in issues(result)


def test_event_argument_that_names_no_property_is_dropped_but_the_event_kept() -> None:
    document = doc()
    document["services"][1]["events"] = [
        {"iid": 1, "type": "urn:miot-spec-v2:event:click:00005007:acme-p1:1", "arguments": [1, 9]}
    ]
    result = import_miot(document)
    assert result.spec is not None
    assert result.spec.services[1].events[0].arguments == (1,)
    assert issues(result) == [("/services/1/events/0/arguments/1", "bad_reference")]


@pytest.mark.parametrize(
    ("access", "expected", "reported"),
    [
        (["read", "Write ", "notify"], ("read", "write", "notify"), []),
        (["read", "read"], ("read",), []),
        (["read", "", "none", 3], ("read",), ["/1", "/2", "/3"]),
        ("read,write", ("read", "write"), [""]),
        (None, (), []),
        ([], (), []),
    ],
)
def test_odd_access_entries_are_dropped_one_by_one(
    access: object, expected: tuple[str, ...], reported: list[str]
) -> None:
    document = doc()
    delay(document)["access"] = access
    result = import_miot(document)
    assert result.spec is not None
    assert tuple(result.spec.services[1].properties[1].access) == expected
    assert [i.pointer for i in result.warnings] == [f"{DELAY}/access{p}" for p in reported]


def test_duplicate_iids_keep_the_first_and_report_the_others() -> None:
    document = doc()
    clash = copy.deepcopy(delay(document))
    clash["description"] = "Second Off Delay"
    document["services"][1]["properties"].append(clash)
    document["services"].append(copy.deepcopy(document["services"][0]))
    result = import_miot(document)
    assert result.spec is not None
    assert [p.description for p in result.spec.services[1].properties] == [
        "Switch Status",
        "Off Delay",
    ]
    assert len(result.spec.services) == 2
    assert issues(result) == [
        ("/services/1/properties/2/iid", "duplicate_iid"),
        ("/services/2/iid", "duplicate_iid"),
    ]


def test_two_number_range_is_read_as_min_max_with_a_warning() -> None:
    document = doc()
    delay(document)["value-range"] = [0, 480]
    result = import_miot(document)
    assert result.spec is not None
    rng = result.spec.services[1].properties[1].range
    assert rng is not None
    assert (rng.min, rng.max, rng.step) == (0, 480, None)
    assert issues(result) == [(f"{DELAY}/value-range", "wrong_arity")]


@pytest.mark.parametrize("bad", [[5], "0-100", {"min": 0}, [100, 0, 1], [0, "lots", 1]])
def test_unusable_range_is_left_out_and_the_property_kept(bad: object) -> None:
    document = doc()
    delay(document)["value-range"] = bad
    result = import_miot(document)
    assert result.spec is not None
    assert result.spec.services[1].properties[1].range is None
    assert result.errors
    assert all(e.pointer.startswith(f"{DELAY}/value-range") for e in result.errors)


def test_strings_in_numeric_fields_are_read_as_numbers_with_warnings() -> None:
    document = doc()
    delay(document).update(iid="2", **{"value-range": ["0", "480", "1"]})
    result = import_miot(document)
    assert result.spec is not None
    prop = result.spec.services[1].properties[1]
    assert prop.iid == 2
    assert prop.range is not None and (prop.range.min, prop.range.max) == (0, 480)
    assert {i.reason for i in result.warnings} == {"coerced"}
    assert result.errors == ()


def test_non_numeric_iid_leaves_the_property_out() -> None:
    document = doc()
    delay(document)["iid"] = "two"
    result = import_miot(document)
    assert result.spec is not None
    assert [p.iid for p in result.spec.services[1].properties] == [1]
    assert issues(result) == [(f"{DELAY}/iid", "wrong_type")]


def test_range_too_wide_for_its_format_widens_the_format() -> None:
    document = doc()
    delay(document).update(format="uint8", **{"value-range": [0, 1000, 1]})
    result = import_miot(document)
    assert result.spec is not None
    assert result.spec.services[1].properties[1].format is Format.UINT16
    assert issues(result) == [(f"{DELAY}/value-range", "format_widened")]


def test_range_on_a_bool_is_left_out() -> None:
    document = doc()
    document["services"][1]["properties"][0]["value-range"] = [0, 1, 1]
    result = import_miot(document)
    assert result.spec is not None
    assert result.spec.services[1].properties[0].range is None
    assert issues(result) == [("/services/1/properties/0/value-range", "not_allowed")]


def test_value_list_entries_that_do_not_fit_are_left_out_one_by_one() -> None:
    document = doc()
    delay(document)["value-list"] = [
        {"value": 0, "description": "Off"},
        {"value": "30", "description": "Half an hour"},
        {"value": "soon", "description": "Soon"},
        {"value": 0, "description": "Again"},
        {"value": 999, "description": "Out of range"},
    ]
    result = import_miot(document)
    assert result.spec is not None
    assert [o.value for o in result.spec.services[1].properties[1].values] == [0, 30]
    assert issues(result) == [
        (f"{DELAY}/value-list/2/value", "wrong_type"),
        (f"{DELAY}/value-list/3/value", "duplicate_value"),
        (f"{DELAY}/value-list/4/value", "value_out_of_range"),
        (f"{DELAY}/value-list/1/value", "coerced"),
    ]


def test_format_spelt_differently_is_normalised() -> None:
    document = doc()
    delay(document)["format"] = "UInt16 "
    result = import_miot(document)
    assert result.spec is not None
    assert result.spec.services[1].properties[1].format is Format.UINT16
    assert issues(result) == [(f"{DELAY}/format", "format_normalised")]


@pytest.mark.parametrize(
    ("document", "pointer", "reason"),
    [
        ([], "", "wrong_type"),
        ("spec", "", "wrong_type"),
        ({"services": []}, "/type", "missing"),
        (
            {"type": "urn:miot-spec-v2:device:fan:0000A005:x:1", "services": None},
            "/services",
            "too_short",
        ),
        (
            {"type": "urn:miot-spec-v2:device:fan:0000A005:x:1", "services": "many"},
            "/services",
            "wrong_type",
        ),
    ],
)
def test_document_with_nothing_importable_fails_and_says_where(
    document: object, pointer: str, reason: str
) -> None:
    result = import_miot(document)
    assert result.spec is None
    assert result.status == "failed"
    assert (pointer, reason) in issues(result)


def test_text_that_is_not_json_fails_with_bad_json() -> None:
    result = import_miot_text(b'{"type": ')
    assert result.status == "failed"
    assert issues(result) == [("", "bad_json")]


def test_report_has_the_shape_the_cli_and_api_share() -> None:
    document = doc()
    delay(document)["unit"] = "hour"
    report = import_miot_text(json.dumps(document)).report()
    assert report == {
        "valid": True,
        "issues": [],
        "warnings": [
            {
                "pointer": f"{DELAY}/unit",
                "reason": "unit_normalised",
                "message": "unit 'hour' read as 'hours'",
            }
        ],
    }
