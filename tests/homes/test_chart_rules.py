"""The pure rules of history charts: how each property is drawn, its y-axis, its gaps,
its timeline's segments and a meter's bars."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from hearth.devices import library
from hearth.homes import charts
from hearth.homes.charts import Chartable, Drawing, LinePoint, Span

T0 = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)


def _drawings(model: str) -> dict[str, Drawing]:
    return {c.label: c.drawing for c in charts.chartables(library.get_spec(model))}


def test_each_property_is_drawn_the_way_a_person_reads_it() -> None:
    assert _drawings("hearth.light.v1") == {
        "Switch Status": Drawing.TIMELINE,
        "Brightness": Drawing.STEP,
        "Color Temperature": Drawing.STEP,
        "Mode": Drawing.TIMELINE,
    }
    plug = _drawings("hearth.plug.v1")
    assert plug["Electric Power"] is Drawing.LINE and plug["Energy Used"] is Drawing.ENERGY
    assert plug["Switched Off For Overload"] is Drawing.EVENTS
    assert _drawings("hearth.fan.v1")["Fan Level"] is Drawing.STEP
    assert "Device Manufacturer" not in plug


def test_brightness_spans_zero_to_a_hundred_and_colour_temperature_its_own_range() -> None:
    light = {c.label: c for c in charts.chartables(library.get_spec("hearth.light.v1"))}
    assert charts.y_range(light["Brightness"], [40.0]) == (0.0, 100.0)
    assert charts.y_range(light["Color Temperature"], [3000.0]) == (2700.0, 6500.0)
    assert charts.y_range(light["Switch Status"], [1.0]) is None


def test_a_reading_spans_its_values_within_the_spec_and_power_starts_at_zero() -> None:
    temperature = Chartable("2.1", "T", Drawing.LINE, "°C", -40, 85, integer=False)
    low, high = charts.y_range(temperature, [21.2, 21.3]) or (0, 0)
    assert low < 21.2 and high > 21.3 and high - low <= 3
    power = Chartable("3.1", "P", Drawing.LINE, "W", 0, 4000, integer=False)
    assert (charts.y_range(power, [12.0, 1500.0]) or (1, 1))[0] == 0
    assert charts.y_range(temperature, []) == (-40, 85)


def test_a_silence_longer_than_the_gap_breaks_the_line() -> None:
    points = [LinePoint(T0 + timedelta(minutes=m), 1.0) for m in (0, 5, 60, 65)]
    drawn = charts.with_gaps(
        points, gap=timedelta(minutes=30), since=T0, until=T0 + timedelta(minutes=70)
    )
    assert [p.value for p in drawn] == [1.0, 1.0, None, 1.0, 1.0]


def test_a_timeline_merges_repeated_states_and_carries_the_one_before_the_range() -> None:
    switch = Chartable("2.1", "S", Drawing.TIMELINE, states=())
    changes = [(T0 + timedelta(hours=1), True), (T0 + timedelta(hours=2), True)]
    made = charts.segments(switch, changes, before=False, since=T0, until=T0 + timedelta(hours=3))
    assert [(s.start, s.end, s.label) for s in made] == [
        (T0, T0 + timedelta(hours=1), "Off"),
        (T0 + timedelta(hours=1), T0 + timedelta(hours=3), "On"),
    ]


def test_days_of_the_homes_zone_start_at_its_midnight_even_when_the_clocks_change() -> None:
    berlin = ZoneInfo("Europe/Berlin")  # summer time begins on 29 March 2026
    starts = charts.bar_starts(Span.WEEK, T0, T0 + timedelta(days=7), berlin)
    assert all(s.astimezone(berlin).hour == 0 for s in starts)
    assert starts[2] - starts[1] == timedelta(hours=23)


@given(
    steps=st.lists(st.floats(min_value=0, max_value=5, allow_nan=False), min_size=1, max_size=80),
    before=st.floats(min_value=0, max_value=1000, allow_nan=False),
)
def test_a_meter_that_only_counts_up_uses_in_its_bars_what_it_counted(
    steps: list[float], before: float
) -> None:
    readings, value = [], before
    for hour, step in enumerate(steps):
        value += step
        readings.append((T0 + timedelta(hours=hour, minutes=30), value, value))
    until = T0 + timedelta(hours=len(steps))
    starts = charts.bar_starts(Span.WEEK, T0, until, ZoneInfo("Asia/Tokyo"))
    made = charts.bars(readings, starts, until=until, before=before)
    assert abs(sum(b.value for b in made) - (value - before)) < 1e-6
    assert all(b.value >= 0 for b in made)
