"""Who hears about what happens in the mall, written to inboxes inside the caller's transaction.

- a partner's members: every review transition of their products (except the one they
  made themselves) and every comment a reviewer writes;
- reviewers (role reviewer): every submission and resubmission;
- an applicant: the decision on their company's application;
- an invitee: an invitation addressed to them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.accounts.roles import Role
from hearth.mall.models import Partner, Product
from hearth.mall.review import ProductState
from hearth.notifications.service import notify

HEADLINES = {
    ProductState.SUBMITTED: "{name} was submitted for review",
    ProductState.DRAFT: "{name} was taken back to draft",
    ProductState.IN_REVIEW: "Review of {name} has started",
    ProductState.CHANGES_REQUESTED: "Changes requested on {name}",
    ProductState.RESUBMITTED: "{name} was resubmitted",
    ProductState.APPROVED: "{name} is approved",
    ProductState.REJECTED: "{name} was rejected",
    ProductState.WITHDRAWN: "{name} was withdrawn",
}


async def partner_members(session: AsyncSession, partner_id: str) -> list[str]:
    """Return the ids of the active members of a partner company."""
    rows = await session.scalars(
        select(User.id).where(User.partner_id == partner_id, User.is_active.is_(True))
    )
    return list(rows)


async def reviewers(session: AsyncSession) -> list[str]:
    """Return the ids of active reviewers."""
    rows = await session.scalars(
        select(User.id).where(User.role == Role.REVIEWER.value, User.is_active.is_(True))
    )
    return list(rows)


async def product_moved(
    session: AsyncSession,
    *,
    product: Product,
    actor: User,
    target: ProductState,
    reason: str,
    now: datetime,
) -> None:
    """Tell the partner's members (and reviewers, for a submission) about a transition."""
    title = HEADLINES[target].format(name=product.name)
    kind = f"mall.product.{target.value}"
    members = [m for m in await partner_members(session, product.partner_id) if m != actor.id]
    if members:
        await notify(
            session,
            now=now,
            user_ids=members,
            kind=kind,
            title=title,
            body=reason.strip()[:2000],
            link=f"/partner/products/{product.id}",
        )
    if target in (ProductState.SUBMITTED, ProductState.RESUBMITTED):
        partner = await session.get(Partner, product.partner_id)
        ids = [r for r in await reviewers(session) if r != actor.id]
        if ids:
            await notify(
                session,
                now=now,
                user_ids=ids,
                kind=kind,
                title=f"{title} by {partner.name if partner else 'a partner'}",
                link=f"/platform/products/{product.id}",
            )


async def reviewer_commented(
    session: AsyncSession, *, product: Product, author: User, body: str, now: datetime
) -> None:
    """Tell the partner's members that a reviewer wrote in their product's thread."""
    members = await partner_members(session, product.partner_id)
    if members:
        await notify(
            session,
            now=now,
            user_ids=members,
            kind="mall.product.comment",
            title=f"{author.display_name} commented on {product.name}",
            body=body[:500],
            link=f"/partner/products/{product.id}",
        )


async def partner_commented(
    session: AsyncSession,
    *,
    product: Product,
    author: User,
    body: str,
    reply_to: str | None,
    now: datetime,
) -> None:
    """Tell the reviewer whose comment a partner answered."""
    if reply_to is None:
        return
    await notify(
        session,
        now=now,
        user_ids=[reply_to],
        kind="mall.product.reply",
        title=f"{author.display_name} replied about {product.name}",
        body=body[:500],
        link=f"/platform/products/{product.id}",
    )


async def application_decided(
    session: AsyncSession, *, partner: Partner, approved: bool, now: datetime
) -> None:
    """Tell the applicant how their company's application was decided."""
    if partner.applicant_id is None:
        return
    await notify(
        session,
        now=now,
        user_ids=[partner.applicant_id],
        kind="mall.partner.approved" if approved else "mall.partner.rejected",
        title=(
            f"{partner.name} is now a hearth partner"
            if approved
            else f"The application of {partner.name} was declined"
        ),
        body=partner.decision_reason,
        link="/partner",
    )


async def invited(
    session: AsyncSession, *, partner: Partner, invitee_id: str, by: User, now: datetime
) -> None:
    """Tell a user that they are invited to join a partner company."""
    await notify(
        session,
        now=now,
        user_ids=[invitee_id],
        kind="mall.partner.invitation",
        title=f"{by.display_name} invites you to join {partner.name}",
        link="/partner",
    )
