"""The Store tab and a live campaign's rules over real HTTP: sorting, percent far past the
goal, tiers' remaining units, early birds that close on a date, per-backer limits,
backers-only updates, and changing or cancelling a pledge while the campaign is live."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from tests.funding.test_api import (
    END,
    campaign_body,
    card_of,
    launch,
    live_campaign,
    pledge_body,
    send,
    tick,
)
from tests.funding.world import T0


async def pledge(
    client: httpx.AsyncClient, campaign: dict[str, Any], tier: int, key: str, quantity: int = 1
) -> httpx.Response:
    card = await card_of(client)
    body = pledge_body(campaign["tiers"][tier]["id"], card, quantity)
    return await send(client, "POST", f"/api/v1/campaigns/{campaign['id']}/pledges", body, key)


async def shown(client: httpx.AsyncClient, campaign: dict[str, Any]) -> dict[str, Any]:
    answer = await client.get(f"/api/v1/campaigns/{campaign['id']}")
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def test_the_store_sorts_by_ending_soon_most_backed_and_newest(
    mall: dict[str, Any],
) -> None:
    leo, ivy = mall["clients"]["leo"], mall["clients"]["ivy"]
    made = {}
    for name, client, product, starts, ends in (
        ("old", leo, "leo", T0, END),
        ("late", leo, "leo", T0 + timedelta(minutes=30), END + timedelta(days=10)),
        ("soon", ivy, "ivy", T0 + timedelta(hours=1), T0 + timedelta(days=5)),
    ):
        body = campaign_body(
            mall["products"][product],
            title=f"Lamp {name}",
            starts_at=starts.isoformat(),
            ends_at=ends.isoformat(),
        )
        answer = await send(client, "POST", "/api/v1/partner/campaigns", body)
        assert answer.status_code == 201, answer.text
        made[name] = answer.json()
        assert (await launch(mall, client, made[name]["id"])).status_code == 200
    await tick(mall["hearth"], T0 + timedelta(hours=1))
    assert (await pledge(mall["clients"]["mia"], made["old"], 1, "a")).status_code == 201
    assert (await pledge(mall["clients"]["ben"], made["old"], 1, "b")).status_code == 201
    assert (await pledge(mall["clients"]["mia"], made["late"], 1, "c")).status_code == 201

    async def order(sort: str) -> list[str]:
        listed = (await mall["clients"]["ben"].get(f"/api/v1/campaigns?sort={sort}")).json()
        return [c["title"].removeprefix("Lamp ") for c in listed]

    assert await order("ending") == ["soon", "old", "late"]
    assert await order("backed") == ["old", "late", "soon"]
    assert await order("newest") == ["soon", "late", "old"]
    refused = await mall["clients"]["ben"].get("/api/v1/campaigns?sort=cheapest")
    assert refused.status_code == 422 and "sort" in refused.text


async def test_percent_goes_far_past_the_goal_and_tiers_show_what_is_left(
    mall: dict[str, Any],
) -> None:
    leo = mall["clients"]["leo"]
    body = campaign_body(mall["products"]["leo"], goal="1.00")
    made = (await send(leo, "POST", "/api/v1/partner/campaigns", body)).json()
    await launch(mall, leo, made["id"])
    await tick(mall["hearth"], T0)
    assert (await pledge(mall["clients"]["mia"], made, 0, "a")).status_code == 201
    seen = await shown(mall["clients"]["ben"], made)
    assert seen["percent"] == 19900  # ¥199.00 against a goal of ¥1.00
    assert [t["remaining"] for t in seen["tiers"]] == [1, None]


async def test_an_early_bird_tier_closes_on_its_date_and_when_its_units_are_gone(
    mall: dict[str, Any],
) -> None:
    leo = mall["clients"]["leo"]
    tiers = campaign_body("x")["tiers"]
    tiers[0]["closes_at"] = (T0 + timedelta(days=1)).isoformat()
    body = campaign_body(mall["products"]["leo"], tiers=tiers)
    made = await send(leo, "POST", "/api/v1/partner/campaigns", body)
    assert made.status_code == 201, made.text
    campaign = made.json()
    await launch(mall, leo, campaign["id"])
    await tick(mall["hearth"], T0 + timedelta(days=1))
    late = await pledge(mall["clients"]["mia"], campaign, 0, "a")
    assert late.status_code == 409 and "closed" in late.text
    assert (await pledge(mall["clients"]["mia"], campaign, 1, "b")).status_code == 201
    assert (await shown(mall["clients"]["mia"], campaign))["backers"] == 1


async def test_the_per_backer_limit_and_sold_out_tiers_refuse_and_take_nothing(
    mall: dict[str, Any],
) -> None:
    campaign = await live_campaign(mall)  # the early bird: 2 units, 2 per backer
    mia, ben = mall["clients"]["mia"], mall["clients"]["ben"]
    too_many = await pledge(mia, campaign, 0, "a", quantity=3)
    assert too_many.status_code == 422 and "quantity" in too_many.text
    assert (await pledge(mia, campaign, 0, "b", quantity=2)).status_code == 201
    sold_out = await pledge(ben, campaign, 0, "c")
    assert sold_out.status_code == 409 and "sold out" in sold_out.text
    seen = await shown(ben, campaign)
    assert (seen["backers"], seen["tiers"][0]["remaining"]) == (1, 0)


async def test_updates_for_backers_only_reach_backers_and_the_team_alone(
    mall: dict[str, Any],
) -> None:
    campaign = await live_campaign(mall)
    leo, mia, ben, ivy = (mall["clients"][n] for n in ("leo", "mia", "ben", "ivy"))
    url = f"/api/v1/partner/campaigns/{campaign['id']}/updates"
    for title, backers_only in (("Tooling done", False), ("Your survey", True)):
        body = {"title": title, "body": "", "backers_only": backers_only}
        assert (await send(leo, "POST", url, body)).status_code == 201
    assert (await pledge(mia, campaign, 1, "a")).status_code == 201

    async def titles(client: httpx.AsyncClient) -> set[str]:
        answer = await client.get(f"/api/v1/campaigns/{campaign['id']}/updates")
        return {u["title"] for u in answer.json()}

    assert await titles(mia) == {"Tooling done", "Your survey"}
    assert await titles(leo) == {"Tooling done", "Your survey"}
    assert await titles(ben) == {"Tooling done"}
    assert await titles(ivy) == {"Tooling done"}
    foreign = await send(ivy, "POST", url, {"title": "Not mine", "body": ""})
    assert foreign.status_code == 404


async def test_a_backer_changes_tier_and_quantity_then_cancels_and_the_units_go_back(
    mall: dict[str, Any],
) -> None:
    campaign = await live_campaign(mall)
    mia, ben = mall["clients"]["mia"], mall["clients"]["ben"]
    placed = (await pledge(mia, campaign, 1, "a")).json()
    url = f"/api/v1/pledges/{placed['id']}"
    moved = await send(mia, "PATCH", url, {"tier_id": campaign["tiers"][0]["id"], "quantity": 2})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["quantity"], moved.json()["amount"]["amount"]) == (2, 39800)
    seen = await shown(mia, campaign)
    assert [t["remaining"] for t in seen["tiers"]] == [0, None]
    assert (await send(ben, "PATCH", url, {"quantity": 1})).status_code == 404
    assert (await send(ben, "DELETE", url)).status_code == 404
    cancelled = await send(mia, "DELETE", url)
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    seen = await shown(mia, campaign)
    assert (seen["backers"], seen["tiers"][0]["remaining"]) == (0, 2)
    again = await send(mia, "PATCH", url, {"quantity": 1})
    assert again.status_code == 409


async def test_a_funded_product_graduates_to_regular_sale_in_its_partners_store(
    mall: dict[str, Any],
) -> None:
    campaign = await live_campaign(mall)  # goal ¥500.00
    leo, ivy, mia = mall["clients"]["leo"], mall["clients"]["ivy"], mall["clients"]["mia"]
    url = f"/api/v1/partner/campaigns/{campaign['id']}/graduate"
    early = await send(leo, "POST", url, {"price": "279.00", "stock": 40})
    assert early.status_code == 409, early.text
    assert (await pledge(mia, campaign, 0, "a", quantity=2)).status_code == 201
    assert (await pledge(mall["clients"]["ben"], campaign, 1, "b")).status_code == 201
    await tick(mall["hearth"], END)
    assert (await shown(mia, campaign))["state"] in ("funded", "fulfilling")
    assert (await send(ivy, "POST", url, {"price": "279.00", "stock": 40})).status_code == 404
    bad = await send(leo, "POST", url, {"price": "0.00", "stock": -1})
    assert bad.status_code == 422 and "price" in bad.text and "stock" in bad.text
    listed = await send(leo, "POST", url, {"price": "279.00", "stock": 40})
    assert listed.status_code == 200, listed.text
    assert (listed.json()["price"]["amount"], listed.json()["stock"]) == (27900, 40)
    slug = campaign["partner"]["slug"]
    on_sale = (await mia.get(f"/api/v1/stores/{slug}/listings")).json()
    assert [(item["name"], item["stock"]) for item in on_sale] == [("Lumi Labs lamp", 40)]
    page = await mia.get(f"/stores/{slug}")
    assert page.status_code == 200 and "Now on sale" in page.text and "40 in stock" in page.text
    assert (await mia.get("/api/v1/stores/no-such-store/listings")).status_code == 404
