"""``hearth campaigns list`` (the money told apart) and ``hearth campaigns settle`` against
the demo's data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hearth.config import Settings
from hearth.demo import seed


async def test_the_cli_lists_campaigns_and_settles_once(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")},
        "HEARTH_DATA_DIR": str(tmp_path / "var"),
        "HEARTH_CONFIG": str(tmp_path / "none.toml"),
        "COLUMNS": "200",
    }

    def hearth(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "hearth.cli.main", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert hearth("db", "upgrade").returncode == 0
    await seed(Settings(data_dir=tmp_path / "var", _env_file=None))
    listed = hearth("campaigns", "list", "--state", "failed")
    assert listed.returncode == 0, listed.stderr
    assert "colour edition" in listed.stdout and "Glow Mini" not in listed.stdout
    money = hearth("campaigns", "list", "--state", "fulfilled")
    assert money.returncode == 0, money.stderr
    head = next(line for line in money.stdout.splitlines() if "campaign" in line)
    for column in ("pledged", "collected", "failed", "refunded", "payable"):
        assert column in head, money.stdout
    assert "raised" not in head.replace("raised %", "")  # no one figure of "raised" money
    assert "first run" in money.stdout and "payable: the partner's share" in money.stdout
    settled = hearth("campaigns", "settle")
    assert settled.returncode == 0 and "funded 0" in settled.stdout, settled.stdout
    wrong = hearth("campaigns", "list", "--state", "sold")
    assert wrong.returncode != 0 and "must be one of" in wrong.stdout + wrong.stderr
