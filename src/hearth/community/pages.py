"""Community pages (HTML). The tab is not built yet and says so plainly."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hearth.web.deps import CurrentUser
from hearth.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/community")
async def community_page(request: Request, user: CurrentUser) -> Response:
    return render(
        request,
        "community/coming.html",
        user=user,
        active="community",
        title="Community",
        blurb="Suggestions, votes and release notes, answered by the makers themselves.",
    )
