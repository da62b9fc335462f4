"""Reviews after delivery: a verified buyer rates a product 1-5 stars with an optional title
and Markdown body, once per order and product (writing again edits it); the product's
partner answers a review in public, once (editable), and the reviewer is told.

Only the person whose order it is, once the order was delivered (``delivered_at`` set; an
order returned after delivery still was), and whose order holds the product, may review;
the partner's own members may not review its products.

**The rating is counters.** ``community_ratings`` holds, per product, how many reviews gave
each number of stars. A new review adds one to its stars' counter; an edit that changes the
stars moves one from the old counter to the new; both in SQL (``stars_n = stars_n ± 1``) in
the same transaction as the review row. The review row is written first and then read back
under a lock (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the first write already
holds the database's one write lock), so two edits at once each see the other's stars and
the counters always equal a recount of the reviews (``recount``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.community import boards, posting, suggestions
from hearth.community.boards import BoardView
from hearth.community.events import ReviewAnswered, ReviewWritten
from hearth.community.models import Rating, Review
from hearth.community.review_rules import (
    MAX_REPLY,
    MAX_REVIEW_BODY,
    MAX_REVIEW_TITLE,
    REVIEW_PAGE_SIZE,
    Figures,
    ReviewSort,
    figures,
    stars_problem,
)
from hearth.community.rules import PLATFORM_BOARD, BoardKind, page_count
from hearth.community.visibility import ANYONE, Reader, reviews_shown
from hearth.db import insert_for
from hearth.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hearth.funding.models import Order, OrderItem
from hearth.kit import prose
from hearth.kit.ids import new_id
from hearth.kit.text import tidy, unreadable
from hearth.notifications import service as notifications
from hearth.notifications.events import NotificationsSent
from hearth.outbox import record

MAX_PAGE = 10_000


@dataclass
class ReviewPage:
    """One page of a product's reviews, with its rating."""

    items: list[Review]
    total: int
    page: int
    pages: int
    figures: Figures
    names: dict[str, str] = field(default_factory=dict)


@dataclass
class Purchase:
    """One of a fan's delivered orders of a product, and their review of it if written."""

    order: Order
    review: Review | None


async def product(session: AsyncSession, product_id: str) -> BoardView:
    """Return the approved product ``product_id`` as its board sees it, or ``NotFound``."""
    if product_id == PLATFORM_BOARD:
        raise NotFound(f"no product {product_id!r} in the mall")
    try:
        view = await boards.board(session, product_id)
    except NotFound:
        raise NotFound(f"no product {product_id!r} in the mall") from None
    assert view.kind is BoardKind.PRODUCT
    return view


async def purchase(
    session: AsyncSession, *, user: User, order_id: str, product_id: str
) -> tuple[Order, BoardView]:
    """Return the user's delivered order holding the product, or say why they may not
    review it: not their order (``NotFound``), a member of the product's partner
    (``PermissionDenied``), not in the order (``NotFound``), not delivered (``Conflict``)."""
    order = await session.get(Order, order_id)
    if order is None or order.backer_id != user.id:
        raise NotFound(f"you have no order {order_id!r}: only the buyer reviews an order")
    view = await product(session, product_id)
    if view.answered_by(user):
        raise PermissionDenied(
            f"you speak for {view.partner_name}: its products are reviewed by their buyers"
        )
    held = await session.scalar(
        select(OrderItem.id)
        .where(OrderItem.order_id == order.id, OrderItem.product_id == view.id)
        .limit(1)
    )
    if held is None:
        raise NotFound(f"this order has no {view.title} in it")
    if order.delivered_at is None:
        raise Conflict(
            "this order has not been delivered yet: you can review it once it has arrived"
        )
    return order, view


def _problems(stars: int | None, title: str, body: str) -> list[dict[str, str]]:
    problems = []
    wrong = stars_problem(stars)
    if wrong:
        problems.append({"field": "stars", "message": wrong})
    if len(title) > MAX_REVIEW_TITLE:
        problems.append(
            {"field": "title", "message": f"may have at most {MAX_REVIEW_TITLE} characters"}
        )
    elif title and unreadable(title):
        problems.append({"field": "title", "message": "may not hold control characters"})
    if len(body) > MAX_REVIEW_BODY:
        problems.append(
            {"field": "body", "message": f"may have at most {MAX_REVIEW_BODY} characters"}
        )
    return problems


async def move_rating(session: AsyncSession, product_id: str, steps: dict[int, int]) -> None:
    """Move the product's counters by ``steps`` (stars -> change), in SQL (also when a
    moderator hides or restores a review)."""
    await session.execute(
        insert_for(session)(Rating)
        .values(product_id=product_id, stars_1=0, stars_2=0, stars_3=0, stars_4=0, stars_5=0)
        .on_conflict_do_nothing()
    )
    values = {
        f"stars_{stars}": getattr(Rating, f"stars_{stars}") + step
        for stars, step in steps.items()
        if step
    }
    if values:
        await session.execute(
            update(Rating)
            .where(Rating.product_id == product_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )


async def write(
    session: AsyncSession,
    *,
    user: User,
    order_id: str,
    product_id: str,
    stars: int | None,
    title: str = "",
    body: str = "",
    now: datetime,
) -> tuple[Review, bool]:
    """Write the user's review of a product from one delivered order, or edit it if they
    wrote one; return it and whether it is new. The product's counters move with it."""
    title, body = tidy(title), body.strip()
    problems = _problems(stars, title, body)
    if problems:
        raise InvalidInput.fields(problems)
    assert stars is not None
    order, view = await purchase(session, user=user, order_id=order_id, product_id=product_id)
    await posting.check_review(session, user, now)  # a muted person reads, but does not post
    # The write comes first: it takes SQLite's write lock, and on PostgreSQL a second first
    # review of the same order and product waits here for the first and then edits it.
    added = await session.execute(
        insert_for(session)(Review)
        .values(
            id=new_id("rev"),
            order_id=order.id,
            product_id=view.id,
            author_id=user.id,
            channel=order.channel,
            stars=stars,
            title=title,
            body=body,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["order_id", "product_id"])
    )
    created = added.rowcount == 1  # type: ignore[attr-defined]
    row = await session.scalar(
        select(Review)
        .where(Review.order_id == order.id, Review.product_id == view.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert row is not None
    if created:
        await move_rating(session, view.id, {stars: +1})
    else:
        before = row.stars
        row.stars, row.title, row.body, row.edited_at = stars, title, body, now
        row.author_id = user.id
        await session.flush()
        # A hidden review counts nowhere (read under the row's lock, as a hide writes it):
        # its author may still mend it, and its stars count again once it is restored.
        if before != stars and row.hidden_at is None:
            await move_rating(session, view.id, {before: -1, stars: +1})
    record(
        session,
        ReviewWritten(review_id=row.id, product_id=view.id, stars=stars, created=created),
    )
    return row, created


async def get(session: AsyncSession, review_id: str) -> Review:
    """Return a review, or ``NotFound``."""
    found = await session.get(Review, review_id)
    if found is None:
        raise NotFound(f"no review {review_id!r}")
    return found


def _reply(body: str, *, what: str) -> str:
    body = body.strip()
    if not body:
        raise InvalidInput.fields([{"field": "answer", "message": f"says something to {what}"}])
    if len(body) > MAX_REPLY:
        raise InvalidInput.fields(
            [{"field": "answer", "message": f"may have at most {MAX_REPLY} characters"}]
        )
    return body


async def answer(
    session: AsyncSession, *, user: User, review_id: str, body: str, now: datetime
) -> Review:
    """Answer a review in public as a member of the product's partner, or edit the answer;
    the reviewer is told of the first answer."""
    row = await get(session, review_id)
    view = await product(session, row.product_id)
    if row.hidden_at is not None:
        if not Reader.of(user).sees(hidden=True, author_id=row.author_id):
            raise NotFound(f"no review {review_id!r}")
        raise Conflict("a moderator hid this review: it takes no answer until restored")
    if not view.answered_by(user):
        raise PermissionDenied(f"only {view.partner_name} answers reviews of {view.title}")
    text = _reply(body, what="the reviewer")
    # Conditional: of two first answers at once, one is the first (and tells the reviewer).
    first = await session.execute(
        update(Review)
        .where(Review.id == row.id, Review.answer.is_(None))
        .values(answer=text, answer_by=user.id, answered_at=now)
        .execution_options(synchronize_session=False)
    )
    answered = first.rowcount == 1  # type: ignore[attr-defined]
    if not answered:
        await session.execute(
            update(Review)
            .where(Review.id == row.id)
            .values(answer=text, answer_by=user.id, answer_edited_at=now)
            .execution_options(synchronize_session=False)
        )
    await session.refresh(row)
    record(session, ReviewAnswered(review_id=row.id, product_id=view.id))
    if answered and row.author_id and row.author_id != user.id:
        sent = await notifications.notify(
            session,
            user_ids=[row.author_id],
            kind="community.review_answered",
            title=f"{view.partner_name} answered your review of {view.title}"[:120],
            body=prose.plain(text, limit=300),
            link=f"/community/products/{view.id}/reviews#r-{row.id}",
            now=now,
        )
        if sent:
            record(session, NotificationsSent(user_ids=sorted({n.user_id for n in sent})))
    return row


async def rating(session: AsyncSession, product_id: str) -> Figures:
    """Return a product's rating from its counters (no reviews: every counter zero)."""
    row = await session.get(Rating, product_id, populate_existing=True)
    if row is None:
        return figures([0, 0, 0, 0, 0])
    return figures([row.stars_1, row.stars_2, row.stars_3, row.stars_4, row.stars_5])


async def recount(session: AsyncSession, product_id: str) -> Figures:
    """Count a product's shown reviews by stars, row by row (what the counters must equal)."""
    counted = dict(
        (
            await session.execute(
                select(Review.stars, func.count())
                .where(Review.product_id == product_id, Review.hidden_at.is_(None))
                .group_by(Review.stars)
            )
        ).all()
    )
    return figures([int(counted.get(n, 0)) for n in range(1, 6)])


def _sort(value: str | None) -> ReviewSort:
    try:
        return ReviewSort(value or ReviewSort.NEWEST)
    except ValueError:
        raise InvalidInput.fields(
            [{"field": "sort", "message": "is one of " + ", ".join(ReviewSort)}]
        ) from None


async def listing(
    session: AsyncSession,
    *,
    product_id: str,
    reader: Reader = ANYONE,
    sort: str | None = None,
    stars: int | None = None,
    page: int = 1,
) -> ReviewPage:
    """Return one page of a product's reviews ``reader`` may see: newest, highest or lowest
    rated first, maybe only those giving ``stars``; with the rating (the total comes from
    its counters, plus the hidden reviews this reader sees: their own, or all for
    moderators)."""
    view = await product(session, product_id)
    order = _sort(sort)
    if stars is not None and stars_problem(stars):
        raise InvalidInput.fields([{"field": "stars", "message": str(stars_problem(stars))}])
    if not 1 <= page <= MAX_PAGE:
        raise InvalidInput.fields([{"field": "page", "message": f"is 1 to {MAX_PAGE}"}])
    shown = await rating(session, view.id)
    total = shown.counts.get(stars, 0) if stars is not None else shown.count
    statement = select(Review).where(Review.product_id == view.id, reviews_shown(reader))
    if stars is not None:
        statement = statement.where(Review.stars == stars)
    if reader.user_id is not None:
        total += int(
            await session.scalar(
                statement.with_only_columns(func.count(), maintain_column_froms=True).where(
                    Review.hidden_at.is_not(None)
                )
            )
            or 0
        )
    columns = {
        ReviewSort.NEWEST: (Review.created_at.desc(),),
        ReviewSort.HIGHEST: (Review.stars.desc(), Review.created_at.desc()),
        ReviewSort.LOWEST: (Review.stars.asc(), Review.created_at.desc()),
    }
    statement = statement.order_by(*columns[order], Review.id.desc())
    offset = (page - 1) * REVIEW_PAGE_SIZE
    items = list(await session.scalars(statement.limit(REVIEW_PAGE_SIZE).offset(offset)))
    people = {r.author_id for r in items} | {r.answer_by for r in items}
    names = await suggestions.names(session, people)
    return ReviewPage(items, total, page, page_count(total, REVIEW_PAGE_SIZE), shown, names)


async def purchases(session: AsyncSession, *, user_id: str, product_id: str) -> list[Purchase]:
    """Return the user's delivered orders holding the product, newest first, each with the
    review they wrote of it (None: not yet)."""
    found = await session.scalars(
        select(Order)
        .where(
            Order.backer_id == user_id,
            Order.delivered_at.is_not(None),
            Order.id.in_(select(OrderItem.order_id).where(OrderItem.product_id == product_id)),
        )
        .order_by(Order.delivered_at.desc(), Order.id)
    )
    orders = list(found)
    written = {
        r.order_id: r
        for r in await session.scalars(
            select(Review).where(
                Review.product_id == product_id, Review.order_id.in_([o.id for o in orders])
            )
        )
    }
    return [Purchase(o, written.get(o.id)) for o in orders]


async def mine(session: AsyncSession, *, order_id: str, product_id: str) -> Review | None:
    """Return the review written of this order and product, if any."""
    found: Review | None = await session.scalar(
        select(Review).where(Review.order_id == order_id, Review.product_id == product_id)
    )
    return found
