"""``hearth certify``: a spec certified locally over a private broker, every check printed."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hearth.cli.main import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "miot"
MOTION = FIXTURES / "urn.miot-spec-v2.device.motion-sensor.0000A014.lumi-acn001.1.json"


def test_a_library_model_certifies_and_exits_zero() -> None:
    result = CliRunner().invoke(app, ["certify", "hearth.plug.v1"])

    assert result.exit_code == 0, result.output
    assert "passed: 32 of 32 checks passed" in result.output


def test_a_miot_spec_file_certifies() -> None:
    result = CliRunner().invoke(app, ["certify", str(MOTION)])

    assert result.exit_code == 0, result.output
    assert "passed:" in result.output


def test_a_broken_device_fails_and_the_report_names_the_check(tmp_path: Path) -> None:
    report = tmp_path / "report.json"

    result = CliRunner().invoke(
        app, ["certify", "hearth.light.v1", "--fault", "no-last-will", "--report", str(report)]
    )

    assert result.exit_code == 1, result.output
    document = json.loads(report.read_text())
    assert document["status"] == "failed"
    assert [c["id"] for c in document["checks"] if not c["passed"]] == ["last-will"]


def test_an_unknown_target_is_bad_input() -> None:
    result = CliRunner().invoke(app, ["certify", "hearth.toaster.v9"])

    assert result.exit_code == 2
    assert "neither a library model nor a spec file" in result.output
