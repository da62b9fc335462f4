"""Certification over HTTP: the approval gate, spec changes, reports, and who may see what."""

from __future__ import annotations

import copy

import httpx
import pytest

from hearth import db
from hearth.accounts.roles import Role
from hearth.bootstrap import Hearth
from hearth.errors import InvalidInput
from hearth.hub.models import DeviceModel
from hearth.mall.models import Partner
from tests.helpers import create_account, csrf_token, login, post_json
from tests.hub.specs import LAMP
from tests.mall.flows import (
    PURIFIER,
    approved_partner,
    certify,
    client_for,
    draft,
    fan,
    move,
    staff,
)


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


async def test_the_certification_namespace_belongs_to_each_products_own_runs(
    hearth: Hearth,
) -> None:
    reviewer = await staff(hearth, "rita")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    pid = await draft(partner)
    model = f"certify.{pid}"

    # No company may take a slug that is one of the platform's model namespaces.
    for number, name in enumerate(("Certify", "HEARTH!")):
        applicant = await fan(hearth, f"applicant{number}")
        applied = await post_json(
            applicant,
            "/api/v1/partners/applications",
            {"name": name, "contact_email": "hi@certify.example", "categories": ["climate"]},
        )
        assert applied.status_code == 422, applied.text
        assert [e["field"] for e in applied.json()["errors"]] == ["name"]
    async with db.transaction(hearth.sessions) as session:
        with pytest.raises(InvalidInput):
            await create_account(session, "cory", role=Role.PARTNER, company="certify")

    # A company that holds the slug from before, and even an operator, cannot pre-register
    # the product's certification model.
    async with db.transaction(hearth.sessions) as session:
        session.add(Partner(id="ptn_squatter", name="Certify", slug="certify"))
        await session.flush()
        await create_account(session, "cory", role=Role.PARTNER, company="Certify")
    squatter = client_for(hearth)
    assert (await login(squatter, "cory")).status_code == 200
    admin = await staff(hearth, "root", Role.ADMIN)
    for caller in (squatter, admin):
        registered = await post_json(caller, "/api/v1/device-models", {**LAMP, "model": model})
        assert registered.status_code == 422, registered.text
        assert [e["field"] for e in registered.json()["errors"]] == ["model"]
    assert (await squatter.get("/api/v1/device-models")).json() == []

    # The product's own run makes the model, for the product's partner only.
    assert (await certify(partner, pid))["status"] == "passed"
    assert [m["id"] for m in (await partner.get("/api/v1/device-models")).json()] == [model]
    assert (await squatter.get("/api/v1/device-models")).json() == []
    assert (await squatter.get(f"/api/v1/device-models/{model}/units")).status_code == 404
    minted = await post_json(squatter, f"/api/v1/device-models/{model}/units", {"count": 1})
    assert minted.status_code == 404

    # A certification model held by another company (made before the namespace was
    # reserved) is never handed the product's spec: the run is refused instead.
    second = await draft(partner, "Clean Air 4")
    async with db.transaction(hearth.sessions) as session:
        session.add(
            DeviceModel(
                id=f"certify.{second}", name="Squatted", spec=LAMP, partner_id="ptn_squatter"
            )
        )
    started = await post_json(partner, f"/api/v1/products/{second}/certifications", {})
    assert started.status_code == 409, started.text
    async with hearth.sessions() as session:
        held = await session.get(DeviceModel, f"certify.{second}")
        assert held is not None and held.spec == LAMP
