"""The crowdfunding pages of the platform team: every campaign with its money told apart,
cancelling one, and the launch review (the queue, a launch with its preview, tiers and
figures, approving it or sending it back with comments)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.accounts.roles import Capability
from hearth.errors import HearthError
from hearth.funding import campaigns, launches
from hearth.funding.figures import campaign_figures
from hearth.funding.pages import actor_names, back, preview_page
from hearth.funding.rules import CampaignState
from hearth.funding.schemas import (
    CampaignCancelForm,
    CampaignFiguresOut,
    CampaignOut,
    LaunchReviewForm,
)
from hearth.mall.models import Product
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
    found = await campaign_figures(session, [v.campaign for v in views])
    return render(
        request,
        "funding/platform_campaigns.html",
        user=user,
        active="platform",
        views=CampaignOut.many(views, now),
        figures={i: CampaignFiguresOut.of(f) for i, f in found.items()},
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


@router.get("/platform/launches")
async def launch_queue(
    request: Request, session: SessionDep, user: Reviewer, now: NowDep
) -> Response:
    views = await launches.queue(session, user=user)
    return render(
        request,
        "funding/platform_launches.html",
        user=user,
        active="platform",
        views=CampaignOut.many(views, now),
        since=await launches.submitted_at(session, [v.campaign.id for v in views]),
    )


async def _launch_page(
    request: Request,
    session: AsyncSession,
    user: User,
    campaign_id: str,
    now: datetime,
    *,
    error: HearthError | None = None,
    reason: str = "",
) -> Response:
    view = await campaigns.view(session, user=user, campaign_id=campaign_id)
    steps = await campaigns.history(session, user=user, campaign_id=campaign_id)
    found = await campaign_figures(session, [view.campaign])
    return render(
        request,
        "funding/platform_launch.html",
        user=user,
        active="platform",
        c=CampaignOut.of(view, now),
        product=await session.get(Product, view.campaign.product_id),
        figures=CampaignFiguresOut.of(found[campaign_id]),
        steps=steps,
        actors=await actor_names(session, steps),
        since=(await launches.submitted_at(session, [campaign_id])).get(campaign_id),
        reason=reason,
        error=error.sentence if error else None,
        status_code=error.status if error else 200,
    )


@router.get("/platform/launches/{campaign_id}")
async def launch_page(
    request: Request, campaign_id: str, session: SessionDep, user: Reviewer, now: NowDep
) -> Response:
    return await _launch_page(request, session, user, campaign_id, now)


@router.get("/platform/launches/{campaign_id}/preview")
async def launch_preview(
    request: Request, campaign_id: str, session: SessionDep, user: Reviewer, now: NowDep
) -> Response:
    return await preview_page(
        request, session, user, campaign_id, now, back_to=f"/platform/launches/{campaign_id}"
    )


@router.post("/platform/launches/{campaign_id}/decision")
async def launch_decision(
    request: Request,
    campaign_id: str,
    form: Annotated[LaunchReviewForm, Form()],
    session: SessionDep,
    user: Reviewer,
    now: NowDep,
) -> Response:
    try:
        async with session.begin_nested():
            if form.decision == "approve":
                await launches.approve(
                    session, user=user, campaign_id=campaign_id, reason=form.reason, now=now
                )
            else:
                await launches.send_back(
                    session, user=user, campaign_id=campaign_id, reason=form.reason, now=now
                )
    except HearthError as err:
        return await _launch_page(
            request, session, user, campaign_id, now, error=err, reason=form.reason
        )
    return back(f"/platform/launches/{campaign_id}")
