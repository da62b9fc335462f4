"""JSON API of the crowdfunding mall for the platform team: every campaign, in any state,
and the launch review (the queue, approving a launch, sending one back with comments)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from hearth.accounts.models import User
from hearth.accounts.roles import Capability
from hearth.errors import InvalidTransition
from hearth.funding import campaigns, launches
from hearth.funding.rules import CampaignState
from hearth.funding.schemas import BlankIsNone, CampaignOut, LaunchOut, LaunchReviewIn
from hearth.web.deps import NowDep, SessionDep, requires
from hearth.web.openapi import answers

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


@router.get("/platform/launches")
async def launch_queue(session: SessionDep, user: Reviewer, now: NowDep) -> list[LaunchOut]:
    """List the launches waiting for review, the longest waiting first (the platform team)."""
    views = await launches.queue(session, user=user)
    since = await launches.submitted_at(session, [v.campaign.id for v in views])
    return [LaunchOut.of_launch(v, now, since.get(v.campaign.id)) for v in views]


@router.post("/platform/launches/{campaign_id}/approve", responses=answers(InvalidTransition))
async def approve(
    campaign_id: str, body: LaunchReviewIn, session: SessionDep, user: Reviewer, now: NowDep
) -> CampaignOut:
    """Approve a submitted launch: it goes live at its start time (at once if that has come)."""
    await launches.approve(session, user=user, campaign_id=campaign_id, reason=body.reason, now=now)
    return CampaignOut.of(await campaigns.view(session, user=user, campaign_id=campaign_id), now)


@router.post("/platform/launches/{campaign_id}/send-back", responses=answers(InvalidTransition))
async def send_back(
    campaign_id: str, body: LaunchReviewIn, session: SessionDep, user: Reviewer, now: NowDep
) -> CampaignOut:
    """Send a submitted launch back to its partner with comments on what to change."""
    await launches.send_back(
        session, user=user, campaign_id=campaign_id, reason=body.reason, now=now
    )
    return CampaignOut.of(await campaigns.view(session, user=user, campaign_id=campaign_id), now)
