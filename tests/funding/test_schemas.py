"""Crowdfunding's models hold the bounds: tiers, drafts and addresses are refused field by
field, over HTTP in hearth's error shape, and every JSON operation documents its answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from hearth.bootstrap import Hearth
from hearth.funding.schemas import CampaignTierIn, NewCampaignIn, PledgeShippingIn, problems_of
from hearth.web.app import create_app
from tests.conftest import make_settings
from tests.funding.test_api import campaign_body, card_of, live_campaign, pledge_body, send
from tests.funding.world import ADDRESS

TIER = {"title": "Early bird", "price": "199.00", "retail_price": "299.00"}


def refused_fields(model: type[Any], data: dict[str, Any]) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return {p["field"] for p in problems_of(caught.value)}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 81}, "title"),
        ({"price": "0.00"}, "price"),
        ({"price": "-5"}, "price"),
        ({"price": "1,000"}, "price"),
        ({"price": "12345678901"}, "price"),
        ({"price": "1.23456"}, "price"),
        ({"retail_price": "198.99"}, "retail_price"),
        ({"limit": 0}, "limit"),
        ({"limit": 10_000_001}, "limit"),
        ({"limit": "3"}, "limit"),  # a count is a number, not a string to convert
        ({"price": "١٩٩.00"}, "price"),  # Arabic-Indic digits
        ({"closes_at": "9999-12-31T23:59:59-14:00"}, "closes_at"),
        ({"per_backer": 0}, "per_backer"),
        ({"per_backer": 1001}, "per_backer"),
        ({"closes_at": "2026-11-02T08:00:00"}, "closes_at"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_tier_out_of_bounds_is_refused_naming_its_field(
    change: dict[str, Any], field: str
) -> None:
    assert refused_fields(CampaignTierIn, {**TIER, **change}) == {field}


def test_a_tier_within_bounds_keeps_its_decimal_strings_and_trims_its_title() -> None:
    tier = CampaignTierIn.model_validate(
        {**TIER, "title": "  Early bird ", "price": " 199.00", "limit": 3}
    )
    assert (tier.title, tier.price, tier.retail_price) == ("Early bird", "199.00", "299.00")
    assert (tier.limit, tier.per_backer, tier.closes_at) == (3, 5, None)


def test_a_new_campaign_needs_its_terms_and_one_to_twelve_tiers() -> None:
    body = campaign_body("prd_1")
    assert NewCampaignIn.model_validate(body).tiers[0].limit == 2
    assert refused_fields(NewCampaignIn, {**body, "tiers": []}) == {"tiers"}
    assert refused_fields(NewCampaignIn, {**body, "tiers": [TIER] * 13}) == {"tiers"}
    missing = {k: v for k, v in body.items() if k not in ("goal", "ends_at")}
    assert refused_fields(NewCampaignIn, missing) == {"goal", "ends_at"}
    assert refused_fields(NewCampaignIn, {**body, "images": ["http://x/a.png"]}) == {"images.0"}


def test_an_address_is_kept_as_printed_on_a_label() -> None:
    shipping = PledgeShippingIn.model_validate(
        {**ADDRESS, "name": "  Mia   Chen ", "country": " cn "}
    )
    assert (shipping.name, shipping.country, shipping.line2) == ("Mia Chen", "CN", "")
    wrong = {**ADDRESS, "city": "   ", "country": "China"}
    assert refused_fields(PledgeShippingIn, wrong) == {"city", "country"}


async def test_tiers_out_of_bounds_are_refused_over_http_in_hearths_error_shape(
    mall: dict[str, Any],
) -> None:
    leo = mall["clients"]["leo"]
    product = mall["products"]["leo"]
    for tiers, fields in (
        (
            [{**TIER, "per_backer": 0}, {**TIER, "limit": 0}],
            ["tiers.0.per_backer", "tiers.1.limit"],
        ),
        ([{**TIER, "price": "0"}], ["tiers.0.price"]),
        ([TIER] * 13, ["tiers"]),
    ):
        answer = await send(
            leo, "POST", "/api/v1/partner/campaigns", campaign_body(product, tiers=tiers)
        )
        assert answer.status_code == 422, answer.text
        body = answer.json()
        assert set(body) == {"error", "detail", "errors"}
        assert body["error"] == "invalid_input"
        assert [e["field"] for e in body["errors"]] == fields
        assert all(e["message"] for e in body["errors"])
        assert all(field in body["detail"] for field in fields)
    assert (await leo.get("/api/v1/partner/campaigns")).json() == []


async def test_every_funding_operation_documents_a_typed_answer(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'hearth.db'}")
    app = create_app(hearth=Hearth.from_settings(settings))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        document = (await client.get("/api/openapi.json")).json()
    operations = [
        (f"{method.upper()} {path}", operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if "funding" in operation.get("tags", ())
    ]
    assert len(operations) == 47
    for name, operation in operations:
        assert operation.get("description"), name
        answers = {code: a for code, a in operation["responses"].items() if code.startswith("2")}
        assert len(answers) == 1, name
        [answer] = answers.values()
        if name == "GET /api/v1/partner/orders.csv":
            assert "text/csv" in answer["content"], name
            continue
        if name == "GET /api/v1/receipts/{receipt_id}/receipt.pdf":
            assert "application/pdf" in answer["content"], name
            continue
        if name == "DELETE /api/v1/cards/{card_id}":
            assert "204" in operation["responses"], name  # nothing to say on success
            continue
        schema = answer["content"]["application/json"]["schema"]
        assert "$ref" in schema.get("items", schema), name
    names = document["components"]["schemas"]
    mine = [n for n in names if n.startswith(("Campaign", "Pledge", "Funding", "Backer"))]
    assert mine and not [n for n in names if n.startswith("hearth__") and "funding" in n]


async def test_answers_keep_their_fields_and_write_times_with_their_offset(
    mall: dict[str, Any],
) -> None:
    mia = mall["clients"]["mia"]
    campaign = await live_campaign(mall)
    assert set(campaign) == {
        *("id", "product_id", "partner", "title", "summary", "description", "images"),
        *("state", "goal", "raised", "raised_counts", "backers", "percent", "starts_at"),
        "ends_at",
        *("time_left", "delivery_date", "tiers", "photos", "risks", "faq", "shipping"),
    }
    assert set(campaign["tiers"][0]) == {
        *("id", "title", "description", "price", "retail_price", "limit", "remaining"),
        *("per_backer", "closes_at", "early_bird", "open", "backers"),
    }
    assert campaign["goal"] == {"amount": 50000, "currency": "CNY", "display": "¥500.00"}
    assert campaign["starts_at"] == "2026-11-01T08:00:00+00:00"
    assert campaign["delivery_date"] == "2027-01-10"
    url = f"/api/v1/campaigns/{campaign['id']}/pledges"
    body = pledge_body(campaign["tiers"][1]["id"], await card_of(mia))
    placed = (await send(mia, "POST", url, body, key="k")).json()
    pledge_fields = {
        *("id", "campaign_id", "tier_id", "quantity", "amount", "state", "card_id"),
        *("shipping", "failure", "retry_until", "created_at", "shipping_cost", "total"),
    }
    assert set(placed) == pledge_fields
    assert set((await mia.get("/api/v1/pledges")).json()[0]) == pledge_fields | {"campaign_title"}
    shown = (await mia.get(f"/api/v1/campaigns/{campaign['id']}")).json()
    assert set(shown) == set(campaign) | {"my_pledge"} and shown["my_pledge"] == placed
