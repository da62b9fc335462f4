"""JSON API of reviews and campaign questions: anyone reads a product's reviews and rating
and a campaign's questions; a verified buyer writes and edits their review; anyone signed in
asks; the partner's members answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from hearth.community import questions, reviews
from hearth.community.review_rules import ReviewSort
from hearth.community.schemas_reviews import (
    QuestionIn,
    QuestionOut,
    QuestionsOut,
    RatingOut,
    ReplyIn,
    ReviewIn,
    ReviewOut,
    ReviewPageOut,
)
from hearth.community.suggestions import names
from hearth.community.visibility import Reader
from hearth.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hearth.web.deps import CurrentUser, NowDep, OptionalUser, SessionDep
from hearth.web.openapi import answers

router = APIRouter(prefix="/community", tags=["community"])


@router.get(
    "/products/{product_id}/rating",
    response_model=RatingOut,
    summary="Read a product's rating",
    responses=answers(NotFound),
)
async def get_rating(product_id: str, session: SessionDep) -> RatingOut:
    """The count, average, distribution of stars and share positive (4 or 5 stars)."""
    view = await reviews.product(session, product_id)
    return RatingOut.of(view.id, await reviews.rating(session, view.id))


@router.get(
    "/products/{product_id}/reviews",
    response_model=ReviewPageOut,
    summary="List a product's reviews",
    responses=answers(NotFound, InvalidInput),
)
async def list_reviews(
    product_id: str,
    session: SessionDep,
    user: OptionalUser,
    sort: ReviewSort = ReviewSort.NEWEST,
    stars: Annotated[int | None, Query(ge=1, le=5)] = None,
    page: Annotated[int, Query(ge=1, le=reviews.MAX_PAGE)] = 1,
) -> ReviewPageOut:
    """One page of reviews (newest, highest or lowest rated first; maybe only those giving
    ``stars``), with the product's rating. A review a moderator hid is listed only to its
    author and moderators, and counts in no rating."""
    found = await reviews.listing(
        session, product_id=product_id, reader=Reader.of(user), sort=sort, stars=stars, page=page
    )
    return ReviewPageOut(
        rating=RatingOut.of(product_id, found.figures),
        items=[ReviewOut.of(r, names=found.names) for r in found.items],
        total=found.total,
        page=found.page,
        pages=found.pages,
    )


@router.put(
    "/orders/{order_id}/reviews/{product_id}",
    response_model=ReviewOut,
    summary="Review a product from your delivered order",
    responses=answers(NotFound, PermissionDenied, Conflict),
)
async def write_review(
    order_id: str,
    product_id: str,
    body: ReviewIn,
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
) -> ReviewOut:
    """Rate a product of your order once it was delivered, or edit your review of it (one
    per order and product). Only the order's buyer may; not before delivery (409)."""
    row, _created = await reviews.write(
        session,
        user=user,
        order_id=order_id,
        product_id=product_id,
        stars=body.stars,
        title=body.title,
        body=body.body,
        now=now,
    )
    return ReviewOut.of(row, names=await names(session, {row.author_id, row.answer_by}))


@router.post(
    "/reviews/{review_id}/answer",
    response_model=ReviewOut,
    summary="Answer a review of your product",
    responses=answers(NotFound, PermissionDenied),
)
async def answer_review(
    review_id: str, body: ReplyIn, session: SessionDep, user: CurrentUser, now: NowDep
) -> ReviewOut:
    """As a member of the product's partner, answer a review in public (once; answering
    again edits it). The reviewer is told of the first answer."""
    row = await reviews.answer(session, user=user, review_id=review_id, body=body.answer, now=now)
    return ReviewOut.of(row, names=await names(session, {row.author_id, row.answer_by}))


@router.get(
    "/campaigns/{campaign_id}/questions",
    response_model=QuestionsOut,
    summary="List a campaign's questions",
    responses=answers(NotFound),
)
async def list_questions(campaign_id: str, session: SessionDep, user: OptionalUser) -> QuestionsOut:
    """Every question asked about the campaign, answered first, newest first within each."""
    found = await questions.listing(session, user=user, campaign_id=campaign_id)
    return QuestionsOut(
        items=[QuestionOut.of(q, names=found.names) for q in found.items],
        total=found.total,
        answered=found.answered,
    )


@router.post(
    "/campaigns/{campaign_id}/questions",
    response_model=QuestionOut,
    status_code=status.HTTP_201_CREATED,
    summary="Ask a question about a campaign",
    responses=answers(NotFound),
)
async def ask(
    campaign_id: str, body: QuestionIn, session: SessionDep, user: CurrentUser, now: NowDep
) -> QuestionOut:
    """Ask the campaign's partner something, in public."""
    row = await questions.ask(
        session, user=user, campaign_id=campaign_id, body=body.question, now=now
    )
    return QuestionOut.of(row, names=await names(session, {row.author_id}))


@router.post(
    "/questions/{question_id}/answer",
    response_model=QuestionOut,
    summary="Answer a question about your campaign",
    responses=answers(NotFound, PermissionDenied),
)
async def answer_question(
    question_id: str, body: ReplyIn, session: SessionDep, user: CurrentUser, now: NowDep
) -> QuestionOut:
    """As a member of the campaign's partner, answer a question in public (once; answering
    again edits it). The asker is told of the first answer."""
    row = await questions.answer(
        session, user=user, question_id=question_id, body=body.answer, now=now
    )
    return QuestionOut.of(row, names=await names(session, {row.author_id, row.answer_by}))
