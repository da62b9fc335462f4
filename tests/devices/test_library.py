"""The built-in product specs load, obey the rules and describe real products."""

from __future__ import annotations

import pytest

from hearth.devices import (
    Format,
    Spec,
    compile_spec,
    library,
    parse_spec,
    present,
    spec_from_text,
    spec_to_dict,
    spec_to_yaml,
)
from hearth.devices.urn import type_name
from hearth.errors import NotFound

REQUIRED = {
    "hearth.light.v1",
    "hearth.plug.v1",
    "hearth.switch.v1",
    "hearth.motion-sensor.v1",
    "hearth.door-sensor.v1",
    "hearth.th-sensor.v1",
    "hearth.vacuum.v1",
    "hearth.air-purifier.v1",
    "hearth.rice-cooker.v1",
    "hearth.curtain.v1",
    "hearth.fan.v1",
    "hearth.humidifier.v1",
    "hearth.door-lock.v1",
}


def names(spec: Spec, kind: str) -> set[str]:
    return {type_name(item.type) for s in spec.services for item in getattr(s, kind)}


def test_the_library_has_every_required_product() -> None:
    assert REQUIRED <= set(library.models())
    assert [s.model for s in library.list_specs()] == sorted(library.models())


@pytest.mark.parametrize("model", sorted(REQUIRED))
def test_library_spec_obeys_the_rules_and_round_trips(model: str) -> None:
    spec = library.get_spec(model)
    assert parse_spec(spec_to_dict(spec)) == spec
    assert spec_from_text(spec_to_yaml(spec), fmt="yaml") == spec
    assert spec.name and spec.category and spec.description
    compile_spec(spec)


@pytest.mark.parametrize("model", sorted(REQUIRED))
def test_every_library_product_carries_device_information(model: str) -> None:
    spec = library.get_spec(model)
    assert type_name(spec.services[0].type) == "device-information"
    assert names(spec, "properties") >= {"manufacturer", "model", "firmware-revision"}


@pytest.mark.parametrize(
    ("model", "properties", "actions", "events"),
    [
        ("hearth.light.v1", {"on", "brightness", "color-temperature", "color"}, {"toggle"}, set()),
        ("hearth.plug.v1", {"on", "electric-power", "power-consumption"}, set(), set()),
        ("hearth.switch.v1", {"on"}, set(), {"click"}),
        ("hearth.motion-sensor.v1", {"motion-state", "illumination"}, set(), {"motion-detected"}),
        ("hearth.door-sensor.v1", {"contact-state"}, set(), {"door-opened", "door-closed"}),
        (
            "hearth.th-sensor.v1",
            {"temperature", "relative-humidity", "battery-level"},
            set(),
            set(),
        ),
        ("hearth.vacuum.v1", {"status", "battery-level"}, {"start-sweep", "start-charge"}, set()),
        (
            "hearth.air-purifier.v1",
            {"pm2.5-density", "filter-life-level"},
            {"reset-filter-life"},
            set(),
        ),
        ("hearth.rice-cooker.v1", {"cook-mode", "left-time"}, {"start-cook"}, {"cooking-finished"}),
        ("hearth.curtain.v1", {"current-position", "target-position"}, set(), set()),
        ("hearth.fan.v1", {"on", "fan-level", "horizontal-swing"}, set(), set()),
        ("hearth.humidifier.v1", {"target-humidity", "relative-humidity"}, set(), set()),
        (
            "hearth.door-lock.v1",
            {"lock-state", "door-state"},
            set(),
            {"lock-opened", "door-not-closed"},
        ),
    ],
)
def test_library_product_has_what_such_a_product_needs(
    model: str, properties: set[str], actions: set[str], events: set[str]
) -> None:
    spec = library.get_spec(model)
    assert properties <= names(spec, "properties")
    assert actions <= names(spec, "actions")
    assert events <= names(spec, "events")


def test_library_units_and_ranges_are_realistic() -> None:
    light = library.get_spec("hearth.light.v1").services[1]
    temperature = next(p for p in light.properties if type_name(p.type) == "color-temperature")
    assert temperature.unit == "kelvin"
    assert temperature.range is not None and temperature.range.min >= 1500
    sensor = library.get_spec("hearth.th-sensor.v1").services[1].properties[0]
    assert (sensor.format, sensor.unit) == (Format.FLOAT, "celsius")
    assert sensor.range is not None and sensor.range.min < 0 < sensor.range.max


def test_cooking_takes_the_programme_as_input() -> None:
    cooker = library.get_spec("hearth.rice-cooker.v1")
    compiled = compile_spec(cooker)
    assert compiled.check_action(2, 1, {"2.2": 4, "2.6": 30}) == {"2.2": 4, "2.6": 30}


@pytest.mark.parametrize(
    ("model", "switch", "primary"),
    [
        ("hearth.light.v1", (2, 1), (2, 2)),
        ("hearth.plug.v1", (2, 1), (3, 1)),
        ("hearth.switch.v1", (2, 1), None),
        ("hearth.th-sensor.v1", None, (2, 1)),
        ("hearth.door-lock.v1", None, (2, 3)),
        ("hearth.vacuum.v1", None, (2, 1)),
    ],
)
def test_device_cards_get_a_main_switch_and_a_primary_state(
    model: str, switch: tuple[int, int] | None, primary: tuple[int, int] | None
) -> None:
    view = present(library.get_spec(model))
    assert (view.main_switch, view.primary) == (switch, primary)


def test_unknown_model_is_not_found() -> None:
    with pytest.raises(NotFound):
        library.get_spec("hearth.toaster.v9")
