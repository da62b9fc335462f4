"""The one reconnect helper: back-off with jitter, a stop signal, and every attempt logged."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st
from structlog.testing import capture_logs

from hearth.errors import BrokerUnavailable
from hearth.mqtt.reconnect import Backoff, MarkUp, keep_connected

QUICK = Backoff(first=0.01, most=0.04)


async def _until(check: Callable[[], bool], within: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"still not true after {within} s")
        await asyncio.sleep(0.005)


@given(
    failures=st.integers(min_value=1, max_value=200),
    first=st.floats(min_value=0.01, max_value=2.0),
    seed=st.integers(),
)
def test_each_wait_doubles_up_to_the_cap_and_stays_within_the_jitter(
    failures: int, first: float, seed: int
) -> None:
    backoff = Backoff(first=first, most=first * 20, jitter=0.5)
    base = min(first * 2 ** min(failures - 1, 32), first * 20)
    assert 0.5 * base <= backoff.delay(failures, random.Random(seed)) <= 1.5 * base


def test_jitter_spreads_clients_that_failed_together() -> None:
    rng = random.Random(1)
    waits = {round(Backoff(first=1.0, most=10.0).delay(3, rng), 6) for _ in range(50)}
    assert len(waits) == 50


async def test_every_failed_attempt_is_logged_and_a_connection_resets_the_back_off() -> None:
    outcomes = ["fail", "fail", "up", "fail"]
    stop = asyncio.Event()

    async def session(up: MarkUp) -> None:
        outcome = outcomes.pop(0) if outcomes else "stay"
        if outcome == "fail":
            raise BrokerUnavailable("connecting to broker: refused")
        up()
        if outcome == "stay":
            await asyncio.Event().wait()

    with capture_logs() as logs:
        link = asyncio.create_task(
            keep_connected(session, name="test", stop=stop, backoff=QUICK, broker="b")
        )
        await _until(lambda: not outcomes)
        await _until(lambda: len([e for e in logs if e["event"] == "link_retrying"]) == 4)
        stop.set()
        await asyncio.wait_for(link, 5)
    attempts = [e for e in logs if e["event"] == "link_retrying"]
    assert [e["attempt"] for e in attempts] == [1, 2, 1, 2]
    assert [e["error"] for e in attempts] == [
        "connecting to broker: refused",
        "connecting to broker: refused",
        "connection ended",  # the session that was up returned: the connection closed
        "connecting to broker: refused",
    ]
    assert all(e["link"] == "test" and e["broker"] == "b" for e in attempts)
    assert all(e["log_level"] == "warning" for e in attempts)
    assert not [e for e in logs if e["event"] == "link_failed"]


async def test_stop_ends_a_live_session_at_once() -> None:
    stop = asyncio.Event()
    started, ended = asyncio.Event(), asyncio.Event()

    async def session(up: MarkUp) -> None:
        up()
        started.set()
        try:
            await asyncio.Event().wait()
        finally:
            ended.set()

    link = asyncio.create_task(keep_connected(session, name="test", stop=stop, backoff=QUICK))
    await asyncio.wait_for(started.wait(), 5)
    stop.set()
    await asyncio.wait_for(link, 1)
    assert ended.is_set()


async def test_stop_ends_the_wait_between_attempts_at_once() -> None:
    stop = asyncio.Event()
    tries = 0

    async def session(up: MarkUp) -> None:
        nonlocal tries
        tries += 1
        raise BrokerUnavailable("down")

    slow = Backoff(first=60.0, most=60.0)
    link = asyncio.create_task(keep_connected(session, name="test", stop=stop, backoff=slow))
    await _until(lambda: tries == 1)
    stop.set()
    await asyncio.wait_for(link, 1)
    assert tries == 1


async def test_cancelling_the_link_cancels_its_session_too() -> None:
    started, ended = asyncio.Event(), asyncio.Event()

    async def session(up: MarkUp) -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        finally:
            ended.set()

    link = asyncio.create_task(
        keep_connected(session, name="test", stop=asyncio.Event(), backoff=QUICK)
    )
    await asyncio.wait_for(started.wait(), 5)
    link.cancel()
    with pytest.raises(asyncio.CancelledError):
        await link
    assert ended.is_set()


async def test_a_bug_in_a_session_is_logged_with_its_traceback_and_the_link_goes_on() -> None:
    stop = asyncio.Event()
    heard: list[BaseException] = []
    calls = 0

    async def session(up: MarkUp) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise KeyError("a bug")
        up()
        await asyncio.Event().wait()

    with capture_logs() as logs:
        link = asyncio.create_task(
            keep_connected(session, name="test", stop=stop, backoff=QUICK, on_error=heard.append)
        )
        await _until(lambda: calls == 2)
        stop.set()
        await asyncio.wait_for(link, 5)
    assert [type(e) for e in heard] == [KeyError]
    failed = [e for e in logs if e["event"] == "link_failed"]
    assert len(failed) == 1 and isinstance(failed[0]["exc_info"], KeyError)


async def test_quiet_links_log_their_attempts_at_debug_level() -> None:
    stop = asyncio.Event()

    async def session(up: MarkUp) -> None:
        raise BrokerUnavailable("down")

    with capture_logs() as logs:
        link = asyncio.create_task(
            keep_connected(session, name="device", stop=stop, backoff=QUICK, quiet=True)
        )
        await _until(lambda: any(e["event"] == "link_retrying" for e in logs))
        stop.set()
        await asyncio.wait_for(link, 5)
    assert {e["log_level"] for e in logs if e["event"] == "link_retrying"} == {"debug"}
