"""Malformed requests are refused by the schemas in hearth's error shape, naming each field."""

from __future__ import annotations

import pytest

from hearth.bootstrap import Hearth
from tests.helpers import csrf_token, post_json
from tests.mall.flows import approved_partner, draft, fan, staff


async def test_a_malformed_application_names_each_field_and_files_nothing(hearth: Hearth) -> None:
    client = await fan(hearth, "mia")
    refused = await post_json(
        client,
        "/api/v1/partners/applications",
        {"name": "x" * 121, "contact_email": "hi@mia.example", "categories": [], "extra": 1},
    )

    assert refused.status_code == 422
    body = refused.json()
    assert set(body) == {"error", "detail", "errors"}
    assert body["error"] == "invalid_input"
    assert {p["field"] for p in body["errors"]} == {"name", "categories", "extra"}
    assert all(p["field"] in body["detail"] for p in body["errors"])
    assert (await client.get("/partner")).text.count('data-testid="application"') == 0


async def test_a_review_move_to_no_such_state_is_refused_naming_the_field(hearth: Hearth) -> None:
    client = await fan(hearth, "mia")
    refused = await post_json(client, "/api/v1/products/prd_x/transitions", {"to": "shipped"})

    assert refused.status_code == 422
    assert [p["field"] for p in refused.json()["errors"]] == ["to"]


async def test_a_form_field_past_its_bound_is_refused_by_the_form_model(hearth: Hearth) -> None:
    client = await fan(hearth, "mia")
    token = await csrf_token(client)
    refused = await client.post(
        "/partner/apply",
        data={"name": "x" * 121, "contact_email": "hi@mia.example", "csrftoken": token},
    )

    assert refused.status_code == 422
    assert "name" in refused.text and "text/html" in refused.headers["content-type"]


BAD_PRODUCTS: list[tuple[dict[str, object], str]] = [
    ({"campaign_goal": "12345678901234567890"}, "campaign_goal"),  # past BIGINT in minor units
    ({"retail_price": "١٢٣"}, "retail_price"),  # Arabic-Indic digits are not read as 123
    ({"campaign_days": 2**63}, "campaign_days"),
    ({"campaign_days": "30"}, "campaign_days"),  # a number, not a string to convert
    ({"category": "x" * 100_000}, "category"),
]


@pytest.mark.parametrize(("change", "named"), BAD_PRODUCTS)
async def test_a_product_out_of_bounds_is_refused_by_name_on_create_and_edit(
    hearth: Hearth, change: dict[str, object], named: str
) -> None:
    reviewer = await staff(hearth, "ada")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    pid = await draft(partner)
    before = (await partner.get(f"/api/v1/products/{pid}")).json()
    base = {"name": "Lamp", "category": "lighting"}

    created = await post_json(partner, "/api/v1/products", {**base, **change})
    headers = {"X-CSRFToken": await csrf_token(partner)}
    edited = await partner.patch(f"/api/v1/products/{pid}", json=change, headers=headers)

    for refused in (created, edited):
        assert refused.status_code == 422, refused.text
        assert [p["field"] for p in refused.json()["errors"]] == [named]
    assert [p["id"] for p in (await partner.get("/api/v1/products")).json()] == [pid]
    assert (await partner.get(f"/api/v1/products/{pid}")).json() == before


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ({"campaign_goal": "12345678901234567890"}, "an amount in digits 0-9"),
        ({"retail_price": "١٢٣"}, "an amount in digits 0-9"),
        ({"campaign_days": "²"}, "a whole number"),
        ({"campaign_days": "9" * 5000}, "a whole number"),
    ],
)
async def test_the_product_form_refuses_what_the_columns_cannot_hold_on_the_page(
    hearth: Hearth, typed: dict[str, str], problem: str
) -> None:
    reviewer = await staff(hearth, "ada")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    fields = {"name": "Lamp", "category": "lighting", **typed}
    fields["csrftoken"] = await csrf_token(partner)

    refused = await partner.post("/partner/products/new", data=fields)

    assert refused.status_code == 422
    assert problem in refused.text and "text/html" in refused.headers["content-type"]
    assert (await partner.get("/api/v1/products")).json() == []
