"""A fan on a phone finds the receipt of a store order from its order page, as a page and
a PDF; the partner's returns page says the units of an accepted return went back into
stock. The pages are photographed at phone and desktop width."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from hearth.config import Settings
from hearth.demo import seed
from tests.e2e.conftest import LiveServer, screenshot_path
from tests.e2e.test_sale_browser import DESKTOP, PHONE, log_in

pytestmark = pytest.mark.browser


async def test_a_fan_finds_a_store_orders_receipt_and_its_pdf_from_the_order_page(
    live_server: LiveServer, browser: Browser
) -> None:
    await seed(Settings(data_dir=live_server.data_dir, _env_file=None))
    page = await browser.new_page(viewport=PHONE)
    await log_in(page, live_server.url, "fan", "hearth-fan-demo", "/orders")
    store_orders = page.get_by_test_id("order").and_(page.locator("[data-channel=sale]"))
    shipped = store_orders.filter(has_text="2 × Ember Mini Speaker (Charcoal)")
    await shipped.get_by_role("link").click()

    receipts = page.locator("#receipts")
    await expect(receipts.get_by_role("heading", name="Receipts")).to_be_visible()
    payment = receipts.get_by_role("link", name="Payment of ¥498.00")
    await expect(payment).to_be_visible()
    await expect(receipts.get_by_text("Visa ending 4242")).to_be_visible()
    await page.screenshot(path=screenshot_path("sale-order-receipts-phone"), full_page=True)
    await payment.click()

    await expect(page.get_by_role("heading", name="Payment receipt")).to_be_visible()
    await expect(page.get_by_role("heading", name="Order from Ember Audio")).to_be_visible()
    await expect(page.get_by_test_id("receipt-lines")).to_contain_text(
        "2 × Ember Mini Speaker (Charcoal)"
    )
    await expect(page.get_by_test_id("receipt-amount")).to_contain_text("¥498.00")
    await expect(page.get_by_role("link", name="The pledge")).to_have_count(0)
    await page.screenshot(path=screenshot_path("sale-receipt-phone"), full_page=True)
    pdf_url = await page.get_by_role("link", name="Download PDF").get_attribute("href")
    assert pdf_url is not None and re.fullmatch(r"/receipts/ord_\w+/receipt\.pdf", pdf_url)
    pdf = await page.request.get(live_server.url + pdf_url)
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert (await pdf.body()).startswith(b"%PDF")

    await page.set_viewport_size(DESKTOP)
    await page.screenshot(path=screenshot_path("sale-receipt-desktop"), full_page=True)


async def test_the_partner_reads_that_an_accepted_returns_units_went_back_into_stock(
    live_server: LiveServer, browser: Browser
) -> None:
    await seed(Settings(data_dir=live_server.data_dir, _env_file=None))
    page = await browser.new_page(viewport=PHONE)
    await log_in(page, live_server.url, "ember", "hearth-fan-demo", "/partner/returns")
    await expect(page.get_by_role("heading", name="Returns")).to_be_visible()
    accepted = page.get_by_test_id("return").filter(has_text="accepted")
    await expect(accepted.get_by_test_id("restocked")).to_contain_text(
        "1 unit went back into stock"
    )
    await page.screenshot(path=screenshot_path("sale-partner-restocked-phone"), full_page=True)
    await page.set_viewport_size(DESKTOP)
    await page.screenshot(path=screenshot_path("sale-partner-restocked-desktop"), full_page=True)
