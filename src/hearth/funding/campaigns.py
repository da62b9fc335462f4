"""Campaign services: draft, edit, start, cancel, read, partner updates, graduation (the
launch review between a draft and its start is ``launches``).

Who may do what: a partner's members run their own partner's campaigns; reviewers (the
platform team) see every campaign, drafts included, and may cancel one; everyone signed
in sees campaigns once published. A campaign that is not the caller's to see answers
``NotFound``. Every workflow move is a conditional update on the state column (so two
workers can never both make it) plus an audit row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.accounts.roles import Capability, can
from hearth.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hearth.funding import events
from hearth.funding.figures import campaign_figures
from hearth.funding.models import (
    Campaign,
    CampaignStep,
    CampaignTier,
    CampaignUpdate,
    Pledge,
    StoreListing,
)
from hearth.funding.rules import (
    CAMPAIGN_WORKFLOW,
    CHARGED_STATES,
    EDITABLE,
    PUBLIC_STATES,
    UNLAUNCHED,
    CampaignState,
    PledgeState,
    Progress,
    TierDraft,
    problems_of_order,
)
from hearth.funding.schemas import (
    CampaignCancelIn,
    CampaignGraduateIn,
    CampaignIn,
    CampaignUpdateIn,
    NewCampaignIn,
)
from hearth.kit.money import Money
from hearth.mall.models import Partner, Product, ProductImage
from hearth.mall.review import ProductState
from hearth.notifications import service as notifications
from hearth.outbox import record

Sort = Literal["ending", "backed", "newest"]


@dataclass
class CampaignView:
    """A campaign with its tiers and progress, as pages and the API show it."""

    campaign: Campaign
    tiers: list[CampaignTier]
    partner: Partner
    photos: list[str] = field(default_factory=list)  # the product's uploaded images
    progress: Progress = field(init=False)

    def __post_init__(self) -> None:
        self.progress = Progress(
            goal=self.campaign.goal,
            raised=sum(t.pledged for t in self.tiers),
            backers=sum(t.pledges for t in self.tiers),
        )

    def money(self, amount: int) -> Money:
        return Money(amount, self.campaign.currency)


def partner_of(user: User) -> str:
    """Return the partner the user works for, or refuse."""
    if user.partner_id is None or not can(user.role, Capability.PARTNER_CONSOLE):
        raise PermissionDenied("only a partner's members run its campaigns")
    return user.partner_id


def _may_see(user: User | None, campaign: Campaign) -> bool:
    if campaign.state in PUBLIC_STATES:
        return True
    if user is None:
        return False
    return user.partner_id == campaign.partner_id or can(user.role, Capability.REVIEW)


def _minor_units(amount: str, currency: str, field: str, problems: list[dict[str, str]]) -> int:
    """Read an amount exactly in the campaign's currency (only here are its decimals known)."""
    try:
        return Money.parse(amount, currency).amount
    except InvalidInput as err:
        problems.append({"field": field, "message": err.message})
        return 0


def _apply(campaign: Campaign, draft: CampaignIn) -> list[TierDraft] | None:
    """Copy what the draft sets onto the campaign and return its tiers in minor units; the
    model has checked every bound but the decimals of the currency."""
    problems: list[dict[str, str]] = []
    for name in ("title", "summary", "description", "starts_at", "ends_at", "delivery_date"):
        value = getattr(draft, name)
        if value is not None:
            setattr(campaign, name, value)
    if draft.images is not None:
        campaign.images = list(draft.images)
    if draft.risks is not None:
        campaign.risks = draft.risks
    if draft.faq is not None:
        campaign.faq = [item.model_dump() for item in draft.faq]
    if campaign.starts_at is not None and campaign.ends_at is not None:
        problems += problems_of_order(starts_at=campaign.starts_at, ends_at=campaign.ends_at)
    currency = campaign.currency
    if draft.goal is not None:
        campaign.goal = _minor_units(draft.goal, currency, "goal", problems)
    if draft.shipping is not None:
        campaign.shipping_rates = {
            rate.country: _minor_units(rate.cost, currency, f"shipping.{n}.cost", problems)
            for n, rate in enumerate(draft.shipping)
        }
    tiers = None
    if draft.tiers is not None:
        tiers = [
            TierDraft(
                title=tier.title,
                description=tier.description,
                price=_minor_units(tier.price, currency, f"tiers.{n}.price", problems),
                retail_price=_minor_units(
                    tier.retail_price, currency, f"tiers.{n}.retail_price", problems
                ),
                limit=tier.limit,
                per_backer=tier.per_backer,
                closes_at=tier.closes_at,
                early_bird=tier.early_bird,
            )
            for n, tier in enumerate(draft.tiers)
        ]
    if problems:
        raise InvalidInput.fields(problems)
    return tiers


def _set_tiers(session: AsyncSession, campaign: Campaign, tiers: list[TierDraft]) -> None:
    for position, tier in enumerate(tiers):
        session.add(
            CampaignTier(
                campaign_id=campaign.id,
                position=position,
                title=tier.title,
                description=tier.description,
                price=tier.price,
                retail_price=tier.retail_price,
                limit=tier.limit,
                per_backer=tier.per_backer,
                closes_at=tier.closes_at,
                early_bird=tier.early_bird,
                sold=0,
                pledged=0,
                pledges=0,
            )
        )


async def create_campaign(
    session: AsyncSession, *, user: User, draft: NewCampaignIn, now: datetime
) -> Campaign:
    """Draft a campaign for one of the partner's approved products."""
    partner_id = partner_of(user)
    product = await session.get(Product, draft.product_id)
    if product is None or product.partner_id != partner_id:
        raise NotFound("no such product")
    if product.state != ProductState.APPROVED:
        raise Conflict("only an approved product can be crowdfunded")
    campaign = Campaign(
        product_id=product.id,
        partner_id=partner_id,
        currency=product.currency,
        state=CampaignState.DRAFT.value,
        created_by=user.id,
        created_at=now,
        updated_at=now,
        summary="",
        description=product.description,
        images=[],
        risks="",
        faq=[],
        shipping_rates={},
    )
    tiers = _apply(campaign, draft)
    session.add(campaign)
    await session.flush()
    _set_tiers(session, campaign, tiers or [])
    await session.flush()
    return campaign


async def update_campaign(
    session: AsyncSession, *, user: User, campaign_id: str, draft: CampaignIn, now: datetime
) -> Campaign:
    """Change a draft, or a launch the platform team sent back (launched ones keep their
    terms for their backers)."""
    campaign = await own_campaign(session, user=user, campaign_id=campaign_id)
    if campaign.state not in EDITABLE:
        raise Conflict(
            "only a draft or a launch sent back can be changed; "
            "take a submitted launch back to draft first, or post an update"
        )
    tiers = _apply(campaign, draft)
    if tiers is not None:
        for old in await session.scalars(
            select(CampaignTier).where(CampaignTier.campaign_id == campaign.id)
        ):
            await session.delete(old)
        await session.flush()
        _set_tiers(session, campaign, tiers)
    campaign.updated_at = now
    await session.flush()
    return campaign


async def own_campaign(session: AsyncSession, *, user: User, campaign_id: str) -> Campaign:
    """Return a campaign of the user's partner, or raise ``NotFound``."""
    partner_id = partner_of(user)
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None or campaign.partner_id != partner_id:
        raise NotFound("no such campaign")
    return campaign


async def move(
    session: AsyncSession,
    campaign: Campaign,
    target: CampaignState,
    *,
    actor_id: str | None,
    now: datetime,
    reason: str = "",
) -> bool:
    """Move a campaign if it is still where we saw it; return False if someone else did."""
    current = CampaignState(campaign.state)
    CAMPAIGN_WORKFLOW.check(current, target)
    result = await session.execute(
        update(Campaign)
        .where(Campaign.id == campaign.id, Campaign.state == current.value)
        .values(state=target.value, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    campaign.state = target.value
    session.add(
        CampaignStep(
            campaign_id=campaign.id,
            actor_id=actor_id,
            from_state=current.value,
            to_state=target.value,
            reason=reason,
            at=now,
        )
    )
    record(session, events.CampaignMoved(campaign.id, current.value, target.value))
    return True


async def start_due(session: AsyncSession, *, now: datetime, campaign_id: str | None = None) -> int:
    """Put scheduled campaigns whose start has come live; return how many moved."""
    query = select(Campaign).where(
        Campaign.state == CampaignState.SCHEDULED.value, Campaign.starts_at <= now
    )
    if campaign_id is not None:
        query = query.where(Campaign.id == campaign_id)
    moved = 0
    for campaign in list(await session.scalars(query.limit(100))):
        moved += await move(session, campaign, CampaignState.LIVE, actor_id=None, now=now)
    return moved


async def cancel(
    session: AsyncSession,
    *,
    user: User,
    campaign_id: str,
    cancellation: CampaignCancelIn,
    now: datetime,
) -> Campaign:
    """Cancel a campaign before its outcome; every pledge is released and its backer told."""
    campaign = await session.get(Campaign, campaign_id)
    reviewer = can(user.role, Capability.REVIEW)
    if campaign is None or not (reviewer or campaign.partner_id == user.partner_id):
        raise NotFound("no such campaign")
    reason = cancellation.reason
    if not await move(
        session, campaign, CampaignState.CANCELLED, actor_id=user.id, now=now, reason=reason
    ):
        raise Conflict("the campaign changed meanwhile; reload it")
    await release_pledges(
        session, campaign=campaign, why=f"the campaign was cancelled: {reason}", now=now
    )
    return campaign


async def release_pledges(
    session: AsyncSession, *, campaign: Campaign, why: str, now: datetime
) -> int:
    """Release every active pledge of a campaign (nothing was charged) and tell backers."""
    backers = list(
        await session.scalars(
            select(Pledge.backer_id).where(
                Pledge.campaign_id == campaign.id, Pledge.state == PledgeState.ACTIVE.value
            )
        )
    )
    await session.execute(
        update(Pledge)
        .where(Pledge.campaign_id == campaign.id, Pledge.state == PledgeState.ACTIVE.value)
        .values(state=PledgeState.RELEASED.value, holder=None)
        .execution_options(synchronize_session=False)
    )
    if backers:
        await notifications.notify(
            session,
            now=now,
            user_ids=backers,
            kind="pledge_released",
            title=f"{campaign.title}: your pledge was released, nothing was charged",
            body=why,
            link=f"/campaigns/{campaign.id}",
        )
        events.notified(session, backers)
    return len(backers)


async def visible(session: AsyncSession, *, user: User | None, campaign_id: str) -> Campaign:
    """Return a campaign the user may see (published, or theirs or a reviewer's), or raise
    ``NotFound``."""
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None or not _may_see(user, campaign):
        raise NotFound("no such campaign")
    return campaign


async def view(session: AsyncSession, *, user: User | None, campaign_id: str) -> CampaignView:
    """Return a campaign the user may see, with tiers and progress."""
    campaign = await visible(session, user=user, campaign_id=campaign_id)
    return (await views_of(session, [campaign]))[0]


async def views_of(session: AsyncSession, campaigns: Sequence[Campaign]) -> list[CampaignView]:
    """Return the campaigns with their tiers and partners, in the order given."""
    ids = [c.id for c in campaigns]
    tiers: dict[str, list[CampaignTier]] = {i: [] for i in ids}
    if ids:
        for tier in await session.scalars(
            select(CampaignTier)
            .where(CampaignTier.campaign_id.in_(ids))
            .order_by(CampaignTier.position)
        ):
            tiers[tier.campaign_id].append(tier)
    partners = {
        p.id: p
        for p in await session.scalars(
            select(Partner).where(Partner.id.in_({c.partner_id for c in campaigns}))
        )
    }
    photos: dict[str, list[str]] = {c.product_id: [] for c in campaigns}
    if photos:
        for image_id, product_id in await session.execute(
            select(ProductImage.id, ProductImage.product_id)
            .where(ProductImage.product_id.in_(list(photos)))
            .order_by(ProductImage.position, ProductImage.created_at)
        ):
            photos[product_id].append(f"/media/images/{image_id}")
    views = [
        CampaignView(c, tiers[c.id], partners[c.partner_id], photos[c.product_id])
        for c in campaigns
    ]
    await _told_straight(session, views)
    return views


async def _told_straight(session: AsyncSession, views: list[CampaignView]) -> None:
    """Give funded campaigns their money as it stands: the tiers' running totals still hold
    the pledges dropped after a failed charge and the orders refunded since."""
    funded = [v.campaign for v in views if v.campaign.state in CHARGED_STATES]
    if not funded:
        return
    found = await campaign_figures(session, funded, books=False)
    for view in views:
        figures = found.get(view.campaign.id)
        if figures is not None:
            view.progress = Progress(view.campaign.goal, figures.raised, figures.standing)


async def list_campaigns(
    session: AsyncSession,
    *,
    sort: Sort = "ending",
    now: datetime,
    partner_id: str | None = None,
    product_id: str | None = None,
    states: Sequence[CampaignState] = (CampaignState.LIVE,),
    limit: int = 50,
) -> list[CampaignView]:
    """List campaigns in ``states``: ending soon, most backed, or newest first."""
    query = select(Campaign).where(Campaign.state.in_([s.value for s in states]))
    if partner_id is not None:
        query = query.where(Campaign.partner_id == partner_id)
    if product_id is not None:
        query = query.where(Campaign.product_id == product_id)
    if sort == "ending":
        query = query.order_by(Campaign.ends_at, Campaign.id)
    elif sort == "newest":
        query = query.order_by(Campaign.starts_at.desc(), Campaign.id.desc())
    else:
        backers = (
            select(func.coalesce(func.sum(CampaignTier.pledges), 0))
            .where(CampaignTier.campaign_id == Campaign.id)
            .scalar_subquery()
        )
        query = query.order_by(backers.desc(), Campaign.id)
    campaigns = list(await session.scalars(query.limit(max(1, min(limit, 200)))))
    return await views_of(session, campaigns)


async def partner_campaigns(session: AsyncSession, *, user: User) -> list[CampaignView]:
    """List every campaign of the user's partner, newest first, drafts included."""
    partner_id = partner_of(user)
    query = (
        select(Campaign)
        .where(Campaign.partner_id == partner_id)
        .order_by(Campaign.created_at.desc(), Campaign.id.desc())
    )
    return await views_of(session, list(await session.scalars(query)))


async def insider_campaign(session: AsyncSession, *, user: User, campaign_id: str) -> Campaign:
    """Return a campaign to its partner's members and the platform team, or raise
    ``NotFound`` (its history and money are theirs alone)."""
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None or not (
        campaign.partner_id == user.partner_id or can(user.role, Capability.REVIEW)
    ):
        raise NotFound("no such campaign")
    return campaign


async def history(session: AsyncSession, *, user: User, campaign_id: str) -> list[CampaignStep]:
    """Return a campaign's audited moves (partner members and reviewers only)."""
    await insider_campaign(session, user=user, campaign_id=campaign_id)
    steps = select(CampaignStep).where(CampaignStep.campaign_id == campaign_id)
    return list(await session.scalars(steps.order_by(CampaignStep.id)))


async def post_update(
    session: AsyncSession,
    *,
    user: User,
    campaign_id: str,
    update: CampaignUpdateIn,
    now: datetime,
) -> CampaignUpdate:
    """Post news on a published campaign; backers get a notification."""
    campaign = await own_campaign(session, user=user, campaign_id=campaign_id)
    if campaign.state in UNLAUNCHED:
        raise Conflict("updates are posted once the launch is approved")
    row = CampaignUpdate(
        campaign_id=campaign.id,
        author_id=user.id,
        title=update.title,
        body=update.body,
        backers_only=update.backers_only,
        created_at=now,
    )
    session.add(row)
    backers = await backer_ids(session, campaign_id=campaign.id)
    if backers:
        await notifications.notify(
            session,
            now=now,
            user_ids=backers,
            kind="campaign_update",
            title=f"{campaign.title}: {row.title}",
            link=f"/campaigns/{campaign.id}",
        )
        events.notified(session, backers)
    await session.flush()
    return row


async def backer_ids(session: AsyncSession, *, campaign_id: str) -> list[str]:
    """Return the users whose pledges count in a campaign."""
    query = select(Pledge.backer_id).where(
        Pledge.campaign_id == campaign_id,
        Pledge.state.in_(
            [PledgeState.ACTIVE.value, PledgeState.CHARGED.value, PledgeState.PAYMENT_FAILED.value]
        ),
    )
    return list(await session.scalars(query))


async def updates(
    session: AsyncSession, *, user: User | None, campaign_id: str
) -> list[CampaignUpdate]:
    """Return the updates the user may read: backers-only ones for backers and the team."""
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None or not _may_see(user, campaign):
        raise NotFound("no such campaign")
    insider = user is not None and (
        user.partner_id == campaign.partner_id
        or can(user.role, Capability.REVIEW)
        or user.id in await backer_ids(session, campaign_id=campaign_id)
    )
    query = select(CampaignUpdate).where(CampaignUpdate.campaign_id == campaign_id)
    if not insider:
        query = query.where(CampaignUpdate.backers_only.is_(False))
    return list(await session.scalars(query.order_by(CampaignUpdate.created_at.desc())))


async def graduate(
    session: AsyncSession,
    *,
    user: User,
    campaign_id: str,
    listing: CampaignGraduateIn,
    now: datetime,
) -> StoreListing:
    """Put a funded campaign's product on regular sale in the partner's store."""
    campaign = await own_campaign(session, user=user, campaign_id=campaign_id)
    if campaign.state not in (
        CampaignState.FUNDED,
        CampaignState.FULFILLING,
        CampaignState.FULFILLED,
    ):
        raise Conflict("only a funded campaign's product can graduate to regular sale")
    try:
        amount = Money.parse(listing.price, campaign.currency).amount
    except InvalidInput as err:
        raise InvalidInput.fields([{"field": "price", "message": err.message}]) from err
    row = await session.scalar(
        select(StoreListing).where(StoreListing.product_id == campaign.product_id)
    )
    if row is None:
        row = StoreListing(
            product_id=campaign.product_id,
            partner_id=campaign.partner_id,
            campaign_id=campaign.id,
            currency=campaign.currency,
            price=amount,
            stock=listing.stock,
            created_at=now,
        )
        session.add(row)
    row.price, row.stock = amount, listing.stock
    await session.flush()
    return row


async def listings(session: AsyncSession, *, partner_id: str) -> list[tuple[StoreListing, str]]:
    """Return a partner's products on regular sale, with their names."""
    query = (
        select(StoreListing, Product.name)
        .join(Product, Product.id == StoreListing.product_id)
        .where(StoreListing.partner_id == partner_id)
        .order_by(StoreListing.created_at.desc())
    )
    return [(row[0], row[1]) for row in await session.execute(query)]
