"""A fan on a phone buys from two stores in one checkout and finds both orders; the pages
of regular sale are photographed at phone and desktop width."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, ViewportSize, expect

from hearth.config import Settings
from hearth.demo import seed
from tests.e2e.conftest import LiveServer, screenshot_path

pytestmark = pytest.mark.browser
PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=800)


async def log_in(page: Page, base: str, username: str, password: str, then: str) -> None:
    await page.goto(f"{base}/login?next={then}")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Log in").click()


async def test_a_fan_buys_from_two_stores_in_one_checkout_and_finds_both_orders(
    live_server: LiveServer, browser: Browser
) -> None:
    await seed(Settings(data_dir=live_server.data_dir, _env_file=None))
    page = await browser.new_page(viewport=PHONE)
    await log_in(page, live_server.url, "fan", "hearth-fan-demo", "/cart")
    await expect(page.get_by_role("heading", name="Cart")).to_be_visible()
    # The demo cart tells that the lamp's price changed since it was added.
    await expect(page.get_by_text("Price changed from")).to_be_visible()
    for line in await page.get_by_role("button", name="Remove").all():
        await page.get_by_role("button", name="Remove").first.click()
        del line
    await expect(page.get_by_text("Your cart is empty.")).to_be_visible()

    await page.goto(f"{live_server.url}/stores/lumi-labs")
    lamp = page.get_by_test_id("store-listing").filter(has_text="Lumi Glow Lamp")
    await lamp.get_by_label("Variant").select_option(label="Warm white")
    await lamp.get_by_label("Quantity").fill("2")
    await page.screenshot(path=screenshot_path("sale-store-buy-phone"), full_page=True)
    await lamp.get_by_role("button", name="Add to cart").click()
    await expect(page.get_by_text("Added to your cart.")).to_be_visible()

    await page.goto(f"{live_server.url}/stores/ember-audio")
    speaker = page.get_by_test_id("store-listing").filter(has_text="Ember Mini Speaker")
    await speaker.get_by_role("button", name="Add to cart").click()
    await expect(page.get_by_test_id("cart-store")).to_have_count(2)
    await page.screenshot(path=screenshot_path("sale-cart-phone"), full_page=True)

    await page.get_by_role("link", name="Check out").click()
    await expect(page.get_by_role("heading", name="Check out")).to_be_visible()
    await page.screenshot(path=screenshot_path("sale-checkout-phone"), full_page=True)
    await page.get_by_role("button", name="Pay and place 2 orders").click()

    await expect(page.get_by_role("heading", name="Your checkout")).to_be_visible()
    outcomes = page.get_by_test_id("outcome")
    await expect(outcomes).to_have_count(2)
    await expect(outcomes.get_by_text("Paid: see the order")).to_have_count(2)
    await page.screenshot(path=screenshot_path("sale-checkout-done-phone"), full_page=True)

    await page.get_by_role("link", name="My orders").click()
    store_orders = page.get_by_test_id("order").and_(page.locator("[data-channel=sale]"))
    just_paid = store_orders.filter(has_text="paid").filter(has_not_text="delivered")
    await expect(just_paid.filter(has_text="2 × Lumi Glow Lamp (Warm white)")).to_have_count(1)
    await expect(just_paid.filter(has_text="1 × Ember Mini Speaker (Charcoal)")).to_have_count(1)
    await page.screenshot(path=screenshot_path("sale-orders-phone"), full_page=True)

    await page.set_viewport_size(DESKTOP)
    await page.goto(f"{live_server.url}/cart")
    await page.screenshot(path=screenshot_path("sale-cart-desktop"), full_page=True)
    await page.goto(f"{live_server.url}/orders")
    await page.screenshot(path=screenshot_path("sale-orders-desktop"), full_page=True)


async def test_the_partner_pages_of_regular_sale_read_at_phone_and_desktop_width(
    live_server: LiveServer, browser: Browser
) -> None:
    await seed(Settings(data_dir=live_server.data_dir, _env_file=None))
    page = await browser.new_page(viewport=PHONE)
    await log_in(page, live_server.url, "partner", "hearth-partner-demo", "/partner/sales")
    await expect(page.get_by_role("heading", name="On sale")).to_be_visible()
    await page.get_by_role("link", name="Lumi Glow Lamp").click()
    await expect(page.get_by_label("At most per order")).to_have_value("4")
    await page.get_by_label("Price (CNY)").fill("free")
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page.get_by_role("alert")).to_be_visible()
    await expect(page.get_by_label("Price (CNY)")).to_have_value("free")
    await page.screenshot(path=screenshot_path("sale-partner-listing-phone"), full_page=True)
    await page.goto(f"{live_server.url}/partner/returns")
    await expect(page.get_by_test_id("return")).to_have_count(2)
    await page.screenshot(path=screenshot_path("sale-partner-returns-phone"), full_page=True)
    await page.set_viewport_size(DESKTOP)
    await page.screenshot(path=screenshot_path("sale-partner-returns-desktop"), full_page=True)
