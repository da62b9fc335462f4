"""A German browser in Berlin reads every time of the home app in Europe/Berlin, written the
German way: every ``<time>`` on each page says, in words, the moment its ``datetime`` holds."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from babel import Locale
from playwright.async_api import Browser, Page, ViewportSize, expect

from hearth.kit import times
from tests.e2e.conftest import LiveServer, screenshot_path
from tests.e2e.test_scenes_browser import _api

pytestmark = pytest.mark.browser

GERMAN = Locale("de", "DE")
BERLIN = times.zone_or_utc("Europe/Berlin")


def _ways_to_say(moment: datetime, now: datetime) -> set[str]:
    """Every way hearth may write a moment on a page, in Berlin and in German."""
    return {
        times.when(moment, BERLIN, GERMAN, now=now),
        times.when(moment, BERLIN, GERMAN, now=now, seconds=True),
        times.day(moment, BERLIN, GERMAN, now=now),
        times.clock(moment, BERLIN, GERMAN),
        times.clock(moment, BERLIN, GERMAN, seconds=True),
    }


async def _times_on(page: Page) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = await page.eval_on_selector_all(
        "time[datetime]",
        "elements => elements.map(e => [e.getAttribute('datetime'), e.textContent.trim()])",
    )
    return found


async def _check_times(page: Page, now: datetime) -> int:
    """Assert every time on the page is said in Berlin and in German; return how many."""
    found = await _times_on(page)
    for stamp, text in found:
        moment = datetime.fromisoformat(stamp)
        assert text in _ways_to_say(moment, now), (page.url, stamp, text)
    body = await page.inner_text("main")
    assert " UTC" not in body, page.url
    return len(found)


async def test_a_german_browser_reads_every_time_in_berlin_the_german_way(
    browser: Browser, live_server: LiveServer
) -> None:
    url = live_server.url
    phone = ViewportSize(width=390, height=844)
    page = await browser.new_page(viewport=phone, locale="de-DE", timezone_id="Europe/Berlin")
    await page.goto(f"{url}/signup")
    await page.get_by_label("Username").fill("lena")
    await page.get_by_label("Password").fill("a-long-enough-password")
    await page.get_by_role("button", name="Sign up").click()
    await expect(page.get_by_role("heading", name="Home", exact=True)).to_be_visible()

    # The home's zone is chosen in its settings by typing the city.
    home = await _api(page, "POST", f"{url}/api/v1/homes", {"name": "Wohnung"})
    await page.goto(f"{url}/homes/{home['id']}/settings")
    zone = page.get_by_role("combobox", name="Time zone")
    await zone.fill("Berlin")
    await page.get_by_role("button", name="Save time zone and location").click()
    await expect(page.get_by_text("Europe/Berlin").first).to_be_visible()

    # A scene that tells the home: a run, its time, and a notification in the inbox.
    scene = await _api(
        page,
        "POST",
        f"{url}/api/v1/homes/{home['id']}/scenes",
        {"name": "Guten Abend", "actions": [{"kind": "notify", "title": "Guten Abend"}]},
    )
    await _api(page, "POST", f"{url}/api/v1/scenes/{scene['id']}/run", {})
    for _ in range(100):
        runs = await page.request.get(f"{url}/api/v1/scenes/{scene['id']}/runs")
        if (await runs.json())[0]["status"] == "succeeded":
            break
        await asyncio.sleep(0.1)
    started = datetime.fromisoformat((await runs.json())[0]["started_at"])
    now = started

    checked = 0
    for path in (f"/scenes/{scene['id']}", "/notifications", f"/scenes?home={home['id']}"):
        await page.goto(url + path)
        checked += await _check_times(page, now)
    assert checked >= 2, "the scene's run and the notification each show a time"

    # The run's time on its scene's page, exactly as a German reader in Berlin writes it.
    await page.goto(f"{url}/scenes/{scene['id']}")
    berlin = times.when(started, BERLIN, GERMAN, now=now, seconds=True)
    assert "." in berlin and "UTC" not in berlin  # "7. Dez., 11:15:02"
    await expect(page.locator("main").get_by_text(berlin).first).to_be_visible()
    await page.screenshot(path=screenshot_path("times-german-berlin-phone"), full_page=True)
