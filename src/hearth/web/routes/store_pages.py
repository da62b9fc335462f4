"""Public mall pages (the store directory and each partner's store) and the signed-in user's
notification inbox with the unread badge of the top bar."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hearth.funding.pages import store_campaigns, store_listings
from hearth.mall import media, partners
from hearth.notifications import service as inbox
from hearth.notifications.models import Notification
from hearth.web.deps import CurrentUser, NowDep, OptionalUser, SessionDep
from hearth.web.routes.partner_pages import format_money
from hearth.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/stores")
async def directory(request: Request, user: OptionalUser, session: SessionDep) -> Response:
    return render(
        request,
        "mall/stores/directory.html",
        user=user,
        active="store",
        stores=await partners.directory(session),
    )


@router.get("/stores/{slug}")
async def store(
    request: Request, slug: str, user: OptionalUser, session: SessionDep, now: NowDep
) -> Response:
    partner, items = await partners.store(session, slug=slug)
    covers = {p.id: (await media.images(session, product_id=p.id))[:1] for p in items}
    return render(
        request,
        "mall/stores/store.html",
        user=user,
        active="store",
        partner=partner,
        products=items,
        covers=covers,
        money=format_money,
        funding_campaigns=await store_campaigns(session, partner_id=partner.id, now=now),
        funding_listings=await store_listings(session, partner_id=partner.id),
    )


@router.get("/notifications")
async def notifications(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    items = await inbox.inbox(session, user_id=user.id)
    return render(request, "mall/notifications.html", user=user, items=items)


@router.get("/notifications/badge")
async def badge(user: OptionalUser, session: SessionDep) -> Response:
    """The unread count as a small fragment for the top bar (htmx swaps it in)."""
    count = await inbox.unread_count(session, user_id=user.id) if user else 0
    if not count:
        return HTMLResponse("")
    shown = "99+" if count > 99 else str(count)
    return HTMLResponse(
        f'<span class="count" data-testid="unread">{shown}</span>'
        f'<span class="visually-hidden"> unread</span>'
    )


@router.post("/notifications/read")
async def read_all(user: CurrentUser, session: SessionDep) -> Response:
    await inbox.mark_read(session, user_id=user.id)
    return RedirectResponse("/notifications", status_code=303)


@router.post("/notifications/{notification_id}/open")
async def open_one(notification_id: str, user: CurrentUser, session: SessionDep) -> Response:
    """Mark one notification read and follow its link."""
    await inbox.mark_read(session, user_id=user.id, notification_id=notification_id)
    row = await session.get(Notification, notification_id)  # checked as the user's just above
    safe = row is not None and row.link.startswith("/") and not row.link.startswith("//")
    link = row.link if row is not None and safe else "/notifications"
    return RedirectResponse(link, status_code=303)
