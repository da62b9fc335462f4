"""The crowdfunding API over real HTTP: a campaign from draft to fulfilled, and every
attempt to cross the line between fans, partners and the platform."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from hearth.accounts import service as accounts
from hearth.accounts.roles import Role
from hearth.bootstrap import Hearth
from hearth.funding import outcome
from hearth.kit.clock import FrozenClock
from hearth.mall.models import Product
from hearth.payments.sandbox import build_provider
from hearth.web.app import create_app
from tests.funding.world import ADDRESS, T0, VISA
from tests.helpers import PASSWORD, create_account, csrf_token, login

END = T0 + timedelta(days=10)


def _client(hearth: Hearth) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(hearth=hearth))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def send(
    client: httpx.AsyncClient, method: str, url: str, body: Any = None, key: str | None = None
) -> httpx.Response:
    headers = {"X-CSRFToken": await csrf_token(client)}
    if key:
        headers["Idempotency-Key"] = key
    return await client.request(method, url, json=body, headers=headers)


@pytest.fixture
async def mall(hearth: Hearth) -> AsyncIterator[dict[str, Any]]:
    """Two partners with an approved product each, two fans and a reviewer, all logged in."""
    hearth.clock = FrozenClock(T0 - timedelta(hours=1))
    products = {}
    async with hearth.sessions() as session, session.begin():
        for username, company in (("leo", "Lumi Labs"), ("ivy", "Ivy Works")):
            member = await create_account(session, username, role=Role.PARTNER, company=company)
            product = Product(
                partner_id=member.partner_id,
                name=f"{company} lamp",
                category="lighting",
                description="",
                spec_version=1,
                retail_price=29900,
                currency="CNY",
                campaign_goal=100000,
                campaign_days=30,
                state="approved",
            )
            session.add(product)
            await session.flush()
            products[username] = product.id
        for username in ("mia", "ben"):
            await accounts.create_user(
                session, now=datetime.now(UTC), username=username, password=PASSWORD
            )
        await accounts.create_user(
            session, now=datetime.now(UTC), username="ada", password=PASSWORD, role=Role.REVIEWER
        )
    clients = {}
    for username in ("leo", "ivy", "mia", "ben", "ada"):
        clients[username] = _client(hearth)
        assert (await login(clients[username], username)).status_code == 200
    try:
        yield {"clients": clients, "products": products, "hearth": hearth}
    finally:
        for client in clients.values():
            await client.aclose()


async def tick(hearth: Hearth, now: datetime) -> outcome.Settled:
    """Move the clock to ``now`` and run the deadline work a worker would run."""
    hearth.clock = FrozenClock(now)
    provider = build_provider(hearth.settings, hearth.sessions)
    return await outcome.settle(
        hearth.sessions, provider, hearth.publish, now=now, commission_bp=500
    )


def campaign_body(product_id: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "product_id": product_id,
        "title": "Lumi Lamp",
        "summary": "Light that follows the sun",
        "goal": "500.00",
        "starts_at": T0.isoformat(),
        "ends_at": END.isoformat(),
        "delivery_date": (END + timedelta(days=60)).isoformat(),
        "tiers": [
            {
                "title": "Early bird",
                "price": "199.00",
                "retail_price": "299.00",
                "limit": 2,
                "per_backer": 2,
            },
            {"title": "Standard", "price": "249.00", "retail_price": "299.00"},
        ],
    }
    body.update(overrides)
    return body


async def launch(
    mall: dict[str, Any], partner: httpx.AsyncClient, campaign_id: str
) -> httpx.Response:
    """Submit a draft as its partner and approve it as the platform team; return the approval."""
    submitted = await send(partner, "POST", f"/api/v1/partner/campaigns/{campaign_id}/submit")
    assert submitted.json()["state"] == "submitted", submitted.text
    return await send(
        mall["clients"]["ada"], "POST", f"/api/v1/platform/launches/{campaign_id}/approve", {}
    )


async def live_campaign(mall: dict[str, Any]) -> dict[str, Any]:
    leo = mall["clients"]["leo"]
    made = await send(
        leo, "POST", "/api/v1/partner/campaigns", campaign_body(mall["products"]["leo"])
    )
    assert made.status_code == 201, made.text
    published = await launch(mall, leo, made.json()["id"])
    assert published.json()["state"] == "scheduled", published.text
    await tick(mall["hearth"], T0)
    return made.json()  # type: ignore[no-any-return]


async def card_of(client: httpx.AsyncClient, token: str = VISA) -> str:
    saved = await send(client, "POST", "/api/v1/cards", {"token": token}, key="card-1")
    assert saved.status_code == 201, saved.text
    return str(saved.json()["id"])


def pledge_body(tier_id: str, card_id: str, quantity: int = 1) -> dict[str, Any]:
    return {"tier_id": tier_id, "quantity": quantity, "card_id": card_id, "shipping": ADDRESS}


async def test_a_fan_backs_a_campaign_that_is_funded_shipped_and_fulfilled(
    mall: dict[str, Any],
) -> None:
    hearth: Hearth = mall["hearth"]
    leo, mia, ben = (mall["clients"][n] for n in ("leo", "mia", "ben"))
    campaign = await live_campaign(mall)
    early, standard = campaign["tiers"]
    mia_card, ben_card = await card_of(mia), await card_of(ben)

    first = await send(
        mia,
        "POST",
        f"/api/v1/campaigns/{campaign['id']}/pledges",
        pledge_body(early["id"], mia_card, 2),
        key="p1",
    )
    assert first.status_code == 201, first.text
    again = await send(
        mia,
        "POST",
        f"/api/v1/campaigns/{campaign['id']}/pledges",
        pledge_body(early["id"], mia_card, 2),
        key="p1",
    )
    assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])
    sold_out = await send(
        ben,
        "POST",
        f"/api/v1/campaigns/{campaign['id']}/pledges",
        pledge_body(early["id"], ben_card),
        key="p2",
    )
    assert sold_out.status_code == 409 and "sold out" in sold_out.json()["detail"]
    ben_pledge = await send(
        ben,
        "POST",
        f"/api/v1/campaigns/{campaign['id']}/pledges",
        pledge_body(standard["id"], ben_card),
        key="p3",
    )
    assert ben_pledge.status_code == 201

    shown = (await mia.get(f"/api/v1/campaigns/{campaign['id']}")).json()
    assert (shown["raised"]["amount"], shown["backers"], shown["percent"]) == (64700, 2, 129)
    assert shown["tiers"][0]["remaining"] == 0 and shown["my_pledge"]["quantity"] == 2

    done = await tick(hearth, END)
    assert (done.funded, done.charged) == ([campaign["id"]], 2)

    my_orders = (await mia.get("/api/v1/orders")).json()
    assert [(o["amount"]["amount"], o["status"]) for o in my_orders] == [(39800, "paid")]
    exported = await leo.get("/api/v1/partner/orders.csv")
    assert exported.status_code == 200 and exported.text.count("\n") == 3
    rows = [line.split(",")[0] for line in exported.text.strip().splitlines()[1:]]
    tracking = "order_id,carrier,tracking_number\n" + "".join(
        f"{r},SF,SF{i:08d}\n" for i, r in enumerate(rows)
    )
    imported = await send(leo, "POST", "/api/v1/partner/orders/tracking", {"csv": tracking})
    assert imported.json() == {"shipped": 2}
    assert (await mia.get("/api/v1/orders")).json()[0]["tracking_number"].startswith("SF")

    partial = await send(
        leo,
        "POST",
        f"/api/v1/partner/orders/{my_orders[0]['id']}/refund",
        {"amount": "50.00", "reason": "scratch"},
    )
    assert partial.json()["refunded"]["amount"] == 5000, partial.text
    too_much = await send(
        leo, "POST", f"/api/v1/partner/orders/{my_orders[0]['id']}/refund", {"amount": "999.00"}
    )
    assert too_much.status_code == 422

    done = await tick(hearth, END)
    assert done.fulfilled == [campaign["id"]]
    report = (await mall["clients"]["ada"].get("/api/v1/ledger/report?currency=CNY")).json()
    assert report["balanced"] is True, report


async def test_bad_campaign_input_names_each_field_and_changes_nothing(
    mall: dict[str, Any],
) -> None:
    leo = mall["clients"]["leo"]
    # The request's model names every field out of bounds; only the service knows the
    # product's currency, so a goal with more decimals than yuan have is named once the
    # rest is well formed.
    bad_tier = [{"title": "", "price": "10.00", "retail_price": "5.00", "limit": 0}]
    refused = await send(
        leo,
        "POST",
        "/api/v1/partner/campaigns",
        campaign_body(mall["products"]["leo"], tiers=bad_tier),
    )
    assert refused.status_code == 422
    assert {"error", "detail", "errors"} <= set(refused.json())
    assert refused.json()["error"] == "invalid_input"
    assert {p["field"] for p in refused.json()["errors"]} == {
        "tiers.0.title",
        "tiers.0.retail_price",
        "tiers.0.limit",
    }
    body = campaign_body(mall["products"]["leo"], goal="12.345")
    refused = await send(leo, "POST", "/api/v1/partner/campaigns", body)
    assert refused.status_code == 422
    fields = {p["field"] for p in refused.json()["errors"]}
    assert "goal" in fields
    assert (await leo.get("/api/v1/partner/campaigns")).json() == []


@pytest.mark.parametrize(
    ("shipping", "field"),
    [
        ({**ADDRESS, "country": "China"}, "shipping.country"),
        ({**ADDRESS, "city": " "}, "shipping.city"),
    ],
)
async def test_a_pledge_with_a_bad_address_is_refused_and_takes_nothing(
    mall: dict[str, Any], shipping: dict[str, str], field: str
) -> None:
    mia = mall["clients"]["mia"]
    campaign = await live_campaign(mall)
    card = await card_of(mia)
    body = {**pledge_body(campaign["tiers"][0]["id"], card), "shipping": shipping}
    refused = await send(mia, "POST", f"/api/v1/campaigns/{campaign['id']}/pledges", body, key="k")
    assert refused.status_code == 422 and field in refused.text
    assert (await mia.get(f"/api/v1/campaigns/{campaign['id']}")).json()["backers"] == 0


async def test_nobody_reaches_what_is_not_theirs(mall: dict[str, Any]) -> None:
    hearth: Hearth = mall["hearth"]
    leo, ivy, mia, ben = (mall["clients"][n] for n in ("leo", "ivy", "mia", "ben"))
    draft = await send(
        leo, "POST", "/api/v1/partner/campaigns", campaign_body(mall["products"]["leo"])
    )
    assert (await mia.get(f"/api/v1/campaigns/{draft.json()['id']}")).status_code == 404
    other_product = await send(
        leo, "POST", "/api/v1/partner/campaigns", campaign_body(mall["products"]["ivy"])
    )
    assert other_product.status_code == 404
    assert (
        await send(ivy, "POST", f"/api/v1/partner/campaigns/{draft.json()['id']}/submit")
    ).status_code == 404
    assert (
        await send(mia, "POST", "/api/v1/partner/campaigns", campaign_body(mall["products"]["leo"]))
    ).status_code == 403

    campaign = await live_campaign(mall)
    mia_card = await card_of(mia)
    pledge = (
        await send(
            mia,
            "POST",
            f"/api/v1/campaigns/{campaign['id']}/pledges",
            pledge_body(campaign["tiers"][1]["id"], mia_card, 3),
            key="k",
        )
    ).json()
    ben_card = await card_of(ben)
    with_mias_card = await send(
        ben,
        "POST",
        f"/api/v1/campaigns/{campaign['id']}/pledges",
        pledge_body(campaign["tiers"][1]["id"], mia_card),
        key="k",
    )
    assert with_mias_card.status_code == 404
    for method, url, body in (
        ("GET", f"/api/v1/pledges/{pledge['id']}", None),
        ("PATCH", f"/api/v1/pledges/{pledge['id']}", {"quantity": 2}),
        ("DELETE", f"/api/v1/pledges/{pledge['id']}", None),
    ):
        assert (await send(ben, method, url, body)).status_code == 404, (method, url)
    assert ben_card

    await tick(hearth, END)
    order_id = (await mia.get("/api/v1/orders")).json()[0]["id"]
    assert (await ben.get(f"/api/v1/orders/{order_id}")).status_code == 404
    assert (await ivy.get("/api/v1/partner/orders")).json() == []
    refund = await send(ivy, "POST", f"/api/v1/partner/orders/{order_id}/refund", {"reason": "x"})
    assert refund.status_code == 404
    foreign = "order_id,carrier,tracking_number\n" + f"{order_id},SF,SF12345678\n"
    imported = await send(ivy, "POST", "/api/v1/partner/orders/tracking", {"csv": foreign})
    assert (
        imported.status_code == 422 and imported.json()["errors"][0]["message"] == "no such order"
    )

    ticket = await send(
        mia,
        "POST",
        f"/api/v1/orders/{order_id}/tickets",
        {"subject": "Colour?", "body": "Can I have it in blue?"},
    )
    assert ticket.status_code == 201
    ticket_id = ticket.json()["id"]
    assert (await ben.get(f"/api/v1/tickets/{ticket_id}")).status_code == 404
    assert (await ivy.get(f"/api/v1/tickets/{ticket_id}")).status_code == 404
    answered = await send(
        leo, "POST", f"/api/v1/tickets/{ticket_id}/messages", {"body": "Blue ships in March."}
    )
    assert answered.json()["status"] == "answered"
    assert [m["from_partner"] for m in answered.json()["messages"]] == [False, True]

    async def kinds(client: httpx.AsyncClient) -> set[str]:
        inbox = (await client.get("/api/v1/notifications")).json()
        return {n["kind"] for n in inbox["items"]}

    assert "ticket_reply" in await kinds(mia)
    assert "ticket_opened" in await kinds(leo)
    # Customer service is the partner's: the platform team neither hears of it nor reads it.
    ada = mall["clients"]["ada"]
    assert not {"ticket_opened", "ticket_reply"} & await kinds(ada)
    assert (await ada.get(f"/api/v1/tickets/{ticket_id}")).status_code == 404
    sneaky = await send(ada, "POST", f"/api/v1/tickets/{ticket_id}/messages", {"body": "Hi"})
    assert sneaky.status_code == 404


async def test_a_tracking_import_with_one_bad_row_imports_nothing(mall: dict[str, Any]) -> None:
    hearth: Hearth = mall["hearth"]
    leo, mia = mall["clients"]["leo"], mall["clients"]["mia"]
    campaign = await live_campaign(mall)
    card = await card_of(mia)
    await send(
        mia,
        "POST",
        f"/api/v1/campaigns/{campaign['id']}/pledges",
        pledge_body(campaign["tiers"][1]["id"], card, 3),
        key="k",
    )
    await tick(hearth, END)
    order_id = (await leo.get("/api/v1/partner/orders")).json()[0]["id"]
    text = (
        "order_id,carrier,tracking_number\n"
        f"{order_id},SF,SF00000001\nord_nope,SF,SF00000002\n,,\n{order_id},SF,x\n"
    )
    refused = await send(leo, "POST", "/api/v1/partner/orders/tracking", {"csv": text})
    assert refused.status_code == 422
    assert [(p["line"], p["message"]) for p in refused.json()["errors"]] == [
        (3, "no such order"),
        (5, f"tracking_number: 4-64 letters, digits or dashes; order {order_id} is also on line 2"),
    ]
    assert (await leo.get("/api/v1/partner/orders")).json()[0]["status"] == "paid"


async def test_a_pledge_with_an_unknown_or_revoked_token_is_refused_and_takes_nothing(
    mall: dict[str, Any],
) -> None:
    mia = mall["clients"]["mia"]
    campaign = await live_campaign(mall)
    card = await card_of(mia)
    made = await send(mia, "POST", "/api/v1/tokens", {"name": "phone"})
    token = made.json()["token"]
    url = f"/api/v1/campaigns/{campaign['id']}/pledges"
    body = pledge_body(campaign["tiers"][0]["id"], card)
    async with _client(mall["hearth"]) as app:

        async def pledge(secret: str, key: str) -> httpx.Response:
            headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": key}
            return await app.post(url, json=body, headers=headers)

        unknown = await pledge("hth_" + "x" * 43, "a")
        assert unknown.status_code == 401, unknown.text
        revoked = await send(mia, "DELETE", f"/api/v1/tokens/{made.json()['id']}")
        assert revoked.status_code == 200
        refused = await pledge(token, "b")
        assert refused.status_code == 401, refused.text
        assert (await mia.get(f"/api/v1/campaigns/{campaign['id']}")).json()["backers"] == 0
        fresh = (await send(mia, "POST", "/api/v1/tokens", {"name": "new phone"})).json()
        placed = await pledge(fresh["token"], "c")
        assert placed.status_code == 201, placed.text
        assert (await mia.get("/api/v1/pledges")).json()[0]["id"] == placed.json()["id"]
