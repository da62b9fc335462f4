"""Pages of reviews and campaign questions: a product's reviews (its rating, sorted, filtered
by stars, paged), the form that writes or edits one's review of an order, the Q&A page of a
campaign, and two fragments the store's pages load with htmx (the mall and crowdfunding
import nothing of the community): a product's rating, and a campaign's board and Q&A.

Anyone reads; a verified buyer reviews; anyone signed in asks; the partner's members answer.
A refused form shows its page again with the problem named and what was typed kept.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.community import moderation, questions, reviews, suggestions
from hearth.community.models import Review
from hearth.community.moderation_rules import TargetKind
from hearth.community.review_rules import (
    CHANNEL_LABELS,
    MAX_QUESTION,
    MAX_REPLY,
    MAX_REVIEW_BODY,
    MAX_REVIEW_TITLE,
    QUESTIONS_SHOWN,
    REVIEW_SORT_LABELS,
    STARS,
    SUGGESTIONS_SHOWN,
    ReviewSort,
    stars_text,
)
from hearth.community.rules import STATUS_LABELS, Sort
from hearth.community.schemas_reviews import QuestionForm, ReplyForm, ReviewForm
from hearth.community.visibility import Reader
from hearth.errors import HearthError, Muted, NotFound, RateLimited
from hearth.funding import campaigns
from hearth.web.deps import CurrentUser, NowDep, OptionalUser, SessionDep
from hearth.web.templating import render

router = APIRouter(include_in_schema=False)


def back(url: str) -> Response:
    """Send the browser on to ``url`` after a form (303: the next request is a GET)."""
    return RedirectResponse(url, status_code=303)


def _common() -> dict[str, Any]:
    return {
        "stars_text": stars_text,
        "channel_labels": CHANNEL_LABELS,
        "limits": {
            "title": MAX_REVIEW_TITLE,
            "body": MAX_REVIEW_BODY,
            "reply": MAX_REPLY,
            "question": MAX_QUESTION,
        },
    }


# -- a product's rating and reviews -------------------------------------------------------


@router.get("/community/products/{product_id}/rating")
async def rating_fragment(
    request: Request, product_id: str, session: SessionDep, user: OptionalUser
) -> Response:
    """A product's rating as a fragment, for its store and campaign pages."""
    view = await reviews.product(session, product_id)
    return render(
        request,
        "community/_rating.html",
        user=user,
        product=view,
        rating=await reviews.rating(session, view.id),
        linked=True,
        **_common(),
    )


async def _reviews_page(
    request: Request,
    session: AsyncSession,
    user: User | None,
    product_id: str,
    *,
    sort: str = "",
    stars: int | None = None,
    page: int = 1,
    error: str = "",
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = await reviews.product(session, product_id)
    reader = Reader.of(user)
    found = await reviews.listing(
        session, product_id=view.id, reader=reader, sort=sort or None, stars=stars, page=page
    )
    bought = await reviews.purchases(session, user_id=user.id, product_id=view.id) if user else []
    return render(
        request,
        "community/reviews.html",
        user=user,
        active="store",
        product=view,
        found=found,
        rating=found.figures,
        sort=sort or ReviewSort.NEWEST,
        sorts=REVIEW_SORT_LABELS,
        stars=stars,
        all_stars=STARS,
        purchases=bought,
        answers=view.answered_by(user),
        mod=await moderation.list_notes(
            session, reader=reader, kind=TargetKind.REVIEW, items=found.items
        ),
        error=error,
        values=values or {},
        status_code=status_code,
        **_common(),
    )


@router.get("/community/products/{product_id}/reviews")
async def reviews_page(
    request: Request,
    product_id: str,
    session: SessionDep,
    user: OptionalUser,
    sort: Annotated[str, Query(max_length=16)] = "",
    stars: Annotated[int | None, Query(ge=1, le=5)] = None,
    page: Annotated[int, Query(ge=1, le=reviews.MAX_PAGE)] = 1,
) -> Response:
    """Show a product's rating and its reviews: sorted, filtered by stars, paged."""
    return await _reviews_page(
        request, session, user, product_id, sort=sort, stars=stars, page=page
    )


async def _form_page(
    request: Request,
    session: AsyncSession,
    user: User,
    order_id: str,
    product_id: str,
    *,
    values: dict[str, str] | None = None,
    error: str = "",
    problems: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    order, view = await reviews.purchase(
        session, user=user, order_id=order_id, product_id=product_id
    )
    existing: Review | None = await reviews.mine(session, order_id=order.id, product_id=view.id)
    if values is None:
        values = (
            {"stars": str(existing.stars), "title": existing.title, "body": existing.body}
            if existing is not None
            else {"stars": "", "title": "", "body": ""}
        )
    return render(
        request,
        "community/review_form.html",
        user=user,
        active="store",
        product=view,
        order=order,
        existing=existing,
        values=values,
        all_stars=STARS,
        error=error,
        problems=problems or {},
        status_code=status_code,
        **_common(),
    )


@router.get("/community/orders/{order_id}/reviews/{product_id}")
async def review_form(
    request: Request, order_id: str, product_id: str, session: SessionDep, user: CurrentUser
) -> Response:
    """Show the form that reviews a product of one's delivered order (or edits the review)."""
    return await _form_page(request, session, user, order_id, product_id)


@router.post("/community/orders/{order_id}/reviews/{product_id}")
async def review_submit(
    request: Request,
    order_id: str,
    product_id: str,
    form: Annotated[ReviewForm, Form()],
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
) -> Response:
    """Save one's review, or show the form again with what is wrong."""
    stars = int(form.stars) if form.stars.isdigit() and len(form.stars) == 1 else None
    try:
        row, _created = await reviews.write(
            session,
            user=user,
            order_id=order_id,
            product_id=product_id,
            stars=stars,
            title=form.title,
            body=form.body,
            now=now,
        )
    except HearthError as err:
        if err.status in (403, 404, 409) and not isinstance(err, Muted | RateLimited):
            raise  # the form says why a muted person cannot post, with what they wrote
        return await _form_page(
            request,
            session,
            user,
            order_id,
            product_id,
            values=form.model_dump(),
            error=err.sentence,
            problems={p["field"]: p["message"] for p in err.problems()},
            status_code=err.status,
        )
    return back(f"/community/products/{row.product_id}/reviews#r-{row.id}")


@router.post("/community/reviews/{review_id}/answer")
async def review_answer(
    request: Request,
    review_id: str,
    form: Annotated[ReplyForm, Form()],
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
) -> Response:
    """Answer a review (or edit the answer) as a member of the product's partner."""
    found = await reviews.get(session, review_id)
    try:
        await reviews.answer(session, user=user, review_id=review_id, body=form.answer, now=now)
    except HearthError as err:
        if err.status in (403, 404):
            raise
        return await _reviews_page(
            request,
            session,
            user,
            found.product_id,
            error=err.sentence,
            values={"answer": form.answer, "review_id": review_id},
            status_code=err.status,
        )
    return back(f"/community/products/{found.product_id}/reviews#r-{review_id}")


# -- a campaign's board and questions ------------------------------------------------------


async def _campaign_context(
    session: AsyncSession, user: User | None, campaign_id: str, *, limit: int | None
) -> dict[str, Any]:
    campaign = await campaigns.visible(session, user=user, campaign_id=campaign_id)
    asked = await questions.listing(session, user=user, campaign_id=campaign.id, limit=limit)
    try:
        board = await reviews.product(session, campaign.product_id)
        top = await suggestions.listing(session, board_id=board.id, sort=Sort.TOP)
    except NotFound:  # the product was withdrawn: no board to show
        board, top = None, None
    return {
        "campaign": campaign,
        "asked": asked,
        "mod": await moderation.list_notes(
            session, reader=Reader.of(user), kind=TargetKind.QUESTION, items=asked.items
        ),
        "partner_name": await questions.partner_name(session, campaign),
        "answers": questions.answers_campaign(campaign, user),
        "board": board,
        "top": top.items[:SUGGESTIONS_SHOWN] if top else [],
        "board_total": top.total if top else 0,
        "status_labels": {str(k): v for k, v in STATUS_LABELS.items()},
    }


@router.get("/community/campaigns/{campaign_id}/panel")
async def campaign_panel(
    request: Request, campaign_id: str, session: SessionDep, user: OptionalUser
) -> Response:
    """A campaign's board and Q&A as a fragment, for its page."""
    context = await _campaign_context(session, user, campaign_id, limit=QUESTIONS_SHOWN)
    return render(
        request,
        "community/_campaign_panel.html",
        user=user,
        full=False,
        values={},
        error="",
        next_page=f"/campaigns/{campaign_id}#qa",
        **context,
        **_common(),
    )


async def _questions_page(
    request: Request,
    session: AsyncSession,
    user: User | None,
    campaign_id: str,
    *,
    error: str = "",
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = await _campaign_context(session, user, campaign_id, limit=None)
    return render(
        request,
        "community/questions.html",
        user=user,
        active="store",
        full=True,
        error=error,
        values=values or {},
        next_page=f"/community/campaigns/{campaign_id}/questions",
        status_code=status_code,
        **context,
        **_common(),
    )


@router.get("/community/campaigns/{campaign_id}/questions")
async def questions_page(
    request: Request, campaign_id: str, session: SessionDep, user: OptionalUser
) -> Response:
    """Show a campaign's product board and every question asked about it."""
    return await _questions_page(request, session, user, campaign_id)


def _next(page: str, fallback: str) -> str:
    """Return ``page`` if it is one of hearth's own pages a question form sits on."""
    if page.startswith(("/campaigns/", "/community/")) and "//" not in page and "\\" not in page:
        return page
    return fallback


@router.post("/community/campaigns/{campaign_id}/questions")
async def ask(
    request: Request,
    campaign_id: str,
    form: Annotated[QuestionForm, Form()],
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
) -> Response:
    """Ask a question about a campaign; back to the page asked from."""
    try:
        row = await questions.ask(
            session, user=user, campaign_id=campaign_id, body=form.question, now=now
        )
    except HearthError as err:
        if err.status in (403, 404) and not isinstance(err, Muted | RateLimited):
            raise  # the form says why a muted person cannot post, with what they wrote
        return await _questions_page(
            request,
            session,
            user,
            campaign_id,
            error=err.sentence,
            values={"question": form.question},
            status_code=err.status,
        )
    fallback = f"/community/campaigns/{campaign_id}/questions"
    return back(_next(form.next, fallback).split("#")[0] + f"#q-{row.id}")


@router.post("/community/questions/{question_id}/answer")
async def question_answer(
    request: Request,
    question_id: str,
    form: Annotated[ReplyForm, Form()],
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
) -> Response:
    """Answer a question (or edit the answer) as a member of the campaign's partner."""
    found = await questions.get(session, question_id)
    try:
        await questions.answer(
            session, user=user, question_id=question_id, body=form.answer, now=now
        )
    except HearthError as err:
        if err.status in (403, 404):
            raise
        return await _questions_page(
            request,
            session,
            user,
            found.campaign_id,
            error=err.sentence,
            values={"answer": form.answer, "question_id": question_id},
            status_code=err.status,
        )
    fallback = f"/community/campaigns/{found.campaign_id}/questions"
    return back(_next(form.next, fallback).split("#")[0] + f"#q-{question_id}")
