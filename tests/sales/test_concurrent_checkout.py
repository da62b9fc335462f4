"""Concurrent checkouts of a limited-stock product on a real PostgreSQL with three hearth
processes: nothing is oversold, stock never goes below zero, and every acknowledged order
is in the database."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from hearth import db
from hearth.funding.models import Order, OrderItem, StoreListing
from hearth.sales.models import SaleVariant
from tests.funding.cluster import start_workers
from tests.sales.cluster import Buyer, seed_shop
from tests.servers import Postgres

pytestmark = pytest.mark.postgres
_names = itertools.count()


@pytest.fixture
def pg_url(postgres: Postgres, postgres_template: str) -> Iterator[str]:
    name = f"shop_{next(_names)}"
    postgres.psql(f"CREATE DATABASE {name} TEMPLATE {postgres_template}")
    yield postgres.url(name)
    postgres.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def check_out(http: httpx.AsyncClient, base: str, buyer: Buyer, key: str) -> httpx.Response:
    return await http.post(
        f"{base}/api/v1/checkout",
        json={"address_id": buyer.address_id, "card_id": buyer.card_id},
        headers={"Authorization": f"Bearer {buyer.token}", "Idempotency-Key": key},
    )


async def test_concurrent_checkouts_on_three_workers_never_oversell(
    pg_url: str, tmp_path: Path
) -> None:
    shop = await seed_shop(pg_url, fans=60, stock=25)
    workers = start_workers(pg_url, 3, tmp_path)
    try:
        async with httpx.AsyncClient(timeout=60) as http:
            answers = await asyncio.gather(
                *(
                    check_out(http, workers[n % 3].url, buyer, f"buy-{n}")
                    for n, buyer in enumerate(shop.buyers)
                )
            )
    finally:
        for worker in workers:
            worker.stop()

    paid = [a.json()["stores"][0]["order_id"] for a in answers if a.status_code == 201]
    refused = [a for a in answers if a.status_code == 409]
    assert len(paid) + len(refused) == len(shop.buyers), [a.text for a in answers][:3]
    assert all("sold out" in a.json()["detail"] for a in refused)
    engine = db.create_engine(pg_url, pool=False)
    try:
        async with db.session_factory(engine)() as session:
            left = await session.scalar(
                select(SaleVariant.stock).where(SaleVariant.id == shop.variant_id)
            )
            listing = await session.get(StoreListing, shop.listing_id)
            sold = await session.scalar(
                select(func.coalesce(func.sum(OrderItem.quantity), 0)).where(
                    OrderItem.variant_id == shop.variant_id
                )
            )
            stored = set(await session.scalars(select(Order.id).where(Order.channel == "sale")))
    finally:
        await engine.dispose()
    assert left == 0 and listing is not None and listing.stock == 0
    assert sold == shop.stock - left == len(paid)  # sold is what was taken, nothing more
    assert set(paid) <= stored  # every acknowledged order is there
