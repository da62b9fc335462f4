"""The demo mall: Lumi Labs' store, its approved and in-review products, a pending
application; seeded once however often the demo starts."""

from __future__ import annotations

import httpx

from hearth.bootstrap import Hearth
from hearth.config import Settings
from hearth.demo import seed
from hearth.mall.demo import lumi_logo, product_shot
from hearth.mall.images import PNG, sniff
from tests.helpers import login


async def test_the_demo_store_and_queue_are_seeded_once(
    settings: Settings, hearth: Hearth, client: httpx.AsyncClient
) -> None:
    await seed(settings)
    await seed(settings)

    stores = (await client.get("/api/v1/stores")).json()
    lumi = next(s for s in stores if s["slug"] == "lumi-labs")
    assert lumi["products"] == 1 and lumi["support_contact"] == "care@lumi.example"
    assert lumi["logo"] == "/media/stores/lumi-labs/logo"
    assert (await client.get(lumi["logo"])).headers["content-type"] == "image/png"
    page = (await client.get("/stores/lumi-labs")).text
    assert "Lumi Glow Lamp" in page and "Lumi Motion Sensor" not in page

    assert (await login(client, "reviewer", "hearth-reviewer-demo")).status_code == 200
    queue = (await client.get("/api/v1/review/queue")).json()
    assert [(q["product"]["name"], q["product"]["state"]) for q in queue] == [
        ("Lumi Motion Sensor", "in_review")
    ]
    thread = (await client.get(f"/api/v1/products/{queue[0]['product']['id']}/comments")).json()
    assert len(thread) == 2 and thread[1]["parent_id"] == thread[0]["id"]
    pending = (await client.get("/api/v1/partners/applications?state=applied")).json()
    assert [p["name"] for p in pending] == ["Nova Home"]


def test_the_demo_pictures_are_real_pngs() -> None:
    assert sniff(lumi_logo(32)) is PNG
    assert sniff(product_shot((1, 2, 3), 40, 30)) is PNG
