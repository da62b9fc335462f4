"""Small product specs for the device cloud's tests, in the native spec format."""

from __future__ import annotations

from typing import Any

LAMP: dict[str, Any] = {
    "model": "test.lamp.v1",
    "name": "Test lamp",
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
                {
                    "iid": 3,
                    "type": "urn:miot-spec-v2:property:mode:00000008",
                    "format": "uint8",
                    "access": ["read", "write"],
                    "values": [
                        {"value": 0, "description": "Day"},
                        {"value": 1, "description": "Night"},
                    ],
                },
                {
                    "iid": 4,
                    "type": "urn:miot-spec-v2:property:temperature:00000020",
                    "format": "float",
                    "access": ["read", "notify"],
                    "unit": "celsius",
                    "range": {"min": -20, "max": 60, "step": 0.1},
                },
                {
                    "iid": 5,
                    "type": "urn:miot-spec-v2:property:name:00000001",
                    "format": "string",
                    "access": ["write"],
                    "max_length": 8,
                },
            ],
            "actions": [
                {"iid": 1, "type": "urn:miot-spec-v2:action:toggle:00002811"},
            ],
        }
    ],
}

LOCK: dict[str, Any] = {
    "model": "test.lock.v1",
    "name": "Test lock",
    "category": "lock",
    "services": [
        {
            "iid": 2,
            "type": "urn:miot-spec-v2:service:lock:00007807",
            "properties": [
                {
                    "iid": 1,
                    "type": "urn:miot-spec-v2:property:lock-state:00000096",
                    "format": "uint8",
                    "access": ["read", "notify"],
                    "values": [
                        {"value": 0, "description": "Locked"},
                        {"value": 1, "description": "Unlocked"},
                    ],
                },
                {
                    "iid": 2,
                    "type": "urn:miot-spec-v2:property:method:0000009E",
                    "format": "uint8",
                    "access": [],
                    "values": [
                        {"value": 1, "description": "App"},
                        {"value": 2, "description": "Fingerprint"},
                    ],
                },
            ],
            "actions": [
                {"iid": 1, "type": "urn:miot-spec-v2:action:open:00002803", "in": [2], "out": [1]},
            ],
            "events": [
                {"iid": 1, "type": "urn:miot-spec-v2:event:lock-opened:00005010", "arguments": [2]},
            ],
        }
    ],
}
