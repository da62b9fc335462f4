"""A free port is never one already promised to another listener."""

from __future__ import annotations

import random
import socket
from pathlib import Path
from typing import Any, cast

from hearth.hub.supervised import SERVICE_PORT_FILE, SupervisedMosquitto
from hearth.kit.ports import free_port


def _local_range() -> range:
    low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
    return range(int(low), int(high) + 1)


def test_a_free_port_can_be_listened_on() -> None:
    port = free_port()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", port))
        listener.listen()


def test_a_free_port_is_none_of_the_ports_it_is_told_to_avoid() -> None:
    every = _local_range()
    allowed = set(random.Random(7).sample(every, 40))
    promised = set(every) - allowed
    chosen = {free_port(other_than=promised) for _ in range(20)}
    assert chosen <= allowed


def _broker(directory: Path, port: int) -> SupervisedMosquitto:
    return SupervisedMosquitto(
        program="mosquitto",
        directory=directory,
        sessions=cast(Any, None),
        secret="ports-secret-long-enough-for-hmac-0123456789",
        port=port,
    )


def test_the_brokers_own_listener_never_takes_the_devices_port(tmp_path: Path) -> None:
    device_port = free_port()
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / SERVICE_PORT_FILE).write_text(f"{device_port}\n")

    broker = _broker(tmp_path, device_port)

    assert broker.service_port != device_port
    assert (tmp_path / SERVICE_PORT_FILE).read_text().strip() == str(broker.service_port)


def test_the_brokers_own_listener_keeps_its_port_from_start_to_start(tmp_path: Path) -> None:
    first = _broker(tmp_path, free_port())
    again = _broker(tmp_path, free_port(other_than={first.service_port}))
    assert again.service_port == first.service_port
