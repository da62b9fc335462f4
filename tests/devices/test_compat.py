"""A new spec version may only add: every removal and change is listed."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from hearth.devices import check_compatible, parse_spec
from hearth.errors import SpecIncompatible


def versions(light: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    new = copy.deepcopy(light)
    new["version"] = 2
    return light, new


def refused(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(SpecIncompatible) as caught:
        check_compatible(parse_spec(old), parse_spec(new))
    return [(i["pointer"], i["reason"]) for i in caught.value.issues]


def test_a_version_that_only_adds_is_compatible(light: dict[str, Any]) -> None:
    old, new = versions(light)
    service = new["services"][0]
    service["properties"].append({"iid": 3, "type": "urn:x:property:mode:1", "format": "uint8"})
    service["properties"][0]["description"] = "Power"
    service["properties"][0]["access"] = ["read", "write", "notify"]
    service["actions"].append({"iid": 2, "type": "urn:x:action:blink:1", "in": [3]})
    new["services"].append({"iid": 5, "type": "urn:x:service:extra:1"})
    check_compatible(parse_spec(old), parse_spec(new))


def test_adding_a_value_list_entry_is_compatible(light: dict[str, Any]) -> None:
    old, new = versions(light)
    old["services"][0]["properties"][1]["values"] = [{"value": 10}]
    new["services"][0]["properties"][1]["values"] = [{"value": 10}, {"value": 20}]
    check_compatible(parse_spec(old), parse_spec(new))


def test_every_removal_and_change_is_listed(light: dict[str, Any]) -> None:
    old, new = versions(light)
    old["services"].append({"iid": 9, "type": "urn:x:service:gone:1"})
    service = new["services"][0]
    service["properties"][0]["access"] = ["read"]
    service["properties"][1]["range"] = {"min": 1, "max": 255}
    service["properties"][1]["format"] = "uint16"
    service["actions"] = []
    service["events"][0]["arguments"] = [1]
    assert refused(old, new) == [
        ("/services/0/properties/0/access", "removed"),
        ("/services/0/properties/0/access", "removed"),
        ("/services/0/properties/1/format", "changed"),
        ("/services/0/properties/1/range", "changed"),
        ("/services/0/actions/0", "removed"),
        ("/services/0/events/0/arguments", "changed"),
        ("/services/1", "removed"),
    ]


def test_the_version_must_grow_and_the_model_stay(light: dict[str, Any]) -> None:
    old, new = versions(light)
    new["version"] = 1
    new["model"] = "acme.other.v1"
    assert refused(old, new) == [("/model", "changed"), ("/version", "version_not_newer")]


def test_removing_a_value_or_adding_a_list_where_none_was_is_refused(
    light: dict[str, Any],
) -> None:
    old, new = versions(light)
    old["services"][0]["properties"][1]["values"] = [{"value": 10}, {"value": 20}]
    new["services"][0]["properties"][1]["values"] = [{"value": 10}]
    new["services"][0]["properties"][0]["values"] = [{"value": True}]
    assert refused(old, new) == [
        ("/services/0/properties/0/values", "changed"),
        ("/services/0/properties/1/values/1", "removed"),
    ]
