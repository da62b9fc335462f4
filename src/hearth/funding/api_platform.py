"""JSON API of the crowdfunding mall for the platform team: every campaign, in any state."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from hearth.accounts.models import User
from hearth.accounts.roles import Capability
from hearth.funding import campaigns
from hearth.funding.rules import CampaignState
from hearth.funding.schemas import BlankIsNone, CampaignOut
from hearth.web.deps import NowDep, SessionDep, requires

router = APIRouter(tags=["funding"])
Reviewer = Annotated[User, Depends(requires(Capability.REVIEW))]


@router.get("/platform/campaigns")
async def platform_campaigns(
    session: SessionDep,
    user: Reviewer,
    now: NowDep,
    state: Annotated[CampaignState | None, BlankIsNone] = None,
) -> list[CampaignOut]:
    """List every campaign, or those in one state (the platform team)."""
    states = [state] if state else list(CampaignState)
    views = await campaigns.list_campaigns(
        session, sort="newest", now=now, states=states, limit=200
    )
    return CampaignOut.many(views, now)
