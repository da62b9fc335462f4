"""The specs API: validation reports, the built-in library and the schema, over HTTP."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from hearth.hub.api_specs import router
from hearth.web.errors import install_error_handlers

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "miot"
NATIVE: dict[str, Any] = {
    "model": "acme.lamp.v1",
    "name": "Acme Lamp",
    "category": "light",
    "services": [
        {
            "iid": 2,
            "type": "urn:miot-spec-v2:service:light:00007802",
            "properties": [
                {
                    "iid": 1,
                    "type": "urn:miot-spec-v2:property:on:00000006",
                    "format": "bool",
                    "access": ["read", "write", "notify"],
                }
            ],
        }
    ],
}


@pytest.fixture
async def api() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.include_router(router, prefix="/api/v1")
    install_error_handlers(app)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_valid_native_spec_is_reported_valid(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/v1/specs/validate", json=NATIVE)
    assert response.status_code == 200
    assert response.json() == {"valid": True, "issues": [], "warnings": []}


async def test_invalid_native_spec_lists_each_issue_with_its_pointer(
    api: httpx.AsyncClient,
) -> None:
    document = copy.deepcopy(NATIVE)
    document["services"][0]["properties"][0]["format"] = "tlv8"
    del document["name"]
    response = await api.post("/api/v1/specs/validate", json=document)
    body = response.json()
    assert response.status_code == 200
    assert body["valid"] is False
    assert [(i["pointer"], i["reason"]) for i in body["issues"]] == [
        ("/name", "missing"),
        ("/services/0/properties/0/format", "not_allowed"),
    ]
    assert all(i["message"] for i in body["issues"])


async def test_miot_instance_is_imported_and_reported(api: httpx.AsyncClient) -> None:
    path = FIXTURES / "urn.miot-spec-v2.device.vacuum.0000A006.dreame-mc1808.1.json"
    document = json.loads(path.read_bytes())
    response = await api.post(
        "/api/v1/specs/validate", json={"format": "miot", "document": document}
    )
    body = response.json()
    assert body["valid"] is True
    assert body["issues"] == []
    assert {w["reason"] for w in body["warnings"]} == {"unit_normalised"}


async def test_miot_instance_with_nothing_importable_is_invalid(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/api/v1/specs/validate", json={"format": "miot", "document": {"services": []}}
    )
    body = response.json()
    assert body["valid"] is False
    assert ("/type", "missing") in [(i["pointer"], i["reason"]) for i in body["issues"]]


async def test_a_body_that_is_not_an_object_gets_a_report_not_a_crash(
    api: httpx.AsyncClient,
) -> None:
    response = await api.post("/api/v1/specs/validate", json=[1, 2, 3])
    assert response.status_code == 200
    assert response.json()["issues"][0]["pointer"] == ""


async def test_library_lists_the_built_in_products(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/specs")
    specs = response.json()["specs"]
    assert response.status_code == 200
    assert {"hearth.light.v1", "hearth.door-lock.v1"} <= {s["model"] for s in specs}
    assert all({"model", "version", "name", "category"} <= set(s) for s in specs)


async def test_one_library_spec_comes_with_its_ui_metadata(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/specs/hearth.light.v1")
    body = response.json()
    assert response.status_code == 200
    assert body["spec"]["model"] == "hearth.light.v1"
    assert body["ui"]["main_switch"] == "2.1"
    brightness = next(c for c in body["ui"]["controls"] if c["key"] == "2.2")
    assert (brightness["label"], brightness["hint"]) == ("Brightness", "slider")
    # The document served is itself a valid native spec.
    check = await api.post("/api/v1/specs/validate", json=body["spec"])
    assert check.json()["valid"] is True


async def test_unknown_model_is_a_404_in_the_error_shape(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/specs/hearth.toaster.v9")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


async def test_schema_is_served(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/spec-schema")
    assert response.status_code == 200
    assert response.json()["$defs"]["Format"]["enum"][0] == "bool"
