"""JSON API of ecosystem insights: the platform dashboard (the platform team only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from hearth.accounts.models import User
from hearth.accounts.roles import Capability
from hearth.insights import dashboard
from hearth.insights.rules import Range
from hearth.insights.schemas import DashboardOut
from hearth.web.deps import NowDep, SessionDep, requires

router = APIRouter(tags=["insights"])
Operator = Annotated[User, Depends(requires(Capability.OPERATE))]


@router.get("/platform/insights")
async def platform_insights(
    session: SessionDep, user: Operator, now: NowDep, range: Range = Range.MONTH
) -> DashboardOut:
    """Read the ecosystem's figures per UTC day over the last 7, 30 or 90 days."""
    return DashboardOut.of(await dashboard.platform(session, span=range, now=now))
