"""The ledger API over real HTTP: who may read the books, and what they read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from hearth.accounts.models import User
from hearth.accounts.roles import Role
from hearth.bootstrap import Hearth
from hearth.kit.money import Money
from hearth.payments import charges
from hearth.payments.sandbox import SandboxProvider
from hearth.web.app import create_app
from tests.helpers import create_account, login


async def make_user(hearth: Hearth, username: str, role: Role, partner: str | None = None) -> User:
    async with hearth.sessions() as session, session.begin():
        return await create_account(session, username, role=role, company=partner)


ROLES = {"ada": Role.REVIEWER, "sam": Role.ADMIN, "mia": Role.FAN}


@asynccontextmanager
async def as_user(hearth: Hearth, username: str) -> AsyncIterator[httpx.AsyncClient]:
    """Yield a client signed in as ``username`` (ada reviewer, sam admin, mia fan, or a partner)."""
    if username in ROLES:
        await make_user(hearth, username, ROLES[username])
    transport = httpx.ASGITransport(app=create_app(hearth=hearth))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await login(client, username)).status_code == 200
        yield client


async def sell(hearth: Hearth, partner_id: str, minor: int, key: str) -> str:
    sandbox = SandboxProvider(hearth.sessions)
    customer = await sandbox.create_customer(reference="usr_fan", idempotency_key=f"c-{key}")
    card = await sandbox.save_payment_method(
        customer_id=customer.id, token="4242424242424242", idempotency_key=f"m-{key}"
    )
    charged = await charges.charge(
        hearth.sessions,
        sandbox,
        customer_id=customer.id,
        method_id=card.id,
        amount=Money(minor, "CNY"),
        partner_id=partner_id,
        reference=f"pledge-{key}",
        idempotency_key=f"p-{key}",
        commission_bp=500,
        now=hearth.clock.now(),
    )
    return charged.payment.id


@pytest.fixture
async def world(hearth: Hearth) -> dict[str, str]:
    """Two partners with one sale each; members leo (Lumi Labs) and rui (Roidmi)."""
    lumi = await make_user(hearth, "leo", Role.PARTNER, partner="Lumi Labs")
    roidmi = await make_user(hearth, "rui", Role.PARTNER, partner="Roidmi")
    assert lumi.partner_id and roidmi.partner_id
    payment = await sell(hearth, lumi.partner_id, 19900, "one")
    await sell(hearth, roidmi.partner_id, 5000, "two")
    return {"lumi": lumi.partner_id, "roidmi": roidmi.partner_id, "payment": payment}


@pytest.mark.parametrize("username", ["ada", "sam"])
async def test_the_platform_team_reads_the_report(
    hearth: Hearth, world: dict[str, str], username: str
) -> None:
    async with as_user(hearth, username) as client:
        response = await client.get("/api/v1/ledger/report", params={"currency": "CNY"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["captured"] == {"amount": 24900, "currency": "CNY", "display": "¥249.00"}
    assert body["commission_earned"]["amount"] == 995 + 250
    assert body["partners_owed"][world["lumi"]]["display"] == "¥189.05"
    assert body["balanced"] is True


@pytest.mark.parametrize("username", ["mia", "leo"])
async def test_fans_and_partners_may_not_read_the_platform_books(
    hearth: Hearth, world: dict[str, str], username: str
) -> None:
    async with as_user(hearth, username) as client:
        for url in ("/report", "/balances", "/entry-sets?reference=x"):
            response = await client.get(f"/api/v1/ledger{url}", params={"currency": "CNY"})
            assert response.status_code == 403, url
            assert response.json()["error"] == "permission_denied"


async def test_the_books_need_a_signed_in_user(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/ledger/report", params={"currency": "CNY"})
    assert response.status_code == 401


async def test_a_partner_reads_its_own_statement(hearth: Hearth, world: dict[str, str]) -> None:
    async with as_user(hearth, "leo") as client:
        response = await client.get(
            f"/api/v1/ledger/partners/{world['lumi']}/statement", params={"currency": "CNY"}
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["opening"]["amount"] == 0
    assert [line["reference"] for line in body["lines"]] == [world["payment"]]
    assert body["closing"]["display"] == "¥189.05"


@pytest.mark.parametrize("target", ["roidmi", "nobody"])
async def test_another_partners_statement_is_not_found(
    hearth: Hearth, world: dict[str, str], target: str
) -> None:
    partner_id = world.get(target, "ptn_doesnotexist")
    async with as_user(hearth, "leo") as client:
        response = await client.get(
            f"/api/v1/ledger/partners/{partner_id}/statement", params={"currency": "CNY"}
        )
    assert response.status_code == 404
    assert "Roidmi" not in response.text


async def test_reviewers_read_any_statement_and_trace_a_payment(
    hearth: Hearth, world: dict[str, str]
) -> None:
    async with as_user(hearth, "ada") as client:
        statement = await client.get(
            f"/api/v1/ledger/partners/{world['roidmi']}/statement", params={"currency": "CNY"}
        )
        traced = await client.get(
            "/api/v1/ledger/entry-sets", params={"reference": world["payment"]}
        )
        payables = await client.get(
            "/api/v1/ledger/balances", params={"currency": "CNY", "type": "partner_payable"}
        )
    assert statement.json()["closing"]["amount"] == 4750
    [capture] = traced.json()
    assert capture["reason"] == "capture"
    assert sum(e["amount"]["amount"] for e in capture["entries"]) == 0
    assert {b["owner"]: b["balance"]["amount"] for b in payables.json()} == {
        world["lumi"]: 18905,
        world["roidmi"]: 4750,
    }


async def test_fans_may_not_read_statements(hearth: Hearth, world: dict[str, str]) -> None:
    async with as_user(hearth, "mia") as client:
        response = await client.get(
            f"/api/v1/ledger/partners/{world['lumi']}/statement", params={"currency": "CNY"}
        )
    assert response.status_code == 403


async def test_bad_query_parameters_get_a_422_naming_the_problem(
    hearth: Hearth, world: dict[str, str]
) -> None:
    cases = [
        ({"currency": "XXQ"}, "ISO 4217"),
        ({}, "currency"),
        (
            {"currency": "CNY", "start": "2026-11-02T00:00:00Z", "end": "2026-11-01T00:00:00Z"},
            "end after it starts",
        ),
        ({"currency": "CNY", "start": "2026-11-01T00:00:00"}, "timezone"),
        ({"currency": "CNY", "start": "yesterday"}, "start"),
    ]
    async with as_user(hearth, "ada") as client:
        for params, problem in cases:
            response = await client.get("/api/v1/ledger/report", params=params)
            assert response.status_code == 422, params
            assert problem in response.json()["detail"], params
