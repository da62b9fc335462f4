"""Certification over HTTP: the approval gate, spec changes, reports, and who may see what."""

from __future__ import annotations

import copy

import httpx

from hearth.bootstrap import Hearth
from tests.helpers import csrf_token, post_json
from tests.mall.flows import PURIFIER, approved_partner, certify, draft, fan, move, staff


async def _in_review(hearth: Hearth) -> tuple[httpx.AsyncClient, httpx.AsyncClient, str]:
    reviewer = await staff(hearth, "rita")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    pid = await draft(partner)
    assert (await move(partner, pid, to="submitted")).status_code == 200
    assert (await move(reviewer, pid, to="in_review")).status_code == 200
    return reviewer, partner, pid


async def test_approval_is_refused_until_the_current_spec_version_passed(hearth: Hearth) -> None:
    reviewer, partner, pid = await _in_review(hearth)

    refused = await move(reviewer, pid, to="approved")
    assert refused.status_code == 409
    assert refused.json()["detail"] == "certification of spec version 1 has not passed"
    assert (await partner.get(f"/api/v1/products/{pid}")).json()["state"] == "in_review"

    run = await certify(partner, pid)
    assert run["status"] == "passed", run["reason"]
    assert run["spec_version"] == 1 and run["failed"] == 0 and run["passed"] == run["total"]

    approved = await move(reviewer, pid, to="approved")
    assert approved.status_code == 200 and approved.json()["state"] == "approved"


async def test_a_changed_spec_needs_a_new_run(hearth: Hearth) -> None:
    reviewer = await staff(hearth, "rita")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    pid = await draft(partner)
    assert (await certify(partner, pid))["status"] == "passed"
    miot = copy.deepcopy(PURIFIER)
    miot["description"] = "Air Purifier Pro"
    headers = {"X-CSRFToken": await csrf_token(partner)}
    changed = await partner.patch(f"/api/v1/products/{pid}", json={"miot": miot}, headers=headers)
    assert changed.json()["spec_version"] == 2
    assert changed.status_code == 200, changed.text
    assert (await move(partner, pid, to="submitted")).status_code == 200
    assert (await move(reviewer, pid, to="in_review")).status_code == 200

    refused = await move(reviewer, pid, to="approved")
    assert refused.json()["detail"] == "certification of spec version 2 has not passed"

    assert (await certify(reviewer, pid))["spec_version"] == 2
    assert (await move(reviewer, pid, to="approved")).status_code == 200
    runs = (await partner.get(f"/api/v1/products/{pid}/certifications")).json()
    assert [r["spec_version"] for r in runs] == [2, 1]


async def test_the_report_downloads_as_json_with_every_check(hearth: Hearth) -> None:
    _, partner, pid = await _in_review(hearth)
    run = await certify(partner, pid)

    response = await partner.get(f"/api/v1/certifications/{run['id']}/report.json")

    assert response.status_code == 200
    assert response.headers["content-disposition"] == (
        f'attachment; filename="certification-{run["id"]}.json"'
    )
    report = response.json()
    assert report["spec_version"] == 1 and report["status"] == "passed"
    ids = [c["id"] for c in report["checks"]]
    assert ids[0] == "online" and ids[-1] == "last-will"
    assert any(i.startswith("refuse:") for i in ids) and any(i.startswith("get:") for i in ids)
    assert all(c["passed"] and c["evidence"] for c in report["checks"])


async def test_other_partners_and_fans_cannot_see_or_start_runs(hearth: Hearth) -> None:
    _, partner, pid = await _in_review(hearth)
    run = await certify(partner, pid)
    reviewer = await staff(hearth, "ruth")
    rival = await approved_partner(hearth, reviewer, "kim", "Rival Corp")
    someone = await fan(hearth, "mia")

    for outsider in (rival, someone):
        started = await post_json(outsider, f"/api/v1/products/{pid}/certifications", {})
        assert started.status_code == 404
        for url in (
            f"/api/v1/products/{pid}/certifications",
            f"/api/v1/certifications/{run['id']}",
            f"/api/v1/certifications/{run['id']}/report.json",
            f"/partner/products/{pid}/certification",
            f"/certifications/{run['id']}",
        ):
            assert (await outsider.get(url)).status_code == 404, url
    runs = (await partner.get(f"/api/v1/products/{pid}/certifications")).json()
    assert len(runs) == 1, "refused starts recorded nothing"


async def test_bad_requests_name_what_is_wrong_and_start_nothing(hearth: Hearth) -> None:
    _, partner, pid = await _in_review(hearth)
    url = f"/api/v1/products/{pid}/certifications"

    wrong = await post_json(partner, url, {"device": "toaster"})
    extra = await post_json(partner, url, {"devices": "simulated"})

    assert wrong.status_code == 422 and "device" in wrong.text
    assert extra.status_code == 422 and "devices" in extra.text
    assert (await partner.get(url)).json() == []
