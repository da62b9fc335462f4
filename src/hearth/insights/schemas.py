"""What the insights API answers: the platform dashboard's figures, typed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from hearth.insights.dashboard import Dashboard, Line, Panel
from hearth.insights.rules import Kind, Range
from hearth.kit.money import EXPONENTS


class LineOut(BaseModel):
    key: str = Field(description='"" for the whole, else a breakdown such as "category:light"')
    label: str
    values: list[int | None] = Field(description="one per day of the range; null: not counted")
    over_range: int = Field(description="the last day's level, or the sum of the days' flows")
    currency: str | None = Field(None, description="money: the currency of the values")
    exponent: int | None = Field(None, description="money: minor units per major unit, as 10^n")

    @classmethod
    def of(cls, line: Line) -> LineOut:
        currency = next(
            (p[len("currency:") :] for p in line.key.split("|") if p.startswith("currency:")), None
        )
        return cls(
            key=line.key,
            label=line.label,
            values=line.values,
            over_range=line.over_range,
            currency=currency,
            exponent=EXPONENTS.get(currency) if currency else None,
        )


class PanelOut(BaseModel):
    figure: str
    title: str
    kind: Kind
    how: str = Field(description="how the figure is counted")
    money: bool = Field(description="values are minor units of each line's currency")
    lines: list[LineOut]
    parts: list[LineOut]

    @classmethod
    def of(cls, panel: Panel) -> PanelOut:
        f = panel.figure
        return cls(
            figure=f.name,
            title=f.title,
            kind=f.kind,
            how=f.how,
            money=f.money,
            lines=[LineOut.of(x) for x in panel.lines],
            parts=[LineOut.of(x) for x in panel.parts],
        )


class BandOut(BaseModel):
    label: str
    campaigns: int


class TopCampaignOut(BaseModel):
    id: str
    title: str
    partner: str
    percent_of_goal: int


class OutcomesOut(BaseModel):
    funded: int
    failed: int
    funding_rate: float | None = Field(description="funded / ended; null when none ended")
    percent_of_goal: list[BandOut]
    top: list[TopCampaignOut]


class ProductSalesOut(BaseModel):
    product_id: str
    name: str
    units: dict[str, int] = Field(description="units over the range, per channel")


class DashboardOut(BaseModel):
    range: Range
    time_zone: Literal["UTC"] = "UTC"
    days: list[date]
    counted_at: datetime | None = Field(description="when today's figures were last counted")
    panels: list[PanelOut]
    campaigns: OutcomesOut
    products: list[ProductSalesOut]

    @classmethod
    def of(cls, d: Dashboard) -> DashboardOut:
        o = d.outcomes
        return cls(
            range=d.range,
            days=d.days,
            counted_at=d.counted_at,
            panels=[PanelOut.of(p) for p in d.panels],
            campaigns=OutcomesOut(
                funded=o.funded,
                failed=o.failed,
                funding_rate=o.rate,
                percent_of_goal=[BandOut(label=b, campaigns=n) for b, n in o.bands],
                top=[
                    TopCampaignOut(
                        id=c.id, title=c.title, partner=c.partner, percent_of_goal=c.percent
                    )
                    for c in o.top
                ],
            ),
            products=[
                ProductSalesOut(product_id=p.product_id, name=p.name, units=p.units)
                for p in d.products
            ],
        )
