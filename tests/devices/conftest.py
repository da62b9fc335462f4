"""Shared data for the device model tests: the real MIoT instances and small specs."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "miot"
MIOT_FILES = sorted(FIXTURES.glob("*.json"))

LIGHT: dict[str, Any] = {
    "model": "acme.lamp.v1",
    "name": "Acme Lamp",
    "category": "light",
    "services": [
        {
            "iid": 2,
            "type": "urn:miot-spec-v2:service:light:00007802",
            "properties": [
                {
                    "iid": 1,
                    "type": "urn:miot-spec-v2:property:on:00000006",
                    "format": "bool",
                    "access": ["read", "write", "notify"],
                },
                {
                    "iid": 2,
                    "type": "urn:miot-spec-v2:property:brightness:0000000D",
                    "format": "uint8",
                    "access": ["read", "write", "notify"],
                    "unit": "percentage",
                    "range": {"min": 1, "max": 100, "step": 1},
                },
            ],
            "actions": [{"iid": 1, "type": "urn:miot-spec-v2:action:toggle:00002811"}],
            "events": [
                {"iid": 1, "type": "urn:hearth-spec:event:overheated:00000001", "arguments": [2]}
            ],
        }
    ],
}


@pytest.fixture
def light() -> dict[str, Any]:
    """Return a fresh copy of a small valid native spec document."""
    return copy.deepcopy(LIGHT)
