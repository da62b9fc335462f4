"""Partner application, product submission and review, end to end over HTTP,
and every attempt to cross a line between partners, reviewers and fans."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from hearth.accounts import service as accounts
from hearth.accounts.roles import Role
from hearth.bootstrap import Hearth
from hearth.web.app import create_app
from tests.helpers import PASSWORD, login, post_json, signup
from tests.mall.flows import certify

MIOT = Path(__file__).resolve().parents[1] / "fixtures" / "miot"
PURIFIER = json.loads(
    (MIOT / "urn.miot-spec-v2.device.air-purifier.0000A007.zhimi-v3.1.json").read_text()
)


def _client(hearth: Hearth) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(hearth=hearth))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def _send(client: httpx.AsyncClient, method: str, url: str, body: Any) -> httpx.Response:
    await client.get("/login")
    return await client.request(
        method, url, json=body, headers={"X-CSRFToken": client.cookies["csrftoken"]}
    )


async def _reviewer(hearth: Hearth) -> httpx.AsyncClient:
    async with hearth.sessions() as session, session.begin():
        await accounts.create_user(
            session, now=datetime.now(UTC), username="ada", password=PASSWORD, role=Role.REVIEWER
        )
    client = _client(hearth)
    assert (await login(client, "ada")).status_code == 200
    return client


async def _approved_partner(
    hearth: Hearth, reviewer: httpx.AsyncClient, username: str, company: str
) -> httpx.AsyncClient:
    client = _client(hearth)
    await signup(client, username)
    applied = await post_json(
        client,
        "/api/v1/partners/applications",
        {"name": company, "contact_email": f"hi@{username}.example", "categories": ["climate"]},
    )
    assert applied.status_code == 201, applied.text
    decided = await post_json(
        reviewer,
        f"/api/v1/partners/applications/{applied.json()['id']}/decision",
        {"approve": True},
    )
    assert decided.status_code == 200, decided.text
    return client


async def _draft(partner: httpx.AsyncClient) -> dict[str, Any]:
    response = await post_json(
        partner,
        "/api/v1/products",
        {
            "name": "Clean Air 3",
            "category": "climate",
            "description": "A quiet purifier",
            "miot": PURIFIER,
            "retail_price": "899.00",
            "campaign_goal": "100000.00",
            "campaign_days": 30,
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _move(client: httpx.AsyncClient, product_id: str, **body: Any) -> httpx.Response:
    return await post_json(client, f"/api/v1/products/{product_id}/transitions", body)


async def test_a_product_goes_from_application_to_approved_in_the_store(hearth: Hearth) -> None:
    reviewer = await _reviewer(hearth)
    partner = await _approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    assert (await partner.get("/api/v1/me")).json()["role"] == "partner"

    product = await _draft(partner)
    assert product["state"] == "draft"
    assert product["has_spec"] and product["spec_version"] == 1
    assert product["retail_price"] == "¥899.00"
    pid = product["id"]

    assert (await _move(partner, pid, to="submitted")).json()["state"] == "submitted"
    queue = (await reviewer.get("/api/v1/review/queue")).json()
    assert [item["product"]["id"] for item in queue] == [pid]
    assert queue[0]["partner"] == "Zhimi Labs"

    assert (await _move(reviewer, pid, to="in_review")).status_code == 200
    question = await post_json(
        reviewer, f"/api/v1/products/{pid}/comments", {"body": "Which filter grade?"}
    )
    reply = await post_json(
        partner,
        f"/api/v1/products/{pid}/comments",
        {"body": "H13", "parent_id": question.json()["id"]},
    )
    assert reply.status_code == 201
    changes = await _move(
        reviewer,
        pid,
        to="changes_requested",
        reason="Almost there",
        checklist=["Describe the filter", ""],
    )
    assert changes.json()["state"] == "changes_requested"

    edited = await _send(partner, "PATCH", f"/api/v1/products/{pid}", {"description": "H13 filter"})
    assert edited.status_code == 200
    assert (await _move(partner, pid, to="resubmitted")).status_code == 200
    assert (await _move(reviewer, pid, to="in_review")).status_code == 200
    assert (await certify(partner, pid))["status"] == "passed"
    assert (await _move(reviewer, pid, to="approved")).json()["state"] == "approved"

    history = (await partner.get(f"/api/v1/products/{pid}/history")).json()
    assert [(s["from_state"], s["to_state"]) for s in history] == [
        ("draft", "submitted"),
        ("submitted", "in_review"),
        ("in_review", "changes_requested"),
        ("changes_requested", "resubmitted"),
        ("resubmitted", "in_review"),
        ("in_review", "approved"),
    ]
    assert history[2]["reason"] == "Almost there"
    assert history[2]["checklist"] == [{"item": "Describe the filter", "done": False}]
    thread = (await partner.get(f"/api/v1/products/{pid}/comments")).json()
    assert [(c["body"], c["parent_id"]) for c in thread] == [
        ("Which filter grade?", None),
        ("H13", question.json()["id"]),
    ]

    async with _client(hearth) as anonymous:
        stores = (await anonymous.get("/api/v1/stores")).json()
        assert [(s["name"], s["products"]) for s in stores] == [("Zhimi Labs", 1)]
        store = (await anonymous.get("/api/v1/stores/zhimi-labs")).json()
        assert [p["name"] for p in store["products"]] == ["Clean Air 3"]
        assert store["support_contact"] == "hi@leo.example"

    # The approved product is public, but its review stays with its partner and reviewers:
    # a fan or another partner gets neither its audited steps nor its thread.
    rival = await _approved_partner(hearth, reviewer, "kai", "Rival Co")
    fan = _client(hearth)
    await signup(fan, "mia")
    for outsider in (fan, rival):
        assert (await outsider.get(f"/api/v1/products/{pid}")).status_code == 200
        for part in ("history", "comments"):
            answer = await outsider.get(f"/api/v1/products/{pid}/{part}")
            assert answer.status_code == 404, (part, answer.text)
            assert answer.json()["error"] == "not_found"
    assert len((await reviewer.get(f"/api/v1/products/{pid}/history")).json()) == 6


async def test_other_partners_fans_and_reviewers_cannot_cross_their_lines(hearth: Hearth) -> None:
    reviewer = await _reviewer(hearth)
    owner = await _approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    rival = await _approved_partner(hearth, reviewer, "kai", "Rival Co")
    pid = (await _draft(owner))["id"]
    fan = _client(hearth)
    await signup(fan, "mia")

    # A draft is invisible to everyone but its partner: rival, fan and even reviewers.
    for outsider in (rival, fan, reviewer):
        assert (await outsider.get(f"/api/v1/products/{pid}")).status_code == 404
    # Nobody else may edit it, move it or comment on it.
    for outsider in (rival, fan):
        patch = await _send(outsider, "PATCH", f"/api/v1/products/{pid}", {"name": "Mine now"})
        assert patch.status_code in (403, 404)
        assert (await _move(outsider, pid, to="submitted")).status_code == 404
    await _move(owner, pid, to="submitted")
    # Reviewers see submissions but never edit partner content.
    assert (await reviewer.get(f"/api/v1/products/{pid}")).status_code == 200
    edit = await _send(reviewer, "PATCH", f"/api/v1/products/{pid}", {"name": "Renamed"})
    assert edit.status_code == 403
    # A partner cannot review its own product, and fans cannot reach the queue.
    assert (await _move(owner, pid, to="in_review")).status_code == 403
    assert (await fan.get("/api/v1/review/queue")).status_code == 403
    assert (await rival.get("/api/v1/partners/applications")).status_code == 403
    # Nothing changed: name as drafted, state as submitted, and only one step audited.
    product = (await owner.get(f"/api/v1/products/{pid}")).json()
    assert (product["name"], product["state"]) == ("Clean Air 3", "submitted")
    assert len((await owner.get(f"/api/v1/products/{pid}/history")).json()) == 1
    # A submitted product is not public; the store shows nothing yet.
    assert (await fan.get(f"/api/v1/products/{pid}")).status_code == 404
    store = (await fan.get("/api/v1/stores/zhimi-labs")).json()
    assert store["products"] == []


async def test_a_rejected_application_needs_a_reason_and_opens_no_store(hearth: Hearth) -> None:
    reviewer = await _reviewer(hearth)
    applicant = _client(hearth)
    await signup(applicant, "zoe")
    applied = await post_json(
        applicant,
        "/api/v1/partners/applications",
        {"name": "Shady Gadgets", "contact_email": "zoe@shady.example", "categories": ["other"]},
    )
    url = f"/api/v1/partners/applications/{applied.json()['id']}/decision"
    assert (await post_json(reviewer, url, {"approve": False})).status_code == 422
    rejected = await post_json(reviewer, url, {"approve": False, "reason": "No compliance docs"})
    assert rejected.json()["status"] == "rejected"
    assert (await post_json(reviewer, url, {"approve": True})).status_code == 409
    assert (await applicant.get("/api/v1/me")).json()["role"] == "fan"
    assert (await applicant.get("/api/v1/stores")).json() == []
    assert (await applicant.get("/api/v1/stores/shady-gadgets")).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "", "category": "climate"}, "name"),
        ({"name": "X", "category": "toaster"}, "category"),
        ({"name": "X", "category": "climate", "retail_price": "8.999"}, "retail_price"),
        ({"name": "X", "category": "climate", "retail_price": "-5.00"}, "retail_price"),
        ({"name": "X", "category": "climate", "campaign_days": 400}, "campaign_days"),
        ({"name": "X", "category": "climate", "spec": {"model": "x"}}, "name"),
        ({"name": "X", "category": "climate", "miot": {"type": 5}}, "import"),
    ],
)
async def test_bad_product_input_names_the_problem_and_creates_nothing(
    hearth: Hearth, body: dict[str, Any], field: str
) -> None:
    reviewer = await _reviewer(hearth)
    partner = await _approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    response = await post_json(partner, "/api/v1/products", body)
    assert response.status_code == 422, response.text
    assert field in response.text
    assert (await partner.get("/api/v1/products")).json() == []


async def test_a_product_without_a_spec_cannot_be_submitted(hearth: Hearth) -> None:
    reviewer = await _reviewer(hearth)
    partner = await _approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    created = await post_json(partner, "/api/v1/products", {"name": "Idea", "category": "other"})
    pid = created.json()["id"]
    response = await _move(partner, pid, to="submitted")
    assert response.status_code == 422
    assert "spec" in response.json()["detail"]
    assert (await partner.get(f"/api/v1/products/{pid}")).json()["state"] == "draft"
