"""Product images and store logos over HTTP: checked by content and size, stored only when
accepted, and served only to those who may see the product."""

from __future__ import annotations

from pathlib import Path

import pytest

from hearth.bootstrap import Hearth
from hearth.config import Settings
from tests.conftest import make_settings
from tests.mall.flows import approved_partner, certify, draft, fan, move, png, staff, upload

LIMIT = 4_000


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url, upload_max_bytes=LIMIT)


def stored_files(settings: Settings) -> list[Path]:
    root = settings.data_dir / "uploads"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def test_a_partner_uploads_an_image_that_is_served_back_with_its_sniffed_type(
    hearth: Hearth, settings: Settings
) -> None:
    reviewer = await staff(hearth, "ada")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    pid = await draft(partner)
    image = png()

    # The name and the declared type lie; the bytes decide.
    sent = await upload(
        partner,
        f"/api/v1/products/{pid}/images",
        image,
        filename="photo.jpg",
        content_type="image/jpeg",
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["content_type"] == "image/png"
    served = await partner.get(sent.json()["url"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.content == image
    listed = (await partner.get(f"/api/v1/products/{pid}/images")).json()
    assert [i["id"] for i in listed] == [sent.json()["id"]]
    assert len(stored_files(settings)) == 1


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"<html><script>alert(1)</script></html>", "not an image hearth accepts"),
        (b"GIF89a" + b"\x00" * 40, "not an image hearth accepts"),
        (png(64, 64) + b"\x00" * LIMIT, f"the limit is {LIMIT:,}"),
        (b"", "the file is empty"),
    ],
    ids=["html-named-png", "gif", "too-large", "empty"],
)
async def test_refuses_an_upload_naming_the_problem_and_stores_nothing(
    hearth: Hearth, settings: Settings, data: bytes, problem: str
) -> None:
    reviewer = await staff(hearth, "ada")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    pid = await draft(partner)

    refused = await upload(partner, f"/api/v1/products/{pid}/images", data, filename="x.png")

    assert refused.status_code == 422, refused.text
    assert problem in refused.json()["detail"]
    assert refused.json()["errors"][0]["field"] == "image"
    assert (await partner.get(f"/api/v1/products/{pid}/images")).json() == []
    assert stored_files(settings) == []


async def test_images_of_a_draft_are_seen_only_by_its_partner_until_it_is_public(
    hearth: Hearth,
) -> None:
    reviewer = await staff(hearth, "ada")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    rival = await approved_partner(hearth, reviewer, "kim", "Rival Corp")
    someone = await fan(hearth, "mia")
    pid = await draft(partner)
    url = (await upload(partner, f"/api/v1/products/{pid}/images", png())).json()["url"]
    anonymous = await fan(hearth, "nobody")
    await anonymous.post("/logout", headers={"X-CSRFToken": anonymous.cookies["csrftoken"]})

    for outsider in (rival, someone, reviewer, anonymous):
        assert (await outsider.get(url)).status_code == 404
        assert (await outsider.get(f"/api/v1/products/{pid}/images")).status_code in (401, 404)
    intruding = await upload(rival, f"/api/v1/products/{pid}/images", png())
    assert intruding.status_code == 404

    assert (await move(partner, pid, to="submitted")).status_code == 200
    assert (await reviewer.get(url)).status_code == 200
    assert (await someone.get(url)).status_code == 404
    late = await upload(partner, f"/api/v1/products/{pid}/images", png())
    assert late.status_code == 403, "a submitted product is not editable"

    assert (await move(reviewer, pid, to="in_review")).status_code == 200
    assert (await certify(partner, pid))["status"] == "passed"
    assert (await move(reviewer, pid, to="approved")).status_code == 200
    for viewer in (rival, someone, anonymous):
        assert (await viewer.get(url)).status_code == 200


async def test_a_partner_deletes_an_image_of_its_draft_and_the_file_goes(
    hearth: Hearth, settings: Settings
) -> None:
    reviewer = await staff(hearth, "ada")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    rival = await approved_partner(hearth, reviewer, "kim", "Rival Corp")
    pid = await draft(partner)
    image_id = (await upload(partner, f"/api/v1/products/{pid}/images", png())).json()["id"]
    headers = {"X-CSRFToken": rival.cookies["csrftoken"]}

    foreign = await rival.delete(f"/api/v1/products/{pid}/images/{image_id}", headers=headers)
    assert foreign.status_code == 404
    assert len(stored_files(settings)) == 1

    headers = {"X-CSRFToken": partner.cookies["csrftoken"]}
    gone = await partner.delete(f"/api/v1/products/{pid}/images/{image_id}", headers=headers)
    assert gone.status_code == 204
    assert stored_files(settings) == []
    assert (await partner.get(f"/media/images/{image_id}")).status_code == 404


async def test_a_store_logo_is_public_once_set_and_only_members_may_set_it(
    hearth: Hearth, settings: Settings
) -> None:
    reviewer = await staff(hearth, "ada")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    someone = await fan(hearth, "mia")
    assert (await someone.get("/media/stores/zhimi-labs/logo")).status_code == 404

    first = await upload(partner, "/api/v1/store/logo", png(), field="logo", method="PUT")
    assert first.status_code == 200, first.text
    second_image = png(rgb=(0, 0, 0))
    second = await upload(partner, "/api/v1/store/logo", second_image, field="logo", method="PUT")
    assert second.status_code == 200
    served = await someone.get("/media/stores/zhimi-labs/logo")
    assert served.status_code == 200 and served.content == second_image
    assert len(stored_files(settings)) == 1, "the replaced logo is deleted"

    refused = await upload(someone, "/api/v1/store/logo", png(), field="logo", method="PUT")
    assert refused.status_code == 403
    bad = await upload(partner, "/api/v1/store/logo", b"%PDF-1.7", field="logo", method="PUT")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "logo"
    assert (await someone.get("/media/stores/zhimi-labs/logo")).content == second_image
