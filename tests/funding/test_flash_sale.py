"""Flash-sale correctness on a real PostgreSQL with several hearth processes: a limited tier
never oversells, a retried pledge never charges twice, and an acknowledged pledge survives
``kill -9`` of the process that acknowledged it."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from hearth import db
from hearth.funding import outcome
from hearth.funding.models import Campaign, Order, Pledge
from hearth.outbox import discard
from hearth.payments.models import SandboxPayment
from hearth.payments.sandbox import SandboxProvider
from tests.funding.cluster import ADDRESS, Backer, Sale, seed_sale, start_workers, tier_row
from tests.servers import Postgres

pytestmark = pytest.mark.postgres
_names = itertools.count()


@pytest.fixture
def pg_url(postgres: Postgres, postgres_template: str) -> Iterator[str]:
    name = f"flash_{next(_names)}"
    postgres.psql(f"CREATE DATABASE {name} TEMPLATE {postgres_template}")
    yield postgres.url(name)
    postgres.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def pledge(
    http: httpx.AsyncClient, base: str, sale: Sale, backer: Backer, key: str, quantity: int = 1
) -> httpx.Response:
    body: dict[str, Any] = {
        "tier_id": sale.tier_id,
        "quantity": quantity,
        "card_id": backer.card_id,
        "shipping": ADDRESS,
    }
    headers = {"Authorization": f"Bearer {backer.token}", "Idempotency-Key": key}
    return await http.post(
        f"{base}/api/v1/campaigns/{sale.campaign_id}/pledges", json=body, headers=headers
    )


async def count_active(url: str) -> int:
    engine = db.create_engine(url, pool=False)
    try:
        async with db.session_factory(engine)() as session:
            found = await session.scalar(
                select(func.coalesce(func.sum(Pledge.quantity), 0)).where(Pledge.state == "active")
            )
            return int(found or 0)
    finally:
        await engine.dispose()


async def test_a_limited_tier_never_oversells_across_three_workers(
    pg_url: str, tmp_path: Path
) -> None:
    sale = await seed_sale(pg_url, fans=90, limit=40)
    workers = start_workers(pg_url, 3, tmp_path)
    try:
        async with httpx.AsyncClient(timeout=60) as http:
            answers = await asyncio.gather(
                *(
                    pledge(http, workers[n % 3].url, sale, backer, f"fan-{n}")
                    for n, backer in enumerate(sale.backers)
                )
            )
    finally:
        for worker in workers:
            worker.stop()
    codes = sorted(a.status_code for a in answers)
    assert codes.count(201) == 40, [a.text for a in answers if a.status_code not in (201, 409)]
    assert codes.count(409) == 50
    assert all("sold out" in a.json()["detail"] for a in answers if a.status_code == 409)
    tier = await tier_row(pg_url, sale.tier_id)
    assert (tier.sold, tier.pledges) == (40, 40)
    assert await count_active(pg_url) == 40


async def test_a_retried_pledge_is_one_pledge_and_is_charged_once(
    pg_url: str, tmp_path: Path
) -> None:
    sale = await seed_sale(pg_url, fans=3, limit=10, goal="50.00")
    workers = start_workers(pg_url, 2, tmp_path)
    backer = sale.backers[0]
    try:
        async with httpx.AsyncClient(timeout=60) as http:
            # The same request, retried at once on both workers and again later.
            answers = await asyncio.gather(
                *(pledge(http, workers[n % 2].url, sale, backer, "same-key") for n in range(6))
            )
            answers.append(await pledge(http, workers[0].url, sale, backer, "same-key"))
    finally:
        for worker in workers:
            worker.stop()
    ok = [a for a in answers if a.status_code in (200, 201)]
    assert {a.json()["id"] for a in ok} == {answers[-1].json()["id"]}
    assert [a.status_code for a in answers].count(201) == 1
    assert all(a.status_code in (200, 201, 409) for a in answers)
    assert (await tier_row(pg_url, sale.tier_id)).sold == 1

    # Three workers settle the campaign at its end at the same moment: one charge.
    engine = db.create_engine(pg_url)
    sessions = db.session_factory(engine)
    try:
        async with sessions() as session:
            campaign = await session.get(Campaign, sale.campaign_id)
            assert campaign is not None
        later = campaign.ends_at + timedelta(minutes=1)
        provider = SandboxProvider(sessions)
        results = await asyncio.gather(
            *(
                outcome.settle(sessions, provider, discard, now=later, commission_bp=500)
                for _ in range(3)
            )
        )
        assert sum(len(r.funded) for r in results) == 1
        assert sum(r.charged for r in results) == 1
        async with sessions() as session:
            assert await session.scalar(select(func.count()).select_from(SandboxPayment)) == 1
            assert await session.scalar(select(func.count()).select_from(Order)) == 1
    finally:
        await engine.dispose()


async def test_acknowledged_pledges_survive_kill_9_of_the_server(
    pg_url: str, tmp_path: Path
) -> None:
    sale = await seed_sale(pg_url, fans=120, limit=1000)
    [worker] = start_workers(pg_url, 1, tmp_path)
    acknowledged: list[str] = []
    enough = asyncio.Event()
    try:
        async with httpx.AsyncClient(timeout=30) as http:

            async def one(number: int, backer: Backer) -> None:
                await asyncio.sleep(number * 0.004)
                try:
                    answer = await pledge(http, worker.url, sale, backer, f"k-{number}")
                except httpx.HTTPError:
                    return  # cut off by the kill: never acknowledged
                if answer.status_code == 201:
                    acknowledged.append(answer.json()["id"])
                    if len(acknowledged) >= 30:
                        enough.set()

            sending = asyncio.gather(*(one(n, b) for n, b in enumerate(sale.backers)))
            await asyncio.wait_for(enough.wait(), 60)
            worker.kill9()  # no goodbye, mid-flight
            await sending
    finally:
        worker.stop()
    assert len(acknowledged) >= 30
    engine = db.create_engine(pg_url, pool=False)
    try:
        async with db.session_factory(engine)() as session:
            found = set(await session.scalars(select(Pledge.id).where(Pledge.id.in_(acknowledged))))
            active = int(await session.scalar(select(func.count()).select_from(Pledge)) or 0)
    finally:
        await engine.dispose()
    assert found == set(acknowledged)
    # Whatever the kill cut was rolled back whole: the tier counts exactly the pledges kept.
    assert (await tier_row(pg_url, sale.tier_id)).sold == active >= len(acknowledged)
