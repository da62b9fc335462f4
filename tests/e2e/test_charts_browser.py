"""A fan reads their devices' history on a phone and a desktop: a day's chart spans the day
in the home's time zone, and each kind of chart (a reading's line, a set value's steps,
on/off and modes as timelines, events as marks, a meter's energy per day) is drawn."""

from __future__ import annotations

import csv
import json
import math
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Page, ViewportSize, expect

from hearth import db
from hearth.hub import batchsql, rollups
from hearth.hub.store import history_row
from tests.e2e.conftest import LiveServer, screenshot_path

pytestmark = pytest.mark.browser

PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=800)
ZONE = "Asia/Tokyo"  # nine hours from UTC, no summer time: a day's ticks cannot pass for UTC's
PASSWORD = "a-long-enough-password"


def _mint(server: LiveServer, product: str, tmp_path: Path) -> str:
    out = tmp_path / f"{product}.csv"
    server.cli("devices", "mint", "--product", product, "--count", "1", "--out", str(out))
    with out.open() as handle:
        return str(next(csv.DictReader(handle))["pairing_code"])


async def _api(page: Page, method: str, url: str, body: dict[str, Any]) -> dict[str, Any]:
    token = next(c["value"] for c in await page.context.cookies() if c["name"] == "csrftoken")
    response = await page.request.fetch(
        url, method=method, data=body, headers={"X-CSRFToken": token}
    )
    assert response.ok, await response.text()
    answer: dict[str, Any] = await response.json()
    return answer


def _history(now: datetime) -> dict[str, list[tuple[str, datetime, Any]]]:
    """A week and a day of what four devices reported, by product."""
    hours = range(24 * 8)
    return {
        "hearth.th-sensor.v1": [
            # Every five minutes for eight days, a daily swing and some jitter, but for
            # three quiet hours: a gap in the line.
            ("2.1", now - timedelta(minutes=5 * m), _temperature(m))
            for m in range(288 * 8)
            if not 80 <= m < 116
        ],
        "hearth.light.v1": [
            *[("2.1", now - timedelta(hours=h), h % 6 < 2) for h in range(26)],
            *[("2.2", now - timedelta(hours=h, minutes=17), 20 + (h * 37) % 80) for h in range(26)],
            *[("2.5", now - timedelta(hours=3 * h), (0, 0, 2, 1)[h % 4]) for h in range(9)],
        ],
        "hearth.plug.v1": [
            (
                "3.2",
                now - timedelta(hours=h),
                round(100 + 0.08 * (len(hours) - h) + 0.5 * (h % 24 < 6), 3),
            )
            for h in hours
        ],
        "hearth.door-sensor.v1": [
            *[("e:2.1", now - timedelta(minutes=37 * k + 5), {}) for k in range(30)],
            *[("2.1", now - timedelta(minutes=37 * k + 5), k % 2 == 0) for k in range(30)],
        ],
    }


def _temperature(m: int) -> float:
    return round(21 + 1.5 * math.sin(2 * math.pi * m / 288) + ((m * 7) % 5 - 2) * 0.15, 1)


async def _seed(server: LiveServer, devices: dict[str, str], now: datetime) -> None:
    """Write the history as ingest writes it, straight into the server's database."""
    engine = db.create_engine(f"sqlite+aiosqlite:///{server.data_dir / 'hearth.db'}", pool=False)
    try:
        sessions = db.session_factory(engine)
        rows = [
            tuple(history_row(devices[product], key, at, value).values())
            for product, readings in _history(now).items()
            for key, at, value in readings
        ]
        rows.sort(key=lambda r: r[2])
        async with db.transaction(sessions) as session:
            late_before = await rollups.hold(session)
            await batchsql.insert_history(session, rows, late_before=late_before)
    finally:
        await engine.dispose()


async def _choose(page: Page, value: str, span: str) -> None:
    section = page.locator("[data-history]")
    await section.get_by_label("Show").select_option(label=value)
    await section.get_by_text(span, exact=True).click()
    key = await section.get_by_label("Show").input_value()
    await expect(section).to_have_attribute("data-chart-ready", f"{key}/{span.lower()}")


async def _ticks(page: Page) -> list[tuple[float, str]]:
    text = await page.locator("[data-chart]").get_attribute("data-x-ticks")
    assert text
    return [(float(at), label) for at, label in json.loads(text)]


async def test_a_day_chart_spans_the_day_in_the_homes_zone_and_each_kind_is_drawn(
    browser: Browser, live_server: LiveServer, tmp_path: Path
) -> None:
    codes = {
        product: _mint(live_server, product, tmp_path)
        for product in (
            "hearth.th-sensor.v1",
            "hearth.light.v1",
            "hearth.plug.v1",
            "hearth.door-sensor.v1",
        )
    }
    context = await browser.new_context(viewport=PHONE, locale="en-GB")
    page = await context.new_page()
    await page.goto(f"{live_server.url}/signup")
    await page.get_by_label("Username").fill("mia")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign up").click()
    await page.get_by_label("Home name").fill("Our flat")
    await page.get_by_role("button", name="Create home").click()
    await expect(page.get_by_role("heading", name="Our flat", exact=True)).to_be_visible()
    home = await page.locator("[data-live-home]").get_attribute("data-live-home")
    await _api(page, "PUT", f"{live_server.url}/api/v1/homes/{home}/place", {"timezone": ZONE})
    devices: dict[str, str] = {}
    for product, code in codes.items():
        paired = await _api(
            page, "POST", f"{live_server.url}/api/v1/homes/{home}/devices", {"pairing_code": code}
        )
        devices[product] = str(paired["id"])
    now = datetime.now(UTC)
    await _seed(live_server, devices, now)

    # The temperature's day: the axis runs from 24 hours ago to now, ticks read in Tokyo.
    await page.goto(f"{live_server.url}/devices/{devices['hearth.th-sensor.v1']}")
    section = page.locator("[data-history]")
    await expect(section).to_have_attribute("data-chart-ready", "2.1/day")
    chart = page.locator("[data-chart]")
    low = float(await chart.get_attribute("data-x-min") or 0)
    high = float(await chart.get_attribute("data-x-max") or 0)
    assert abs(high - low - 86_400) < 1
    assert abs(high - time.time()) < 120 and high >= now.timestamp()
    ticks = await _ticks(page)
    assert len(ticks) >= 3
    tokyo = ZoneInfo(ZONE)
    for at, label in ticks:
        assert low <= at <= high
        assert datetime.fromtimestamp(at, tokyo).strftime("%H:%M") == label
    assert any(datetime.fromtimestamp(at, tokyo).minute == 0 for at, _ in ticks)
    await expect(section.locator("[data-chart-summary]")).to_contain_text("Lowest")
    await expect(section.get_by_text("Times in")).to_be_visible()
    await page.screenshot(path=screenshot_path("chart-line-day-phone"), full_page=True)

    # The lamp: brightness as steps on 0-100 %, on/off and its mode as timelines.
    await page.goto(f"{live_server.url}/devices/{devices['hearth.light.v1']}")
    await _choose(page, "Brightness", "Day")
    assert await chart.get_attribute("data-drawing") == "step"
    await section.screenshot(path=screenshot_path("chart-step-day-phone"))
    await _choose(page, "Switch Status", "Day")
    assert await chart.get_attribute("data-drawing") == "timeline"
    await expect(section.locator("[data-chart-legend] li")).to_have_text(["Off", "On"])
    await expect(section.locator("[data-chart-summary]")).to_contain_text("On ")
    await section.screenshot(path=screenshot_path("chart-timeline-switch-phone"))
    await _choose(page, "Mode", "Day")
    await expect(section.locator("[data-chart-legend] li")).to_have_text(
        ["White", "Colour", "Night Light"]
    )
    await section.screenshot(path=screenshot_path("chart-timeline-mode-phone"))
    # An hour with one change still spans the hour.
    await _choose(page, "Brightness", "Hour")
    low = float(await chart.get_attribute("data-x-min") or 0)
    high = float(await chart.get_attribute("data-x-max") or 0)
    assert abs(high - low - 3600) < 1

    # The door: its openings as marks.
    await page.goto(f"{live_server.url}/devices/{devices['hearth.door-sensor.v1']}")
    await _choose(page, "Door Opened", "Day")
    await expect(section.locator("[data-chart-summary]")).to_contain_text("30 times")
    await section.screenshot(path=screenshot_path("chart-events-day-phone"))

    # The plug: energy per day of the home's zone, and the week's total.
    await page.goto(f"{live_server.url}/devices/{devices['hearth.plug.v1']}")
    await _choose(page, "Energy Used", "Week")
    assert await chart.get_attribute("data-drawing") == "energy"
    await expect(section.locator("[data-chart-summary]")).to_contain_text("used in the last 7 days")
    await expect(section.locator("[data-chart-summary]")).to_contain_text("kWh")
    await section.screenshot(path=screenshot_path("chart-energy-week-phone"))

    # The same at desktop width.
    await page.set_viewport_size(DESKTOP)
    await page.goto(f"{live_server.url}/devices/{devices['hearth.th-sensor.v1']}")
    await expect(section).to_have_attribute("data-chart-ready", "2.1/day")
    await page.screenshot(path=screenshot_path("chart-line-day-desktop"), full_page=True)
    await _choose(page, "Temperature", "Week")
    await section.screenshot(path=screenshot_path("chart-line-week-desktop"))
    await page.goto(f"{live_server.url}/devices/{devices['hearth.light.v1']}")
    await _choose(page, "Switch Status", "Week")
    await section.screenshot(path=screenshot_path("chart-timeline-week-desktop"))
    await page.goto(f"{live_server.url}/devices/{devices['hearth.plug.v1']}")
    await _choose(page, "Energy Used", "Month")
    await section.screenshot(path=screenshot_path("chart-energy-month-desktop"))
    await context.close()
