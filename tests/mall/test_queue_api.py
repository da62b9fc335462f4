"""The review queue's filters: state, category, partner and how long a submission waited."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from sqlalchemy import update

from hearth.bootstrap import Hearth
from hearth.errors import InvalidInput
from hearth.kit.clock import utcnow
from hearth.mall import products
from hearth.mall.models import Product
from tests.mall.flows import approved_partner, draft, move, staff


async def test_filters_the_queue_by_partner_state_category_and_age(hearth: Hearth) -> None:
    reviewer = await staff(hearth, "ada")
    zhimi = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    rival = await approved_partner(hearth, reviewer, "kim", "Rival Corp")
    old, fresh, theirs = await draft(zhimi, "Old"), await draft(zhimi, "Fresh"), await draft(rival)
    for client, pid in ((zhimi, old), (zhimi, fresh), (rival, theirs)):
        assert (await move(client, pid, to="submitted")).status_code == 200
    await move(reviewer, theirs, to="in_review")
    async with hearth.sessions() as session, session.begin():
        await session.execute(
            update(Product)
            .where(Product.id == old)
            .values(submitted_at=utcnow() - timedelta(days=4))
        )
    partner_id = (await zhimi.get(f"/api/v1/products/{old}")).json()["partner_id"]

    async def names(query: str) -> list[str]:
        response = await reviewer.get(f"/api/v1/review/queue{query}")
        assert response.status_code == 200, response.text
        return [item["product"]["name"] for item in response.json()]

    assert await names("") == ["Old", "Fresh", "Clean Air 3"]
    assert await names(f"?partner_id={partner_id}") == ["Old", "Fresh"]
    assert await names("?state=in_review") == ["Clean Air 3"]
    assert await names("?min_hours=72") == ["Old"]
    assert await names("?category=lighting") == []
    assert (await reviewer.get("/api/v1/review/queue?state=draft")).status_code == 422
    assert (await reviewer.get("/api/v1/review/queue?min_hours=-1")).status_code == 422
    page = (await reviewer.get("/platform?age=3d")).text
    assert "Old" in page and "Fresh" not in page
    assert (await zhimi.get("/api/v1/review/queue")).status_code == 403


async def test_a_waiting_time_out_of_bounds_is_refused_by_name(hearth: Hearth) -> None:
    reviewer = await staff(hearth, "ada")
    for hours in ("1e16", "2e7", "8761", "inf", "-inf", "nan", "-1"):
        response = await reviewer.get(f"/api/v1/review/queue?min_hours={hours}")
        assert response.status_code == 422, (hours, response.text)
        body = response.json()
        assert body["error"] == "invalid_input"
        assert [e["field"] for e in body["errors"]] == ["min_hours"], hours
    assert (await reviewer.get("/api/v1/review/queue?min_hours=8760")).json() == []
    # The console offers fixed ages only; anything else shows the whole queue.
    assert (await reviewer.get("/platform?age=1e16")).status_code == 200
    # The service holds the same bounds for any caller.
    async with hearth.sessions() as session:
        for wait in (math.inf, math.nan, 1e16):
            with pytest.raises(InvalidInput) as refused:
                await products.review_queue(session, min_hours=wait, now=utcnow())
            assert refused.value.detail[0]["field"] == "min_hours"
