"""On a phone, a partner writes a campaign with more tiers than the old form allowed and
submits the launch; the platform team sends it back with comments; the partner edits and
resubmits; the platform team approves it. Then the money and ledger pages at both widths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Browser, Page, ViewportSize, expect

from hearth.config import Settings
from hearth.demo import seed
from tests.e2e.conftest import LiveServer, screenshot_path

pytestmark = pytest.mark.browser
PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=800)


async def _log_in(page: Page, url: str, username: str, password: str, to: str) -> None:
    await page.goto(f"{url}/login?next={to}")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(f"**{to}")


async def test_a_launch_is_sent_back_edited_resubmitted_and_approved_on_a_phone(
    live_server: LiveServer, browser: Browser
) -> None:
    await seed(Settings(data_dir=live_server.data_dir, _env_file=None))
    url = live_server.url
    starts = datetime.now(UTC) + timedelta(days=12)
    at = starts.strftime("%Y-%m-%dT09:00")
    ends = (starts + timedelta(days=30)).strftime("%Y-%m-%dT21:00")
    early = (starts + timedelta(days=2)).strftime("%Y-%m-%dT21:00")
    delivery = (starts + timedelta(days=90)).strftime("%Y-%m-%d")

    leo = await browser.new_page(viewport=PHONE)
    await _log_in(leo, url, "partner", "hearth-partner-demo", "/partner")
    await leo.get_by_role("link", name="Lumi Glow Lamp", exact=True).first.click()
    await leo.get_by_test_id("start-campaign").click()
    await expect(leo.get_by_role("heading", name="New campaign")).to_be_visible()
    await leo.get_by_label("Campaign title").fill("Lumi Glow Lamp — garden edition")
    await leo.get_by_label("Goal").fill("6000.00")
    await leo.get_by_label("Starts").fill(at)
    await leo.get_by_label("Ends").fill(ends)
    await leo.get_by_label("Expected delivery").fill(delivery)
    tiers = leo.locator("[data-tier-row]")
    for n, (title, box, price, retail, limit, closes) in enumerate(
        [
            ("Early bird", "One lamp and a stake", "99.00", "149.00", "50", early),
            ("Single", "One lamp and a stake", "119.00", "149.00", "", ""),
            ("Pair", "Two lamps and two stakes", "229.00", "249.00", "", ""),
            ("Four", "Four lamps and four stakes", "439.00", "596.00", "200", ""),
        ]
    ):
        if n >= await tiers.count():
            await leo.get_by_role("button", name="Add a tier").click()
        row = tiers.nth(n)
        await row.get_by_label("Title").fill(title)
        await row.get_by_label("What is in the box").fill(box)
        await row.get_by_label("Price", exact=True).fill(price)
        await row.get_by_label("Retail price").fill(retail)
        await row.get_by_label("Units on offer").fill(limit)
        await row.get_by_label("Early bird closes").fill(closes)
    await leo.screenshot(path=screenshot_path("launch-form-phone"), full_page=True)
    await leo.get_by_role("button", name="Save draft").click()
    await expect(leo.get_by_test_id("campaign-state")).to_have_text("draft")
    await leo.get_by_role("link", name="preview").first.click()
    await expect(leo.get_by_test_id("preview-banner")).to_be_visible()
    await expect(leo.get_by_text("Four lamps and four stakes")).to_be_visible()
    await leo.screenshot(path=screenshot_path("launch-preview-phone"), full_page=True)
    await leo.get_by_role("link", name="Back").click()
    await leo.get_by_role("button", name="Submit the launch").click()
    await expect(leo.get_by_test_id("campaign-state")).to_have_text("submitted")
    campaign_url = leo.url

    ada = await browser.new_page(viewport=PHONE)
    await _log_in(ada, url, "reviewer", "hearth-reviewer-demo", "/platform/launches")
    queue = ada.get_by_test_id("launch-queue")
    await expect(queue.get_by_text("Lumi Glow Lamp — studio edition")).to_be_visible()
    await queue.get_by_role("link", name="Lumi Glow Lamp — garden edition").click()
    await expect(ada.get_by_text("Two lamps and two stakes")).to_be_visible()
    await ada.screenshot(path=screenshot_path("launch-review-phone"), full_page=True)
    await ada.get_by_role("button", name="Send back with comments").click()
    await expect(ada.get_by_test_id("page-error")).to_contain_text(
        "Reason: say what the partner should change."
    )
    await ada.get_by_label("Comments for the partner").fill(
        "The pair's retail price should be two lamps' price."
    )
    await ada.get_by_role("button", name="Send back with comments").click()
    await expect(ada.get_by_test_id("campaign-state")).to_have_text("sent back")

    await leo.goto(campaign_url)
    await expect(leo.get_by_test_id("review-comment")).to_contain_text("two lamps' price")
    await leo.screenshot(path=screenshot_path("launch-sent-back-phone"), full_page=True)
    await leo.get_by_role("link", name="Edit", exact=True).click()
    pair = leo.locator("[data-tier-row]").nth(2)
    await expect(pair.get_by_label("Title")).to_have_value("Pair")
    await pair.get_by_label("Retail price").fill("298.00")
    await leo.get_by_role("button", name="Save draft").click()
    await expect(leo.get_by_text("Saved.")).to_be_visible()
    await leo.get_by_role("button", name="Resubmit the launch").click()
    await expect(leo.get_by_test_id("campaign-state")).to_have_text("submitted")

    await ada.goto(f"{url}/platform/launches")
    await ada.get_by_role("link", name="Lumi Glow Lamp — garden edition").click()
    await expect(ada.get_by_text("¥298.00")).to_be_visible()
    await ada.get_by_role("button", name="Approve the launch").click()
    await expect(ada.get_by_test_id("campaign-state")).to_have_text("scheduled")
    history = ada.get_by_test_id("history")
    await expect(history.get_by_text("sent back", exact=True)).to_be_visible()
    await ada.screenshot(path=screenshot_path("launch-approved-phone"), full_page=True)

    await leo.goto(campaign_url)
    await expect(leo.get_by_test_id("campaign-state")).to_have_text("scheduled")

    # The money told apart, and the ledger's pages, at both widths.
    for width, size in (("phone", PHONE), ("desktop", DESKTOP)):
        await leo.set_viewport_size(size)
        await ada.set_viewport_size(size)
        await leo.goto(f"{url}/partner/campaigns")
        await leo.get_by_role("link", name="Lumi Glow Lamp — first run").click()
        await expect(leo.get_by_test_id("money-figures")).to_contain_text("Payable to the partner")
        await leo.screenshot(path=screenshot_path(f"launch-money-{width}"), full_page=True)
        await leo.goto(f"{url}/partner/statement")
        await expect(leo.get_by_test_id("closing")).to_be_visible()
        await leo.screenshot(path=screenshot_path(f"ledger-statement-{width}"), full_page=True)
        await ada.goto(f"{url}/platform/ledger")
        await expect(ada.get_by_test_id("report-figures")).to_contain_text("Commission")
        await ada.screenshot(path=screenshot_path(f"ledger-report-{width}"), full_page=True)
        await ada.goto(f"{url}/platform/launches/{campaign_url.rsplit('/', 1)[1]}")
        await ada.screenshot(path=screenshot_path(f"launch-review-{width}"), full_page=True)
    await leo.set_viewport_size(DESKTOP)
    await leo.goto(f"{campaign_url}/edit")
    await leo.screenshot(path=screenshot_path("launch-form-desktop"), full_page=True)
