"""The labelled pairs of suggestion titles (``duplicates.json``) and the evaluation of the
duplicate detector on them, shared by the regression test and ``bench/duplicates.py``.

Every existing title is posted once on one board, as a real board holds them side by side;
then, for each pair, the new title is looked up the way hearth does:

- *similar*: the detector says "duplicate" when the pair's existing suggestion is among the
  ``similar`` list shown while typing (five at most, at ``similarity.SIMILAR``);
- *near-identical*: when posting the new title would ask for confirmation naming the pair's
  existing suggestion (``duplicates.near_identical``, at ``similarity.NEAR_IDENTICAL``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db
from hearth.community import duplicates, suggestions
from hearth.community.rules import PLATFORM_BOARD
from hearth.outbox import discard, unit_of_work
from tests.helpers import create_account

PAIRS = Path(__file__).with_name("duplicates.json")
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Pair:
    existing: str
    new: str
    duplicate: bool
    kind: str  # duplicate, near miss, unrelated
    topic: str


@dataclass
class Figures:
    """What a detector got right and wrong over the pairs."""

    true_pos: int = 0
    false_pos: int = 0
    false_neg: int = 0
    true_neg: int = 0

    def add(self, *, said: bool, truth: bool) -> None:
        if said and truth:
            self.true_pos += 1
        elif said:
            self.false_pos += 1
        elif truth:
            self.false_neg += 1
        else:
            self.true_neg += 1

    @property
    def precision(self) -> float:
        said = self.true_pos + self.false_pos
        return self.true_pos / said if said else 1.0

    @property
    def recall(self) -> float:
        real = self.true_pos + self.false_neg
        return self.true_pos / real if real else 1.0

    @property
    def f1(self) -> float:
        both = self.precision + self.recall
        return 2 * self.precision * self.recall / both if both else 0.0


@dataclass
class Evaluation:
    similar: Figures
    near_identical: Figures
    misses: list[tuple[str, Pair]]  # (which detector, the pair it got wrong)


def load() -> list[Pair]:
    """Read the labelled pairs."""
    document = json.loads(PAIRS.read_text(encoding="utf-8"))
    return [Pair(**p) for p in document["pairs"]]


async def evaluate(sessions: async_sessionmaker[AsyncSession], pairs: list[Pair]) -> Evaluation:
    """Post every existing title on hearth's board of an empty, migrated database, then look
    up every new title as the new-suggestion page and posting do."""
    async with db.transaction(sessions) as session:
        author = await create_account(session, "labeller")
    ids: dict[str, str] = {}
    async with unit_of_work(sessions, discard) as session:
        for number, title in enumerate(dict.fromkeys(p.existing for p in pairs)):
            row = await suggestions.post(
                session,
                user=author,
                board_id=PLATFORM_BOARD,
                title=title,
                body="",
                category="feature",
                now=T0 + timedelta(minutes=13 * number),  # within the posting limit
            )
            ids[title] = row.id
    result = Evaluation(Figures(), Figures(), [])
    async with sessions() as session:
        for pair in pairs:
            shown = await duplicates.similar(session, PLATFORM_BOARD, pair.new)
            said = ids[pair.existing] in {m.suggestion.id for m in shown}
            result.similar.add(said=said, truth=pair.duplicate)
            if said != pair.duplicate:
                result.misses.append(("similar", pair))
            near = await duplicates.near_identical(session, PLATFORM_BOARD, pair.new)
            said = near is not None and near.suggestion.id == ids[pair.existing]
            result.near_identical.add(said=said, truth=pair.duplicate)
            if said != pair.duplicate:
                result.misses.append(("near-identical", pair))
    return result
