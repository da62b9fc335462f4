"""`hearth devices`, `hearth simulate` and the demo's devices, run as real processes."""

from __future__ import annotations

import csv
import io
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hearth.kit.ports import free_port
from tests.helpers import PASSWORD
from tests.servers import wait_for_port


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")},
        "HEARTH_DATA_DIR": str(data_dir),
        "HEARTH_CONFIG": str(data_dir / "none.toml"),
        "HEARTH_EMBEDDED_MQTT_PORT": str(free_port()),
        **extra,
    }


def hearth(
    env: dict[str, str], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hearth.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[dict[str, str], str]]:
    """A migrated data dir with a fan, and `hearth serve` running on it."""
    port = free_port()
    env = _env(tmp_path / "var", HEARTH_HTTP_PORT=str(port), HEARTH_NEW_PASSWORD=PASSWORD)
    assert hearth(env, "db", "upgrade").returncode == 0
    assert hearth(env, "user", "create", "mia").returncode == 0
    with open(tmp_path / "serve.log", "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "hearth.cli.main", "serve"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, 30)
        yield env, f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(15)


def _devices_of(base: str, username: str, password: str) -> list[dict[str, object]]:
    with httpx.Client(base_url=base, timeout=10) as http:
        http.get("/login")
        http.post(
            "/api/v1/auth/login",
            json={"username": username, "password": password},
            headers={"X-CSRFToken": http.cookies["csrftoken"]},
        )
        found = []
        for home in http.get("/api/v1/homes").json():
            found.extend(http.get(f"/api/v1/homes/{home['id']}/devices").json())
        return found


def test_mint_writes_the_factory_csv_for_the_owner_only(tmp_path: Path) -> None:
    env = _env(tmp_path / "var")
    assert hearth(env, "db", "upgrade").returncode == 0
    out = tmp_path / "batch.csv"
    made = hearth(
        env, "devices", "mint", "--product", "hearth.plug.v1", "--count", "5", "--out", str(out)
    )
    assert made.returncode == 0, made.stderr
    assert "minted 5" in made.stdout
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 5 and {r["model"] for r in rows} == {"hearth.plug.v1"}
    revoked = hearth(env, "devices", "revoke", rows[0]["device_id"])
    assert revoked.returncode == 0, revoked.stderr
    twice = hearth(env, "devices", "revoke", rows[0]["device_id"])
    assert twice.returncode != 0 and "Traceback" not in twice.stderr
    unknown = hearth(env, "devices", "mint", "--product", "no.such.v1")
    assert unknown.returncode == 2 and "no product" in unknown.stderr


def test_simulate_runs_a_fleet_that_reports_into_the_owners_home(
    served: tuple[dict[str, str], str], tmp_path: Path
) -> None:
    env, base = served
    fleet = tmp_path / "fleet.csv"
    ran = hearth(
        env,
        "simulate",
        "--devices",
        "6",
        "--owner",
        "mia",
        "--fleet",
        str(fleet),
        "--duration",
        "3",
        "--report-every",
        "1",
        timeout=90,
    )
    assert ran.returncode == 0, ran.stderr + ran.stdout
    assert "6/6 devices connected" in ran.stdout
    devices = _devices_of(base, "mia", PASSWORD)
    assert len(devices) == 6
    assert all(d["reports"] for d in devices)
    assert all(d["rejected"] == 0 for d in devices)
    # The same fleet comes back with its saved credentials.
    again = hearth(env, "simulate", "--fleet", str(fleet), "--duration", "1", timeout=90)
    assert again.returncode == 0 and "6/6 devices connected" in again.stdout


def test_the_demo_furnishes_the_fans_homes_with_live_devices(tmp_path: Path) -> None:
    port = free_port()
    env = _env(tmp_path / "var")
    with open(tmp_path / "demo.log", "wb") as log:
        demo = subprocess.Popen(
            [sys.executable, "-m", "hearth.cli.main", "demo", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, 60)
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            devices = _devices_of(base, "fan", "hearth-fan-demo")
            if devices and all(d["online"] and d["reported"] for d in devices):
                break
            time.sleep(0.2)
        assert len(devices) == 12
        assert all(d["online"] and d["reported"] for d in devices)
    finally:
        demo.send_signal(signal.SIGINT)
        demo.wait(30)
