"""A flash sale's batch statements, spoken to asyncpg directly (PostgreSQL only).

A batch of pledges costs five statements whatever its size. Through the ORM, or even
Core, each cost 0.3-0.6 ms of CPU here (statement building, cache keys, the greenlet
bridge, result objects): more than the database spends on it, and at a batch every few
milliseconds per process, the larger part of a pledge's cost. So, like the device ingest
(``hub.batchsql``), the hot path talks to the driver, inside a transaction its caller
opened on it: who the tokens belong to (noting their use in the same statement), the
campaign with its tiers, the cards, the pledges' insert and the tier's conditional update;
and, on the rarer paths, the tier's lock, taking pledges back and finding pledges by their
idempotency keys. Columns and tables come from the models, so the SQL follows them; rows
come back as plain values. Timestamps are aware UTC datetimes, as
``hearth.db.UTCDateTime`` stores them on PostgreSQL; JSON is decoded by the codec the
engine sets on each of its connections.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

import orjson
from sqlalchemy import JSON, Table
from sqlalchemy.dialects import postgresql

from hearth.funding.models import Pledge

PLEDGES = cast(Table, Pledge.__table__)
PLEDGE_COLUMNS = tuple(c.name for c in PLEDGES.columns)
_JSON_COLUMNS = frozenset(c.name for c in PLEDGES.columns if isinstance(c.type, JSON))


@functools.cache
def _insert_sql() -> str:
    """The pledges' insert, built once, at its first use: a foreign key column's type is
    known only once the table it refers to is loaded. ``unnest(...)`` takes one typed
    array per column; JSON travels as text and is cast on insert."""
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    types = {
        c.name: "text" if c.name in _JSON_COLUMNS else c.type.compile(dialect=dialect)
        for c in PLEDGES.columns
    }
    arrays = ", ".join(f"${i + 1}::{types[c]}[]" for i, c in enumerate(PLEDGE_COLUMNS))
    chosen = ", ".join(f"{c}::json" if c in _JSON_COLUMNS else c for c in PLEDGE_COLUMNS)
    names = ", ".join(PLEDGE_COLUMNS)
    return (
        f"INSERT INTO pledges ({names}) SELECT {chosen} FROM unnest({arrays}) AS v({names}) "
        "ON CONFLICT DO NOTHING RETURNING id"
    )


class Driver(Protocol):
    """The part of an asyncpg connection these statements use."""

    async def fetch(self, query: str, *args: Any) -> list[Any]: ...
    async def fetchrow(self, query: str, *args: Any) -> Any: ...
    async def execute(self, query: str, *args: Any) -> str: ...
    def transaction(self) -> AbstractAsyncContextManager[Any]: ...


@dataclass(frozen=True, slots=True)
class PledgeRow:
    """A row of ``pledges`` as plain values: building and reading ORM objects cost more
    than all the rest of a pledge's share of its batch."""

    id: str
    campaign_id: str
    tier_id: str
    backer_id: str
    holder: str
    quantity: int
    amount: int
    currency: str
    state: str
    card_id: str
    shipping: dict[str, Any]
    shipping_cost: int
    idempotency_key: str
    attempt: int
    payment_id: str | None
    failure: str
    retry_until: datetime | None
    lease_until: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class SaleCampaign:
    id: str
    state: str
    starts_at: datetime
    ends_at: datetime
    goal: int
    currency: str
    shipping_rates: Any  # JSON: a dict, or its text as the driver hands it over


@dataclass(frozen=True, slots=True)
class SaleTier:
    id: str
    title: str
    price: int
    limit: int | None
    per_backer: int
    closes_at: datetime | None
    sold: int
    pledged: int
    pledges: int


_OWNERS = """
WITH found AS (
    SELECT t.id, t.token_hash, t.user_id, t.last_used_at
    FROM api_tokens t JOIN users u ON u.id = t.user_id
    WHERE t.token_hash = ANY($1::varchar[]) AND t.revoked_at IS NULL AND u.is_active
), noted AS (
    UPDATE api_tokens SET last_used_at = $2
    WHERE id IN (SELECT id FROM found WHERE last_used_at IS NULL OR last_used_at <= $3)
)
SELECT token_hash, user_id FROM found
"""


async def token_owners(
    driver: Driver, digests: Sequence[str], now: datetime, precision: timedelta
) -> dict[str, str]:
    """Return the owners' ids of live tokens (active people only) by digest, and note the
    use of those not noted within ``precision``, in one statement."""
    rows = await driver.fetch(_OWNERS, list(digests), now, now - precision)
    return {row[0]: row[1] for row in rows}


def _columns(row: Any, alias: str) -> str:
    """The columns of a row class, in its fields' order, quoted ("limit" is a keyword)."""
    return ", ".join(f'{alias}."{f.name}"' for f in fields(row))


_SALE = f"""
SELECT {_columns(SaleCampaign, "c")}, {_columns(SaleTier, "t")}
FROM campaign_tiers t JOIN campaigns c ON c.id = t.campaign_id
WHERE t.campaign_id = (SELECT campaign_id FROM campaign_tiers WHERE id = $1)
ORDER BY t.position, t.id
"""
_CAMPAIGN_WIDTH = len(fields(SaleCampaign))


async def sale(driver: Driver, tier_id: str) -> tuple[SaleCampaign | None, list[SaleTier]]:
    """Return the campaign of ``tier_id`` and all its tiers, as they are now (no lock)."""
    rows = await driver.fetch(_SALE, tier_id)
    if not rows:
        return None, []
    campaign = SaleCampaign(*tuple(rows[0])[:_CAMPAIGN_WIDTH])
    return campaign, [SaleTier(*tuple(row)[_CAMPAIGN_WIDTH:]) for row in rows]


async def card_owners(driver: Driver, card_ids: Sequence[str]) -> dict[str, str]:
    """Return whose each card is, by card id (unknown and removed cards left out)."""
    rows = await driver.fetch(
        "SELECT id, user_id FROM backer_cards WHERE id = ANY($1::varchar[]) AND removed_at IS NULL",
        list(card_ids),
    )
    return {row[0]: row[1] for row in rows}


async def insert_pledges(driver: Driver, rows: Sequence[PledgeRow]) -> set[str]:
    """Insert pledge rows in one statement, leaving out those a unique key refuses; return
    the ids inserted."""
    columns = [
        [orjson.dumps(getattr(row, c)).decode() for row in rows]
        if c in _JSON_COLUMNS
        else [getattr(row, c) for row in rows]
        for c in PLEDGE_COLUMNS
    ]
    return {row[0] for row in await driver.fetch(_insert_sql(), *columns)}


_TAKE = """
UPDATE campaign_tiers SET sold = sold + $2, pledged = pledged + $3, pledges = pledges + $4
WHERE id = $1 AND ($2 = 0 OR (("limit" IS NULL OR sold + $2 <= "limit")
  AND (closes_at IS NULL OR closes_at > $5)))
RETURNING sold, pledged, pledges
"""


async def take(
    driver: Driver, tier_id: str, quantity: int, amount: int, count: int, now: datetime
) -> tuple[int, int, int] | None:
    """Take ``quantity`` units from the tier if they are all there and it is open; return
    its new totals (sold, pledged, pledges), or None if it took nothing."""
    row = await driver.fetchrow(_TAKE, tier_id, quantity, amount, count, now)
    return None if row is None else (row[0], row[1], row[2])


async def lock_tier(driver: Driver, tier_id: str) -> SaleTier | None:
    """Lock the tier's row until the transaction ends and return it as it is now.

    FOR NO KEY UPDATE, not FOR UPDATE: every batch already holds a KEY SHARE lock on the
    tier through its pledges' foreign key, and FOR UPDATE conflicts with KEY SHARE, so two
    batches asking for it at once each waited for the other (a deadlock PostgreSQL broke by
    failing one whole batch). NO KEY UPDATE still serialises the batches that lock it."""
    row = await driver.fetchrow(
        f"SELECT {_columns(SaleTier, 't')} FROM campaign_tiers t WHERE id = $1 FOR NO KEY UPDATE",
        tier_id,
    )
    return None if row is None else SaleTier(*tuple(row))


async def drop_pledges(driver: Driver, pledge_ids: Sequence[str]) -> None:
    """Take back pledges inserted earlier in this transaction."""
    await driver.execute("DELETE FROM pledges WHERE id = ANY($1::varchar[])", list(pledge_ids))


async def pledges_by_key(driver: Driver, wanted: Sequence[tuple[str, str]]) -> list[PledgeRow]:
    """Return the pledges of these (backer, idempotency key) pairs, whatever their campaign."""
    rows = await driver.fetch(
        f"SELECT {', '.join(PLEDGE_COLUMNS)} FROM pledges "
        "WHERE (backer_id, idempotency_key) IN "
        "(SELECT * FROM unnest($1::varchar[], $2::varchar[]))",
        [backer for backer, _ in wanted],
        [key for _, key in wanted],
    )
    return [PledgeRow(**dict(row.items())) for row in rows]
