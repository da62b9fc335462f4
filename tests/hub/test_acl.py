"""The Mosquitto configuration hearth renders (pure; the real broker runs it in
test_mosquitto_setup.py)."""

from __future__ import annotations

import pytest

from hearth.errors import ConfigError
from hearth.hub.acl import mosquitto_config


def test_nothing_before_the_first_listener_would_give_mosquitto_a_default_listener() -> None:
    config = mosquitto_config(
        "/etc/hearth", service_listener="1884 127.0.0.1", device_listener="1883"
    )
    settings = [line for line in config.splitlines() if line and not line.startswith("#")]
    first = next(i for i, line in enumerate(settings) if line.startswith("listener "))
    assert settings[first] == "listener 1884 127.0.0.1"
    assert {line.split()[0] for line in settings[:first]} <= {
        "per_listener_settings",
        "max_queued_messages",
        "set_tcp_nodelay",
    }
    assert [line for line in settings if line.startswith("listener ")] == [
        "listener 1884 127.0.0.1",
        "listener 1883",
    ]


@pytest.mark.parametrize(
    ("service", "device", "named"),
    [
        ("1884 127.0.0.1", "1883\nallow_anonymous true", "mosquitto_device_listener"),
        ("1884 127.0.0.1\nlistener 1", "1883", "mosquitto_service_listener"),
        ("70000", "1883", "mosquitto_service_listener"),
        ("1884 127.0.0.1", "", "mosquitto_device_listener"),
        ("1883 127.0.0.1", "1883", "different ports"),
    ],
)
def test_a_listener_that_is_not_a_port_and_address_is_refused_with_a_sentence(
    service: str, device: str, named: str
) -> None:
    with pytest.raises(ConfigError, match=named):
        mosquitto_config("/etc/hearth", service_listener=service, device_listener=device)
