"""Schedules, sun times, delays and modes with a clock the test moves by hand: timers and
delays live in the database, fire once with several runners, and survive a restart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from hearth.accounts import service as accounts
from hearth.accounts.models import User
from hearth.bootstrap import Hearth
from hearth.config import Settings
from hearth.homes import service as homes
from hearth.kit.clock import FrozenClock
from hearth.notifications.models import Notification
from hearth.outbox import discard, unit_of_work
from hearth.scenes import runner as runner_module
from hearth.scenes import service
from hearth.scenes.models import SceneRun, SceneTimer
from hearth.scenes.runner import SceneRunner
from hearth.scenes.schemas import AutomationIn, ScenePlaceIn
from hearth.scenes.timing import Place
from tests.helpers import PASSWORD

MONDAY = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai


class Home:
    """A home with a place, its owner, and runners on the same database."""

    def __init__(self, hearth: Hearth, user: User, home_id: str, clock: FrozenClock) -> None:
        self.hearth, self.user, self.home_id, self.clock = hearth, user, home_id, clock
        self.runners: list[SceneRunner] = []

    async def runner(self, hearth: Hearth | None = None) -> SceneRunner:
        """Start a runner that ticks only when told (tick of an hour: never by itself)."""
        runtime = hearth or self.hearth
        runner = SceneRunner(
            sessions=runtime.sessions,
            clock=runtime.clock,
            bus=runtime.bus,
            publish=runtime.publish,
            commands=runtime.cloud.commands if runtime.cloud else None,
            tick=3600,
        )
        await runner.start()
        self.runners.append(runner)
        return runner

    async def automation(self, **body: Any) -> str:
        body.setdefault("name", "Timed")
        # Told to nobody: each runner reloads here, at a known moment.
        async with unit_of_work(self.hearth.sessions, discard) as session:
            row = await service.create_automation(
                session,
                user=self.user,
                home_id=self.home_id,
                automation=AutomationIn.model_validate(body),
                now=self.clock.now(),
            )
        for runner in self.runners:
            await runner.reload(self.home_id)
        return row.id

    async def runs(self, automation_id: str) -> list[SceneRun]:
        async with self.hearth.sessions() as session:
            return list(
                await session.scalars(
                    select(SceneRun)
                    .where(SceneRun.automation_id == automation_id)
                    .order_by(SceneRun.started_at, SceneRun.id)
                )
            )

    async def notices(self) -> list[str]:
        async with self.hearth.sessions() as session:
            found = await session.scalars(
                select(Notification.title)
                .where(Notification.user_id == self.user.id)
                .order_by(Notification.created_at, Notification.id)
            )
            return list(found)

    async def settle(self) -> None:
        """Let every runner finish the runs it started.

        A finished task leaves the set in a done callback that runs on the loop's next turn,
        and awaiting a finished task does not yield: sleep once each round so it can leave.
        """
        for runner in self.runners:
            while runner._tasks:
                await asyncio.gather(*runner._tasks, return_exceptions=True)
                await asyncio.sleep(0)


@pytest.fixture
async def home(hearth: Hearth) -> AsyncIterator[Home]:
    clock = FrozenClock(MONDAY)
    hearth.clock = clock
    async with unit_of_work(hearth.sessions, hearth.publish) as session:
        user = await accounts.create_user(
            session, now=datetime.now(UTC), username="mia", password=PASSWORD
        )
        house = await homes.create_home(session, owner=user, name="Flat", now=clock.now())
        shanghai = ScenePlaceIn(timezone="Asia/Shanghai", latitude=31.23, longitude=121.47)
        await service.set_place(
            session, user=user, home_id=house.id, place=shanghai, now=clock.now()
        )
    furnished = Home(hearth, user, house.id, clock)
    try:
        yield furnished
    finally:
        for runner in furnished.runners:
            await runner.stop()


def notify(title: str) -> dict[str, Any]:
    return {"kind": "notify", "title": title}


async def test_a_cron_schedule_fires_once_per_due_time_with_two_runners(home: Home) -> None:
    first, second = await home.runner(), await home.runner()
    automation_id = await home.automation(
        triggers=[{"kind": "schedule", "cron": "30 7 * * 1-5"}], actions=[notify("Good morning")]
    )
    home.clock.advance(timedelta(hours=23, minutes=29))  # Monday 23:29 UTC = Tue 07:29 local
    await first.tick()
    assert await home.runs(automation_id) == []
    home.clock.advance(timedelta(minutes=1))
    await first.tick()
    await second.tick()
    await home.settle()
    (run,) = await home.runs(automation_id)
    assert (run.status, run.cause["kind"]) == ("succeeded", "schedule")
    assert run.cause["due_at"] == "2026-06-01T23:30:00+00:00"
    assert await home.notices() == ["Good morning"]
    async with home.hearth.sessions() as session:
        (timer,) = list(await session.scalars(select(SceneTimer)))
    assert timer.due_at == datetime(2026, 6, 2, 23, 30, tzinfo=UTC)  # Wednesday morning


async def test_weekly_times_follow_the_home_time_zone(home: Home) -> None:
    runner = await home.runner()
    automation_id = await home.automation(
        triggers=[{"kind": "schedule", "days": [0], "times": ["09:00", "21:00"]}],
        actions=[notify("Weekly")],
    )
    home.clock.advance(timedelta(hours=1))  # Monday 09:00 in Shanghai
    await runner.tick()
    home.clock.advance(timedelta(hours=12))  # Monday 21:00 in Shanghai
    await runner.tick()
    await home.settle()
    runs = await home.runs(automation_id)
    assert [r.cause["due_at"] for r in runs] == [
        "2026-06-01T01:00:00+00:00",
        "2026-06-01T13:00:00+00:00",
    ]


async def test_sunset_with_an_offset_fires_at_the_homes_sunset(home: Home) -> None:
    runner = await home.runner()
    automation_id = await home.automation(
        triggers=[{"kind": "sun", "event": "sunset", "offset_minutes": -15}],
        actions=[notify("Lights soon")],
    )
    async with home.hearth.sessions() as session:
        (timer,) = list(await session.scalars(select(SceneTimer)))
    local = timer.due_at.astimezone(Place("Asia/Shanghai").zone)
    assert (local.date().isoformat(), local.hour) == ("2026-06-01", 18)  # sunset ~18:55
    home.clock.advance(timer.due_at - home.clock.now() - timedelta(seconds=1))
    await runner.tick()
    assert await home.runs(automation_id) == []
    home.clock.advance(timedelta(seconds=1))
    await runner.tick()
    await home.settle()
    assert [r.status for r in await home.runs(automation_id)] == ["succeeded"]


async def test_a_schedule_missed_for_hours_is_skipped_not_run_late(home: Home) -> None:
    runner = await home.runner()
    automation_id = await home.automation(
        triggers=[{"kind": "schedule", "cron": "0 9 * * *"}], actions=[notify("Late")]
    )
    home.clock.advance(timedelta(hours=5))  # 13:00 local: 09:00 was missed by four hours
    await runner.tick()
    await home.settle()
    assert await home.runs(automation_id) == []


async def test_a_delay_survives_a_restart_of_hearth(home: Home, settings: Settings) -> None:
    runner = await home.runner()
    automation_id = await home.automation(
        triggers=[{"kind": "schedule", "cron": "0 9 * * *"}],
        actions=[notify("before"), {"kind": "delay", "seconds": 30}, notify("after")],
    )
    run_id = await runner.run_automation(user=home.user, automation_id=automation_id)
    await home.settle()
    (run,) = await home.runs(automation_id)
    assert (run.status, run.next_step) == ("waiting", 2)
    await runner.stop()
    home.runners.clear()
    restarted = Hearth.from_settings(settings)  # a new process on the same database
    restarted.clock = home.clock
    await restarted.start(mqtt=False)
    try:
        runner = await home.runner(restarted)
        home.clock.advance(timedelta(seconds=29))
        await runner.tick()
        assert (await home.runs(automation_id))[0].status == "waiting"
        home.clock.advance(timedelta(seconds=1))
        await runner.tick()
        await home.settle()
        (run,) = await home.runs(automation_id)
        assert (run.id, run.status) == (run_id, "succeeded")
        assert [s["kind"] for s in run.steps] == ["notify", "delay", "notify"]
        assert await home.notices() == ["before", "after"]
    finally:
        await runner.stop()
        home.runners.clear()
        await restarted.stop()


DELAYED = [{"kind": "delay", "seconds": 10}, notify("done")]


@pytest.mark.parametrize(
    ("mode", "statuses"),
    [
        ("single", ["succeeded", "skipped"]),
        ("restart", ["cancelled", "succeeded"]),
        ("queued", ["succeeded", "succeeded"]),
        ("parallel", ["succeeded", "succeeded"]),
    ],
)
async def test_the_mode_decides_what_a_second_trigger_does(
    home: Home, mode: str, statuses: list[str]
) -> None:
    runner = await home.runner()
    automation_id = await home.automation(
        mode=mode, triggers=[{"kind": "schedule", "cron": "0 9 * * *"}], actions=DELAYED
    )
    await runner.run_automation(user=home.user, automation_id=automation_id)
    await home.settle()
    await runner.run_automation(user=home.user, automation_id=automation_id)
    await home.settle()
    first_status = [r.status for r in await home.runs(automation_id)]
    expected_now = {
        "single": ["waiting", "skipped"],
        "restart": ["cancelled", "waiting"],
        "queued": ["waiting", "queued"],
        "parallel": ["waiting", "waiting"],
    }
    assert first_status == expected_now[mode]
    for _ in range(2):  # a queued run starts when the first ends, then waits its own delay
        home.clock.advance(timedelta(seconds=10))
        await runner.tick()
        await home.settle()
    assert [r.status for r in await home.runs(automation_id)] == statuses
    done = statuses.count("succeeded")
    assert await home.notices() == ["done"] * done


async def test_the_log_keeps_the_newest_runs_of_each_automation(
    home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner_module, "KEEP_PER_AUTOMATION", 2)
    runner = await home.runner()
    automation_id = await home.automation(
        mode="parallel",
        triggers=[{"kind": "schedule", "cron": "0 9 * * *"}],
        actions=[notify("ping")],
    )
    for _ in range(4):
        home.clock.advance(timedelta(seconds=1))
        await runner.run_automation(user=home.user, automation_id=automation_id)
        await home.settle()
    kept = [r.started_at for r in await home.runs(automation_id)]
    runner._next_prune = 0.0
    await runner.tick()
    assert [r.started_at for r in await home.runs(automation_id)] == kept[-2:]


async def test_a_schedule_fires_on_a_process_that_has_not_heard_of_it_yet(home: Home) -> None:
    runner = await home.runner()
    home.runners.remove(runner)  # so that creating the automation does not reload it
    automation_id = await home.automation(
        triggers=[{"kind": "schedule", "cron": "5 8 * * *"}], actions=[notify("Heard")]
    )
    home.runners.append(runner)
    assert automation_id not in runner.automations
    home.clock.advance(timedelta(minutes=5))  # 08:05 in Shanghai
    await runner.tick()
    await home.settle()
    assert [r.status for r in await home.runs(automation_id)] == ["succeeded"]
