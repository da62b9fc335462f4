"""Input at the edges, over real HTTP: times past what UTC and date arithmetic hold, numbers
past what the columns hold, strings where numbers belong, digits that are not ASCII, and
campaign dates out of order. Each is a 422 naming its field, and changes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.funding.test_api import campaign_body, card_of, live_campaign, pledge_body, send
from tests.helpers import csrf_token

EARLIEST = "0001-01-01T00:00:00Z"
LATEST = "9999-12-31T23:59:59-14:00"  # past the last day Python holds, once in UTC
ONE_TIER = {"title": "Only", "price": "1.00", "retail_price": "1.00"}


def fields(response: httpx.Response) -> list[str]:
    body = response.json()
    assert response.status_code == 422, response.text
    assert body["error"] == "invalid_input" and body["detail"], body
    return [e["field"] for e in body["errors"]]


BAD_CAMPAIGNS: list[tuple[dict[str, Any], list[str]]] = [
    ({"starts_at": EARLIEST}, ["starts_at"]),
    ({"starts_at": LATEST}, ["starts_at"]),
    ({"ends_at": LATEST}, ["ends_at"]),
    ({"ends_at": EARLIEST}, ["ends_at"]),
    ({"delivery_date": LATEST}, ["delivery_date"]),
    ({"tiers": [{**ONE_TIER, "closes_at": LATEST}]}, ["tiers.0.closes_at"]),
    ({"goal": "12345678901234567890"}, ["goal"]),
    ({"goal": "١٢٣"}, ["goal"]),  # Arabic-Indic digits
    ({"goal": "１２３.00"}, ["goal"]),  # full-width digits
    ({"tiers": [{**ONE_TIER, "limit": 2**63}]}, ["tiers.0.limit"]),
    ({"tiers": [{**ONE_TIER, "limit": "3"}]}, ["tiers.0.limit"]),
    ({"tiers": [{**ONE_TIER, "per_backer": 2**63}]}, ["tiers.0.per_backer"]),
    ({"tiers": [{**ONE_TIER, "price": "99999999999.00"}]}, ["tiers.0.price"]),
    (
        {"starts_at": "2026-12-01T00:00:00Z", "ends_at": "2026-11-05T00:00:00Z"},
        ["starts_at", "ends_at"],
    ),
]


@pytest.mark.parametrize(("change", "named"), BAD_CAMPAIGNS)
async def test_a_campaign_out_of_bounds_is_refused_by_name_on_create_and_edit(
    mall: dict[str, Any], change: dict[str, Any], named: list[str]
) -> None:
    leo = mall["clients"]["leo"]
    product = mall["products"]["leo"]
    created = await send(leo, "POST", "/api/v1/partner/campaigns", campaign_body(product, **change))
    assert fields(created) == named
    assert (await leo.get("/api/v1/partner/campaigns")).json() == []

    draft = await send(leo, "POST", "/api/v1/partner/campaigns", campaign_body(product))
    assert draft.status_code == 201, draft.text
    url = f"/api/v1/partner/campaigns/{draft.json()['id']}"
    before = (await leo.get("/api/v1/partner/campaigns")).json()
    edited = await send(leo, "PATCH", url, change)
    assert fields(edited) == named
    assert (await leo.get("/api/v1/partner/campaigns")).json() == before


async def test_an_edit_may_not_end_a_draft_before_its_stored_start(mall: dict[str, Any]) -> None:
    leo = mall["clients"]["leo"]
    body = campaign_body(mall["products"]["leo"])
    draft = await send(leo, "POST", "/api/v1/partner/campaigns", body)
    url = f"/api/v1/partner/campaigns/{draft.json()['id']}"

    edited = await send(leo, "PATCH", url, {"ends_at": body["starts_at"]})

    assert fields(edited) == ["starts_at", "ends_at"]
    assert (await leo.get("/api/v1/partner/campaigns")).json()[0]["ends_at"] == body["ends_at"]


async def test_the_campaign_form_refuses_a_start_after_the_end_on_the_page(
    mall: dict[str, Any],
) -> None:
    leo = mall["clients"]["leo"]
    form = {
        "csrftoken": await csrf_token(leo),
        "product_id": mall["products"]["leo"],
        "title": "Lumi Desk Lamp",
        "goal": "500.00",
        "starts_at": "2026-12-20T09:00",
        "ends_at": "2026-12-01T09:00",
        "delivery_on": "2027-01-15",
        "tier_title": ["Early bird"],
        "tier_price": ["199.00"],
        "tier_retail": [""],
        "tier_limit": [""],
    }
    refused = await leo.post("/partner/campaigns", data=form)
    assert refused.status_code == 422
    assert "Starts at: before the campaign ends." in refused.text
    in_order = {**form, "starts_at": "2026-12-01T09:00", "ends_at": "2026-12-20T09:00"}
    arabic = await leo.post("/partner/campaigns", data={**in_order, "tier_limit": ["٣"]})
    assert arabic.status_code == 422
    assert "Tier 1 limit: input should be a valid integer." in arabic.text  # not read as 3
    far = await leo.post("/partner/campaigns", data={**in_order, "ends_at": "9999-12-31T09:00"})
    assert far.status_code == 422 and "from the year 1970 to 9000" in far.text
    assert (await leo.get("/api/v1/partner/campaigns")).json() == []


async def test_a_pledge_takes_its_quantity_as_a_number_only(mall: dict[str, Any]) -> None:
    mia = mall["clients"]["mia"]
    campaign = await live_campaign(mall)
    card = await card_of(mia)
    url = f"/api/v1/campaigns/{campaign['id']}/pledges"
    for quantity in ("1", 1.5, True, 2**63):
        body = {**pledge_body(campaign["tiers"][1]["id"], card), "quantity": quantity}
        refused = await send(mia, "POST", url, body, key=f"k-{quantity}")
        assert fields(refused) == ["quantity"], quantity
    assert (await mia.get("/api/v1/pledges")).json() == []
    # JSON Schema counts 1.0 as an integer, and so does hearth, as its contract says.
    body = {**pledge_body(campaign["tiers"][1]["id"], card), "quantity": 1.0}
    taken = await send(mia, "POST", url, body, key="k-whole")
    assert taken.status_code == 201, taken.text
    assert [p["quantity"] for p in (await mia.get("/api/v1/pledges")).json()] == [1]


@pytest.mark.parametrize("moment", [EARLIEST, LATEST, "inf"])
async def test_a_report_or_statement_period_out_of_bounds_is_refused_by_name(
    mall: dict[str, Any], moment: str
) -> None:
    ada, leo = mall["clients"]["ada"], mall["clients"]["leo"]
    partner_id = (await leo.get("/api/v1/me")).json()["partner_id"]
    for name in ("start", "end"):
        params = {"currency": "CNY", name: moment}
        report = await ada.get("/api/v1/ledger/report", params=params)
        assert fields(report) == [name]
        url = f"/api/v1/ledger/partners/{partner_id}/statement"
        statement = await leo.get(url, params=params)
        assert fields(statement) == [name]
