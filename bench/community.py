"""Community benchmark: a big fan community, and what reading and voting in it cost.

One run per database, on 127.0.0.1, with what it needs started and stopped here: a fresh
SQLite file in a temporary directory, or a throw-away PostgreSQL (the test suite's
``run_postgres``), migrated by hearth, so the search structures the migration makes (the
FTS5 table and its triggers, the generated ``tsvector`` and its GIN index) are kept up as
rows go in and are paid for while seeding.

1. *seed* (``--scale 1``): 100,000 suggestions on hearth's board and 50 products' boards
   (board sizes fall off as a power law: a few big boards, many small ones), 1,000,000
   votes by 50,000 fans (skewed: a suggestion's votes follow a Pareto law, so a few have
   thousands and most a handful; every voter follows, as voting does), 300,000 comments (a
   quarter of them replies, more where there are more votes), and a public answer for
   every suggestion that is no longer open. Titles, bodies and comments are made from word
   lists drawn by a Zipf law, so a search word is as selective as in real text. Counters
   are set as the services keep them: ``vote_count`` and ``comment_count`` equal the rows,
   ``trend`` is ``rules.trend_key`` of both, a board's ``suggestion_count`` its rows. Rows
   go in with ``COPY`` on PostgreSQL and ``executemany`` on SQLite, in transactions of
   ``--chunk`` rows; the seeding rate is printed.
2. *in process*: ``--samples`` timings of each operation through ``hearth.community``'s
   own services, each on a fresh session (a transaction for the vote): the biggest board's
   listing by every sort with a filter or two, searching every board and searching the
   board, showing a suggestion with its answers and comments as its API route reads them
   (a suggestion of the board's first trending pages, where people click), toggling a
   vote, and the similar-as-you-type lookup (a title typed a few letters at a time). On
   PostgreSQL ``VACUUM (ANALYZE)`` runs first, as autovacuum would have by then.
3. *over HTTP*: ``hearth serve`` on the same database, and ``wrk`` (one connection, so
   each request's own latency is what is measured) for ``--seconds`` on the big board's
   trending listing and on searching, so the web layer is counted.

Printed: p50 and p95 in ms, the number of timings, each p95's ratio to reading one
suggestion by id in the same run (the cheapest read there is: the ratio says how much
more an operation costs than the database's round trip, whatever the machine's load),
and PASS or MISS against the goal, p95 under 50 ms. No timed asserts.

    .venv/bin/python bench/community.py [--db sqlite|postgres|both] [--scale 1]
        [--samples 200] [--seconds 5] [--no-http]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import itertools
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rich.progress import (  # noqa: E402
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker  # noqa: E402

from hearth import db  # noqa: E402
from hearth.accounts.models import User  # noqa: E402
from hearth.accounts.roles import Role  # noqa: E402
from hearth.community import boards, comments, duplicates, search, suggestions, votes  # noqa: E402
from hearth.community.models import Board  # noqa: E402
from hearth.community.rules import (  # noqa: E402
    CATEGORIES,
    PLATFORM_BOARD,
    BoardKind,
    Status,
    trend_key,
)
from hearth.kit.clock import SystemClock  # noqa: E402
from hearth.kit.ids import new_id  # noqa: E402
from hearth.logs import configure_logging  # noqa: E402
from hearth.mall.models import Partner, Product  # noqa: E402
from hearth.outbox import discard, unit_of_work  # noqa: E402
from tests.servers import run_postgres  # noqa: E402

GOAL_MS = 50.0
SUGGESTIONS = 100_000
VOTES = 1_000_000
COMMENTS = 300_000
FANS = 50_000
PRODUCTS = 50
PARTNERS = 20
DAYS = 730  # suggestions were posted over the last two years
REPLY_SHARE = 0.25
# What becomes of suggestions: most stay open; the rest were answered once.
STATUSES = (
    (Status.OPEN, 0.80),
    (Status.UNDER_REVIEW, 0.05),
    (Status.PLANNED, 0.04),
    (Status.IN_PROGRESS, 0.03),
    (Status.DONE, 0.04),
    (Status.DECLINED, 0.03),
    (Status.DUPLICATE, 0.01),
)
PRODUCT_KINDS = (
    "lamp", "vacuum", "plug", "lock", "camera", "purifier", "kettle", "curtain",
    "thermostat", "doorbell", "speaker", "sensor", "fan", "heater", "humidifier",
)  # fmt: skip

# -- words -------------------------------------------------------------------------------
# Drawn by a Zipf law (the first words most often), so that a search for a common word
# matches a few percent of suggestions and one for a rare word a handful, as in real text.
VERBS = (
    "Add", "Allow", "Support", "Show", "Let me set", "Make", "Improve", "Fix", "Sync",
    "Remember", "Export", "Group", "Schedule", "Share", "Hide", "Offer", "Bring back",
    "Speed up", "Explain", "Turn off", "Dim", "Rename", "Sort", "Pause", "Limit", "Lock",
    "Warn about", "Reset", "Split", "Merge", "Preview", "Repeat", "Undo", "Filter",
)  # fmt: skip
NOUNS = (
    "dark mode", "schedule", "notification", "battery", "brightness", "scene", "widget",
    "firmware update", "room", "map", "timer", "colour", "automation", "sensor", "history",
    "energy report", "voice control", "child lock", "night light", "sunrise", "sunset",
    "temperature", "humidity", "filter", "guest access", "away mode", "vacation mode",
    "dashboard", "shortcut", "backup", "geofence", "siren", "zone", "carpet", "mop",
    "dustbin", "brush", "pet hair", "noise level", "fan speed", "water tank", "boost",
    "eco mode", "chart", "calendar", "alarm", "camera feed", "motion", "doorbell chime",
    "keypad", "fingerprint", "spare key", "power usage", "standby", "overload", "cable",
    "mount", "remote", "button", "hub", "zigbee", "bluetooth", "wifi", "offline mode",
    "local control", "cloud", "privacy mode", "two-factor login", "family sharing",
    "invite", "label", "icon", "favourite", "search", "order", "receipt", "refund",
    "pledge", "campaign", "shipping", "tracking", "review", "manual", "warranty",
    "firmware rollback", "changelog", "beta channel", "language", "font size",
    "contrast", "haptics", "sound", "volume", "ringtone", "snooze", "countdown",
    "stairs", "threshold", "obstacle", "mirror", "strip", "bulb", "dimmer", "socket",
    "outlet", "curtain motor", "blind", "window sensor", "leak sensor", "smoke alarm",
    "air quality", "pm2.5", "co2", "kettle", "tea", "coffee", "porridge", "lid", "kitchen",
    "bedroom", "hallway", "garage", "garden", "balcony", "nursery", "office", "stairwell",
)  # fmt: skip
QUALIFIERS = (
    "in the app", "for guests", "when nobody is home", "on the lock screen", "at sunset",
    "without the cloud", "for each room", "on the watch", "at night", "every weekday",
    "for the whole family", "after an update", "when the battery is low", "by voice",
    "on the home screen", "in the morning", "while on holiday", "for kids", "in winter",
    "from the widget", "per device", "with one tap", "on the web", "offline",
)  # fmt: skip
SENTENCES = (
    "It would save me a lot of taps every day.",
    "Right now I have to do it by hand {when}.",
    "The {noun} resets whenever the {noun2} changes, which is annoying.",
    "My partner and I both use the {noun} and we keep overriding each other.",
    "Other brands already offer this for their {noun}.",
    "Please make it optional, some people like the {noun} as it is.",
    "I would pay for a {noun} accessory that does this.",
    "Since the last firmware update the {noun} behaves differently {when}.",
    "The {noun} should remember the {noun2} I chose last time.",
    "A simple toggle next to the {noun} would be enough.",
    "This matters most {when}.",
    "Could the {noun} follow the {noun2} automatically?",
    "I tried the workaround with a scene but the {noun} ignores it.",
    "Great product otherwise, thank you for listening to fans.",
)  # fmt: skip
REPLIES = (
    "Same here, {when} it is the first thing I miss.",
    "+1, the {noun} is my main reason to open the app.",
    "You can work around it with a scene on the {noun}, but a real option would be better.",
    "Agreed. Also the {noun2} could use the same treatment.",
    "Not sure about this: I like the {noun} the way it is.",
    "Any news on this? It has been a while.",
    "Thanks for the answer, looking forward to the {noun} change.",
    "I see the same thing with my {noun} {when}.",
)  # fmt: skip
ANSWERS = {
    Status.UNDER_REVIEW: "Thanks! The team is looking at how this fits with the {noun}.",
    Status.PLANNED: "Planned for an update soon: the {noun} will do this {when}.",
    Status.IN_PROGRESS: "We are building this now; the {noun} change is in testing.",
    Status.DONE: "Shipped: the {noun} does this now. Thank you for suggesting it!",
    Status.DECLINED: "We will not do this: the {noun} has to stay simple for everyone.",
    Status.DUPLICATE: "This is already suggested; please vote for the other one.",
}


class Words:
    """Draws words by a Zipf law, the same way every run (seeded)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._noun_weights = list(itertools.accumulate(1 / (k + 8) for k in range(len(NOUNS))))

    def noun(self) -> str:
        total = self._noun_weights[-1]
        return NOUNS[bisect.bisect(self._noun_weights, self.rng.random() * total)]

    def when(self) -> str:
        return self.rng.choice(QUALIFIERS)

    def fill(self, template: str) -> str:
        return template.format(noun=self.noun(), noun2=self.noun(), when=self.when())

    def title(self, kind: str | None) -> str:
        """A suggestion's title; a product's boards talk about the product often."""
        verb = self.rng.choice(VERBS)
        noun = kind if kind and self.rng.random() < 0.3 else self.noun()
        if self.rng.random() < 0.5:
            return f"{verb} {noun} {self.when()}"[:120]
        return f"{verb} the {noun} {self.rng.choice(('with', 'for', 'on', 'by'))} {self.noun()}"[
            :120
        ]

    def body(self) -> str:
        count = self.rng.randint(1, 4)
        return " ".join(self.fill(self.rng.choice(SENTENCES)) for _ in range(count))

    def comment(self) -> str:
        return self.fill(self.rng.choice(REPLIES))

    def query(self) -> str:
        """What a person types in the search box: one to three words, sometimes the last
        one unfinished."""
        found = [w for n in range(self.rng.randint(1, 2)) for w in self.noun().split()]
        if self.rng.random() < 0.3:
            found.append(self.rng.choice(VERBS).split()[0].lower())
        if self.rng.random() < 0.3 and len(found[-1]) > 4:
            found[-1] = found[-1][: self.rng.randint(3, len(found[-1]) - 1)]
        return " ".join(found)


# -- seeding -----------------------------------------------------------------------------


@dataclass
class Plan:
    """Who and what the seed makes, decided before any row goes in."""

    boards: list[tuple[str, str | None]]  # (board id, product kind) biggest first
    owners: dict[str, str]  # board id -> the user who answers it
    fans: list[str]
    board_of: list[int]  # per suggestion: index into boards
    created: list[datetime]
    votes: list[int]
    comments: list[int]
    status: list[Status]
    answered: list[datetime | None]
    ids: list[str] = field(default_factory=list)


@dataclass
class Seeded:
    """What the timings need from the seed."""

    big_board: str
    fans: list[str]
    ids_by_board: dict[str, list[str]]
    counts: dict[str, int]
    seconds: dict[str, float]
    sqlite: bool
    kind_of: dict[str, str | None]
    closed: set[str]  # declined and duplicate: they take no votes


def _lite(value: Any) -> Any:
    if isinstance(value, datetime):
        # "%Y-%m-%d %H:%M:%S.%f", as SQLAlchemy stores it (``hub.batchsql._lite_time``)
        return value.astimezone(UTC).isoformat(" ", "microseconds")[:26]
    if isinstance(value, bool):
        return int(value)
    return value


async def _bulk(
    session: AsyncSession, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Insert rows with the driver under the session: COPY on PostgreSQL, executemany on
    SQLite (triggers fire either way)."""
    driver = await db.driver(session)
    if session.get_bind().dialect.name == "sqlite":
        marks = ", ".join("?" * len(columns))
        await driver.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
            [tuple(_lite(v) for v in row) for row in rows],
        )
    else:
        await driver.copy_records_to_table(table, records=rows, columns=list(columns))


def _spread(rng: random.Random, total: int, weights: list[float], cap: int) -> list[int]:
    """Share ``total`` among ``weights`` in whole numbers, at most ``cap`` each."""
    scale = total / sum(weights)
    shares = [min(cap, int(w * scale)) for w in weights]
    short = total - sum(shares)
    while short > 0:  # hand out what rounding and the cap left, one at a time
        i = rng.randrange(len(shares))
        if shares[i] < cap:
            shares[i] += 1
            short -= 1
    return shares


def plan(rng: random.Random, scale: float, now: datetime) -> Plan:
    """Decide every suggestion's board, age, votes, comments and status."""
    n = max(200, int(SUGGESTIONS * scale))
    fans = [f"usr_benchfan{i:07d}" for i in range(max(500, int(FANS * scale)))]
    kinds = [PRODUCT_KINDS[i % len(PRODUCT_KINDS)] for i in range(PRODUCTS)]
    board_list: list[tuple[str, str | None]] = [(PLATFORM_BOARD, None)]
    board_list += [(f"prd_bench{i:05d}", kind) for i, kind in enumerate(kinds)]
    board_weights = list(itertools.accumulate(1 / (k + 1) ** 1.1 for k in range(len(board_list))))
    board_of = [bisect.bisect(board_weights, rng.random() * board_weights[-1]) for _ in range(n)]
    # Newer suggestions are more common: the community grows.
    created = sorted(
        now - timedelta(days=DAYS * (1 - rng.random() ** 0.7), seconds=rng.randrange(86_400))
        for _ in range(n)
    )
    pull = [rng.paretovariate(1.2) for _ in range(n)]
    vote_counts = [
        1 + v for v in _spread(rng, max(0, int(VOTES * scale) - n), pull, len(fans) // 5)
    ]
    talk = [(v**0.8) * rng.random() for v in vote_counts]
    comment_counts = _spread(rng, int(COMMENTS * scale), talk, 1_000)
    statuses = [s for s, _ in STATUSES]
    status = rng.choices(statuses, weights=[w for _, w in STATUSES], k=n)
    answered: list[datetime | None] = [
        None if s is Status.OPEN else c + (now - c) * rng.random()
        for s, c in zip(status, created, strict=True)
    ]
    return Plan(
        board_list,
        {},
        fans,
        board_of,
        created,
        vote_counts,
        comment_counts,
        status,
        answered,
    )


async def _people_and_boards(
    sessions: async_sessionmaker[AsyncSession], p: Plan, now: datetime
) -> None:
    """Fans, the platform team, partners with their members and approved products."""
    async with db.transaction(sessions) as session:
        reviewer = User(
            id="usr_benchteam", username="benchteam", display_name="hearth team",
            password_hash="-", role=Role.REVIEWER, created_at=now,
        )  # fmt: skip
        session.add(reviewer)
        p.owners[PLATFORM_BOARD] = reviewer.id
        partners = []
        for i in range(PARTNERS):
            partner = Partner(
                id=f"ptn_bench{i:05d}", name=f"Bench Maker {i}", slug=f"bench-maker-{i}",
                store_name=f"Bench Maker {i}", created_at=now,
            )  # fmt: skip
            session.add(partner)
            member = User(
                id=f"usr_benchptn{i:05d}", username=f"benchptn{i}",
                display_name=f"Maker {i} team", password_hash="-", role=Role.PARTNER,
                partner_id=partner.id, created_at=now,
            )  # fmt: skip
            partners.append((partner, member))
        await session.flush()
        session.add_all(m for _, m in partners)
        await session.flush()
        for i, (board_id, kind) in enumerate(p.boards[1:]):
            partner, member = partners[i % PARTNERS]
            session.add(
                Product(
                    id=board_id,
                    partner_id=partner.id,
                    name=f"Bench {str(kind).title()} {i}",
                    category="home",
                    description=f"A {kind} for the benchmark.",
                    spec={"model": f"bench.{kind}.v{i}"},
                    spec_version=1,
                    retail_price=19900,
                    currency="CNY",
                    campaign_goal=100000,
                    campaign_days=30,
                    state="approved",
                    created_at=now,
                    updated_at=now,
                )  # fmt: skip
            )
            p.owners[board_id] = member.id
        await session.flush()
        counts = [0] * len(p.boards)
        for b in p.board_of:
            counts[b] += 1
        for (board_id, _), count in zip(p.boards, counts, strict=True):
            kind = BoardKind.PLATFORM if board_id == PLATFORM_BOARD else BoardKind.PRODUCT
            session.add(
                Board(
                    id=board_id,
                    kind=str(kind),
                    product_id=None if kind is BoardKind.PLATFORM else board_id,
                    suggestion_count=count,
                    created_at=now - timedelta(days=DAYS + 1),
                )
            )
    for start in range(0, len(p.fans), 10_000):
        async with db.transaction(sessions) as session:
            await _bulk(
                session,
                "users",
                (
                    "id",
                    "username",
                    "display_name",
                    "password_hash",
                    "role",
                    "is_active",
                    "created_at",
                ),  # fmt: skip
                [
                    (uid, uid[4:], f"Fan {uid[-7:]}", "-", str(Role.FAN), True, now)
                    for uid in p.fans[start : start + 10_000]
                ],
            )


SUGGESTION_COLUMNS = (
    "id", "board_id", "author_id", "title", "body", "category", "status", "vote_count",
    "comment_count", "trend", "created_at", "updated_at", "answered_at",
)  # fmt: skip
VOTE_COLUMNS = ("suggestion_id", "user_id", "created_at")
COMMENT_COLUMNS = (
    "id", "suggestion_id", "parent_id", "author_id", "body", "official", "created_at",
)  # fmt: skip
ANSWER_COLUMNS = ("id", "suggestion_id", "actor_id", "from_status", "to_status", "body", "at")


async def seed(
    sessions: async_sessionmaker[AsyncSession], args: argparse.Namespace, now: datetime
) -> Seeded:
    """Write the community; return what the timings need, with the seeding times."""
    rng = random.Random(13)
    words = Words(random.Random(17))
    p = plan(rng, args.scale, now)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    await _people_and_boards(sessions, p, now)
    seconds["fans, partners, boards"] = time.perf_counter() - started
    n = len(p.created)
    p.ids = [new_id("sug") for _ in range(n)]
    # every suggestion's voters, its author first (posting is the author's vote)
    columns = (
        TextColumn("{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    total_votes = sum(p.votes)
    total_comments = sum(p.comments)
    with Progress(*columns) as progress:
        # Suggestions.
        task = progress.add_task("suggestions", total=n)
        started = time.perf_counter()
        authors: list[str] = []
        for start in range(0, n, args.chunk):
            rows = []
            for i in range(start, min(n, start + args.chunk)):
                board_id, kind = p.boards[p.board_of[i]]
                board_kind = BoardKind.PLATFORM if kind is None else BoardKind.PRODUCT
                author = rng.choice(p.fans)
                authors.append(author)
                category = rng.choice(CATEGORIES[board_kind])[0]
                rows.append(
                    (
                        p.ids[i],
                        board_id,
                        author,
                        words.title(kind),
                        words.body(),
                        category,
                        str(p.status[i]),
                        p.votes[i],
                        p.comments[i],
                        trend_key(p.votes[i], p.created[i]),
                        p.created[i],
                        p.answered[i] or p.created[i],
                        p.answered[i],
                    )  # fmt: skip
                )
            async with db.transaction(sessions) as session:
                await _bulk(session, "community_suggestions", SUGGESTION_COLUMNS, rows)
            progress.update(task, completed=min(n, start + args.chunk))
        seconds["suggestions"] = time.perf_counter() - started

        # Votes, and a follow for each (voting follows).
        task = progress.add_task("votes", total=total_votes)
        started = time.perf_counter()
        done = 0
        pending: list[tuple[Any, ...]] = []

        async def flush_votes() -> None:
            nonlocal pending, done
            async with db.transaction(sessions) as session:
                await _bulk(session, "community_votes", VOTE_COLUMNS, pending)
                await _bulk(session, "community_follows", VOTE_COLUMNS, pending)
            done += len(pending)
            progress.update(task, completed=done)
            pending = []

        fan_count = len(p.fans)
        index_of = {uid: k for k, uid in enumerate(p.fans)}
        for i in range(n):
            created = p.created[i]
            span = (now - created).total_seconds()
            author_index = index_of[authors[i]]
            others = rng.sample(range(fan_count - 1), p.votes[i] - 1)
            pending.append((p.ids[i], authors[i], created))
            for k in others:
                voter = p.fans[k if k < author_index else k + 1]  # everyone but the author
                pending.append((p.ids[i], voter, created + timedelta(seconds=span * rng.random())))
            if len(pending) >= args.chunk:
                await flush_votes()
        if pending:
            await flush_votes()
        seconds["votes and follows"] = time.perf_counter() - started

        # Comments: a quarter are replies to an earlier comment of the same suggestion.
        task = progress.add_task("comments", total=total_comments)
        started = time.perf_counter()
        done = 0
        comment_rows: list[tuple[Any, ...]] = []
        for i in range(n):
            if not p.comments[i]:
                continue
            created = p.created[i]
            span = (now - created).total_seconds()
            owner = p.owners[p.boards[p.board_of[i]][0]]
            times = sorted(rng.random() for _ in range(p.comments[i]))
            threads: list[str] = []
            for t in times:
                cid = new_id("cmt")
                official = rng.random() < 0.02
                parent = rng.choice(threads) if threads and rng.random() < REPLY_SHARE else None
                if parent is None:
                    threads.append(cid)
                comment_rows.append(
                    (
                        cid,
                        p.ids[i],
                        parent,
                        owner if official else rng.choice(p.fans),
                        words.comment(),
                        official,
                        created + timedelta(seconds=span * t),
                    )  # fmt: skip
                )
            if len(comment_rows) >= args.chunk:
                async with db.transaction(sessions) as session:
                    await _bulk(session, "community_comments", COMMENT_COLUMNS, comment_rows)
                done += len(comment_rows)
                progress.update(task, completed=done)
                comment_rows = []
        if comment_rows:
            async with db.transaction(sessions) as session:
                await _bulk(session, "community_comments", COMMENT_COLUMNS, comment_rows)
            progress.update(task, completed=total_comments)

        # Answers: one for each suggestion no longer open.
        answer_rows = [
            (
                new_id("ans"),
                p.ids[i],
                p.owners[p.boards[p.board_of[i]][0]],
                str(Status.OPEN),
                str(p.status[i]),
                words.fill(ANSWERS[p.status[i]]),
                p.answered[i],
            )  # fmt: skip
            for i in range(n)
            if p.status[i] is not Status.OPEN
        ]
        async with db.transaction(sessions) as session:
            await _bulk(session, "community_answers", ANSWER_COLUMNS, answer_rows)
        seconds["comments and answers"] = time.perf_counter() - started

    ids_by_board: dict[str, list[str]] = {}
    for i in range(n):
        ids_by_board.setdefault(p.boards[p.board_of[i]][0], []).append(p.ids[i])
    big = max(ids_by_board, key=lambda b: len(ids_by_board[b]))
    async with sessions() as session:
        sqlite = session.get_bind().dialect.name == "sqlite"
    return Seeded(
        big,
        p.fans,
        ids_by_board,
        {
            "suggestions": n,
            "votes": total_votes,
            "follows": total_votes,
            "comments": total_comments,
            "answers": len(answer_rows),
            "fans": len(p.fans),
            "boards": len(p.boards),
            "big board": len(ids_by_board[big]),
            "most votes": max(p.votes),
            "most comments": max(p.comments),
        },
        seconds,
        sqlite,
        dict(p.boards),
        {p.ids[i] for i in range(n) if p.status[i] in (Status.DECLINED, Status.DUPLICATE)},
    )


# -- timings -----------------------------------------------------------------------------


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


Op = Callable[[random.Random], Awaitable[object]]


def operations(
    sessions: async_sessionmaker[AsyncSession], seeded: Seeded, now: datetime
) -> list[tuple[str, Op]]:
    """The operations timed in process, each a service call on a fresh session."""
    board = seeded.big_board
    words = Words(random.Random(23))
    clock = itertools.count(1)
    hot: list[str] = []  # the first trending pages of the big board: where people click

    async def read_one(rng: random.Random) -> object:
        async with sessions() as session:
            return await suggestions.get(session, rng.choice(seeded.ids_by_board[board]))

    def lister(**filters: Any) -> Op:
        async def run(rng: random.Random) -> object:
            async with sessions() as session:
                return await suggestions.listing(
                    session,
                    board_id=board,
                    page=rng.choice((1, 1, 1, 2, 3)),
                    viewer_id=rng.choice(seeded.fans),
                    **filters,
                )

        return run

    async def search_all(rng: random.Random) -> object:
        async with sessions() as session:
            return await search.search(session, words.query())

    async def search_board(rng: random.Random) -> object:
        async with sessions() as session:
            return await suggestions.listing(
                session, board_id=board, query=words.query(), viewer_id=rng.choice(seeded.fans)
            )

    async def show(rng: random.Random) -> object:
        if not hot:
            async with sessions() as session:
                for page in (1, 2, 3):
                    found = await suggestions.listing(session, board_id=board, page=page)
                    hot.extend(s.id for s in found.items)
            votable_hot.extend(s for s in hot if s not in seeded.closed)
        viewer = rng.choice(seeded.fans)
        async with sessions() as session:  # as GET /api/v1/community/suggestions/{id} reads
            row = await suggestions.get(session, rng.choice(hot))
            await boards.board(session, row.board_id)
            history = await suggestions.history(session, row.id)
            threads = await comments.threads(session, row.id)
            people = {row.author_id} | {a.actor_id for a in history}
            people |= {t.comment.author_id for t in threads}
            people |= {r.author_id for t in threads for r in t.replies}
            await suggestions.names(session, people)
            return await suggestions.reader_state(session, suggestion_id=row.id, user_id=viewer)

    async def toggle(rng: random.Random) -> object:
        ids = votable_hot if votable_hot and rng.random() < 0.5 else votable
        async with unit_of_work(sessions, discard) as session:
            return await votes.toggle(
                session,
                user_id=rng.choice(seeded.fans),
                suggestion_id=rng.choice(ids),
                now=now + timedelta(milliseconds=next(clock)),
            )

    votable = [s for s in seeded.ids_by_board[board] if s not in seeded.closed]
    votable_hot: list[str] = []
    typing: list[str] = []

    async def similar_as_you_type(rng: random.Random) -> object:
        if not typing:  # a new title, typed three or four letters between lookups
            title = words.title(seeded.kind_of[board])
            typing.extend(title[:end] for end in range(4, len(title) + 1, rng.choice((3, 4))))
        async with sessions() as session:
            return await duplicates.similar(session, board, typing.pop(0))

    return [
        ("read one suggestion (baseline)", read_one),
        ("list: trending", lister()),
        ("list: trending, open, bug", lister(status="open", category="bug")),
        ("list: top, feature", lister(sort="top", category="feature")),
        ("list: newest, open", lister(sort="newest", status="open")),
        ("list: answered", lister(sort="answered")),
        ("list: answered, planned", lister(sort="answered", status="planned")),
        ("search every board", search_all),
        ("search the board", search_board),
        ("show with comments", show),
        ("vote (toggle)", toggle),
        ("similar as you type", similar_as_you_type),
    ]


async def time_operations(
    sessions: async_sessionmaker[AsyncSession], seeded: Seeded, now: datetime, samples: int
) -> dict[str, list[float]]:
    """Time every operation ``samples`` times, interleaved so all meet the same machine."""
    ops = operations(sessions, seeded, now)
    timings: dict[str, list[float]] = {name: [] for name, _ in ops}
    rng = random.Random(29)
    columns = (TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns) as progress:
        task = progress.add_task("timings", total=samples + 3)
        for round_ in range(samples + 3):
            for name, op in ops:
                started = time.perf_counter()
                await op(rng)
                if round_ >= 3:  # the first rounds warm caches and the pool
                    timings[name].append(time.perf_counter() - started)
            progress.advance(task)
    return timings


# -- over HTTP ---------------------------------------------------------------------------

WRK_REPORT = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local n = 0
request = function()
  n = n %% #paths + 1
  return wrk.format("GET", paths[n])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d\\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(95), summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout))
end
"""


@dataclass(frozen=True)
class Figure:
    count: int
    rate: float
    p50_ms: float
    p95_ms: float
    not_ok: int
    socket_errors: int


def wrk(url: str, paths: list[str], seconds: int, directory: Path) -> Figure:
    """Load ``url`` with ``paths`` in turn over one connection; return its latencies."""
    assert url.startswith("http://127.0.0.1:"), "load goes to 127.0.0.1 only"
    listing = directory / f"paths-{abs(hash(tuple(paths)))}.txt"
    listing.write_text("\n".join(paths) + "\n")
    script = directory / f"report-{listing.stem}.lua"
    script.write_text(WRK_REPORT % listing)
    command = [
        *("wrk", "--threads", "1", "--connections", "1", "--duration", f"{seconds}s"),
        *("--latency", "--script", str(script), url),
    ]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    match = re.search(r"^RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$", out, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"wrk printed no result: {out}")
    count, micros, p50, p95, status, socket = (int(g) for g in match.groups())
    return Figure(count, count / (micros / 1e6), p50 / 1000, p95 / 1000, status, socket)


@contextlib.contextmanager
def hearth_serving(url: str, directory: Path) -> Iterator[str]:
    """Run ``hearth serve`` on the seeded database; yield its address."""
    from tests.funding.cluster import start_workers

    (worker,) = start_workers(url, 1, directory)
    try:
        yield worker.url
    finally:
        worker.stop()


def time_http(url: str, seeded: Seeded, args: argparse.Namespace, directory: Path) -> list[Any]:
    """Time the big board's trending listing and searching through a started hearth."""
    words = Words(random.Random(31))
    board = seeded.big_board
    base = f"/api/v1/community/boards/{board}"
    targets = [
        ("GET a board (baseline)", [base]),
        ("GET list: trending", [f"{base}/suggestions?page={p}" for p in (1, 1, 1, 2, 3)]),
        (
            "GET search every board",
            ["/api/v1/community/search?q=" + words.query().replace(" ", "+") for _ in range(200)],
        ),
    ]
    found = []
    with hearth_serving(url, directory) as server:
        for name, paths in targets:
            wrk(server, paths, 1, directory)  # warm up
            found.append((name, wrk(server, paths, args.seconds, directory)))
    return found


# -- the run -----------------------------------------------------------------------------


def verdict(p95: float) -> str:
    return "PASS" if p95 < GOAL_MS else "MISS"


async def run_one(url: str, label: str, args: argparse.Namespace, directory: Path) -> None:
    engine = (
        db.create_engine(url, pool=False) if url.startswith("sqlite") else db.create_engine(url)
    )
    await db.upgrade(engine)
    sessions = db.session_factory(engine)
    now = SystemClock().now()
    try:
        started = time.perf_counter()
        seeded = await seed(sessions, args, now)
        seeding = time.perf_counter() - started
        if not seeded.sqlite:
            async with engine.connect() as conn:
                autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.execute(text("VACUUM (ANALYZE)"))
        timings = await time_operations(sessions, seeded, now, args.samples)
    finally:
        await engine.dispose()
    c = seeded.counts
    rows = c["suggestions"] + c["votes"] + c["follows"] + c["comments"] + c["answers"]
    print(
        f"\n{label}: {c['suggestions']:,} suggestions on {c['boards']} boards (the biggest "
        f"{c['big board']:,}), {c['votes']:,} votes (and as many follows) by {c['fans']:,} "
        f"fans (at most {c['most votes']:,} on one), {c['comments']:,} comments (at most "
        f"{c['most comments']:,} on one), {c['answers']:,} answers"
    )
    print(f"  seeded {rows:,} rows in {seeding:.0f} s ({rows / seeding:,.0f} rows/s), of which:")
    for part, took in seeded.seconds.items():
        print(f"    {part:<24}{took:8.1f} s")
    baseline = _ms(timings["read one suggestion (baseline)"])[1]
    print(f"  in process{'':22}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'×read':>8}   goal p95 < 50 ms")
    for name, samples in timings.items():
        p50, p95 = _ms(samples)
        print(
            f"  {name:<32}{len(samples):6d}{p50:9.1f}{p95:9.1f}{p95 / baseline:8.1f}   "
            f"{verdict(p95)}"
        )
    sys.stdout.flush()
    if args.no_http:
        return
    http = time_http(url, seeded, args, directory)
    if http:
        first = http[0][1]
        print(f"  over HTTP (wrk, 1 connection, {args.seconds} s){'':2}{'req/s':>8}"
              f"{'p50 ms':>9}{'p95 ms':>9}{'×board':>8}")  # fmt: skip
        for name, figure in http:
            problems = ""
            if figure.not_ok or figure.socket_errors:
                problems = f"   !! {figure.not_ok} not 2xx, {figure.socket_errors} socket errors"
            print(
                f"  {name:<32}{figure.count:6d}{figure.rate:8.0f}{figure.p50_ms:9.1f}"
                f"{figure.p95_ms:9.1f}{figure.p95_ms / first.p95_ms:8.1f}   "
                f"{verdict(figure.p95_ms)}{problems}"
            )


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="hearth-community-") as tmp:
        base = Path(tmp)
        if args.db in ("sqlite", "both"):
            (base / "sqlite").mkdir()
            url = f"sqlite+aiosqlite:///{base / 'sqlite' / 'hearth.db'}"
            await run_one(url, "SQLite", args, base / "sqlite")
        if args.db in ("postgres", "both"):
            (base / "postgres").mkdir()
            with run_postgres() as server:
                server.psql("CREATE DATABASE bench")
                await run_one(server.url("bench"), "PostgreSQL", args, base / "postgres")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--scale", type=float, default=1.0, help="1: 100,000 suggestions")
    parser.add_argument("--samples", type=int, default=200, help="timings of each operation")
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--chunk", type=int, default=20_000, help="rows per seeding transaction")
    parser.add_argument("--no-http", action="store_true", help="skip the timings over HTTP")
    args = parser.parse_args()
    if not 0.001 <= args.scale <= 10 or not 10 <= args.samples <= 100_000:
        parser.error("--scale is 0.001 to 10, --samples 10 to 100,000")
    if not args.no_http and shutil.which("wrk") is None:
        sys.exit("wrk is missing: install Debian's wrk package (scripts/ensure-system.sh does)")
    configure_logging("warning", "console")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
