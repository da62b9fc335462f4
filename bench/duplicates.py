"""Duplicate detector benchmark: precision, recall and F1 on the hand-labelled pairs, per
database, at both thresholds.

One run per database, on 127.0.0.1, with what it needs started and stopped here: a fresh
SQLite file in a temporary directory, or a throw-away PostgreSQL (the test suite's
``run_postgres``), migrated by hearth. Every existing title of ``tests/community/
duplicates.json`` is posted once on hearth's board; then each new title is looked up as the
new-suggestion page does (``duplicates.similar``: "duplicate" when the pair's existing
suggestion is in the list shown, at ``similarity.SIMILAR``) and as posting does
(``duplicates.near_identical``: "duplicate" when posting would ask about the pair's existing
suggestion, at ``similarity.NEAR_IDENTICAL``). With ``--misses`` it lists the pairs each
detector got wrong. No timed asserts.

    .venv/bin/python bench/duplicates.py [--db sqlite|postgresql|both] [--misses]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hearth import db  # noqa: E402
from hearth.community.similarity import NEAR_IDENTICAL, SIMILAR  # noqa: E402
from hearth.logs import configure_logging  # noqa: E402
from tests.community import labelled  # noqa: E402
from tests.servers import run_postgres  # noqa: E402


async def run_one(url: str, label: str, args: argparse.Namespace) -> None:
    engine = db.create_engine(url, pool=not url.startswith("sqlite"))
    pairs = labelled.load()
    try:
        await db.upgrade(engine)
        started = time.perf_counter()
        result = await labelled.evaluate(db.session_factory(engine), pairs)
        seconds = time.perf_counter() - started
    finally:
        await engine.dispose()
    kinds = Counter(p.kind for p in pairs)
    print(
        f"\n{label}: {len(pairs)} labelled pairs ({kinds['duplicate']} duplicates, "
        f"{kinds['near miss']} near misses, {kinds['unrelated']} unrelated), "
        f"{len({p.existing for p in pairs})} existing suggestions on one board, "
        f"looked up in {seconds:.1f} s"
    )
    print(f"  {'detector':34}{'precision':>10}{'recall':>8}{'F1':>7}{'TP':>5}{'FP':>5}{'FN':>5}")
    for name, figures in (
        (f"similar while typing (≥ {SIMILAR:.0f})", result.similar),
        (f"near-identical on posting (≥ {NEAR_IDENTICAL:.0f})", result.near_identical),
    ):
        print(
            f"  {name:34}{figures.precision:10.3f}{figures.recall:8.3f}{figures.f1:7.3f}"
            f"{figures.true_pos:5}{figures.false_pos:5}{figures.false_neg:5}"
        )
    if args.misses:
        for detector, pair in result.misses:
            said = "missed" if pair.duplicate else f"flagged ({pair.kind})"
            print(f"  {detector:15} {said:22} {pair.existing!r} ~ {pair.new!r}")


async def run(args: argparse.Namespace) -> None:
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            await run_one(f"sqlite+aiosqlite:///{Path(tmp) / 'hearth.db'}", "SQLite", args)
    if args.db in ("postgresql", "both"):
        with run_postgres() as server:
            server.psql("CREATE DATABASE bench")
            await run_one(server.url("bench"), "PostgreSQL", args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--misses", action="store_true", help="list the pairs gotten wrong")
    configure_logging("warning", "console")  # the figures, not the workers' debug lines
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
