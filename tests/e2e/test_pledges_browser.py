"""A fan whose card was declined when a campaign ended fixes the pledge on a phone: adds a new
card in place, pays, and finds the pledge paid with its receipt; the pages are also taken at
desktop width."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Page, ViewportSize, expect

from hearth.config import Settings
from hearth.demo import seed
from tests.e2e.conftest import LiveServer, screenshot_path

pytestmark = pytest.mark.browser
PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=800)
TRAVEL = "Lumi Glow Lamp — travel edition"


async def _log_in(page: Page, url: str, then: str) -> None:
    await page.goto(f"{url}/login?next={then}")
    await page.get_by_label("Username").fill("fan")
    await page.get_by_label("Password").fill("hearth-fan-demo")
    await page.get_by_role("button", name="Log in").click()


async def test_a_fan_fixes_a_declined_pledge_with_a_new_card_and_gets_a_receipt(
    live_server: LiveServer, browser: Browser
) -> None:
    await seed(Settings(data_dir=live_server.data_dir, _env_file=None))
    page = await browser.new_page(viewport=PHONE)
    await _log_in(page, live_server.url, "/pledges")
    await expect(page.get_by_role("heading", name="My pledges")).to_be_visible()
    await page.screenshot(path=screenshot_path("pledges-list-phone"), full_page=True)
    await page.get_by_role("link", name=re.compile("The charge failed: fix it by")).click()

    await expect(page.get_by_role("heading", name=TRAVEL)).to_be_visible()
    await expect(page.get_by_test_id("pledge-state")).to_have_text("payment failed")
    await expect(page.get_by_text("not enough money on the card").first).to_be_visible()
    await page.screenshot(path=screenshot_path("pledge-declined-phone"), full_page=True)

    retry = page.locator("#retry")
    # A card whose charges are declined too: the page says so and keeps the number typed.
    await retry.get_by_label("New card number").fill("4000 0000 0000 0341")
    await expect(retry.get_by_label("A new card")).to_be_checked()  # typing picked it
    await retry.get_by_role("button", name=re.compile(r"^Pay .* now$")).click()
    await expect(page.locator("#retry-error")).to_have_text(
        "The card was refused: the bank declined the card. Try another card."
    )
    await expect(page.locator("#retry").get_by_label("New card number")).to_have_value(
        "4000 0000 0000 0341"
    )
    await page.screenshot(path=screenshot_path("pledge-refused-phone"), full_page=True)

    retry = page.locator("#retry")
    await retry.get_by_label("New card number").fill("4242 4242 4242 4242")
    await retry.get_by_role("button", name=re.compile(r"^Pay .* now$")).click()
    await expect(page.get_by_role("status")).to_have_text(
        "Paid. Your order is made, and its receipt is below."
    )
    await expect(page.get_by_test_id("pledge-state")).to_have_text("paid")
    await expect(page.get_by_test_id("pledge-card")).to_have_text("Visa ending 4242")
    receipt = page.get_by_test_id("receipt")
    await expect(receipt).to_have_count(1)
    await expect(receipt.get_by_role("link", name="Payment of ¥258.00")).to_be_visible()
    await page.screenshot(path=screenshot_path("pledge-paid-phone"), full_page=True)

    await receipt.get_by_role("link", name="Payment of ¥258.00").click()
    await expect(page.get_by_role("heading", name="Payment receipt")).to_be_visible()
    await expect(page.get_by_test_id("receipt-amount")).to_contain_text("¥258.00")
    await expect(page.get_by_text("Visa ending 4242")).to_be_visible()
    await page.screenshot(path=screenshot_path("receipt-phone"), full_page=True)
    pdf = await page.request.get(
        page.url + "/receipt.pdf"
    )  # the same receipt, as a PDF, for the signed-in fan
    assert pdf.status == 200 and (await pdf.body()).startswith(b"%PDF")

    wide = await browser.new_page(viewport=DESKTOP)
    await _log_in(wide, live_server.url, "/pledges")
    await expect(wide.get_by_role("heading", name="My pledges")).to_be_visible()
    await wide.get_by_role("link", name=TRAVEL).click()
    await expect(wide.get_by_test_id("pledge-state")).to_have_text("paid")
    await wide.screenshot(path=screenshot_path("pledge-paid-desktop"), full_page=True)
    await wide.get_by_test_id("receipt").get_by_role("link").first.click()
    await expect(wide.get_by_role("heading", name="Payment receipt")).to_be_visible()
    await wide.screenshot(path=screenshot_path("receipt-desktop"), full_page=True)
    await wide.goto(f"{live_server.url}/account#cards")
    await expect(wide.get_by_role("heading", name="Saved cards")).to_be_visible()
    await wide.locator("#cards").screenshot(path=screenshot_path("account-cards-desktop"))
