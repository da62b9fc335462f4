"""A fan opens the Store tab on a phone, backs a live campaign, and finds the pledge in
their orders; the partner sees the campaign in their console."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, ViewportSize, expect

from hearth.config import Settings
from hearth.demo import seed
from tests.e2e.conftest import LiveServer, screenshot_path

pytestmark = pytest.mark.browser
PHONE = ViewportSize(width=360, height=780)


async def test_a_fan_backs_a_campaign_and_finds_the_pledge_in_orders(
    live_server: LiveServer, browser: Browser
) -> None:
    await seed(Settings(data_dir=live_server.data_dir, _env_file=None))
    page = await browser.new_page(viewport=PHONE)
    await page.goto(f"{live_server.url}/login?next=/store")
    await page.get_by_label("Username").fill("fan")
    await page.get_by_label("Password").fill("hearth-fan-demo")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name="Store")).to_be_visible()
    await expect(page.get_by_role("link", name="Partner stores")).to_be_visible()
    await page.screenshot(path=screenshot_path("funding-store-phone"), full_page=True)

    await page.get_by_role("link", name="Lumi Glow Mini").first.click()
    await expect(page.get_by_role("heading", name="Lumi Glow Mini")).to_be_visible()
    await page.screenshot(path=screenshot_path("funding-campaign-phone"), full_page=True)
    await page.get_by_text("Standard").first.click()
    await page.get_by_label("Quantity").fill("2")
    await page.get_by_label("Address").fill("12 Lantern Lane")
    await page.get_by_label("City").fill("Hangzhou")
    await page.get_by_label("Postal code").fill("310000")
    await page.get_by_label("Country").select_option("CN")  # the countries it ships to
    # The demo fan keeps a card already (the one declined on another campaign): a new one
    # is typed under "Use another card".
    await page.get_by_text("Use another card").click()
    await page.get_by_label("Card number").fill("4242 4242 4242 4242")
    await page.get_by_role("button", name="Back this project").click()

    await expect(page.get_by_role("heading", name="My orders")).to_be_visible()
    pledges = page.locator("#pledges")
    await expect(pledges.get_by_text("Lumi Glow Mini")).to_be_visible()
    await expect(pledges.get_by_text("2 × Standard · ¥218.00")).to_be_visible()
    await page.screenshot(path=screenshot_path("funding-orders-phone"), full_page=True)

    await page.goto(f"{live_server.url}/store")
    await page.get_by_role("link", name="Lumi Glow Mini").first.click()
    await expect(page.get_by_text("Your pledge")).to_be_visible()

    # The lamp whose campaign ran to fulfilled is now on regular sale in its partner's store.
    await page.goto(f"{live_server.url}/stores/lumi-labs")
    on_sale = page.get_by_test_id("store-listing")
    await expect(on_sale.get_by_text("Lumi Glow Lamp")).to_be_visible()
    await expect(on_sale.get_by_text("in stock")).to_be_visible()
    await on_sale.scroll_into_view_if_needed()
    await page.screenshot(path=screenshot_path("funding-store-listing-phone"), full_page=True)
