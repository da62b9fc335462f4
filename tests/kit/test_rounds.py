"""Rounds: background work that stops between rounds, never inside one it can finish."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from hearth.kit.rounds import Rounds, finish


async def test_a_stop_lets_the_transaction_under_way_commit(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'rounds.db'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE done (round INTEGER)"))
    inside = asyncio.Event()
    rounds_done = 0

    async def work() -> None:
        nonlocal rounds_done
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO done VALUES (:n)"), {"n": rounds_done})
            inside.set()
            await asyncio.sleep(0.3)  # the stop arrives here, mid-transaction
        rounds_done += 1

    rounds = Rounds(work, name="test", every=60, area="test", failed="test_failed")
    rounds.start()
    await inside.wait()
    await rounds.stop()
    assert not rounds.running
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM done"))).scalar() == 1
    assert rounds_done == 1  # one round, finished; the wait after it ended at once
    await engine.dispose()


async def test_a_round_that_outstays_its_grace_is_cancelled() -> None:
    cancelled = asyncio.Event()
    started = asyncio.Event()

    async def work() -> None:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    rounds = Rounds(work, name="slow", every=60, area="test", failed="t", grace=0.1)
    rounds.start()
    await started.wait()
    await asyncio.wait_for(rounds.stop(), 5)
    assert cancelled.is_set()


async def test_a_failed_round_is_followed_by_the_next_and_wake_cuts_the_wait() -> None:
    calls: list[int] = []
    third = asyncio.Event()

    async def work() -> None:
        calls.append(len(calls))
        if len(calls) == 1:
            raise RuntimeError("the first round fails")
        if len(calls) == 3:
            third.set()

    rounds = Rounds(work, name="flaky", every=3600, area="test", failed="t")
    rounds.start()
    for _ in range(2):  # each wait is an hour long: only a wake brings the next round
        await asyncio.sleep(0.05)
        rounds.wake()
    await asyncio.wait_for(third.wait(), 5)
    await rounds.stop()
    assert calls == [0, 1, 2]


async def test_a_stop_before_the_first_round_runs_no_round() -> None:
    calls: list[int] = []

    async def work() -> None:
        calls.append(1)

    rounds = Rounds(work, name="later", every=1, first_after=3600, area="t", failed="t")
    rounds.start()
    await asyncio.sleep(0.05)
    await asyncio.wait_for(rounds.stop(), 5)
    assert calls == []


async def test_finish_tells_a_failure_instead_of_raising_it() -> None:
    async def broken() -> None:
        raise RuntimeError("broken on purpose")

    task = asyncio.create_task(broken(), name="broken-task")
    await finish(task, grace=1)  # does not raise
    assert task.done() and isinstance(task.exception(), RuntimeError)
