"""Inbox notices of the review workflow: partner members hear of every step and every
reviewer comment, reviewers of every submission, applicants of the decision."""

from __future__ import annotations

from typing import Any

import httpx

from hearth.bootstrap import Hearth
from tests.helpers import post_json
from tests.mall.flows import approved_partner, draft, fan, move, staff


async def inbox(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await client.get("/api/v1/notifications")).json()["items"]
    return items


async def test_each_review_step_reaches_the_partner_members_and_submissions_reach_reviewers(
    hearth: Hearth,
) -> None:
    reviewer = await staff(hearth, "ada")
    other_reviewer = await staff(hearth, "bob")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    token = (await post_json(partner, "/api/v1/partner/invitations", {})).json()["token"]
    colleague = await fan(hearth, "zoe")
    await post_json(colleague, "/api/v1/partner/invitations/accept", {"token": token})
    rival = await approved_partner(hearth, reviewer, "kim", "Rival Corp")
    before_rival = len(await inbox(rival))
    pid = await draft(partner)

    await move(partner, pid, to="submitted")
    for staff_member in (reviewer, other_reviewer):
        (newest,) = [n for n in await inbox(staff_member) if n["kind"] == "mall.product.submitted"]
        assert newest["link"] == f"/platform/products/{pid}"
        assert "Zhimi Labs" in newest["title"]
    assert [n["kind"] for n in await inbox(colleague)] == ["mall.product.submitted"]
    assert [n["kind"] for n in await inbox(partner) if n["kind"].startswith("mall.product")] == []

    await move(reviewer, pid, to="in_review")
    await post_json(reviewer, f"/api/v1/products/{pid}/comments", {"body": "Filter grade?"})
    await move(reviewer, pid, to="changes_requested", reason="Name the filter", checklist=["a"])

    kinds = [n["kind"] for n in await inbox(partner)]
    assert kinds[:3] == [
        "mall.product.changes_requested",
        "mall.product.comment",
        "mall.product.in_review",
    ]
    changes = (await inbox(colleague))[0]
    assert changes["body"] == "Name the filter"
    assert changes["link"] == f"/partner/products/{pid}"
    assert len(await inbox(rival)) == before_rival, "another company hears nothing"


async def test_a_partner_reply_reaches_the_reviewer_it_answers(hearth: Hearth) -> None:
    reviewer = await staff(hearth, "ada")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    pid = await draft(partner)
    await move(partner, pid, to="submitted")
    question = await post_json(reviewer, f"/api/v1/products/{pid}/comments", {"body": "Why?"})

    await post_json(
        partner,
        f"/api/v1/products/{pid}/comments",
        {"body": "Because", "parent_id": question.json()["id"]},
    )

    reply = (await inbox(reviewer))[0]
    assert reply["kind"] == "mall.product.reply"
    assert reply["body"] == "Because"


async def test_the_applicant_hears_the_decision_with_its_reason(hearth: Hearth) -> None:
    reviewer = await staff(hearth, "ada")
    applicant = await fan(hearth, "mia")
    applied = await post_json(
        applicant,
        "/api/v1/partners/applications",
        {"name": "Tiny Co", "contact_email": "hi@tiny.example", "categories": ["sensor"]},
    )
    await post_json(
        reviewer,
        f"/api/v1/partners/applications/{applied.json()['id']}/decision",
        {"approve": False, "reason": "No product yet"},
    )

    (decision,) = await inbox(applicant)
    assert decision["kind"] == "mall.partner.rejected"
    assert decision["body"] == "No product yet"
