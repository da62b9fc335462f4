"""Partner applications and stores.

A signed-in fan applies on behalf of a company; reviewers approve or reject with a reason.
On approval the applicant becomes the company's first partner member and the company gets
a store in the mall. Only approved partners appear in the store directory.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth import outbox
from hearth.accounts.events import AccountChanged
from hearth.accounts.models import User
from hearth.accounts.roles import Role
from hearth.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hearth.hub import catalog
from hearth.mall import notices
from hearth.mall.models import Partner, Product, ReviewStep
from hearth.mall.products import CATEGORIES
from hearth.mall.review import Actor, PartnerState, ProductState, move_partner

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "partner"


def _reserved(name: str) -> dict[str, str] | None:
    """Name the problem with a company name whose slug is one of the platform's namespaces."""
    if not catalog.reserved_slug(_slug(name)):
        return None
    return {"field": "name", "message": "this name is reserved by the platform; choose another"}


async def join_or_found(session: AsyncSession, *, name: str) -> Partner:
    """Return the partner company called ``name``, founding it (approved) if there is none.

    For operators and demos that create partner members directly, without an application."""
    partner = await session.scalar(select(Partner).where(Partner.name == name))
    if partner is None:
        if (problem := _reserved(name)) is not None:
            raise InvalidInput.fields([problem])
        partner = Partner(name=name, slug=_slug(name))
        session.add(partner)
        await session.flush()
    return partner


async def apply(
    session: AsyncSession,
    *,
    user: User,
    name: str,
    description: str,
    contact_email: str,
    categories: Sequence[str],
    now: datetime,
) -> Partner:
    """File a company's application to become a partner."""
    if user.partner_id is not None:
        raise Conflict("you already belong to a partner company")
    if user.role != Role.FAN:
        raise Conflict(f"a {user.role} account cannot apply for a partner company")
    pending = await session.scalar(
        select(Partner.id).where(
            Partner.applicant_id == user.id, Partner.status == PartnerState.APPLIED
        )
    )
    if pending:
        raise Conflict("you already have an application waiting for review")
    problems = []
    clean = name.strip()
    if not 2 <= len(clean) <= 120:
        problems.append({"field": "name", "message": "2-120 characters"})
    elif (reserved := _reserved(clean)) is not None:
        problems.append(reserved)
    if not EMAIL.match(contact_email.strip()):
        problems.append({"field": "contact_email", "message": "an email address"})
    unknown = [c for c in categories if c not in CATEGORIES]
    if not categories or unknown:
        problems.append(
            {"field": "categories", "message": f"one or more of {', '.join(CATEGORIES)}"}
        )
    if len(description) > 5000:
        problems.append({"field": "description", "message": "at most 5000 characters"})
    if problems:
        raise InvalidInput(
            "; ".join(f"{p['field']}: {p['message']}" for p in problems), detail=problems
        )
    taken = await session.scalar(
        select(Partner.id).where(
            (func.lower(Partner.name) == clean.lower()) | (Partner.slug == _slug(clean))
        )
    )
    if taken:
        raise Conflict(f"a partner named {clean!r} already exists")
    partner = Partner(
        name=clean,
        slug=_slug(clean),
        description=description.strip(),
        contact_email=contact_email.strip(),
        categories=list(dict.fromkeys(categories)),
        status=PartnerState.APPLIED.value,
        applicant_id=user.id,
        created_at=now,
    )
    session.add(partner)
    await session.flush()
    return partner


async def decide(
    session: AsyncSession,
    *,
    reviewer: User,
    partner_id: str,
    approve: bool,
    now: datetime,
    reason: str = "",
) -> Partner:
    """Approve or reject an application; approval makes the applicant a partner member."""
    partner = await session.get(Partner, partner_id)
    if partner is None:
        raise NotFound("no such partner application")
    target = PartnerState.APPROVED if approve else PartnerState.REJECTED
    current = PartnerState(partner.status)
    move_partner(current, target, actor=Actor.REVIEWER, reason=reason)
    partner.status = target.value
    partner.decided_by = reviewer.id
    partner.decided_at = now
    partner.decision_reason = reason.strip()
    if approve:
        partner.store_name = partner.store_name or partner.name
        partner.support_contact = partner.support_contact or partner.contact_email
        applicant = await session.get(User, partner.applicant_id) if partner.applicant_id else None
        if applicant is not None and applicant.partner_id is None and applicant.role == Role.FAN:
            applicant.role = Role.PARTNER.value
            applicant.partner_id = partner.id
            outbox.record(session, AccountChanged(applicant.id))
    session.add(
        ReviewStep(
            subject=partner.id,
            actor_id=reviewer.id,
            from_state=current.value,
            to_state=target.value,
            reason=reason.strip(),
            at=now,
        )
    )
    await session.flush()
    await notices.application_decided(session, partner=partner, approved=approve, now=now)
    return partner


async def applications(
    session: AsyncSession, *, state: PartnerState | None = None
) -> list[Partner]:
    """Return partner applications for reviewers, oldest first."""
    query = select(Partner)
    if state is not None:
        query = query.where(Partner.status == state.value)
    return list(await session.scalars(query.order_by(Partner.created_at)))


async def applications_of(session: AsyncSession, *, user: User) -> list[Partner]:
    """Return the applications the user filed, oldest first."""
    rows = await session.scalars(
        select(Partner).where(Partner.applicant_id == user.id).order_by(Partner.created_at)
    )
    return list(rows)


async def update_store(
    session: AsyncSession,
    *,
    user: User,
    store_name: str | None = None,
    store_description: str | None = None,
    support_contact: str | None = None,
) -> Partner:
    """Change the user's own company's store details."""
    if user.partner_id is None:
        raise PermissionDenied("only partner members run a store")
    partner = await session.get(Partner, user.partner_id)
    if partner is None or partner.status != PartnerState.APPROVED:
        raise PermissionDenied("your company's store opens once it is approved")
    problems = []
    if store_name is not None and not 2 <= len(store_name.strip()) <= 120:
        problems.append({"field": "store_name", "message": "2-120 characters"})
    if support_contact is not None and not 3 <= len(support_contact.strip()) <= 254:
        problems.append({"field": "support_contact", "message": "3-254 characters"})
    if problems:
        raise InvalidInput.fields(problems)
    if store_name is not None:
        partner.store_name = store_name.strip()
    if store_description is not None:
        partner.store_description = store_description.strip()[:5000]
    if support_contact is not None:
        partner.support_contact = support_contact.strip()
    return partner


async def directory(session: AsyncSession) -> list[tuple[Partner, int]]:
    """Return approved partners' stores with their number of approved products."""
    count = (
        select(func.count(Product.id))
        .where(Product.partner_id == Partner.id, Product.state == ProductState.APPROVED)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Partner, count).where(Partner.status == PartnerState.APPROVED).order_by(Partner.name)
    )
    return [(p, int(n or 0)) for p, n in rows]


async def store(session: AsyncSession, *, slug: str) -> tuple[Partner, list[Product]]:
    """Return an approved partner's public store and its approved products."""
    partner = await session.scalar(
        select(Partner).where(Partner.slug == slug, Partner.status == PartnerState.APPROVED)
    )
    if partner is None:
        raise NotFound("no such store")
    products = await session.scalars(
        select(Product)
        .where(Product.partner_id == partner.id, Product.state == ProductState.APPROVED)
        .order_by(Product.name)
    )
    return partner, list(products)
