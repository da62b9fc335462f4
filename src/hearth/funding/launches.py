"""Launch review: a partner submits a campaign, the platform team approves it or sends it back.

Like product review (``mall/review.py``), every step is a conditional update on the
campaign's state plus an audited ``CampaignStep`` (actor, from, to, reason, time), and the
people concerned hear of it in their inbox: the platform team of every submission, the
partner's other members of every step. An approved launch is ``scheduled`` and goes live at
its start time (at once if that has come). Who may make which move is data in
``rules.LAUNCH_MOVES``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.accounts.roles import Capability, can
from hearth.errors import Conflict, InvalidInput, NotFound
from hearth.funding import events
from hearth.funding.campaigns import CampaignView, move, own_campaign, start_due, views_of
from hearth.funding.models import Campaign, CampaignStep, CampaignTier
from hearth.funding.rules import (
    IN_REVIEW,
    CampaignState,
    LaunchActor,
    check_launch_move,
    problems_of_schedule,
    problems_of_tiers,
)
from hearth.mall.models import Partner, Product
from hearth.mall.notices import partner_members, reviewers
from hearth.mall.review import ProductState
from hearth.notifications.service import notify

HEADLINES = {
    CampaignState.SUBMITTED: "{title} was submitted for launch review",
    CampaignState.DRAFT: "{title} was taken back to draft",
    CampaignState.SCHEDULED: "{title} is approved for launch",
    CampaignState.SENT_BACK: "{title} was sent back with comments",
}


async def _reviewable(session: AsyncSession, *, user: User, campaign_id: str) -> Campaign:
    if not can(user.role, Capability.REVIEW):
        raise NotFound("no such campaign")
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("no such campaign")
    return campaign


async def _step(
    session: AsyncSession,
    campaign: Campaign,
    target: CampaignState,
    *,
    user: User,
    actor: LaunchActor,
    reason: str,
    now: datetime,
) -> None:
    check_launch_move(CampaignState(campaign.state), target, actor=actor, reason=reason)
    if not await move(session, campaign, target, actor_id=user.id, now=now, reason=reason.strip()):
        raise Conflict("the campaign changed meanwhile; reload it")
    await _tell(session, campaign, target, user=user, reason=reason.strip(), now=now)


async def _tell(
    session: AsyncSession,
    campaign: Campaign,
    target: CampaignState,
    *,
    user: User,
    reason: str,
    now: datetime,
) -> None:
    """Tell the partner's other members of a step, and the platform team of a submission."""
    title = HEADLINES[target].format(title=campaign.title)
    kind = f"funding.launch.{target.value}"
    told: list[str] = []
    members = [m for m in await partner_members(session, campaign.partner_id) if m != user.id]
    if members:
        await notify(
            session,
            now=now,
            user_ids=members,
            kind=kind,
            title=title,
            body=reason[:2000],
            link=f"/partner/campaigns/{campaign.id}",
        )
        told += members
    if target is CampaignState.SUBMITTED:
        partner = await session.get(Partner, campaign.partner_id)
        team = [r for r in await reviewers(session) if r != user.id]
        if team:
            await notify(
                session,
                now=now,
                user_ids=team,
                kind=kind,
                title=f"{title} by {partner.name if partner else 'a partner'}",
                link=f"/platform/launches/{campaign.id}",
            )
            told += team
    events.notified(session, told)


async def check_ready(session: AsyncSession, campaign: Campaign, *, now: datetime) -> None:
    """Refuse a launch whose product is no longer approved or whose schedule or tiers do
    not hold (each problem named)."""
    product = await session.get(Product, campaign.product_id)
    if product is None or product.state != ProductState.APPROVED:
        raise Conflict("the product is no longer approved")
    closing = list(
        await session.scalars(
            select(CampaignTier.closes_at)
            .where(CampaignTier.campaign_id == campaign.id)
            .order_by(CampaignTier.position)
        )
    )
    problems = problems_of_schedule(
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
        delivery=campaign.delivery_date,
        now=now,
    ) + problems_of_tiers(closing, starts_at=campaign.starts_at, ends_at=campaign.ends_at)
    if not closing:
        problems.append({"field": "tiers", "message": "at least one reward tier"})
    if problems:
        raise InvalidInput.fields(problems)


async def submit(session: AsyncSession, *, user: User, campaign_id: str, now: datetime) -> Campaign:
    """Send a draft, or a launch sent back and edited, to the platform team for review."""
    campaign = await own_campaign(session, user=user, campaign_id=campaign_id)
    check_launch_move(
        CampaignState(campaign.state), CampaignState.SUBMITTED, actor=LaunchActor.PARTNER
    )
    await check_ready(session, campaign, now=now)
    await _step(
        session,
        campaign,
        CampaignState.SUBMITTED,
        user=user,
        actor=LaunchActor.PARTNER,
        reason="",
        now=now,
    )
    return campaign


async def retract(
    session: AsyncSession, *, user: User, campaign_id: str, now: datetime
) -> Campaign:
    """Take a submitted launch back to draft before the platform team decides."""
    campaign = await own_campaign(session, user=user, campaign_id=campaign_id)
    await _step(
        session,
        campaign,
        CampaignState.DRAFT,
        user=user,
        actor=LaunchActor.PARTNER,
        reason="",
        now=now,
    )
    return campaign


async def approve(
    session: AsyncSession, *, user: User, campaign_id: str, reason: str = "", now: datetime
) -> Campaign:
    """Approve a submitted launch (the platform team): it goes live at its start time."""
    campaign = await _reviewable(session, user=user, campaign_id=campaign_id)
    check_launch_move(
        CampaignState(campaign.state), CampaignState.SCHEDULED, actor=LaunchActor.REVIEWER
    )
    await check_ready(session, campaign, now=now)
    await _step(
        session,
        campaign,
        CampaignState.SCHEDULED,
        user=user,
        actor=LaunchActor.REVIEWER,
        reason=reason,
        now=now,
    )
    await start_due(session, now=now, campaign_id=campaign.id)
    return campaign


async def send_back(
    session: AsyncSession, *, user: User, campaign_id: str, reason: str, now: datetime
) -> Campaign:
    """Send a submitted launch back to its partner with what to change (the platform team)."""
    campaign = await _reviewable(session, user=user, campaign_id=campaign_id)
    await _step(
        session,
        campaign,
        CampaignState.SENT_BACK,
        user=user,
        actor=LaunchActor.REVIEWER,
        reason=reason,
        now=now,
    )
    return campaign


async def launch(
    session: AsyncSession, *, partner: User, reviewer: User, campaign_id: str, now: datetime
) -> Campaign:
    """Submit a draft and approve it at once: for the demo, the CLI and tests, which need a
    launched campaign and have both a partner's member and a reviewer at hand."""
    await submit(session, user=partner, campaign_id=campaign_id, now=now)
    return await approve(session, user=reviewer, campaign_id=campaign_id, now=now)


async def queue(session: AsyncSession, *, user: User) -> list[CampaignView]:
    """List the launches waiting for review, the longest waiting first (the platform team)."""
    if not can(user.role, Capability.REVIEW):
        raise NotFound("no such page")
    submitted = (
        select(CampaignStep.at)
        .where(
            CampaignStep.campaign_id == Campaign.id,
            CampaignStep.to_state == CampaignState.SUBMITTED.value,
        )
        .order_by(CampaignStep.at.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = (
        select(Campaign)
        .where(Campaign.state.in_([s.value for s in IN_REVIEW]))
        .order_by(submitted, Campaign.id)
        .limit(200)
    )
    return await views_of(session, list(await session.scalars(query)))


async def submitted_at(session: AsyncSession, campaign_ids: list[str]) -> dict[str, datetime]:
    """Return when each campaign was last submitted for review."""
    if not campaign_ids:
        return {}
    rows = await session.execute(
        select(CampaignStep.campaign_id, CampaignStep.at)
        .where(
            CampaignStep.campaign_id.in_(campaign_ids),
            CampaignStep.to_state == CampaignState.SUBMITTED.value,
        )
        .order_by(CampaignStep.at)
    )
    return {campaign_id: at for campaign_id, at in rows}
