"""The platform dashboard, read from the daily figures alone (``insights_daily``).

``platform`` reads one range of days of every figure in one query, and the ended
campaigns' final figures (``campaigns.raised_at_end``, kept when each campaign was decided)
for the funding rate, the percent-of-goal bands and the top campaigns. Nothing here reads
the raw history: a page costs the same whatever the ecosystem has done.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.funding.models import Campaign
from hearth.funding.rules import CampaignState
from hearth.insights.models import CountedDay, DailyFigure
from hearth.insights.rules import (
    FIGURES,
    Figure,
    Range,
    bands,
    day_of,
    days_of,
    funding_rate,
    key_label,
    over_range,
    percent_of_goal,
)
from hearth.mall.models import Partner, Product

TOP = 10  # campaigns in the top list
FUNDED = (CampaignState.FUNDED, CampaignState.FULFILLING, CampaignState.FULFILLED)


@dataclass(frozen=True)
class Line:
    """One key of a figure over the range: a value per day (None: not counted)."""

    key: str
    label: str
    values: list[int | None]
    over_range: int  # the level on the last day, or the flows' sum


@dataclass(frozen=True)
class Panel:
    figure: Figure
    lines: list[Line]  # the whole first (unless money: one per currency)
    parts: list[Line]  # the breakdowns (category, maker, channel), biggest first

    @property
    def empty(self) -> bool:
        return not any(v for line in self.lines for v in line.values)

    @property
    def groups(self) -> list[tuple[str, list[Line]]]:
        """The breakdowns by what they break down: "By category", "By maker", "By channel"."""
        found: dict[str, list[Line]] = {}
        for part in self.parts:
            found.setdefault(f"By {part.key.partition(':')[0]}", []).append(part)
        return list(found.items())


@dataclass(frozen=True)
class TopCampaign:
    id: str
    title: str
    partner: str
    percent: int


@dataclass(frozen=True)
class Outcomes:
    """The ended campaigns, all time: how many were funded, and how far past their goals."""

    funded: int
    failed: int
    rate: float | None
    bands: list[tuple[str, int]]
    top: list[TopCampaign]


@dataclass(frozen=True)
class ProductSales:
    product_id: str
    name: str
    units: dict[str, int]  # channel -> units over the range


@dataclass(frozen=True)
class Dashboard:
    range: Range
    days: list[date]
    counted_at: datetime | None  # when today's figures were last counted
    panels: list[Panel]
    outcomes: Outcomes
    products: list[ProductSales]

    def panel(self, name: str) -> Panel:
        return next(p for p in self.panels if p.figure.name == name)


async def platform(session: AsyncSession, *, span: Range, now: datetime) -> Dashboard:
    """Read the platform dashboard for the ``span`` of days ending today (UTC)."""
    days = days_of(day_of(now), span.days)
    rows = await session.execute(
        select(DailyFigure.figure, DailyFigure.key, DailyFigure.day, DailyFigure.value).where(
            DailyFigure.day >= days[0], DailyFigure.day <= days[-1]
        )
    )
    found: dict[str, dict[str, dict[date, int]]] = defaultdict(lambda: defaultdict(dict))
    for figure, key, day, value in rows.all():
        found[figure][key][day] = value
    names = await _names(session, {k for keys in found.values() for k in keys})
    panels = [_panel(f, found.get(f.name, {}), days, names) for f in FIGURES]
    counted_at = await session.scalar(
        select(CountedDay.counted_at).where(CountedDay.day == days[-1])
    )
    return Dashboard(
        range=span,
        days=days,
        counted_at=counted_at,
        panels=panels,
        outcomes=await outcomes(session),
        products=_products(found.get("sales.units", {}), names),
    )


def _panel(
    figure: Figure, keys: dict[str, dict[date, int]], days: list[date], names: dict[str, str]
) -> Panel:
    def line(key: str) -> Line:
        values = [keys[key].get(d) for d in days]
        return Line(
            key, key_label(key, names), values, over_range(figure.kind, [v or 0 for v in values])
        )

    whole = [
        line(k) for k in sorted(keys) if (k.startswith("currency:") if figure.money else k == "")
    ]
    if not whole and not figure.money:
        whole = [Line("", "All", [None] * len(days), 0)]

    def is_part(key: str) -> bool:  # a breakdown: by channel and currency, category, maker
        return "|" in key if figure.money else bool(key) and not key.startswith("product:")

    parts = [line(k) for k in keys if is_part(k)]
    parts.sort(key=lambda p: (-p.over_range, p.label))
    return Panel(figure, whole, parts)


def _products(keys: dict[str, dict[date, int]], names: dict[str, str]) -> list[ProductSales]:
    sold: dict[str, dict[str, int]] = defaultdict(dict)
    for key, per_day in keys.items():
        if key.startswith("product:"):
            product, channel = (part.partition(":")[2] for part in key.split("|"))
            sold[product][channel] = sum(per_day.values())
    found = [ProductSales(p, names.get(p, p), units) for p, units in sold.items()]
    found.sort(key=lambda s: (-sum(s.units.values()), s.name))
    return found


async def _names(session: AsyncSession, keys: set[str]) -> dict[str, str]:
    """Name the partners and products the keys mention."""
    ids = {
        part.partition(":")[2]
        for key in keys
        for part in key.split("|")
        if part.startswith(("maker:", "product:"))
    }
    if not ids:
        return {}
    partners = await session.execute(select(Partner.id, Partner.name).where(Partner.id.in_(ids)))
    products = await session.execute(select(Product.id, Product.name).where(Product.id.in_(ids)))
    return dict(partners.all()) | dict(products.all())


async def outcomes(session: AsyncSession) -> Outcomes:
    """Count the ended campaigns by outcome, their percent of goal, and the best of them."""
    ended = await session.execute(
        select(
            Campaign.id,
            Campaign.title,
            Partner.name,
            Campaign.state,
            Campaign.goal,
            Campaign.raised_at_end,
        )  # fmt: skip
        .join(Partner, Partner.id == Campaign.partner_id)
        .where(Campaign.state.in_((*FUNDED, CampaignState.FAILED)))
    )
    funded = failed = 0
    top: list[TopCampaign] = []
    for campaign_id, title, partner, state, goal, raised in ended.all():
        if raised is not None:  # kept when it was decided; unknown for one that never was
            top.append(TopCampaign(campaign_id, title, partner, percent_of_goal(raised, goal)))
        if state == CampaignState.FAILED:
            failed += 1
        else:
            funded += 1
    top.sort(key=lambda c: (-c.percent, c.title))
    return Outcomes(
        funded=funded,
        failed=failed,
        rate=funding_rate(funded, failed),
        bands=bands(c.percent for c in top),
        top=top[:TOP],
    )
