"""Malformed requests are refused by the schemas in hearth's error shape, naming each field."""

from __future__ import annotations

from hearth.bootstrap import Hearth
from tests.helpers import csrf_token, post_json
from tests.mall.flows import fan


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
