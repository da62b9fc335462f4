"""Products' public pages and the campaign page's story, over real HTTP: who may read them,
what they tell, early birds, and shipping worked out and charged by the server."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hearth.accounts.models import User
from hearth.devices import spec_to_dict
from hearth.devices.library import get_spec
from hearth.funding.models import Order, Pledge, StoreListing
from hearth.homes.models import DevicePlacement, Home, HomeMember
from hearth.hub.models import Device, DeviceModel
from hearth.kit.ids import new_id
from hearth.mall.certification.models import CertificationRun
from hearth.mall.models import Product, ProductImage
from hearth.scenes.models import Automation
from tests.funding.test_api import (
    END,
    _client,
    campaign_body,
    card_of,
    launch,
    live_campaign,
    pledge_body,
    send,
    tick,
)
from tests.funding.world import T0

Mall = dict[str, Any]


async def _dress(mall: Mall) -> str:
    """Give Leo's product a sensor's spec, two photos and a passed certification; return it."""
    product_id = str(mall["products"]["leo"])
    async with mall["hearth"].sessions() as session, session.begin():
        product = await session.get(Product, product_id)
        assert product is not None
        product.spec = spec_to_dict(get_spec("hearth.th-sensor.v1"))
        product.description = "A sensor for every room."
        for position in (0, 1):
            session.add(
                ProductImage(
                    id=f"img_{position}{product_id[-6:]}",
                    product_id=product_id,
                    key=f"products/{product_id}/{position}.png",
                    content_type="image/png",
                    size=10,
                    position=position,
                    created_at=T0,
                )
            )
        session.add(
            CertificationRun(
                product_id=product_id,
                spec_version=product.spec_version,
                status="passed",
                total=12,
                passed=12,
                report={
                    "checks": [
                        {
                            "id": "online",
                            "title": "Comes online",
                            "passed": True,
                            "reason": "it did",
                            "evidence": {},
                        }
                    ]
                },
                started_at=T0 - timedelta(days=3),
                beat_at=T0 - timedelta(days=3),
                finished_at=T0 - timedelta(days=3),
            )
        )
    return product_id


async def _anonymous(mall: Mall) -> httpx.AsyncClient:
    return _client(mall["hearth"])


async def test_anyone_reads_a_product_page_with_its_photos_spec_store_certification_and_campaigns(
    mall: Mall,
) -> None:
    product_id = await _dress(mall)
    campaign = await live_campaign(mall)
    leo = mall["clients"]["leo"]
    draft = await send(
        leo, "POST", "/api/v1/partner/campaigns", campaign_body(product_id, title="Secret run")
    )
    assert draft.status_code == 201, draft.text
    async with await _anonymous(mall) as anyone:
        page = await anyone.get(f"/api/v1/products/{product_id}/page")
        assert page.status_code == 200, page.text
        body = page.json()
        assert body["photos"] == [
            f"/media/images/img_0{product_id[-6:]}",
            f"/media/images/img_1{product_id[-6:]}",
        ]
        assert body["store"]["url"].startswith("/stores/")
        headings = [section["heading"] for section in body["spec"]]
        assert headings == ["Temperature Humidity Sensor", "Battery"]
        temperature = body["spec"][0]["items"][0]
        assert temperature == {
            "kind": "property",
            "label": "Temperature",
            "text": "reports it as it changes: from -40°C to 85°C, in steps of 0.1°C",
        }
        assert body["certification"]["passed"] == 12 and "run_id" not in body["certification"]
        assert body["certification"]["report_url"] == f"/products/{product_id}/certification"
        assert [c["id"] for c in body["campaigns"]] == [campaign["id"]]  # the draft stays hidden
        assert body["sale"] is None
        assert body["works_with"] == {"signed_in": False, "devices": [], "rules": []}

        html = await anyone.get(f"/products/{product_id}")
        assert html.status_code == 200
        assert "Secret run" not in html.text
        assert 'data-testid="gallery"' in html.text and "Certified compatible" in html.text
        assert f"/login?next=/products/{product_id}" in html.text
        report = await anyone.get(f"/products/{product_id}/certification")
        assert report.status_code == 200 and "Comes online" in report.text
        assert "report.json" not in report.text  # the partner's download stays theirs


@pytest.mark.parametrize("state", ["draft", "submitted", "in_review", "withdrawn"])
async def test_a_product_not_approved_for_the_mall_has_no_page_for_anyone_even_its_partner(
    mall: Mall, state: str
) -> None:
    product_id = await _dress(mall)
    async with mall["hearth"].sessions() as session, session.begin():
        product = await session.get(Product, product_id)
        assert product is not None
        product.state = state
    async with await _anonymous(mall) as anyone:
        viewers = [anyone, *(mall["clients"][n] for n in ("mia", "leo", "ivy", "ada"))]
        for viewer in viewers:
            for url in (
                f"/products/{product_id}",
                f"/api/v1/products/{product_id}/page",
                f"/products/{product_id}/certification",
            ):
                assert (await viewer.get(url)).status_code == 404, url


async def test_a_graduated_product_shows_its_price_and_whether_it_is_in_stock(
    mall: Mall,
) -> None:
    product_id = await _dress(mall)
    campaign = await live_campaign(mall)
    async with mall["hearth"].sessions() as session, session.begin():
        product = await session.get(Product, product_id)
        assert product is not None
        session.add(
            StoreListing(
                product_id=product_id,
                partner_id=product.partner_id,
                campaign_id=campaign["id"],
                price=18900,
                currency="CNY",
                stock=0,
                created_at=T0,
            )
        )
    async with await _anonymous(mall) as anyone:
        sold_out = await anyone.get(f"/products/{product_id}")
        assert "¥189.00" in sold_out.text and "Sold out" in sold_out.text
        async with mall["hearth"].sessions() as session, session.begin():
            listing = await session.scalar(
                select(StoreListing).where(StoreListing.product_id == product_id)
            )
            assert listing is not None
            listing.stock = 7
        sale = (await anyone.get(f"/api/v1/products/{product_id}/page")).json()["sale"]
        assert sale["price"]["display"] == "¥189.00" and sale["in_stock"] and sale["stock"] == 7
        assert "In stock" in (await anyone.get(f"/products/{product_id}")).text


async def test_a_product_on_sale_offers_its_buy_box_to_fans_and_a_sign_in_to_anyone_else(
    mall: Mall,
) -> None:
    product_id = await _dress(mall)
    campaign = await live_campaign(mall)
    async with mall["hearth"].sessions() as session, session.begin():
        product = await session.get(Product, product_id)
        assert product is not None
        session.add(
            StoreListing(
                product_id=product_id,
                partner_id=product.partner_id,
                campaign_id=campaign["id"],
                price=18900,
                currency="CNY",
                stock=5,
                created_at=T0,
            )
        )
    async with await _anonymous(mall) as anyone:
        shown = (await anyone.get(f"/products/{product_id}")).text
    assert "Sign in to buy" in shown and "Add to cart" not in shown
    assert f"/login?next=/products/{product_id}" in shown
    page = (await mall["clients"]["mia"].get(f"/products/{product_id}")).text
    assert 'action="/cart"' in page and "Add to cart" in page
    assert "5 in stock" in page and page.count("¥189.00") == 1  # the price is told once


async def test_a_launch_under_review_or_sent_back_is_shown_to_nobody_and_takes_no_pledge(
    mall: Mall,
) -> None:
    product_id = await _dress(mall)
    leo, ada, mia = (mall["clients"][n] for n in ("leo", "ada", "mia"))
    body = {**campaign_body(mall["products"]["leo"]), "title": "Lumi Glow Secret"}
    made = (await send(leo, "POST", "/api/v1/partner/campaigns", body)).json()
    submitted = await send(leo, "POST", f"/api/v1/partner/campaigns/{made['id']}/submit")
    assert submitted.json()["state"] == "submitted", submitted.text
    card = await card_of(mia)
    for _ in ("submitted", "sent_back"):
        async with await _anonymous(mall) as anyone:
            assert "Lumi Glow Secret" not in (await anyone.get(f"/products/{product_id}")).text
            assert "Lumi Glow Secret" not in (await anyone.get("/stores/lumi-labs")).text
        url = f"/api/v1/campaigns/{made['id']}/pledges"
        refused = await send(mia, "POST", url, pledge_body(made["tiers"][1]["id"], card), key=_)
        assert refused.status_code == 404, refused.text
        back = {"reason": "Say what is in the box."}
        await send(ada, "POST", f"/api/v1/platform/launches/{made['id']}/send-back", back)


async def test_a_signed_in_viewer_learns_which_of_their_devices_and_automations_it_could_join(
    mall: Mall,
) -> None:
    product_id = await _dress(mall)  # a temperature and humidity sensor
    async with mall["hearth"].sessions() as session, session.begin():
        owner = await session.scalar(select(User).where(User.username == "mia"))
        assert owner is not None
        home = Home(name="Flat", owner_id=owner.id, created_at=T0)
        session.add(home)
        await session.flush()
        session.add(HomeMember(home_id=home.id, user_id=owner.id, role="owner", joined_at=T0))
        for model, name in (("hearth.th-sensor.v1", "Hall sensor"), ("hearth.light.v1", "Lamp")):
            session.add(DeviceModel(id=model, name=model, spec=spec_to_dict(get_spec(model))))
            await session.flush()
            device_id = new_id("dev")
            session.add(
                Device(
                    id=device_id,
                    model_id=model,
                    secret_hash="x",
                    pairing_digest=new_id("pair"),
                    batch="b",
                    home_id=home.id,
                    created_at=T0,
                    credentials_at=T0,
                )
            )
            await session.flush()
            session.add(DevicePlacement(device_id=device_id, home_id=home.id, name=name))
            rule = {
                "triggers": [
                    {"kind": "property", "device_id": device_id, "key": "2.1", "op": "changes"}
                ],
                "actions": [{"kind": "notify", "message": "hi"}],
            }
            session.add(
                Automation(
                    home_id=home.id,
                    name=f"When the {name.lower()} changes",
                    rule=rule,
                    created_at=T0,
                    updated_at=T0,
                )
            )
    mia_client, ben = mall["clients"]["mia"], mall["clients"]["ben"]
    works = (await mia_client.get(f"/api/v1/products/{product_id}/page")).json()["works_with"]
    assert works["signed_in"] is True
    assert works["devices"] == [
        {
            "name": "Hall sensor",
            "home": "Flat",
            "shared": ["Temperature", "Relative Humidity", "Display Unit", "Battery Level"],
        }
    ]
    # The hall sensor's 2.1 is its temperature; the lamp's 2.1 is its switch, not the sensor's.
    assert works["rules"] == [
        {
            "name": "When the hall sensor changes",
            "kind": "automation",
            "home": "Flat",
            "uses": ["Temperature"],
        }
    ]
    page = await mia_client.get(f"/products/{product_id}")
    assert "Hall sensor" in page.text and "When the hall sensor changes" in page.text
    theirs = (await ben.get(f"/api/v1/products/{product_id}/page")).json()["works_with"]
    assert theirs == {"signed_in": True, "devices": [], "rules": []}  # nothing of Mia's


def _tier(**fields: Any) -> dict[str, Any]:
    return {"title": "T", "price": "10.00", "retail_price": "10.00", **fields}


async def test_only_tiers_that_really_close_early_are_early_birds(mall: Mall) -> None:
    leo = mall["clients"]["leo"]
    tiers = [
        _tier(title="Limited, not marked", limit=50),
        _tier(title="Limited and marked", limit=50, early_bird=True),
        _tier(title="Closes a day early", closes_at=(END - timedelta(days=1)).isoformat()),
        _tier(title="Closes with the campaign", closes_at=END.isoformat()),
        _tier(title="Unlimited"),
    ]
    made = await send(
        leo,
        "POST",
        "/api/v1/partner/campaigns",
        campaign_body(mall["products"]["leo"], tiers=tiers),
    )
    assert made.status_code == 201, made.text
    badges = {t["title"]: t["early_bird"] for t in made.json()["tiers"]}
    assert badges == {
        "Limited, not marked": False,
        "Limited and marked": True,
        "Closes a day early": True,
        "Closes with the campaign": False,
        "Unlimited": False,
    }
    refused = await send(
        leo,
        "POST",
        "/api/v1/partner/campaigns",
        campaign_body(mall["products"]["leo"], tiers=[_tier(early_bird=True)]),
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "tiers.0.early_bird"
    assert "needs a unit limit or a closing time" in refused.json()["errors"][0]["message"]


async def test_the_story_risks_faq_and_shipping_are_kept_and_a_draft_takes_changes_to_them(
    mall: Mall,
) -> None:
    leo = mall["clients"]["leo"]
    made = (
        await send(leo, "POST", "/api/v1/partner/campaigns", campaign_body(mall["products"]["leo"]))
    ).json()
    change = {
        "risks": "Chip supply may slip a month.",
        "faq": [{"question": "Does it need a hub?", "answer": "No."}],
        "shipping": [{"country": "cn", "cost": "0.00"}, {"country": "US", "cost": "60.00"}],
    }
    patched = await send(leo, "PATCH", f"/api/v1/partner/campaigns/{made['id']}", change)
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["risks"] == "Chip supply may slip a month."
    assert body["faq"] == [{"question": "Does it need a hub?", "answer": "No."}]
    assert [(r["country"], r["cost"]["amount"]) for r in body["shipping"]] == [
        ("CN", 0),
        ("US", 6000),
    ]
    twice = {"shipping": [{"country": "US", "cost": "1.00"}, {"country": "us", "cost": "2.00"}]}
    refused = await send(leo, "PATCH", f"/api/v1/partner/campaigns/{made['id']}", twice)
    assert refused.status_code == 422
    assert "US given more than once" in refused.text
    shown = (await leo.get(f"/api/v1/campaigns/{made['id']}")).json()
    assert len(shown["shipping"]) == 2  # the refused change changed nothing


async def test_the_server_works_out_shipping_and_the_total_and_charges_both(mall: Mall) -> None:
    leo, mia, ben = (mall["clients"][n] for n in ("leo", "mia", "ben"))
    shipping = [{"country": "CN", "cost": "15.00"}, {"country": "US", "cost": "60.00"}]
    made = (
        await send(
            leo,
            "POST",
            "/api/v1/partner/campaigns",
            campaign_body(mall["products"]["leo"], goal="100.00", shipping=shipping),
        )
    ).json()
    await launch(mall, leo, made["id"])
    await tick(mall["hearth"], T0)
    standard = made["tiers"][1]["id"]  # ¥249.00
    url = f"/api/v1/campaigns/{made['id']}/pledges"
    placed = await send(mia, "POST", url, pledge_body(standard, await card_of(mia), 2), key="m")
    assert placed.status_code == 201, placed.text
    assert placed.json()["amount"]["amount"] == 49800
    assert placed.json()["shipping_cost"]["amount"] == 1500
    assert placed.json()["total"]["display"] == "¥513.00"

    abroad = pledge_body(standard, await card_of(ben))
    abroad["shipping"] = {**abroad["shipping"], "country": "FR"}
    refused = await send(ben, "POST", url, abroad, key="b")
    assert refused.status_code == 422
    assert "does not ship to FR" in refused.text and "CN, US" in refused.text
    async with mall["hearth"].sessions() as session:
        assert await session.scalar(select(Pledge.id).where(Pledge.idempotency_key == "b")) is None

    # Shipping is charged with the reward, but only the reward counts towards the goal.
    campaign = (await mia.get(f"/api/v1/campaigns/{made['id']}")).json()
    assert campaign["raised"]["amount"] == 49800
    await tick(mall["hearth"], END)
    async with mall["hearth"].sessions() as session:
        order = await session.scalar(select(Order).where(Order.campaign_id == made["id"]))
        assert order is not None and order.amount == 51300


async def test_a_pledge_from_the_campaign_page_is_totalled_by_the_server(mall: Mall) -> None:
    leo, mia = mall["clients"]["leo"], mall["clients"]["mia"]
    shipping = [{"country": "CN", "cost": "15.00"}]
    made = (
        await send(
            leo,
            "POST",
            "/api/v1/partner/campaigns",
            campaign_body(mall["products"]["leo"], shipping=shipping),
        )
    ).json()
    await launch(mall, leo, made["id"])
    await tick(mall["hearth"], T0)
    page = await mia.get(f"/campaigns/{made['id']}")
    assert 'id="pledge-total"' in page.text and "CN · shipping ¥15.00" in page.text
    form = {
        "csrftoken": mia.cookies["csrftoken"],
        "idempotency_key": "page-1",
        "tier_id": made["tiers"][0]["id"],  # ¥199.00
        "quantity": "2",
        "card_number": "4242424242424242",
        "name": "Mia Chen",
        "line1": "1 Long Street",
        "city": "Shenzhen",
        "postal_code": "518000",
        "country": "CN",
        # What a page's script showed is never read: the server works the total out.
        "total": "1.00",
    }
    sent = await mia.post(f"/campaigns/{made['id']}/pledge", data=form)
    assert sent.status_code == 303, sent.text
    async with mall["hearth"].sessions() as session:
        pledge = await session.scalar(select(Pledge).where(Pledge.idempotency_key == "page-1"))
        assert pledge is not None
        assert (pledge.amount, pledge.shipping_cost) == (39800, 1500)


async def test_anyone_reads_a_published_campaign_but_backing_it_needs_an_account(
    mall: Mall,
) -> None:
    leo = mall["clients"]["leo"]
    campaign = await live_campaign(mall)
    for title, backers_only in (("For everyone", False), ("Backers only news", True)):
        posted = await send(
            leo,
            "POST",
            f"/api/v1/partner/campaigns/{campaign['id']}/updates",
            {"title": title, "body": "x", "backers_only": backers_only},
        )
        assert posted.status_code == 201, posted.text
    draft = (
        await send(
            leo,
            "POST",
            "/api/v1/partner/campaigns",
            campaign_body(mall["products"]["leo"], title="Draft run"),
        )
    ).json()
    async with await _anonymous(mall) as anyone:
        page = await anyone.get(f"/campaigns/{campaign['id']}")
        assert page.status_code == 200
        assert f"/login?next=/campaigns/{campaign['id']}" in page.text
        assert "Sign in to back this project" in page.text
        assert 'id="pledge-total"' in page.text  # what a reward would cost, for anyone
        assert (
            'name="card_number"' not in page.text and "Back this project</button>" not in page.text
        )
        assert "For everyone" in page.text and "Backers only news" not in page.text
        store = await anyone.get("/store")
        assert store.status_code == 200 and "Draft run" not in store.text
        assert (await anyone.get(f"/campaigns/{draft['id']}")).status_code == 404
        assert (await anyone.get(f"/api/v1/campaigns/{draft['id']}")).status_code == 404
        pledge = await anyone.post(f"/campaigns/{campaign['id']}/pledge", data={})
        assert pledge.status_code in (401, 403)
