"""The mall's HTML pages over HTTP: forms that apply, decide, create and review, and every
page that must stay closed to another partner, a fan or a reviewer."""

from __future__ import annotations

import json

import httpx
import pytest

from hearth.bootstrap import Hearth
from tests.helpers import csrf_token, post_json
from tests.mall.flows import (
    PURIFIER,
    approved_partner,
    certify,
    draft,
    fan,
    move,
    png,
    staff,
    upload,
)


async def form(
    client: httpx.AsyncClient, url: str, data: dict[str, object], **kw: object
) -> httpx.Response:
    body = {**data, "csrftoken": await csrf_token(client)}
    return await client.post(url, data=body, **kw)  # type: ignore[arg-type]


async def test_a_fan_applies_on_the_page_and_a_reviewer_approves_it_on_theirs(
    hearth: Hearth,
) -> None:
    reviewer = await staff(hearth, "ada")
    applicant = await fan(hearth, "leo")
    page = await applicant.get("/partner")
    assert page.status_code == 200 and "Apply as a company" in page.text

    refused = await form(applicant, "/partner/apply", {"name": "Z", "contact_email": "nope"})
    assert refused.status_code == 422
    assert "an email address" in refused.text and 'aria-invalid="true"' in refused.text
    applied = await form(
        applicant,
        "/partner/apply",
        {"name": "Zhimi Labs", "contact_email": "hi@zhimi.example", "categories": ["climate"]},
    )
    assert applied.status_code == 303
    assert "applied" in (await applicant.get("/partner")).text

    console = await reviewer.get("/platform")
    assert "Zhimi Labs" in console.text
    partner_id = (await reviewer.get("/api/v1/partners/applications")).json()[0]["id"]
    no_reason = await form(
        reviewer, f"/platform/applications/{partner_id}/decision", {"decision": "reject"}
    )
    assert no_reason.status_code == 422 and "needs a reason" in no_reason.text
    approved = await form(
        reviewer, f"/platform/applications/{partner_id}/decision", {"decision": "approve"}
    )
    assert approved.status_code == 303
    assert "Store" in (await applicant.get("/partner")).text
    assert "Zhimi Labs" in (await applicant.get("/stores")).text


async def test_a_product_is_created_from_an_uploaded_miot_file(hearth: Hearth) -> None:
    reviewer = await staff(hearth, "ada")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    fields: dict[str, object] = {
        "name": "Clean Air 3",
        "category": "climate",
        "retail_price": "899.00",
        "campaign_goal": "100000",
        "campaign_days": "30",
    }
    spec = {"spec_file": ("purifier.json", json.dumps(PURIFIER).encode(), "application/json")}

    created = await form(partner, "/partner/products/new", fields, files=spec)

    assert created.status_code == 303, created.text
    page = await partner.get(created.headers["location"])
    assert "Clean Air 3" in page.text and "¥899.00" in page.text
    assert "Submit for review" in page.text
    assert "/partner/products/" in page.text and "/certification" in page.text


async def test_a_broken_spec_file_is_explained_by_pointer_and_nothing_is_created(
    hearth: Hearth,
) -> None:
    reviewer = await staff(hearth, "ada")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    broken = {"model": "x.y.v1", "name": "Lamp", "category": "light", "services": [{"iid": 0}]}
    spec = {"spec_file": ("lamp.json", json.dumps(broken).encode(), "application/json")}

    refused = await form(
        partner, "/partner/products/new", {"name": "Lamp", "category": "lighting"}, files=spec
    )

    assert refused.status_code == 422
    assert "<code>/services/0" in refused.text
    assert (await partner.get("/api/v1/products")).json() == []


async def test_review_on_the_pages_requests_changes_and_approves(hearth: Hearth) -> None:
    reviewer = await staff(hearth, "ada")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    pid = await draft(partner)
    assert (await upload(partner, f"/api/v1/products/{pid}/images", png())).status_code == 201
    assert (
        await form(partner, f"/review/products/{pid}/move", {"to": "submitted"})
    ).status_code == 303

    queue = await reviewer.get("/platform?age=&state=submitted")
    assert f"/platform/products/{pid}" in queue.text
    assert (
        await form(reviewer, f"/review/products/{pid}/move", {"to": "in_review"})
    ).status_code == 303
    asked = await form(
        reviewer,
        f"/review/products/{pid}/move",
        {
            "to": "changes_requested",
            "reason": "Almost",
            "checklist": "Name the filter\nAdd a photo",
        },
    )
    assert asked.status_code == 303
    commented = await form(reviewer, f"/review/products/{pid}/comments", {"body": "Which grade?"})
    assert commented.status_code == 303

    page = (await partner.get(f"/partner/products/{pid}")).text
    assert "Name the filter" in page and "Which grade?" in page and "Resubmit" in page
    inbox = (await partner.get("/notifications")).text
    assert "Changes requested on Clean Air 3" in inbox
    assert "unread" in (await partner.get("/notifications/badge")).text

    assert (
        await form(partner, f"/review/products/{pid}/move", {"to": "resubmitted"})
    ).status_code == 303
    await form(reviewer, f"/review/products/{pid}/move", {"to": "in_review"})
    assert (await certify(reviewer, pid))["status"] == "passed"
    assert (
        await form(reviewer, f"/review/products/{pid}/move", {"to": "approved"})
    ).status_code == 303
    store = (await fan(hearth, "mia")).get("/stores/zhimi-labs")
    text = (await store).text
    assert "Clean Air 3" in text and "hi@leo.example" in text and "/media/images/" in text


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        ("rival", "/partner/products/{pid}", 404),
        ("rival", "/partner/products/{pid}/edit", 404),
        ("rival", "/platform/products/{pid}", 403),
        ("fan", "/partner/products/{pid}", 403),
        ("fan", "/platform/products/{pid}", 403),
        ("reviewer", "/partner/products/{pid}", 403),
        ("reviewer", "/platform/products/{pid}", 404),  # a draft is not the reviewers' yet
    ],
)
async def test_product_pages_stay_closed_to_others(
    hearth: Hearth, who: str, path: str, status: int
) -> None:
    reviewer = await staff(hearth, "ada")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    clients = {
        "rival": await approved_partner(hearth, reviewer, "kim", "Rival Corp"),
        "fan": await fan(hearth, "mia"),
        "reviewer": reviewer,
    }
    pid = await draft(partner)

    response = await clients[who].get(path.format(pid=pid))

    assert response.status_code == status
    assert "Clean Air 3" not in response.text


async def test_others_cannot_move_comment_or_upload_on_pages(hearth: Hearth) -> None:
    reviewer = await staff(hearth, "ada")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    rival = await approved_partner(hearth, reviewer, "kim", "Rival Corp")
    someone = await fan(hearth, "mia")
    pid = await draft(partner)
    await move(partner, pid, to="submitted")

    for outsider in (rival, someone):
        moved = await form(outsider, f"/review/products/{pid}/move", {"to": "draft"})
        assert moved.status_code == 404
        said = await form(outsider, f"/review/products/{pid}/comments", {"body": "hi"})
        assert said.status_code == 404
    image = {"image": ("x.png", png(), "image/png")}
    assert (
        await form(rival, f"/partner/products/{pid}/images", {}, files=image)
    ).status_code == 404
    edited = await form(reviewer, f"/partner/products/{pid}/edit", {"name": "Hijacked"})
    assert edited.status_code == 403
    assert (await partner.get(f"/api/v1/products/{pid}")).json()["state"] == "submitted"
    assert (await partner.get(f"/api/v1/products/{pid}/comments")).json() == []
    assert (
        await post_json(partner, f"/api/v1/products/{pid}/transitions", {"to": "draft"})
    ).status_code == 200


async def test_an_upload_form_without_its_csrf_token_is_refused(hearth: Hearth) -> None:
    reviewer = await staff(hearth, "ada")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    pid = await draft(partner)
    image = {"image": ("x.png", png(), "image/png")}

    forged = await partner.post(f"/partner/products/{pid}/images", files=image)

    assert forged.status_code == 403
    assert (await partner.get(f"/api/v1/products/{pid}/images")).json() == []
    accepted = await form(partner, f"/partner/products/{pid}/images", {}, files=image)
    assert accepted.status_code == 303
