"""Virtual devices behave like correct devices of every product in the built-in library."""

from __future__ import annotations

import random

import pytest

from hearth.devices import library
from hearth.devices.compiled import compile_spec
from hearth.devices.spec import Format
from hearth.hub import protocol
from hearth.hub.virtual import VirtualDevice, plausible

MODELS = library.models()


def _device(model: str, seed: int = 1) -> VirtualDevice:
    return VirtualDevice(compile_spec(library.get_spec(model)), random.Random(seed))


@pytest.mark.parametrize("model", MODELS)
def test_everything_a_virtual_device_reports_passes_its_spec(model: str) -> None:
    device = _device(model)
    spec = device.spec
    _, rejected = spec.check_values(device.readable(), op="report")
    assert rejected == {}
    for _ in range(300):
        changed, events = device.tick()
        assert spec.check_values(changed, op="report")[1] == {}
        for event, args in events:
            spec.check_event(*protocol.split_key(event), args)


@pytest.mark.parametrize("model", MODELS)
def test_a_virtual_device_accepts_valid_writes_and_refuses_invalid_ones(model: str) -> None:
    device = _device(model)
    rng = random.Random(3)
    for key, entry in device.spec.by_key.items():
        if "write" not in entry.ops:
            results, _ = device.write({key: plausible(entry.prop, rng)})
            assert results[key]["code"] == "not_writable"
            continue
        value = plausible(entry.prop, rng)
        results, _ = device.write({key: value})
        assert results[key] == {"code": "ok"}
        if key in device.state:
            assert device.state[key] == device.spec.check_key(key, value, op="write")
        if entry.prop.range is not None and entry.prop.format is not Format.FLOAT:
            results, _ = device.write({key: int(entry.prop.range.max) + 1})
            assert results[key]["code"] in {"out_of_range", "not_in_list"}


def test_a_motion_sensor_that_sees_motion_says_so_in_its_state() -> None:
    device = _device("hearth.motion-sensor.v1")
    device.state["2.1"] = False
    device._fire(2, 1)  # motion detected
    assert device.state["2.1"] is True
    device._fire(2, 2)  # no motion
    assert device.state["2.1"] is False


def test_a_lock_that_opens_reports_itself_unlocked() -> None:
    device = _device("hearth.door-lock.v1")
    device.state["2.3"] = 1
    event, args = device._fire(2, 1)  # lock opened, with method and user
    assert event == "2.1" and set(args) == {"2.1", "2.2"}
    assert device.state["2.3"] == 0


def test_reads_answer_values_or_why_not() -> None:
    device = _device("hearth.light.v1")
    key = next(iter(device.state))
    answers = device.read([key, "99.1"])
    assert answers[key] == {"code": "ok", "value": device.state[key]}
    assert answers["99.1"] == {"code": "unknown"}


def test_the_device_tells_its_model_and_serial_number() -> None:
    spec = compile_spec(library.get_spec("hearth.plug.v1"))
    device = VirtualDevice(spec, random.Random(1), {"serial-number": "abc123"})
    assert device.state["1.2"] == "hearth.plug.v1"
    assert device.state["1.3"] == "abc123"
