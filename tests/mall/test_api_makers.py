"""Makers over real HTTP: register products, mint units, rotate and revoke, each only on
products of their own company."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hearth import db
from hearth.accounts.roles import Role
from hearth.bootstrap import Hearth
from hearth.hub.credentials import verify_secret
from hearth.hub.events import DeviceCredentialsChanged, DevicesMinted
from hearth.hub.models import Device
from hearth.web.app import create_app
from tests.helpers import create_account, login, post_json, signup
from tests.hub.specs import LAMP


async def _partner(hearth: Hearth, client: httpx.AsyncClient, username: str, company: str) -> None:
    async with db.transaction(hearth.sessions) as session:
        await create_account(session, username, role=Role.PARTNER, company=company)
    assert (await login(client, username)).status_code == 200


def _spec(model: str) -> dict[str, Any]:
    return {**LAMP, "model": model}


@pytest.fixture
async def rival(hearth: Hearth) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(hearth=hearth))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def _registered(hearth: Hearth, client: httpx.AsyncClient) -> str:
    await _partner(hearth, client, "leo", "Lumi Labs")
    created = await post_json(client, "/api/v1/device-models", _spec("lumi-labs.lamp.v1"))
    assert created.status_code == 201, created.text
    return "lumi-labs.lamp.v1"


async def test_a_partner_registers_a_product_and_mints_units_for_the_factory(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    model = await _registered(hearth, client)
    minted = await post_json(client, f"/api/v1/device-models/{model}/units", {"count": 3})
    assert minted.status_code == 201
    units = minted.json()
    assert len({u["device_id"] for u in units}) == 3
    async with hearth.sessions() as session:
        stored = await session.get(Device, units[0]["device_id"])
    assert stored is not None and units[0]["secret"] not in stored.secret_hash
    assert verify_secret(units[0]["secret"], stored.secret_hash)
    assert units[0]["qr"].endswith(units[0]["pairing_code"])
    listed = (await client.get(f"/api/v1/device-models/{model}/units")).json()
    assert {u["id"] for u in listed} == {u["device_id"] for u in units}
    assert "secret" not in listed[0]


async def test_minting_can_answer_with_the_factory_csv(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    model = await _registered(hearth, client)
    response = await client.post(
        f"/api/v1/device-models/{model}/units",
        json={"count": 2},
        headers={"Accept": "text/csv", "X-CSRFToken": client.cookies["csrftoken"]},
    )
    assert response.status_code == 201
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [list(r) for r in rows][0] == ["device_id", "model", "secret", "pairing_code", "qr"]
    assert len(rows) == 2 and rows[0]["model"] == model


async def test_minting_rotating_and_revoking_are_told_to_the_device_cloud(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    heard: list[object] = []

    async def keep(event: Any) -> None:
        heard.append(event)

    hearth.bus.subscribe(DevicesMinted, keep)
    hearth.bus.subscribe(DeviceCredentialsChanged, keep)
    model = await _registered(hearth, client)
    unit = (await post_json(client, f"/api/v1/device-models/{model}/units", {"count": 1})).json()[0]
    device_id = unit["device_id"]
    await post_json(client, f"/api/v1/device-units/{device_id}/secret", {})
    await post_json(client, f"/api/v1/device-units/{device_id}/revoke", {})
    assert heard == [
        DevicesMinted(model, 1),
        DeviceCredentialsChanged(device_id, False),
        DeviceCredentialsChanged(device_id, True),
    ]


@pytest.mark.parametrize(
    ("document", "status", "error"),
    [
        (_spec("roidmi.lamp.v1"), 422, "invalid_input"),
        (_spec("hearth.lamp.v9"), 422, "invalid_input"),
        ({**_spec("lumi-labs.bad.v1"), "services": []}, 422, "spec_invalid"),
        ({"model": "lumi-labs.x.v1"}, 422, "spec_invalid"),
    ],
)
async def test_a_product_must_be_a_valid_spec_under_the_partners_own_name(
    client: httpx.AsyncClient, hearth: Hearth, document: dict[str, Any], status: int, error: str
) -> None:
    await _partner(hearth, client, "leo", "Lumi Labs")
    response = await post_json(client, "/api/v1/device-models", document)
    assert (response.status_code, response.json()["error"]) == (status, error)
    assert (await client.get("/api/v1/device-models")).json() == []


async def test_a_fan_cannot_register_products_or_mint(client: httpx.AsyncClient) -> None:
    await signup(client, "mia")
    assert (await post_json(client, "/api/v1/device-models", _spec("x.y.v1"))).status_code == 403
    assert (
        await post_json(client, "/api/v1/device-models/x.y.v1/units", {"count": 1})
    ).status_code == 403


async def test_another_partner_can_neither_see_nor_touch_a_product_or_its_units(
    client: httpx.AsyncClient, rival: httpx.AsyncClient, hearth: Hearth
) -> None:
    model = await _registered(hearth, client)
    unit = (await post_json(client, f"/api/v1/device-models/{model}/units", {"count": 1})).json()[0]
    await _partner(hearth, rival, "ada", "Roidmi")
    assert (await rival.get("/api/v1/device-models")).json() == []
    for response in [
        await post_json(rival, f"/api/v1/device-models/{model}/units", {"count": 1}),
        await rival.get(f"/api/v1/device-models/{model}/units"),
        await post_json(rival, f"/api/v1/device-units/{unit['device_id']}/secret", {}),
        await post_json(rival, f"/api/v1/device-units/{unit['device_id']}/revoke", {}),
        await post_json(rival, "/api/v1/device-models", _spec("lumi-labs.lamp.v1")),
    ]:
        assert response.status_code in (404, 422), response.text
    async with hearth.sessions() as session:
        device = await session.get(Device, unit["device_id"])
    assert device is not None and device.status == "active"
    assert verify_secret(unit["secret"], device.secret_hash)


async def test_rotation_replaces_the_secret_and_revocation_is_for_good(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    model = await _registered(hearth, client)
    unit = (await post_json(client, f"/api/v1/device-models/{model}/units", {"count": 1})).json()[0]
    device_id = unit["device_id"]
    rotated = (await post_json(client, f"/api/v1/device-units/{device_id}/secret", {})).json()
    async with hearth.sessions() as session:
        device = await session.get(Device, device_id)
    assert device is not None
    assert verify_secret(rotated["secret"], device.secret_hash)
    assert not verify_secret(unit["secret"], device.secret_hash)
    revoked = await post_json(client, f"/api/v1/device-units/{device_id}/revoke", {})
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    again = await post_json(client, f"/api/v1/device-units/{device_id}/revoke", {})
    assert (again.status_code, again.json()["error"]) == (409, "invalid_transition")
    assert (
        await post_json(client, f"/api/v1/device-units/{device_id}/secret", {})
    ).status_code == 409


@pytest.mark.parametrize("count", [0, -1, 10_001, "many"])
async def test_minting_needs_a_sensible_count(
    client: httpx.AsyncClient, hearth: Hearth, count: object
) -> None:
    model = await _registered(hearth, client)
    response = await post_json(client, f"/api/v1/device-models/{model}/units", {"count": count})
    assert response.status_code == 422
    assert (await client.get(f"/api/v1/device-models/{model}/units")).json() == []
