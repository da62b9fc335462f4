"""The platform dashboard's page and its CSV (the platform team only)."""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from hearth.accounts.models import User
from hearth.accounts.roles import Capability
from hearth.insights import dashboard
from hearth.insights.rules import Range
from hearth.insights.schemas import DashboardOut
from hearth.kit.money import Money
from hearth.web.deps import NowDep, SessionDep, requires
from hearth.web.templating import render

router = APIRouter(include_in_schema=False)
Operator = Annotated[User, Depends(requires(Capability.OPERATE))]


def _span(text: str) -> Range:
    return Range(text) if text in Range.__members__.values() else Range.MONTH


@router.get("/platform/insights")
async def platform_insights(
    request: Request, session: SessionDep, user: Operator, now: NowDep, range: str = ""
) -> Response:
    found = await dashboard.platform(session, span=_span(range), now=now)
    return render(
        request,
        "insights/platform.html",
        user=user,
        active="platform",
        board=found,
        charts=DashboardOut.of(found).model_dump(mode="json"),
        ranges=list(Range),
        money=lambda amount, currency: Money(amount, currency).format(),
    )


@router.get("/platform/insights.csv")
async def platform_insights_csv(
    session: SessionDep, user: Operator, now: NowDep, range: str = ""
) -> Response:
    found = await dashboard.platform(session, span=_span(range), now=now)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["day", "figure", "key", "label", "value"])
    for panel in found.panels:
        for line in panel.lines + panel.parts:
            for day, value in zip(found.days, line.values, strict=True):
                if value is not None:
                    writer.writerow(
                        [day.isoformat(), panel.figure.name, line.key, line.label, value]
                    )
    name = f"hearth-insights-{found.days[0]}-{found.days[-1]}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
