"""A partner's orders over real HTTP: filtered by campaign, status and a search that looks
through every order, not just the first page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hearth.accounts.models import User
from hearth.funding import orders
from tests.funding.test_api import END, card_of, live_campaign, pledge_body, send, tick
from tests.funding.world import ADDRESS


async def test_orders_filter_by_campaign_status_and_name_and_refuse_an_unknown_status(
    mall: dict[str, Any],
) -> None:
    campaign = await live_campaign(mall)  # goal ¥500.00
    leo, ivy = mall["clients"]["leo"], mall["clients"]["ivy"]
    url = f"/api/v1/campaigns/{campaign['id']}/pledges"
    for name, tier, quantity in (("mia", 0, 2), ("ben", 1, 1)):
        client = mall["clients"][name]
        body = pledge_body(campaign["tiers"][tier]["id"], await card_of(client), quantity)
        body["shipping"] = {**ADDRESS, "name": f"{name.title()} 100%_Fan"}
        assert (await send(client, "POST", url, body, key=name)).status_code == 201
    await tick(mall["hearth"], END)

    async def names(query: str, client: Any = leo) -> list[str]:
        answer = await client.get(f"/api/v1/partner/orders?{query}")
        assert answer.status_code == 200, answer.text
        return sorted(o["shipping"]["name"] for o in answer.json())

    assert await names("") == ["Ben 100%_Fan", "Mia 100%_Fan"]
    assert await names(f"campaign_id={campaign['id']}&status=paid") == [
        "Ben 100%_Fan",
        "Mia 100%_Fan",
    ]
    assert await names("status=shipped") == []
    assert await names("q=BEN") == ["Ben 100%_Fan"]
    assert await names("q=100%25_") == ["Ben 100%_Fan", "Mia 100%_Fan"]  # not wildcards
    assert await names("q=1%25") == []
    assert await names("q=", client=ivy) == []  # another partner sees none of them
    refused = await leo.get("/api/v1/partner/orders?status=lost")
    assert refused.status_code == 422 and "status" in refused.text

    async with mall["hearth"].sessions() as session:
        member = await session.scalar(select(User).where(User.username == "leo"))
        assert member is not None
        # Whichever order is on the first page, the search finds each one.
        for name in ("mia", "ben"):
            found = await orders.partner_orders(session, user=member, query_text=name, limit=1)
            assert [line.order.shipping["name"] for line in found] == [f"{name.title()} 100%_Fan"]
