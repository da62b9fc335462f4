"""Response models of a device's history chart (``GET /api/v1/devices/{id}/chart``).

One model per way of drawing, tagged by ``drawing``: a client switches on it and finds
exactly what that drawing needs (points with their extremes, segments, marks, bars).
Times are UTC; ``time_zone`` names the home's zone, in which the chart's axis reads.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from hearth.homes.charts import Chart, Span, State

ChartValue = bool | int | float | str


class ChartStateOut(BaseModel):
    value: ChartValue
    label: str = Field(description='what the spec calls it: "On", "Night", "Level 2"')


class ChartPointOut(BaseModel):
    at: datetime
    value: float | None = Field(description="the value, or the bucket's mean; null: a gap")
    min: float | None = Field(default=None, description="the bucket's lowest value")
    max: float | None = Field(default=None, description="the bucket's highest value")


class ChartSegmentOut(BaseModel):
    start: datetime
    end: datetime
    value: ChartValue
    label: str


class ChartMarkOut(BaseModel):
    at: datetime
    count: int = Field(description="events at this moment, or in the bucket starting here")


class ChartBarOut(BaseModel):
    start: datetime
    end: datetime
    value: float = Field(description="what the meter counted in this stretch")


class _ChartOut(BaseModel):
    key: str
    label: str
    span: Span
    since: datetime = Field(description="the axis starts here")
    until: datetime = Field(description="the axis ends here (now, unless asked otherwise)")
    time_zone: str = Field(description="the home's time zone, for the axis's labels")


class LineChartOut(_ChartOut):
    """A reading as a line, or a set value as steps, with min/max per aggregated bucket."""

    drawing: Literal["line", "step"]
    unit: str
    y_min: float
    y_max: float
    bucket_seconds: float | None = Field(
        description="the width each point stands for (with min and max); null: single values"
    )
    levels: list[ChartStateOut] = Field(description="named levels on the y-axis, if any")
    points: list[ChartPointOut]


class TimelineChartOut(_ChartOut):
    """On/off or a mode as bands of time, one per state."""

    drawing: Literal["timeline"]
    states: list[ChartStateOut]
    segments: list[ChartSegmentOut]
    truncated: bool = Field(description="more changes than one chart shows: the first ones")


class EventsChartOut(_ChartOut):
    """An event's moments."""

    drawing: Literal["events"]
    bucket_seconds: float | None = Field(
        description="the width of the bucket each mark stands for; null: single events"
    )
    marks: list[ChartMarkOut]


class EnergyChartOut(_ChartOut):
    """What a meter counted, per bar, and in all."""

    drawing: Literal["energy"]
    unit: str
    y_min: float
    y_max: float
    total: float
    bars: list[ChartBarOut]


ChartOut = Annotated[
    LineChartOut | TimelineChartOut | EventsChartOut | EnergyChartOut,
    Field(discriminator="drawing"),
]


def _states(states: tuple[State, ...]) -> list[ChartStateOut]:
    return [ChartStateOut(value=s.value, label=s.label) for s in states]


def chart_out(chart: Chart) -> LineChartOut | TimelineChartOut | EventsChartOut | EnergyChartOut:
    """Return the response model of a chart."""
    about = chart.chartable
    common = {
        "key": about.key,
        "label": about.label,
        "span": chart.span,
        "since": chart.since,
        "until": chart.until,
        "time_zone": chart.time_zone,
    }
    low, high = chart.y or (0.0, 1.0)
    if about.drawing == "timeline":
        return TimelineChartOut(
            **common,
            drawing="timeline",
            states=_states(about.states),
            segments=[
                ChartSegmentOut(start=s.start, end=s.end, value=s.value, label=s.label)
                for s in chart.segments
            ],
            truncated=chart.truncated,
        )
    if about.drawing == "events":
        return EventsChartOut(
            **common,
            drawing="events",
            bucket_seconds=chart.bucket.total_seconds() if chart.bucket else None,
            marks=[ChartMarkOut(at=m.at, count=m.count) for m in chart.marks],
        )
    if about.drawing == "energy":
        return EnergyChartOut(
            **common,
            drawing="energy",
            unit=about.unit,
            y_min=low,
            y_max=high,
            total=chart.total or 0.0,
            bars=[ChartBarOut(start=b.start, end=b.end, value=b.value) for b in chart.bars],
        )
    return LineChartOut(
        **common,
        drawing="step" if about.drawing == "step" else "line",
        unit=about.unit,
        y_min=low,
        y_max=high,
        bucket_seconds=chart.bucket.total_seconds() if chart.bucket else None,
        levels=_states(about.states),
        points=[ChartPointOut(at=p.at, value=p.value, min=p.min, max=p.max) for p in chart.points],
    )
