"""The Store tab, campaign pages, orders and the partner's pages render what matters."""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from typing import Any

import httpx

from hearth.bootstrap import Hearth
from hearth.web.app import create_app
from tests.funding.test_api import (
    END,
    campaign_body,
    card_of,
    live_campaign,
    pledge_body,
    send,
    tick,
)
from tests.helpers import csrf_token


async def test_the_store_lists_live_campaigns_with_their_progress(mall: dict[str, Any]) -> None:
    mia = mall["clients"]["mia"]
    campaign = await live_campaign(mall)
    card = await card_of(mia)
    await send(
        mia,
        "POST",
        f"/api/v1/campaigns/{campaign['id']}/pledges",
        pledge_body(campaign["tiers"][1]["id"], card, 4),
        key="k",
    )
    page = await mia.get("/store")
    assert page.status_code == 200
    assert "Lumi Lamp" in page.text and "199%" in page.text and 'href="/stores"' in page.text
    assert "not built yet" not in page.text.lower()
    store = await mia.get("/stores/lumi-labs")
    assert store.status_code == 200 and "Lumi Lamp" in store.text and "Campaigns" in store.text
    detail = await mia.get(f"/campaigns/{campaign['id']}")
    assert (
        "¥996.00" in detail.text
        and "Your pledge" in detail.text
        and ">2</span> of 2 left" in detail.text
    )


async def test_a_fan_pledges_through_the_form_and_finds_it_in_orders(mall: dict[str, Any]) -> None:
    ben = mall["clients"]["ben"]
    campaign = await live_campaign(mall)
    form = {
        "csrftoken": await csrf_token(ben),
        "tier_id": campaign["tiers"][0]["id"],
        "idempotency_key": "form-1",
        "quantity": "1",
        "card_number": "4242 4242 4242 4242",
        "name": "Ben Li",
        "line1": "2 Short Road",
        "city": "Beijing",
        "postal_code": "100000",
        "country": "CN",
    }
    posted = await ben.post(f"/campaigns/{campaign['id']}/pledge", data=form)
    assert posted.status_code == 303 and posted.headers["location"].startswith("/orders")
    again = await ben.post(f"/campaigns/{campaign['id']}/pledge", data=form)
    assert again.status_code == 303
    orders = await ben.get("/orders")
    assert orders.text.count("Early bird") == 1 and "active" in orders.text
    refused = await ben.post(
        f"/campaigns/{campaign['id']}/pledge",
        data={**form, "idempotency_key": "form-2", "country": "China"},
    )
    assert refused.status_code == 422


async def test_partner_pages_show_campaigns_orders_and_refuse_bad_tracking(
    mall: dict[str, Any],
) -> None:
    hearth: Hearth = mall["hearth"]
    leo, mia = mall["clients"]["leo"], mall["clients"]["mia"]
    campaign = await live_campaign(mall)
    card = await card_of(mia)
    await send(
        mia,
        "POST",
        f"/api/v1/campaigns/{campaign['id']}/pledges",
        pledge_body(campaign["tiers"][1]["id"], card, 4),
        key="k",
    )
    await tick(hearth, END)
    assert "fulfilling" in (await leo.get("/partner/campaigns")).text
    assert "Graduate" in (await leo.get(f"/partner/campaigns/{campaign['id']}")).text
    graduate = f"/partner/campaigns/{campaign['id']}/graduate"
    listing = {"csrftoken": await csrf_token(leo), "price": "279.00", "stock": "١٢"}
    assert (await leo.post(graduate, data=listing)).status_code == 422  # not read as 12
    assert (await leo.post(graduate, data={**listing, "stock": "12"})).status_code == 303
    orders = await leo.get("/partner/orders")
    assert "Mia Chen" in orders.text
    bad = await leo.post(
        "/partner/orders/tracking",
        data={
            "csrftoken": await csrf_token(leo),
            "text": "order_id,carrier,tracking_number\nord_x,SF,SF123456\n",
        },
    )
    assert bad.status_code == 422 and "Line 2" in bad.text and "Nothing was imported" in bad.text
    assert (await mia.get("/partner/orders")).status_code == 403
    assert (
        await mall["clients"]["ivy"].get(f"/partner/campaigns/{campaign['id']}")
    ).status_code == 404
    assert "Lumi Lamp" in (await mall["clients"]["ada"].get("/platform/campaigns")).text


async def test_a_partner_drafts_a_campaign_through_the_form_and_a_refused_one_comes_back(
    mall: dict[str, Any],
) -> None:
    leo = mall["clients"]["leo"]
    form = {
        "csrftoken": await csrf_token(leo),
        "product_id": mall["products"]["leo"],
        "title": "Lumi Desk Lamp",
        "goal": "500.00",
        "starts_at": "2026-11-01T09:30",
        "ends_at": "2026-11-20T21:00",
        "delivery_on": "2027-01-15",
        "tier_title": ["Early bird", "", ""],
        "tier_description": ["One lamp and a cable", "", ""],
        "tier_price": ["199.00", "", ""],
        "tier_retail": ["149.00", "", ""],
        "tier_limit": ["20", "", ""],
        "tier_per_backer": ["2", "", ""],
        "tier_closes": ["2026-11-03T12:00", "", ""],
    }
    refused = await leo.post("/partner/campaigns", data=form)
    assert refused.status_code == 422
    assert "at least the crowdfunding price" in refused.text
    assert 'value="Lumi Desk Lamp"' in refused.text  # the form comes back as it was written
    assert 'value="2026-11-03T12:00"' in refused.text and "One lamp and a cable" in refused.text
    assert (await leo.get("/api/v1/partner/campaigns")).json() == []

    made = await leo.post("/partner/campaigns", data={**form, "tier_retail": ["", "", ""]})
    assert made.status_code == 303
    campaign_id = made.headers["location"].split("?")[0].rsplit("/", 1)[1]
    [shown] = (await leo.get("/api/v1/partner/campaigns")).json()
    assert shown["id"] == campaign_id and shown["ends_at"].startswith("2026-11-20T21:00")
    [tier] = shown["tiers"]
    assert (tier["price"]["amount"], tier["retail_price"]["amount"], tier["limit"]) == (
        19900,
        19900,
        20,
    )
    assert (tier["description"], tier["per_backer"]) == ("One lamp and a cable", 2)
    assert tier["closes_at"].startswith("2026-11-03T12:00")

    action = f"/partner/campaigns/{campaign_id}"
    no_reason = await leo.post(f"{action}/cancel", data={"csrftoken": form["csrftoken"]})
    assert no_reason.status_code == 422
    assert "Reason: string should have at least 1 character." in no_reason.text
    cancelled = await leo.post(
        f"{action}/cancel", data={"csrftoken": form["csrftoken"], "reason": "Tooling slipped"}
    )
    assert cancelled.status_code == 303
    assert (await leo.get("/api/v1/partner/campaigns")).json()[0]["state"] == "cancelled"


def _tier_rows(count: int) -> dict[str, list[str]]:
    return {
        "tier_title": [f"Tier {n}" for n in range(count)],
        "tier_description": [f"{n + 1} lamps in the box" for n in range(count)],
        "tier_price": [f"{100 + n}.00" for n in range(count)],
        "tier_retail": ["300.00"] * count,
        "tier_limit": [str(10 + n) for n in range(count)],
        "tier_per_backer": ["3"] * count,
        "tier_closes": [""] * count,
    }


async def test_the_form_takes_times_in_the_partners_zone_and_more_tiers_than_three(
    mall: dict[str, Any],
) -> None:
    leo = mall["clients"]["leo"]
    leo.cookies.set("tz", "Asia/Shanghai")
    try:
        made = await leo.post(
            "/partner/campaigns",
            data={
                "csrftoken": await csrf_token(leo),
                "product_id": mall["products"]["leo"],
                "title": "Lumi Six",
                "goal": "900.00",
                "starts_at": "2026-11-02T08:00",
                "ends_at": "2026-11-22T20:00",
                "delivery_on": "2027-01-15",
                **_tier_rows(6),
            },
        )
    finally:
        leo.cookies.delete("tz")
    assert made.status_code == 303, made.text
    [shown] = (await leo.get("/api/v1/partner/campaigns")).json()
    # 08:00 in Shanghai (UTC+8) is midnight UTC; the stored time is UTC.
    assert shown["starts_at"].startswith("2026-11-02T00:00:00")
    assert shown["ends_at"].startswith("2026-11-22T12:00:00")
    assert [t["title"] for t in shown["tiers"]] == [f"Tier {n}" for n in range(6)]
    assert shown["tiers"][5]["description"] == "6 lamps in the box"


async def test_a_partner_edits_a_draft_and_a_refused_edit_keeps_every_field(
    mall: dict[str, Any],
) -> None:
    leo = mall["clients"]["leo"]
    made = await send(
        leo, "POST", "/api/v1/partner/campaigns", campaign_body(mall["products"]["leo"])
    )
    campaign_id = made.json()["id"]
    page = await leo.get(f"/partner/campaigns/{campaign_id}/edit")
    assert page.status_code == 200 and 'value="Early bird"' in page.text
    edit = {
        "csrftoken": await csrf_token(leo),
        "title": "Lumi Glow Lamp, renamed",
        "goal": "700.00",
        "starts_at": "2026-11-01T08:00",
        "ends_at": "2026-11-01T07:00",  # before the start
        "delivery_on": "2027-01-15",
        **_tier_rows(4),
    }
    refused = await leo.post(f"/partner/campaigns/{campaign_id}/edit", data=edit)
    assert refused.status_code == 422
    assert "Starts at: before the campaign ends." in refused.text
    assert 'value="Lumi Glow Lamp, renamed"' in refused.text
    assert 'value="2026-11-01T07:00"' in refused.text and "4 lamps in the box" in refused.text
    assert (await leo.get("/api/v1/partner/campaigns")).json()[0]["title"] == "Lumi Lamp"

    saved = await leo.post(
        f"/partner/campaigns/{campaign_id}/edit", data={**edit, "ends_at": "2026-11-21T08:00"}
    )
    assert saved.status_code == 303, saved.text
    [shown] = (await leo.get("/api/v1/partner/campaigns")).json()
    assert shown["title"] == "Lumi Glow Lamp, renamed" and len(shown["tiers"]) == 4
    assert shown["goal"]["amount"] == 70000


async def test_a_draft_has_a_preview_of_its_public_page_for_its_partner_and_the_team_only(
    mall: dict[str, Any],
) -> None:
    leo, ivy, mia, ada = (mall["clients"][n] for n in ("leo", "ivy", "mia", "ada"))
    body = campaign_body(mall["products"]["leo"], title="Lumi Preview Lamp")
    campaign_id = (await send(leo, "POST", "/api/v1/partner/campaigns", body)).json()["id"]
    preview = await leo.get(f"/partner/campaigns/{campaign_id}/preview")
    assert preview.status_code == 200
    assert "Preview." in preview.text and "Lumi Preview Lamp" in preview.text
    assert "Back this project" not in preview.text  # nobody pledges before the launch
    assert (await ada.get(f"/platform/launches/{campaign_id}/preview")).status_code == 200
    assert (await ivy.get(f"/partner/campaigns/{campaign_id}/preview")).status_code == 404
    assert (await mia.get(f"/campaigns/{campaign_id}")).status_code == 404


async def _stream_status(hearth: Hearth, client: httpx.AsyncClient, path: str) -> int:
    """Open an event stream through the app as ``client``, return its status, and hang up.

    A stream that is allowed never ends, so this speaks ASGI itself: it waits for the
    response to start, then tells the app the browser went away.
    """
    app = create_app(hearth=hearth)
    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"cookie", cookie.encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    started: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await started
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start" and not started.done():
            started.set_result(message["status"])

    async def serve() -> None:
        await app(scope, receive, send)

    task = asyncio.create_task(serve())
    try:
        return await asyncio.wait_for(asyncio.shield(started), timeout=10)
    finally:
        try:
            await asyncio.wait_for(task, timeout=10)
        except TimeoutError:
            task.cancel()


async def test_only_a_campaign_the_caller_may_see_streams_its_progress(
    mall: dict[str, Any],
) -> None:
    hearth: Hearth = mall["hearth"]
    leo, ivy, mia, ada = (mall["clients"][n] for n in ("leo", "ivy", "mia", "ada"))
    published = await live_campaign(mall)
    draft = await send(
        leo, "POST", "/api/v1/partner/campaigns", campaign_body(mall["products"]["leo"])
    )
    assert draft.status_code == 201, draft.text
    hidden = draft.json()["id"]

    assert await _stream_status(hearth, mia, f"/campaigns/{published['id']}/live") == 200
    for outsider in (mia, ivy):
        assert await _stream_status(hearth, outsider, f"/campaigns/{hidden}/live") == 404
    assert await _stream_status(hearth, mia, "/campaigns/cmp_no_such_thing/live") == 404
    for insider in (leo, ada):
        assert await _stream_status(hearth, insider, f"/campaigns/{hidden}/live") == 200
