"""The crowdfunding pages of the platform team: every campaign, and cancelling one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from hearth.accounts.models import User
from hearth.accounts.roles import Capability
from hearth.funding import campaigns
from hearth.funding.pages import back
from hearth.funding.rules import CampaignState
from hearth.funding.schemas import CampaignCancelForm, CampaignOut
from hearth.web.deps import NowDep, SessionDep, requires
from hearth.web.templating import render

router = APIRouter(include_in_schema=False)
Reviewer = Annotated[User, Depends(requires(Capability.REVIEW))]


@router.get("/platform/campaigns")
async def platform_campaigns(
    request: Request, session: SessionDep, user: Reviewer, now: NowDep, state: str = ""
) -> Response:
    states = (
        [CampaignState(state)]
        if state in CampaignState.__members__.values()
        else list(CampaignState)
    )
    views = await campaigns.list_campaigns(
        session, sort="newest", now=now, states=states, limit=200
    )
    return render(
        request,
        "funding/platform_campaigns.html",
        user=user,
        active="platform",
        views=CampaignOut.many(views, now),
        states=list(CampaignState),
        state=state,
    )


@router.post("/platform/campaigns/{campaign_id}/cancel")
async def platform_cancel(
    campaign_id: str,
    form: Annotated[CampaignCancelForm, Form()],
    session: SessionDep,
    user: Reviewer,
    now: NowDep,
) -> Response:
    await campaigns.cancel(session, user=user, campaign_id=campaign_id, cancellation=form, now=now)
    return back("/platform/campaigns")
