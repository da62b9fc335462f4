"""The published contract (``/api/openapi.json``) says what the server answers: hearth's
error body for each error status, the real content types, how to sign in."""

from __future__ import annotations

from typing import Any

import httpx

ERROR_BODY = {"$ref": "#/components/schemas/ErrorBody"}


async def _contract(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/api/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def _errors(operation: dict[str, Any]) -> dict[str, Any]:
    return {
        status: answer["content"]["application/json"]["schema"]
        for status, answer in operation["responses"].items()
        if status[0] in "45"
    }


async def test_every_error_an_operation_answers_is_declared_with_hearths_error_body(
    client: httpx.AsyncClient,
) -> None:
    paths = (await _contract(client))["paths"]
    expected = {
        ("post", "/api/v1/auth/login"): {"403", "422", "401", "429"},
        ("get", "/api/v1/me"): {"401", "403"},
        ("patch", "/api/v1/homes/{home_id}"): {"401", "403", "404", "422"},
        ("post", "/api/v1/campaigns/{campaign_id}/pledges"): {
            "401",
            "402",
            "403",
            "404",
            "409",
            "422",
        },
        ("post", "/api/v1/products/{product_id}/transitions"): {
            "401",
            "403",
            "404",
            "409",
            "422",
        },
        ("get", "/api/v1/partner/orders.csv"): {"401", "403", "422"},
    }
    for (method, path), statuses in expected.items():
        errors = _errors(paths[path][method])
        assert set(errors) == statuses, (method, path)
        assert all(schema == ERROR_BODY for schema in errors.values()), (method, path)


async def test_no_operation_documents_fastapis_validation_body(client: httpx.AsyncClient) -> None:
    document = await _contract(client)
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert {"error", "detail"} <= set(schemas["ErrorBody"]["required"])
    assert schemas["ErrorBody"]["properties"]["errors"]["type"] == "array"
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if "422" in operation["responses"]:
                assert _errors(operation)["422"] == ERROR_BODY, (method, path)


async def test_the_csv_export_and_the_live_stream_declare_their_own_content_types(
    client: httpx.AsyncClient,
) -> None:
    paths = (await _contract(client))["paths"]
    csv = paths["/api/v1/partner/orders.csv"]["get"]["responses"]["200"]["content"]
    live = paths["/api/v1/homes/{home_id}/live"]["get"]["responses"]["200"]["content"]
    assert set(csv) == {"text/csv"}
    assert set(live) == {"text/event-stream"}


async def test_bearer_tokens_and_the_session_cookie_are_declared_where_the_caller_is_read(
    client: httpx.AsyncClient,
) -> None:
    document = await _contract(client)
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["bearer"]["description"],
    }
    assert (schemes["cookie"]["in"], schemes["cookie"]["name"]) == ("cookie", "hearth_session")
    paths = document["paths"]
    assert paths["/api/v1/me"]["get"]["security"] == [{"bearer": []}, {"cookie": []}]
    assert "security" not in paths["/api/v1/stores"]["get"]


async def test_a_wrong_method_is_answered_with_every_method_its_path_allows(
    client: httpx.AsyncClient,
) -> None:
    # /homes/{home_id} answers GET, PATCH and DELETE; Starlette used to name only one.
    refused = await client.put("/api/v1/homes/hom_nope", json={})
    assert refused.status_code == 405
    assert refused.headers["allow"] == "DELETE, GET, PATCH"
    assert refused.json()["error"] == "method_not_allowed"
    assert refused.json()["errors"] == []
