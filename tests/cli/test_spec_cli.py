"""``hearth spec``: validate, import-miot and show, run through Typer's test runner."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hearth.cli.console import console
from hearth.cli.spec import app
from hearth.devices import spec_from_text

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "miot"
LIBRARY = ROOT / "src" / "hearth" / "devices" / "library"
MOTION = "urn.miot-spec-v2.device.motion-sensor.0000A014.lumi-acn001.1.json"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def wide() -> Iterator[None]:
    """Give the shared console room, so table cells do not wrap mid-word."""
    console.width = 200
    yield
    console.width = None  # type: ignore[assignment]  # back to detecting the terminal


def test_validate_accepts_the_library_files(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate", *map(str, sorted(LIBRARY.glob("*.yaml")))])
    assert result.exit_code == 0, result.output
    assert result.output.count("✓") == len(list(LIBRARY.glob("*.yaml")))


def test_validate_fails_and_names_the_place(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = (LIBRARY / "light.yaml").read_text().replace("format: uint8", "format: uint9", 1)
    bad.write_text(text)
    result = runner.invoke(app, ["validate", "--json", str(bad), str(LIBRARY / "fan.yaml")])
    assert result.exit_code == 2
    files = json.loads(result.output)["files"]
    assert [f["valid"] for f in files] == [False, True]
    assert files[0]["issues"][0]["pointer"] == "/services/1/properties/1/format"


def test_validate_reports_a_missing_file_without_a_traceback(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate", "no/such/spec.yaml"])
    assert result.exit_code == 2
    assert "unreadable" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_import_miot_reports_every_fixture_as_imported(runner: CliRunner) -> None:
    result = runner.invoke(app, ["import-miot", "--json", str(FIXTURES)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["summary"] == {"files": 60, "imported": 55, "warnings": 5, "failed": 0}
    assert all(f["valid"] for f in report["files"])
    # Piped, the report is plain indented JSON (no colour codes), as a terminal shows it.
    assert result.output == json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def test_import_miot_fails_when_a_file_fails_and_keeps_going(
    runner: CliRunner, tmp_path: Path
) -> None:
    shutil.copy(FIXTURES / MOTION, tmp_path)
    (tmp_path / "broken.json").write_text('{"services": [')
    result = runner.invoke(app, ["import-miot", str(tmp_path)])
    assert result.exit_code == 2
    assert "failed" in result.output
    assert "bad_json" in result.output
    assert "imported" in result.output


def test_import_miot_writes_native_yaml_that_validates(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["import-miot", str(FIXTURES / MOTION), "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = out / "miot.lumi-acn001.v1.yaml"
    assert spec_from_text(written.read_text(), fmt="yaml").category == "motion-sensor"


@pytest.mark.usefixtures("wide")
def test_show_prints_labels_hints_and_the_main_switch(runner: CliRunner) -> None:
    result = runner.invoke(app, ["show", str(LIBRARY / "plug.yaml")])
    assert result.exit_code == 0, result.output
    assert "Hearth Metering Plug" in result.output
    assert "(main switch)" in result.output
    assert "toggle" in result.output and "readonly" in result.output


@pytest.mark.usefixtures("wide")
def test_show_imports_a_miot_instance_on_the_fly(runner: CliRunner) -> None:
    result = runner.invoke(app, ["show", str(FIXTURES / MOTION)])
    assert result.exit_code == 0, result.output
    assert "Illumination" in result.output
    assert "Motion Detected" in result.output
