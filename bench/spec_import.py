"""Benchmark the MIoT importer: files per second, and the cost over parsing JSON alone.

    .venv/bin/python bench/spec_import.py [DIR] [--repeat N]

Files are read into memory first, so the figure is the importer's (JSON parse, walk,
validation), not the disk's. It also times the compiled value check that the device
cloud runs on every reported property.
"""

from __future__ import annotations

import argparse
import json
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--repeat", type=int, default=20, help="passes over the files")
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


if __name__ == "__main__":
    main()
