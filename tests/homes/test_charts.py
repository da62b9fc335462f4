"""History charts over the device API: each chart spans its whole range, is drawn the way
its property reads (line, steps, timeline, events, energy), and its min/max bands are
exactly what the raw rows hold."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import delete, update

from hearth import db
from hearth.bootstrap import Hearth
from hearth.homes.models import Home
from hearth.hub.models import HistoryPoint, Rollup1h, Rollup5m
from tests.helpers import post_json, signup
from tests.homes.conftest import mint
from tests.hub.history_rows import roll_up, row, set_mark, write

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


async def _paired(hearth: Hearth, client: httpx.AsyncClient, model: str) -> tuple[str, str]:
    """Sign Mia up, give her a home and pair one device of ``model``; return both ids."""
    await signup(client, "mia")
    made = await post_json(client, "/api/v1/homes", {"name": "Flat"})
    home = str(made.json()["id"])
    unit = await mint(hearth, model)
    paired = await post_json(
        client, f"/api/v1/homes/{home}/devices", {"pairing_code": unit.pairing_code}
    )
    assert paired.status_code == 201, paired.text
    return home, unit.device_id


async def _reported(
    hearth: Hearth, device: str, readings: Sequence[tuple[str, datetime, Any]]
) -> None:
    """Write readings as ingest writes them (rolled up later by the job, if at all)."""
    await write(hearth.sessions, [row(device, key, at, value) for key, at, value in readings])


async def _chart(
    client: httpx.AsyncClient, device: str, key: str, span: str, until: datetime = NOW
) -> dict[str, Any]:
    response = await client.get(
        f"/api/v1/devices/{device}/chart",
        params={"key": key, "range": span, "until": until.isoformat()},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def test_an_hour_chart_spans_the_hour_even_with_one_reading(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    _home, device = await _paired(hearth, client, "hearth.light.v1")
    await _reported(hearth, device, [("2.2", NOW - timedelta(minutes=20), 40)])
    chart = await _chart(client, device, "2.2", "hour")
    assert _at(chart["since"]) == NOW - timedelta(hours=1) and _at(chart["until"]) == NOW
    # Brightness is set, so it is drawn as steps held to now, on its whole 0-100 % range.
    assert chart["drawing"] == "step" and chart["unit"] == "%"
    assert (chart["y_min"], chart["y_max"]) == (0, 100)
    assert [(p["value"], _at(p["at"])) for p in chart["points"]] == [
        (40, NOW - timedelta(minutes=20)),
        (40, NOW),
    ]


async def test_a_set_value_from_before_the_range_holds_from_its_start(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    _home, device = await _paired(hearth, client, "hearth.light.v1")
    await _reported(
        hearth,
        device,
        [("2.3", NOW - timedelta(hours=5), 3000), ("2.3", NOW - timedelta(minutes=30), 4500)],
    )
    chart = await _chart(client, device, "2.3", "hour")
    assert [p["value"] for p in chart["points"]] == [3000, 4500, 4500]
    assert _at(chart["points"][0]["at"]) == NOW - timedelta(hours=1)
    # Colour temperature spans its own range, 2700-6500 K.
    assert (chart["y_min"], chart["y_max"], chart["unit"]) == (2700, 6500, "K")


async def test_a_reading_is_a_line_around_its_values_and_a_silence_is_a_gap(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    _home, device = await _paired(hearth, client, "hearth.th-sensor.v1")
    start = NOW - timedelta(hours=3)
    readings = [("2.1", start + timedelta(minutes=m), 21.0 + m / 100) for m in range(0, 40, 5)]
    readings += [("2.1", start + timedelta(minutes=m), 22.0) for m in range(90, 130, 5)]
    await _reported(hearth, device, readings)
    chart = await _chart(client, device, "2.1", "day")
    assert chart["drawing"] == "line" and chart["unit"] == "°C"
    values = [p["value"] for p in chart["points"]]
    gap = values.index(None)
    assert 0 < gap < len(values) - 1  # the 55 silent minutes break the line
    assert values[-1] is None  # silent for 55 minutes now: it does not run on to now
    assert 19 <= chart["y_min"] < 21.0 and 22.0 < chart["y_max"] <= 24
    assert chart["y_max"] - chart["y_min"] <= 5  # not the spec's -40..85


async def test_a_switch_has_a_timeline_of_its_states_from_the_raw_changes(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    _home, device = await _paired(hearth, client, "hearth.light.v1")
    at = [NOW - timedelta(hours=h) for h in (30, 20, 19, 10, 9)]
    # Reported again and again while on: still one segment.
    values = [True, False, False, True, True]
    await _reported(hearth, device, [("2.1", a, v) for a, v in zip(at, values, strict=True)])
    chart = await _chart(client, device, "2.1", "day")
    assert chart["drawing"] == "timeline"
    assert [(s["value"], s["label"]) for s in chart["states"]] == [(False, "Off"), (True, "On")]
    segments = [(_at(s["start"]), _at(s["end"]), s["label"]) for s in chart["segments"]]
    assert segments == [
        (NOW - timedelta(hours=24), at[1], "On"),  # on since before the day began
        (at[1], at[3], "Off"),
        (at[3], NOW, "On"),
    ]
    assert chart["truncated"] is False


async def test_a_mode_timeline_names_each_state_from_the_value_list(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    _home, device = await _paired(hearth, client, "hearth.light.v1")
    await _reported(
        hearth,
        device,
        [("2.5", NOW - timedelta(minutes=50), 0), ("2.5", NOW - timedelta(minutes=10), 2)],
    )
    chart = await _chart(client, device, "2.5", "hour")
    assert [s["label"] for s in chart["segments"]] == ["White", "Night Light"]
    assert _at(chart["segments"][0]["start"]) == NOW - timedelta(minutes=50)
    assert [s["label"] for s in chart["states"]] == ["White", "Colour", "Night Light"]


async def test_a_fan_level_is_drawn_as_steps_with_its_named_levels(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    _home, device = await _paired(hearth, client, "hearth.fan.v1")
    await _reported(hearth, device, [("2.2", NOW - timedelta(minutes=5), 3)])
    chart = await _chart(client, device, "2.2", "hour")
    assert chart["drawing"] == "step"
    assert [level["label"] for level in chart["levels"]] == [f"Level {n}" for n in range(1, 5)]
    assert chart["y_min"] < 1 and chart["y_max"] > 4


async def test_events_are_marks_at_their_moments(client: httpx.AsyncClient, hearth: Hearth) -> None:
    _home, device = await _paired(hearth, client, "hearth.door-sensor.v1")
    moments = [NOW - timedelta(hours=h) for h in (2, 1)]
    await _reported(hearth, device, [("e:2.1", at, {}) for at in moments])
    chart = await _chart(client, device, "e:2.1", "day")
    assert chart["drawing"] == "events" and chart["label"] == "Door Opened"
    assert [(_at(m["at"]), m["count"]) for m in chart["marks"]] == [(m, 1) for m in moments]


async def test_a_meters_energy_is_counted_per_day_of_the_homes_zone(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    home, device = await _paired(hearth, client, "hearth.plug.v1")
    async with db.transaction(hearth.sessions) as session:
        await session.execute(update(Home).where(Home.id == home).values(timezone="Europe/Berlin"))
    # The meter counts 0.1 kWh an hour for ten days, then starts again from 0 (a reset).
    start = NOW - timedelta(days=10)
    readings = [("3.2", start + timedelta(hours=h), round(5 + h * 0.1, 3)) for h in range(240)]
    readings += [("3.2", NOW - timedelta(minutes=m), 0.05 * (4 - m // 15)) for m in (45, 30, 15)]
    await _reported(hearth, device, readings)
    await roll_up(hearth.sessions, NOW - timedelta(hours=2))
    chart = await _chart(client, device, "3.2", "week")
    assert chart["drawing"] == "energy" and chart["unit"] == "kWh"
    assert chart["time_zone"] == "Europe/Berlin"
    bars = chart["bars"]
    # Days of Berlin (UTC+1 in March): each bar starts at its midnight.
    assert all(_at(b["start"]).astimezone(UTC).hour == 23 for b in bars)
    assert len(bars) == 8  # the week's start falls in a day, and today has begun
    assert [round(b["value"], 3) for b in bars[1:-1]] == [2.4] * 6
    expected = (5 + 239 * 0.1) - (5 + (24 * 3 - 1 + 0) * 0.1)  # from the last reading before
    assert math.isclose(sum(b["value"] for b in bars[:-1]), expected, abs_tol=0.2)
    assert math.isclose(chart["total"], sum(b["value"] for b in bars))
    assert chart["y_min"] == 0 and chart["y_max"] >= 2.4


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"key": "2.2", "range": "year"}, "range"),
        ({"key": "2.9"}, "key"),
        ({"key": "2.4"}, "key"),  # a colour has no chart
        ({"key": "1.1"}, "key"),  # nor has the maker's name
        ({"key": "2.2", "until": "9999-12-31T23:59:59-14:00"}, "until"),
        ({"key": "2.2", "until": "2026-03-01T00:00:00"}, "until"),
        ({"range": "day"}, "key"),
    ],
)
async def test_a_chart_that_cannot_be_drawn_is_refused_naming_what_is_wrong(
    client: httpx.AsyncClient, hearth: Hearth, params: dict[str, str], field: str
) -> None:
    _home, device = await _paired(hearth, client, "hearth.light.v1")
    response = await client.get(f"/api/v1/devices/{device}/chart", params=params)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "invalid_input"
    assert [e["field"] for e in body["errors"]] == [field]
    assert all(e["message"] for e in body["errors"])


async def test_nobody_outside_the_home_reads_its_charts(
    client: httpx.AsyncClient, other: httpx.AsyncClient, hearth: Hearth
) -> None:
    _home, device = await _paired(hearth, client, "hearth.light.v1")
    await signup(other, "eve")
    response = await other.get(f"/api/v1/devices/{device}/chart", params={"key": "2.1"})
    assert response.status_code == 404


# -- min/max bands from the rollups --------------------------------------------------------

DAY_START = NOW - timedelta(days=1)
readings_of_a_day = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=86_400 * 1000 - 1),  # ms into the day
        st.integers(min_value=-400, max_value=850).map(lambda tenth: tenth / 10),
    ),
    min_size=150,
    max_size=400,
)


@hypothesis_settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(readings=readings_of_a_day, rolled_hours=st.integers(min_value=0, max_value=24))
async def test_a_days_bands_are_the_least_and_greatest_raw_value_of_each_bucket(
    client: httpx.AsyncClient,
    hearth: Hearth,
    readings: list[tuple[int, float]],
    rolled_hours: int,
) -> None:
    if not await _device_of(client):
        await _paired(hearth, client, "hearth.th-sensor.v1")
    device = await _device_of(client)
    async with db.transaction(hearth.sessions) as session:
        for table in (HistoryPoint, Rollup5m, Rollup1h):
            await session.execute(delete(table))
    await set_mark(hearth.sessions, DAY_START - timedelta(days=1))
    at = [(DAY_START + timedelta(milliseconds=ms), value) for ms, value in readings]
    await _reported(hearth, device, [("2.1", moment, value) for moment, value in at])
    # The job takes in part of the day; the rest is read raw.
    await roll_up(hearth.sessions, DAY_START + timedelta(hours=rolled_hours))
    chart = await _chart(client, device, "2.1", "day")
    width = timedelta(seconds=chart["bucket_seconds"])
    assert width == timedelta(minutes=10)
    counted: dict[datetime, list[float]] = {}
    for moment, value in at:
        counted.setdefault(DAY_START + (moment - DAY_START) // width * width, []).append(value)
    drawn = {_at(p["at"]): p for p in chart["points"] if p["value"] is not None}
    assert drawn.keys() == counted.keys()
    for start, values in counted.items():
        point = drawn[start]
        assert (point["min"], point["max"]) == (min(values), max(values))
        assert math.isclose(point["value"], sum(values) / len(values), abs_tol=1e-9)
        assert chart["y_min"] <= point["min"] and point["max"] <= chart["y_max"]


async def _device_of(client: httpx.AsyncClient) -> str:
    homes = (await client.get("/api/v1/homes")).json()
    if not isinstance(homes, list) or not homes:
        return ""
    devices = (await client.get(f"/api/v1/homes/{homes[0]['id']}/devices")).json()
    return str(devices[0]["id"]) if devices else ""
