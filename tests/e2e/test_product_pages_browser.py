"""An anonymous visitor on a phone opens a store, taps a product, sees its photos and what
it can do, opens its campaign and watches the total change as they pick a reward; a wide
screen shows the same pages side by side."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.async_api import Browser, ViewportSize, expect

from hearth.config import Settings
from hearth.demo import seed
from tests.e2e.conftest import LiveServer, screenshot_path

pytestmark = pytest.mark.browser
PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=800)


async def test_an_anonymous_visitor_browses_a_product_and_prices_a_reward_on_a_phone(
    live_server: LiveServer, browser: Browser
) -> None:
    await seed(Settings(data_dir=live_server.data_dir, _env_file=None))
    page = await browser.new_page(viewport=PHONE)
    await page.goto(f"{live_server.url}/stores/lumi-labs")
    await page.get_by_test_id("store-product").filter(has_text="Lumi Glow Lamp").click()

    await expect(page.get_by_role("heading", name="Lumi Glow Lamp", level=1)).to_be_visible()
    gallery = page.get_by_test_id("gallery")
    await expect(gallery.get_by_role("img")).to_have_count(3)
    spec = page.get_by_test_id("spec")
    await expect(spec.get_by_text("set it from 1% to 100%")).to_be_visible()
    await expect(page.get_by_test_id("certified")).to_be_visible()
    await expect(page.get_by_test_id("stock")).to_have_text("In stock")
    await expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    await page.screenshot(path=screenshot_path("product-page-phone"), full_page=True)

    await page.get_by_role("link", name="Lumi Glow Mini").click()
    await expect(page.get_by_role("heading", name="Lumi Glow Mini")).to_be_visible()
    await expect(page.get_by_test_id("early-bird")).to_have_count(1)  # only the fan-day tier
    await expect(page.get_by_role("heading", name="Risks and challenges")).to_be_visible()
    campaign = urlparse(page.url).path
    sign_in = page.get_by_test_id("sign-in-to-back")
    await expect(sign_in).to_have_attribute("href", f"/login?next={campaign}")

    # Fan day: ¥99.00 each; shipping to Hong Kong ¥25.00 once.
    total = page.get_by_test_id("pledge-total").locator("[data-total-sum]")
    await expect(total).to_have_text("—")  # no country chosen yet
    await page.get_by_label("Country").select_option("HK")
    await expect(total).to_have_text("¥124.00")
    await page.get_by_label("Quantity").fill("2")
    await expect(total).to_have_text("¥223.00")
    await page.get_by_text("Bedroom pair").click()  # ¥199.00
    await expect(total).to_have_text("¥423.00")
    await page.get_by_label("Country").select_option("CN")  # ships free
    await expect(total).to_have_text("¥398.00")
    await page.get_by_label("Quantity").fill("3")  # past the two a backer may take
    await expect(total).to_have_text("—")
    await page.get_by_label("Quantity").fill("1")
    await page.get_by_test_id("pledge-total").scroll_into_view_if_needed()
    await page.screenshot(path=screenshot_path("campaign-total-phone"), full_page=True)

    # Acting needs an account: signing in comes back to the campaign, ready to back it.
    await sign_in.click()
    await page.get_by_label("Username").fill("fan")
    await page.get_by_label("Password").fill("hearth-fan-demo")
    await page.get_by_role("button", name="Log in").click()
    await expect(page).to_have_url(f"{live_server.url}{campaign}")
    await expect(page.get_by_role("button", name="Back this project")).to_be_visible()


async def test_product_and_campaign_pages_at_desktop_width(
    live_server: LiveServer, browser: Browser
) -> None:
    await seed(Settings(data_dir=live_server.data_dir, _env_file=None))
    page = await browser.new_page(viewport=DESKTOP)
    await page.goto(f"{live_server.url}/stores/lumi-labs")
    await page.screenshot(path=screenshot_path("store-tiles-desktop"), full_page=True)
    await page.get_by_test_id("store-product").filter(has_text="Lumi Glow Lamp").click()
    await expect(page.get_by_test_id("buy-box")).to_be_visible()
    await page.screenshot(path=screenshot_path("product-page-desktop"), full_page=True)
    await page.get_by_role("link", name="Lumi Glow Mini").click()
    await expect(page.get_by_role("heading", name="Questions", exact=True)).to_be_visible()
    await page.screenshot(path=screenshot_path("campaign-page-desktop"), full_page=True)
