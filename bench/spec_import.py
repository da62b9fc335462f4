"""Benchmark the MIoT importer: files per second, and the cost over parsing JSON alone.

    .venv/bin/python bench/spec_import.py [DIR] [--repeat N] [--command-files 5043]

Files are read into memory first, so the figure is the importer's (JSON parse, walk,
validation), not the disk's. It also times the compiled value check that the device
cloud runs on every reported property, and the whole command a person runs,
``hearth spec import-miot --json`` as a process of its own (start-up, reading, the
report written to a file), over as many files as the released MIoT instances (5,043):
the directory's files copied under other names, in a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from hearth.devices import compile_spec, import_miot_text, library

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "miot"


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def bench_import(texts: list[bytes], repeat: int) -> tuple[float, float, Counter[str]]:
    """Return (files/s importing, files/s only parsing JSON, outcome counts of one pass)."""
    counts: Counter[str] = Counter(import_miot_text(t).status for t in texts)
    start = time.perf_counter()
    for _ in range(repeat):
        for text in texts:
            json.loads(text)
    parse = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(repeat):
        for text in texts:
            import_miot_text(text)
    full = time.perf_counter() - start
    total = len(texts) * repeat
    return _rate(total, full), _rate(total, parse), counts


def bench_values(rounds: int) -> float:
    """Return property values checked per second, for a light's typical report."""
    compiled = compile_spec(library.get_spec("hearth.light.v1"))
    report = {"2.1": True, "2.2": 80, "2.3": 4000, "2.4": 0xFF8800, "2.5": 1}
    start = time.perf_counter()
    for _ in range(rounds):
        compiled.check_values(report, op="report")
    return _rate(rounds * len(report), time.perf_counter() - start)


def bench_command(paths: list[Path], count: int) -> float:
    """Return files/s of ``hearth spec import-miot --json`` over ``count`` files, as a whole
    process with its report written to a file."""
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory) / "instances"
        folder.mkdir()
        for n in range(count):
            source = paths[n % len(paths)]
            shutil.copyfile(source, folder / f"{n:05d}-{source.name}")
        with open(Path(directory) / "report.json", "wb") as report:
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "hearth.cli.main", "spec", "import-miot", "--json", folder],
                stdout=report,
                stderr=subprocess.DEVNULL,
                check=False,
            )
            elapsed = time.perf_counter() - start
        if done.returncode not in (0, 2):  # 2: some files failed, which the report says
            raise SystemExit(f"the command failed with exit code {done.returncode}")
        json.loads((Path(directory) / "report.json").read_bytes())  # a whole report
    return _rate(count, elapsed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--repeat", type=int, default=20, help="passes over the files")
    parser.add_argument(
        "--command-files", type=int, default=5043, help="files for the whole command (0: skip)"
    )
    args = parser.parse_args()
    paths = sorted(args.directory.rglob("*.json"))
    if not paths:
        raise SystemExit(f"no .json files under {args.directory}")
    texts = [p.read_bytes() for p in paths]
    size = sum(len(t) for t in texts) / len(texts)
    imported, parsed, counts = bench_import(texts, args.repeat)
    values = bench_values(20_000)
    print(f"files: {len(texts)} (mean {size / 1024:.1f} KiB) × {args.repeat} passes")
    print(
        f"outcome: {counts['imported']} imported, {counts['warnings']} with warnings, "
        f"{counts['failed']} failed"
    )
    print(f"import: {imported:,.0f} files/s")
    ratio = parsed / imported
    print(f"json.loads alone: {parsed:,.0f} files/s (import costs {ratio:.1f}× parsing)")
    print(f"value checks: {values:,.0f} values/s (compiled spec, op=report)")
    if args.command_files:
        command = bench_command(paths, args.command_files)
        print(
            f"whole command (hearth spec import-miot --json, {args.command_files} files): "
            f"{command:,.0f} files/s ({command / imported:.2f}× the importer alone)"
        )


if __name__ == "__main__":
    main()
