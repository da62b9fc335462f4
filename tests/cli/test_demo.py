"""`hearth demo`: serves with working demo logins, stops cleanly on Ctrl-C, and reuses data."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from hearth.demo import DEMO_LOGINS
from hearth.kit.ports import free_port
from tests.servers import wait_for_port


def _port_is_free(port: int) -> bool:
    """Whether nothing listens on ``port`` (connections closed a moment ago may linger in
    TIME_WAIT; a server would reuse the port, so this check does too)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _run_demo_until_ctrl_c(data_dir: Path, http_port: int, mqtt_port: int) -> tuple[str, int]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")},
        "HEARTH_DATA_DIR": str(data_dir),
        "HEARTH_CONFIG": str(data_dir / "none.toml"),
        "HEARTH_EMBEDDED_MQTT_PORT": str(mqtt_port),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "hearth.cli.main", "demo", "--port", str(http_port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_port(http_port, 60)
        base = f"http://127.0.0.1:{http_port}"
        with httpx.Client(base_url=base, timeout=10) as http:
            assert http.get("/healthz").json()["ok"] is True
            for _role, username, password in DEMO_LOGINS:
                http.cookies.clear()
                http.get("/login")
                response = http.post(
                    "/api/v1/auth/login",
                    json={"username": username, "password": password},
                    headers={"X-CSRFToken": http.cookies["csrftoken"]},
                )
                assert response.status_code == 200, (username, response.text)
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    return output, process.returncode


def test_demo_serves_demo_logins_stops_on_ctrl_c_and_reuses_its_data(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    http_port = free_port()
    mqtt_port = free_port(other_than={http_port})

    output, code = _run_demo_until_ctrl_c(data_dir, http_port, mqtt_port)
    assert code == 0, output
    assert f"http://127.0.0.1:{http_port}" in output
    for _role, username, password in DEMO_LOGINS:
        assert f"{username} / {password}" in output
    assert "Traceback" not in output
    assert _port_is_free(http_port) and _port_is_free(mqtt_port)
    secret = (data_dir / "secret_key").read_text()
    database = (data_dir / "hearth.db").stat().st_ino

    output, code = _run_demo_until_ctrl_c(data_dir, http_port, mqtt_port)
    assert code == 0, output
    assert (data_dir / "secret_key").read_text() == secret
    assert (data_dir / "hearth.db").stat().st_ino == database
