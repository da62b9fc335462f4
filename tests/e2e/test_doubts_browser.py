"""The platform team on a phone finds a charge in doubt waiting for a person, asks the
provider again and sees it settled; the page is photographed at phone and desktop width."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, ViewportSize, expect

from hearth.config import Settings
from hearth.demo import seed
from tests.e2e.conftest import LiveServer, screenshot_path
from tests.e2e.test_sale_browser import log_in

pytestmark = pytest.mark.browser
PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=800)
WORKER_ROUND_MS = 60_000  # the worker asks every 30 s; two rounds at most


async def _until_settled(page: Page, count: int) -> None:
    """Reload until ``count`` charges are listed as settled (the worker runs on its own)."""
    settled = page.get_by_test_id("doubt-settled")
    for _ in range(WORKER_ROUND_MS // 1000):
        if await settled.count() >= count:
            return
        await page.wait_for_timeout(1000)  # a poll interval, not a wait for an outcome
        await page.reload()
    await expect(settled).to_have_count(count)


async def test_the_platform_team_asks_again_about_a_charge_waiting_for_a_person(
    live_server: LiveServer, browser: Browser
) -> None:
    await seed(Settings(data_dir=live_server.data_dir, _env_file=None))
    page = await browser.new_page(viewport=PHONE)
    await log_in(page, live_server.url, "reviewer", "hearth-reviewer-demo", "/platform/payments")
    await expect(page.get_by_role("heading", name="Payments in doubt")).to_be_visible()
    waiting = page.get_by_test_id("doubt-review")
    await expect(waiting).to_have_count(1)
    await expect(waiting).to_contain_text("asked 8 times without an answer")
    # The two-hour-old one is settled by the worker's own asking.
    await _until_settled(page, 1)
    await expect(page.get_by_test_id("doubt-settled")).to_contain_text("the store order is made")
    await page.screenshot(path=screenshot_path("doubts-waiting-phone"), full_page=True)

    await waiting.get_by_role("button", name="Ask the provider again").click()
    await expect(page.get_by_role("status")).to_contain_text("Asked again")
    await expect(page.get_by_test_id("doubt-open")).to_have_count(1)
    await page.screenshot(path=screenshot_path("doubts-asked-phone"), full_page=True)
    await _until_settled(page, 2)
    await expect(page.get_by_text("Nothing waits for a person.")).to_be_visible()

    await page.set_viewport_size(DESKTOP)
    await page.goto(f"{live_server.url}/platform/payments")
    await page.screenshot(path=screenshot_path("doubts-settled-desktop"), full_page=True)
