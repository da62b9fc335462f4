"""Every real MIoT instance in tests/fixtures/miot imports, and survives a round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hearth.devices import (
    Format,
    compile_spec,
    import_miot_text,
    parse_spec,
    spec_from_text,
    spec_to_dict,
    spec_to_json,
    spec_to_yaml,
)
from tests.devices.conftest import FIXTURES, MIOT_FILES


def test_the_sixty_real_instances_are_all_there() -> None:
    assert len(MIOT_FILES) == 60


@pytest.mark.parametrize("path", MIOT_FILES, ids=lambda p: p.name)
def test_real_instance_imports_without_leaving_anything_out(path: Path) -> None:
    result = import_miot_text(path.read_bytes())
    assert result.spec is not None
    assert result.errors == ()
    assert result.status in ("imported", "warnings")
    # Every service, property, action and event of the instance made it across.
    raw = json.loads(path.read_bytes())
    assert [s.iid for s in result.spec.services] == [s["iid"] for s in raw["services"]]
    for service, raw_service in zip(result.spec.services, raw["services"], strict=True):
        for kind, native in (
            ("properties", service.properties),
            ("actions", service.actions),
            ("events", service.events),
        ):
            assert [x.iid for x in native] == [x["iid"] for x in raw_service.get(kind) or []]


@pytest.mark.parametrize("path", MIOT_FILES, ids=lambda p: p.name)
def test_imported_spec_round_trips_through_native_yaml_and_json(path: Path) -> None:
    spec = import_miot_text(path.read_bytes()).spec
    assert spec is not None
    assert parse_spec(spec_to_dict(spec)) == spec
    assert spec_from_text(spec_to_yaml(spec), fmt="yaml") == spec
    assert spec_from_text(spec_to_json(spec), fmt="json") == spec


@pytest.mark.parametrize("path", MIOT_FILES, ids=lambda p: p.name)
def test_imported_spec_compiles_and_accepts_its_own_listed_values(path: Path) -> None:
    spec = import_miot_text(path.read_bytes()).spec
    assert spec is not None
    compiled = compile_spec(spec)
    for service in spec.services:
        for prop in service.properties:
            for option in prop.values:
                assert compiled.check_value(service.iid, prop.iid, option.value, op="value") == (
                    option.value
                )
            if prop.range is not None and prop.format is not Format.FLOAT:
                low = prop.range.min
                assert compiled.check_value(service.iid, prop.iid, low, op="value") == low


def test_import_keeps_facts_of_a_known_instance() -> None:
    path = FIXTURES / "urn.miot-spec-v2.device.motion-sensor.0000A014.lumi-acn001.1.json"
    spec = import_miot_text(path.read_bytes()).spec
    assert spec is not None
    assert (spec.model, spec.version, spec.category, spec.name) == (
        "miot.lumi-acn001",
        1,
        "motion-sensor",
        "Motion Sensor",
    )
    illumination = spec.services[1].properties[0]
    assert illumination.format is Format.UINT32
    assert illumination.unit == "lux"
    assert illumination.range is not None
    assert (illumination.range.min, illumination.range.max, illumination.range.step) == (
        0,
        10000,
        1,
    )
    assert spec.services[1].events[0].arguments == (1,)
    # Services 4 and 5 have no "properties" key at all and still import, empty.
    assert [len(s.properties) for s in spec.services[3:5]] == [0, 0]


def test_misspelt_units_in_real_files_are_normalised_and_the_spelling_kept() -> None:
    path = FIXTURES / "urn.miot-spec-v2.device.vacuum.0000A006.dreame-mc1808.1.json"
    result = import_miot_text(path.read_bytes())
    assert result.spec is not None
    hours = [p for s in result.spec.services for p in s.properties if p.unit_original == "hour"]
    assert len(hours) == 3
    assert all(p.unit == "hours" for p in hours)
    assert {w.reason for w in result.warnings} == {"unit_normalised"}
    assert all(w.pointer.endswith("/unit") for w in result.warnings)


def test_iid_zero_from_a_released_gateway_is_kept() -> None:
    path = FIXTURES / "urn.miot-spec-v2.device.gateway.0000A019.lumi-aqhm02.1.json"
    spec = import_miot_text(path.read_bytes()).spec
    assert spec is not None
    assert spec.services[1].properties[0].iid == 0
    assert compile_spec(spec).check_value(4, 0, True, op="write") is True


def test_unsorted_service_iids_keep_their_document_order() -> None:
    path = FIXTURES / "urn.miot-spec-v2.device.vacuum.0000A006.dreame-mc1808.1.json"
    spec = import_miot_text(path.read_bytes()).spec
    assert spec is not None
    assert [s.iid for s in spec.services][:3] == [2, 1, 3]
    assert [p.iid for p in spec.services[1].properties] == [4, 1, 2, 3]


def test_template_suffix_makes_its_own_model_id() -> None:
    path = FIXTURES / "urn.miot-spec-v2.device.light.0000A001.wainft-wyra01.1.0000C802.json"
    spec = import_miot_text(path.read_bytes()).spec
    assert spec is not None
    assert spec.model == "miot.wainft-wyra01.0000c802"
    assert spec.type == "urn:miot-spec-v2:device:light:0000A001:wainft-wyra01:1:0000C802"
