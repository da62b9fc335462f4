"""The hearth command: migrations, users, start-up checks and exit codes, run for real."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import PASSWORD


def hearth(
    *args: str, data_dir: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")},
        "HEARTH_DATA_DIR": str(data_dir),
        "HEARTH_CONFIG": str(data_dir / "none.toml"),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "hearth.cli.main", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )


def test_serve_on_an_unmigrated_database_says_what_to_do(tmp_path: Path) -> None:
    result = hearth("serve", data_dir=tmp_path)
    assert result.returncode == 3
    assert "hearth db upgrade" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_db_upgrade_then_user_create_then_duplicate(tmp_path: Path) -> None:
    first = hearth("db", "upgrade", data_dir=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "migrated" in first.stdout
    again = hearth("db", "upgrade", data_dir=tmp_path)
    assert "already at the newest schema" in again.stdout
    made = hearth(
        "user", "create", "ada", "--role", "reviewer", "--password", PASSWORD, data_dir=tmp_path
    )
    assert made.returncode == 0, made.stderr
    assert "created reviewer ada" in made.stdout
    twice = hearth("user", "create", "ada", "--password", PASSWORD, data_dir=tmp_path)
    assert twice.returncode == 2
    assert "taken" in twice.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["user", "create", "ab", "--password", PASSWORD], "username"),
        (["user", "create", "leo", "--password", "short"], "at least 10"),
        (["user", "create", "leo", "--role", "partner", "--password", PASSWORD], "partner"),
    ],
)
def test_user_create_rejects_bad_input_with_exit_code_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    assert hearth("db", "upgrade", data_dir=tmp_path).returncode == 0
    result = hearth(*args, data_dir=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_setting_is_a_configuration_error(tmp_path: Path) -> None:
    result = hearth("db", "upgrade", data_dir=tmp_path, env={"HEARTH_HTTP_PORT": "eighty"})
    assert result.returncode == 4
    assert "http_port" in result.stderr


def test_several_workers_need_an_external_broker(tmp_path: Path) -> None:
    assert hearth("db", "upgrade", data_dir=tmp_path).returncode == 0
    result = hearth("serve", "--workers", "2", data_dir=tmp_path)
    assert result.returncode == 4
    assert "HEARTH_MQTT_URL" in result.stderr
