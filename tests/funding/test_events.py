"""What the crowdfunding API and pages change is told on the bus once it has committed: a
campaign's moves, a pledge's progress for live pages, and the inbox badges of those told.
A refused change tells nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from hearth.bootstrap import Hearth
from hearth.funding.events import CampaignMoved, CampaignProgressed
from hearth.funding.models import Pledge
from hearth.notifications.events import NotificationsSent
from tests.funding.test_api import card_of, live_campaign, pledge_body, send
from tests.helpers import csrf_token


class Heard:
    """The crowdfunding events the bus delivers, each with the pledges committed by then."""

    def __init__(self, hearth: Hearth) -> None:
        self.hearth = hearth
        self.events: list[object] = []
        self.pledges_then: list[int] = []
        for kind in (CampaignMoved, CampaignProgressed, NotificationsSent):
            hearth.bus.subscribe(kind, self._heard)

    async def _heard(self, event: object) -> None:
        async with self.hearth.sessions() as session:
            committed = await session.scalar(select(func.count()).select_from(Pledge))
        self.events.append(event)
        self.pledges_then.append(int(committed or 0))

    async def wait_for(self, wanted: Callable[[object], bool]) -> object:
        """Return the first event heard that is ``wanted``, polling for up to 10 s."""
        for _ in range(1000):
            found = next((e for e in self.events if wanted(e)), None)
            if found is not None:
                return found
            await asyncio.sleep(0.01)
        raise AssertionError(f"not heard; heard {self.events}")


async def test_a_campaigns_moves_and_a_pledges_progress_are_told_after_they_commit(
    mall: dict[str, Any],
) -> None:
    heard = Heard(mall["hearth"])
    leo, mia, ben = (mall["clients"][n] for n in ("leo", "mia", "ben"))
    campaign = await live_campaign(mall)  # launched over HTTP, started by the worker's step
    assert [
        (e.from_state, e.to_state)
        for e in heard.events
        if isinstance(e, CampaignMoved) and e.campaign_id == campaign["id"]
    ] == [("draft", "submitted"), ("submitted", "scheduled"), ("scheduled", "live")]

    early = campaign["tiers"][0]
    body = pledge_body(early["id"], await card_of(mia), 2)
    url = f"/api/v1/campaigns/{campaign['id']}/pledges"
    assert (await send(mia, "POST", url, body, key="p1")).status_code == 201
    progress = await heard.wait_for(lambda e: isinstance(e, CampaignProgressed))
    assert isinstance(progress, CampaignProgressed)
    assert (progress.campaign_id, progress.backers, progress.raised) == (campaign["id"], 1, 39800)
    assert progress.remaining[early["id"]] == 0
    assert heard.pledges_then[heard.events.index(progress)] == 1  # told once committed

    told = len(heard.events)
    sold_out = await send(ben, "POST", url, pledge_body(early["id"], await card_of(ben)), key="b")
    assert sold_out.status_code == 409
    update = {"title": "Tooling done", "body": "", "backers_only": True}
    posted = await send(leo, "POST", f"/api/v1/partner/campaigns/{campaign['id']}/updates", update)
    assert posted.status_code == 201
    mine = (await mia.get("/api/v1/me")).json()["id"]
    # The launch's own steps told the platform team; the update tells its one backer.
    badge = await heard.wait_for(
        lambda e: isinstance(e, NotificationsSent) and e.user_ids == [mine]
    )
    assert badge in heard.events[told:]
    # The refused pledge told nothing: no progress after it.
    assert not any(isinstance(e, CampaignProgressed) for e in heard.events[told:])


async def test_a_pledge_cancelled_from_its_page_tells_the_live_pages(mall: dict[str, Any]) -> None:
    heard = Heard(mall["hearth"])
    mia = mall["clients"]["mia"]
    campaign = await live_campaign(mall)
    standard = campaign["tiers"][1]
    url = f"/api/v1/campaigns/{campaign['id']}/pledges"
    placed = await send(mia, "POST", url, pledge_body(standard["id"], await card_of(mia)), key="k")
    assert placed.status_code == 201
    await heard.wait_for(lambda e: isinstance(e, CampaignProgressed) and e.backers == 1)

    form = {"csrftoken": await csrf_token(mia)}
    cancelled = await mia.post(f"/pledges/{placed.json()['id']}/cancel", data=form)
    assert cancelled.status_code == 303
    progress = await heard.wait_for(lambda e: isinstance(e, CampaignProgressed) and e.backers == 0)
    assert isinstance(progress, CampaignProgressed) and progress.raised == 0
