"""The platform console (HTML) for reviewers: partner applications, the review queue with
ages and filters, and each product's review page. Review moves and comments post here
from both consoles; the service decides whether the caller acts as partner or reviewer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from hearth.accounts.models import User
from hearth.accounts.roles import Capability
from hearth.errors import HearthError
from hearth.mall import partners, products
from hearth.mall.models import Partner
from hearth.mall.pages_partner import product_page
from hearth.mall.products import CATEGORIES
from hearth.mall.review import IN_QUEUE, PartnerState, ProductState
from hearth.mall.schemas import PartnerDecisionForm, ReviewCommentForm, ReviewMoveForm
from hearth.web.deps import CurrentUser, NowDep, SessionDep, requires
from hearth.web.templating import render

router = APIRouter(include_in_schema=False)
Reviewer = Annotated[User, Depends(requires(Capability.REVIEW))]
AGES = {"": None, "24h": 24.0, "3d": 72.0, "7d": 168.0}


def _page_of(user: User, product_partner_id: str) -> tuple[str, str, str]:
    """Return (template, tab, url prefix) of the console this user reviews or edits from."""
    if user.partner_id == product_partner_id:
        return "mall/partner/product.html", "partner", "/partner/products"
    return "mall/platform/product.html", "platform", "/platform/products"


@router.get("/platform")
async def console(
    request: Request,
    user: Reviewer,
    session: SessionDep,
    now: NowDep,
    state: str = "",
    category: str = "",
    partner: str = "",
    age: str = "",
) -> Response:
    wanted = ProductState(state) if state in {s.value for s in IN_QUEUE} else None
    queue = await products.review_queue(
        session,
        state=wanted,
        category=category if category in CATEGORIES else None,
        partner_id=partner or None,
        min_hours=AGES.get(age),
        now=now,
    )
    waiting = await partners.applications(session, state=PartnerState.APPLIED)
    everyone = [p for p, _ in await partners.directory(session)]
    return render(
        request,
        "mall/platform/console.html",
        user=user,
        active="platform",
        queue=[(p, partner_row, products.age(p, now)) for p, partner_row in queue],
        applications=waiting,
        partners=everyone,
        categories=CATEGORIES,
        states=sorted(IN_QUEUE),
        ages=[k for k in AGES if k],
        filters={"state": state, "category": category, "partner": partner, "age": age},
        errors={},
    )


@router.post("/platform/applications/{partner_id}/decision")
async def decide(
    request: Request,
    partner_id: str,
    user: Reviewer,
    session: SessionDep,
    now: NowDep,
    form: Annotated[PartnerDecisionForm, Form()],
) -> Response:
    try:
        await partners.decide(
            session,
            reviewer=user,
            partner_id=partner_id,
            approve=form.decision == "approve",
            reason=form.reason,
            now=now,
        )
    except HearthError as err:
        application = await session.get(Partner, partner_id)
        return render(
            request,
            "mall/platform/decision_error.html",
            user=user,
            active="platform",
            application=application,
            error=err.sentence,
            status_code=err.status,
        )
    return RedirectResponse("/platform#applications", status_code=303)


@router.get("/platform/products/{product_id}")
async def review_page(
    request: Request, product_id: str, user: Reviewer, session: SessionDep, now: NowDep
) -> Response:
    return await product_page(
        request,
        session,
        user,
        product_id,
        now,
        template="mall/platform/product.html",
        active="platform",
    )


@router.post("/review/products/{product_id}/move")
async def move(
    request: Request,
    product_id: str,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    form: Annotated[ReviewMoveForm, Form()],
) -> Response:
    product = await products.get_product(session, user=user, product_id=product_id)
    template, tab, prefix = _page_of(user, product.partner_id)
    try:
        target = ProductState(form.to)
        await products.move(
            session,
            user=user,
            product_id=product_id,
            target=target,
            reason=form.reason,
            items=form.checklist.splitlines(),
            now=now,
        )
    except ValueError:
        return RedirectResponse(f"{prefix}/{product_id}", status_code=303)
    except HearthError as err:
        return await product_page(
            request, session, user, product_id, now, template=template, active=tab, error=err
        )
    return RedirectResponse(f"{prefix}/{product_id}", status_code=303)


@router.post("/review/products/{product_id}/comments")
async def comment(
    request: Request,
    product_id: str,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    form: Annotated[ReviewCommentForm, Form()],
) -> Response:
    product = await products.get_product(session, user=user, product_id=product_id)
    template, tab, prefix = _page_of(user, product.partner_id)
    try:
        row = await products.comment(
            session,
            user=user,
            product_id=product_id,
            body=form.body,
            parent_id=form.parent_id or None,
            now=now,
        )
    except HearthError as err:
        return await product_page(
            request, session, user, product_id, now, template=template, active=tab, error=err
        )
    return RedirectResponse(f"{prefix}/{product_id}#c-{row.id}", status_code=303)
