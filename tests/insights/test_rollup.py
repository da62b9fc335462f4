"""The daily figures equal an independent count of the raw rows, whatever the history; a
day counted again gives the same; a rollup rebuilt from scratch equals the one kept as the
days went by; and two workers never count one day at once."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import REGISTRY
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db
from hearth.accounts.roles import Role
from hearth.bootstrap import Hearth
from hearth.hub.models import Device, DeviceModel, DeviceState
from hearth.insights import activity, rollup
from hearth.insights.models import ActiveDay, CountedDay, DailyFigure
from hearth.insights.rules import SETTLE, day_end, day_start
from hearth.insights.worker import InsightsJob
from hearth.kit.clock import FrozenClock
from tests.helpers import create_account, signup

D0 = date(2026, 11, 1)
DAYS = 10
AFTER = day_end(D0 + timedelta(days=DAYS)) + SETTLE  # every day of the history has settled
MODELS = {  # model id -> (category, maker)
    "test.lamp.v1": ("light", None),
    "test.plug.v1": ("outlet", "maker"),
}

# A history: who was active on which day, and devices made (day, hour) and maybe revoked.
person_days = st.lists(st.tuples(st.integers(0, 5), st.integers(0, DAYS - 1)), max_size=30)
devices = st.lists(
    st.tuples(
        st.sampled_from(sorted(MODELS)),
        st.integers(0, DAYS - 1),
        st.integers(0, 23),
        st.one_of(st.none(), st.integers(0, DAYS + 1)),
    ),
    max_size=12,
)


async def _people(sessions: async_sessionmaker[AsyncSession], count: int) -> list[str]:
    async with db.transaction(sessions) as session:
        users = [await create_account(session, f"fan{n}") for n in range(count)]
        for user in users:  # as if they had joined before the history starts
            user.created_at = day_start(D0)
        return [u.id for u in users]


async def _models(session: AsyncSession, maker_id: str) -> None:
    for model_id, (category, maker) in MODELS.items():
        spec = {"model": model_id, "name": model_id, "category": category, "services": []}
        session.add(
            DeviceModel(
                id=model_id,
                name=model_id,
                spec=spec,
                partner_id=maker_id if maker else None,
            )
        )


async def _history(
    sessions: async_sessionmaker[AsyncSession],
    active: list[tuple[int, int]],
    made: list[tuple[str, int, int, int | None]],
) -> tuple[list[str], str]:
    people = await _people(sessions, 6)
    async with db.transaction(sessions) as session:
        maker = await create_account(session, "maker", role=Role.PARTNER, company="Maker Co")
        assert maker.partner_id is not None
        await _models(session, maker.partner_id)
        await session.flush()  # the models before the devices that name them
        for who, day in active:
            await activity.record(session, user_id=people[who], day=D0 + timedelta(days=day))
        for n, (model_id, day, hour, revoked) in enumerate(made):
            at = day_start(D0 + timedelta(days=day)) + timedelta(hours=hour)
            session.add(
                Device(
                    id=f"dev{n}",
                    model_id=model_id,
                    secret_hash="x",
                    pairing_digest=f"pair{n}",
                    batch="b",
                    created_at=at,
                    credentials_at=at,
                    revoked_at=None
                    if revoked is None
                    else max(at, day_start(D0 + timedelta(days=revoked))),
                )
            )
    return people, maker.partner_id


def _expected(
    active: list[tuple[int, int]],
    made: list[tuple[str, int, int, int | None]],
    maker_id: str,
    day: date,
) -> dict[tuple[str, str], int]:
    """Count the day's figures from the history itself, another way than the rollup."""
    offset = (day - D0).days
    seen = set(active)
    expected = {
        ("people.active", ""): len({w for w, d in seen if d == offset}),
        ("people.active_7d", ""): len({w for w, d in seen if offset - 7 < d <= offset}),
        ("people.active_30d", ""): len({w for w, d in seen if offset - 30 < d <= offset}),
    }
    end = day_end(day)
    alive: Counter[str] = Counter()
    for model_id, made_day, hour, revoked in made:
        at = day_start(D0 + timedelta(days=made_day)) + timedelta(hours=hour)
        gone = None if revoked is None else max(at, day_start(D0 + timedelta(days=revoked)))
        if at < end and (gone is None or gone >= end):
            category, maker = MODELS[model_id]
            alive[f"category:{category}"] += 1
            alive[f"maker:{maker_id if maker else 'hearth'}"] += 1
            alive[""] += 1
    expected["devices.registered", ""] = alive[""]
    expected.update({("devices.registered", k): v for k, v in alive.items() if k})
    return expected


async def _figures(
    sessions: async_sessionmaker[AsyncSession], day: date
) -> dict[tuple[str, str], int]:
    async with sessions() as session:
        rows = await session.execute(
            select(DailyFigure.figure, DailyFigure.key, DailyFigure.value).where(
                DailyFigure.day == day
            )
        )
        return {(f, k): v for f, k, v in rows.all()}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(active=person_days, made=devices)
def test_every_days_figures_equal_a_count_of_the_raw_rows_for_any_history(
    sqlite_template: Path,
    active: list[tuple[int, int]],
    made: list[tuple[str, int, int, int | None]],
) -> None:
    asyncio.run(_check_history(sqlite_template, active, made))


async def _check_history(
    template: Path, active: list[tuple[int, int]], made: list[tuple[str, int, int, int | None]]
) -> None:
    directory = Path(tempfile.mkdtemp())
    shutil.copy(template, directory / "hearth.db")
    engine = db.create_engine(f"sqlite+aiosqlite:///{directory / 'hearth.db'}")
    try:
        sessions = db.session_factory(engine)
        _, maker_id = await _history(sessions, active, made)
        for offset in range(DAYS):
            day = D0 + timedelta(days=offset)
            async with db.transaction(sessions) as session:
                assert await rollup.count(session, day, now=AFTER)
            got = await _figures(sessions, day)
            wanted = _expected(active, made, maker_id, day)
            for name in ("people.active", "people.active_7d", "people.active_30d"):
                assert got[name, ""] == wanted[name, ""], (day, name)
            registered = {k: v for k, v in got.items() if k[0] == "devices.registered"}
            assert registered == {k: v for k, v in wanted.items() if k[0] == "devices.registered"}
            assert ("devices.connected", "") not in got  # a past day: nobody knows who was online
    finally:
        await engine.dispose()
        shutil.rmtree(directory, ignore_errors=True)


async def test_a_rollup_rebuilt_from_scratch_equals_the_one_kept_day_by_day(hearth: Hearth) -> None:
    made: list[tuple[str, int, int, int | None]] = [
        ("test.lamp.v1", d, 9, None) for d in range(DAYS)
    ]
    made.append(("test.plug.v1", 2, 3, 5))
    active = [(w, d) for w in range(6) for d in range(DAYS) if (w + d) % 3]
    await _history(hearth.sessions, active, made)
    job = InsightsJob(sessions=hearth.sessions, clock=FrozenClock(day_start(D0)))
    # The job runs through the days, several times a day, as the clock goes.
    for hours in range(0, 24 * DAYS + 6, 5):
        job.clock = FrozenClock(day_start(D0) + timedelta(hours=hours))
        await job.run_once()
    kept = {
        d: await _figures(hearth.sessions, d) for d in (D0 + timedelta(days=n) for n in range(DAYS))
    }
    async with hearth.sessions() as session:
        final = await rollup.final_days(session, D0)
    assert set(final) >= {D0 + timedelta(days=n) for n in range(DAYS - 1)}
    async with db.transaction(hearth.sessions) as session:
        await rollup.rebuild(session, list(kept), now=AFTER)
    for day, figures in kept.items():
        rebuilt = await _figures(hearth.sessions, day)
        assert rebuilt == figures, day
    assert kept[D0 + timedelta(days=3)]["devices.registered", "maker:hearth"] == 4


async def test_today_is_counted_again_and_samples_who_is_online_and_past_days_keep_theirs(
    hearth: Hearth,
) -> None:
    await _history(hearth.sessions, [(0, 0)], [("test.lamp.v1", 0, 1, None)])
    async with db.transaction(hearth.sessions) as session:
        session.add(DeviceState(device_id="dev0", online=True))
    noon = day_start(D0) + timedelta(hours=12)
    async with db.transaction(hearth.sessions) as session:
        assert await rollup.count(session, D0, now=noon)
    assert (await _figures(hearth.sessions, D0))["devices.connected", ""] == 1
    async with db.transaction(hearth.sessions) as session:
        (await session.get(DeviceState, "dev0")).online = False  # type: ignore[union-attr]
    async with db.transaction(hearth.sessions) as session:  # counted for good, next day
        assert await rollup.count(session, D0, now=day_end(D0) + SETTLE)
        assert not await rollup.count(session, D0, now=day_end(D0) + SETTLE * 2)
    figures = await _figures(hearth.sessions, D0)
    assert figures["devices.connected", ""] == 1  # the day's own sample, not tonight's
    assert figures["people.active", ""] == 1


async def test_the_job_sets_the_gauges_prometheus_scrapes_to_todays_counts(hearth: Hearth) -> None:
    await _history(hearth.sessions, [(0, 0)], [("test.lamp.v1", 0, 1, None)])
    async with db.transaction(hearth.sessions) as session:
        session.add(DeviceState(device_id="dev0", online=True))
    await InsightsJob(
        sessions=hearth.sessions, clock=FrozenClock(day_start(D0) + timedelta(hours=9))
    ).run_once()
    assert REGISTRY.get_sample_value("hearth_devices_connected") == 1
    assert REGISTRY.get_sample_value("hearth_campaigns_live") == 0


async def test_two_workers_never_count_one_day_at_once(hearth: Hearth) -> None:
    await _history(hearth.sessions, [(0, 0)], [])
    now = day_start(D0) + timedelta(hours=12)
    async with db.transaction(hearth.sessions) as first:
        assert await rollup.claim(first, D0, now=now)
    async with db.transaction(hearth.sessions) as second:  # while the first holds its lease
        assert not await rollup.claim(second, D0, now=now + timedelta(minutes=1))
    async with db.transaction(hearth.sessions) as second:  # a lease left by a stopped worker
        assert await rollup.claim(second, D0, now=now + rollup.LEASE + timedelta(seconds=1))
    jobs = [InsightsJob(sessions=hearth.sessions, clock=FrozenClock(now)) for _ in range(2)]
    counted = await asyncio.gather(*(job.run_once() for job in jobs))
    async with hearth.sessions() as session:
        row = await session.get(CountedDay, D0)
    assert row is not None and row.counts == sum(counted)


async def test_a_person_is_active_once_a_day_however_many_requests_and_processes(
    hearth: Hearth,
) -> None:
    (who,) = await _people(hearth.sessions, 1)
    first, second = activity.Activity(hearth.sessions), activity.Activity(hearth.sessions)
    morning = datetime(2026, 11, 3, 7, tzinfo=UTC)
    for n in range(3):
        await first.seen(who, morning + timedelta(hours=n))
        await second.seen(who, morning + timedelta(hours=n))
    await first.seen(who, morning + timedelta(days=1))
    async with hearth.sessions() as session:
        days = list(await session.scalars(select(ActiveDay.day).where(ActiveDay.user_id == who)))
    assert sorted(days) == [date(2026, 11, 3), date(2026, 11, 4)]


async def test_a_signed_in_request_counts_its_person_as_active_today_and_no_one_else(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    me = await signup(client, "mia")
    assert (await client.get("/api/v1/homes")).status_code == 200
    assert (
        await client.get("/api/v1/platform/campaigns")
    ).status_code == 403  # refused, still active
    client.cookies.clear()
    assert (await client.get("/api/v1/community/boards")).status_code == 200  # nobody signed in
    async with hearth.sessions() as session:
        rows = [
            tuple(r)
            for r in (await session.execute(select(ActiveDay.user_id, ActiveDay.day))).all()
        ]
    assert rows == [(me["id"], hearth.clock.now().astimezone(UTC).date())]
