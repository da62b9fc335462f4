"""The platform team reads the ecosystem's figures on a phone and at a desk: a figure counted
by the background job, its chart drawn, and the CSV downloaded with every day's numbers."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.async_api import Browser, expect

from hearth.config import Settings
from hearth.demo import seed
from tests.e2e.conftest import LiveServer
from tests.e2e.test_community_browser import PHONE, log_in, shoot

pytestmark = pytest.mark.browser


async def test_the_platform_team_reads_the_figures_and_downloads_them_as_csv(
    live_server: LiveServer, browser: Browser
) -> None:
    await seed(Settings(data_dir=live_server.data_dir, _env_file=None))
    base = live_server.url
    page = await browser.new_page(viewport=PHONE)
    await log_in(page, base, "reviewer", "hearth-reviewer-demo", "/platform/insights")
    await expect(page.get_by_role("heading", name="Ecosystem figures")).to_be_visible()
    await expect(page.get_by_text("Days are UTC days")).to_be_visible()
    # The job counts a process's first round shortly after it starts: until then, each
    # figure says nothing is counted yet. The reviewer's own visit makes one active person.
    active = page.locator("#people-active")
    for _ in range(90):
        if await active.locator("canvas").count():
            break
        await page.wait_for_timeout(1000)
        await page.reload()
    await expect(active.locator(".insight-figure strong")).to_have_text("1")
    await expect(page.locator("#devices-registered canvas").first).to_be_visible()
    await shoot(page, "insights-platform")

    await page.set_viewport_size(PHONE)
    async with page.expect_download() as download:
        await page.get_by_role("link", name="Download CSV").click()
    path = await (await download.value).path()
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    assert {"day", "figure", "key", "label", "value"} <= set(rows[0])
    assert any(r["figure"] == "people.active" and r["value"] == "1" for r in rows)
    assert any(r["figure"] == "devices.registered" and int(r["value"]) > 0 for r in rows)
