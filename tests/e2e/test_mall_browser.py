"""A partner submits a product and a reviewer requests changes, then approves it, in a
real browser; the product ends up in the partner's public store."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, ViewportSize, expect
from playwright.async_api import Error as PlaywrightError

from hearth.mall.demo import lumi_logo, product_shot
from tests.e2e.conftest import LiveServer, screenshot_path, share_login

pytestmark = pytest.mark.browser

PHONE = ViewportSize(width=360, height=780)
DESKTOP = ViewportSize(width=1280, height=900)
PASSWORD = "a-long-enough-password"
MIOT = (
    Path(__file__).resolve().parents[1]
    / "fixtures"
    / "miot"
    / "urn.miot-spec-v2.device.air-purifier.0000A007.zhimi-v3.1.json"
)


async def log_in(
    browser: Browser, server: LiveServer, username: str, viewport: ViewportSize
) -> Page:
    page = await browser.new_page(viewport=viewport)
    await page.goto(f"{server.url}/login")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("link", name="Your account")).to_be_visible()
    return page


async def shot(page: Page, name: str, *, full_page: bool = True) -> None:
    """Screenshot a page; bring it to the front first, since several are open at once."""
    await page.bring_to_front()
    try:
        await page.screenshot(path=screenshot_path(name), full_page=full_page)
    except PlaywrightError:
        # A busy renderer sometimes cannot capture at once; the picture is for people, so
        # one more try after the next frame, then the error stands.
        await page.wait_for_timeout(500)
        await page.screenshot(path=screenshot_path(name), full_page=full_page)


async def test_a_partner_submits_and_a_reviewer_requests_changes_then_approves(
    browser: Browser, live_server: LiveServer, tmp_path: Path
) -> None:
    live_server.cli("user", "create", "ada", "--role", "reviewer", "--password", PASSWORD)
    live_server.cli(
        "user",
        "create",
        "leo",
        "--role",
        "partner",
        "--partner",
        "Lumi Labs",
        "--password",
        PASSWORD,
    )
    photo, logo = tmp_path / "purifier.png", tmp_path / "logo.png"
    photo.write_bytes(product_shot((90, 150, 230)))
    logo.write_bytes(lumi_logo())

    partner = await log_in(browser, live_server, "leo", PHONE)
    await partner.goto(f"{live_server.url}/partner")
    await partner.get_by_label("Customer-service contact").fill("care@lumi.example")
    await partner.get_by_role("button", name="Save store").click()
    await expect(partner.get_by_text("Saved.")).to_be_visible()
    await partner.get_by_label("Logo").set_input_files(logo)
    await partner.get_by_role("button", name="Upload logo").click()
    await expect(partner.get_by_role("img", name="Lumi Labs logo")).to_be_visible()
    await partner.get_by_role("link", name="New product").click()
    await partner.get_by_label("Name", exact=True).fill("Clean Air 3")
    await partner.get_by_label("Category").select_option("climate")
    await partner.get_by_label("Description").fill("A quiet purifier for bedrooms.")
    await partner.get_by_label("Device spec").set_input_files(MIOT)
    await partner.get_by_label("Planned retail price").fill("899.00")
    await partner.get_by_label("Funding goal").fill("100000")
    await partner.get_by_label("Duration in days").fill("30")
    await partner.get_by_role("button", name="Create draft").click()
    await expect(partner.get_by_role("heading", name="Clean Air 3")).to_be_visible()
    await partner.get_by_label("Add an image").set_input_files(photo)
    await partner.get_by_role("button", name="Upload").click()
    await expect(partner.get_by_role("img", name="Clean Air 3, image 1")).to_be_visible()
    await partner.get_by_role("button", name="Submit for review").click()
    await expect(partner.get_by_text("submitted", exact=True).first).to_be_visible()
    await shot(partner, "mall-product-phone")

    reviewer = await log_in(browser, live_server, "ada", DESKTOP)
    await reviewer.goto(f"{live_server.url}/platform")
    await expect(reviewer.get_by_test_id("queue-row")).to_have_count(1)
    await shot(reviewer, "mall-platform-desktop")
    await reviewer.get_by_role("link", name="Clean Air 3").click()
    await reviewer.get_by_role("button", name="Start review").click()
    await reviewer.get_by_label("What must change").fill(
        "Name the filter grade\nAdd a photo of the back"
    )
    await reviewer.get_by_label("Message to the partner").fill("Nearly there.")
    await reviewer.get_by_role("button", name="Request changes").click()
    await expect(reviewer.get_by_text("Waiting for the partner to resubmit.")).to_be_visible()
    await reviewer.get_by_label("New comment").fill("Is the filter H13?")
    await reviewer.get_by_role("button", name="Comment", exact=True).click()
    await shot(reviewer, "mall-review-desktop", full_page=False)
    review_url = reviewer.url

    await partner.reload()
    await expect(partner.get_by_test_id("checklist")).to_contain_text("Name the filter grade")
    await expect(partner.get_by_test_id("unread")).to_have_text("3")
    await partner.get_by_text("Reply", exact=True).click()
    await partner.get_by_label("Your reply").fill("Yes, H13, now in the description.")
    await partner.get_by_role("button", name="Send reply").click()
    await expect(partner.get_by_text("Yes, H13, now in the description.")).to_be_visible()
    await partner.get_by_role("button", name="Resubmit").click()
    await expect(partner.get_by_text("The platform team has it")).to_be_visible()
    # Approval needs a passed certification: the partner runs it from the product page.
    await partner.get_by_role("link", name="Compatibility certification").click()
    await expect(partner.get_by_test_id("certified")).to_contain_text("has no passed run yet")
    await partner.get_by_role("button", name="Run certification").click()
    await expect(partner.get_by_test_id("certified")).to_contain_text(
        "is certified", timeout=30_000
    )
    await expect(partner.get_by_test_id("run-status")).to_have_text("passed")
    await shot(partner, "mall-certification-phone")
    await partner.get_by_test_id("run").get_by_role("link").click()
    await expect(partner.get_by_test_id("check").first).to_contain_text("comes online")
    await expect(partner.locator("[data-testid=check].fail")).to_have_count(0)
    await shot(partner, "mall-certification-report-phone", full_page=False)

    await reviewer.reload()
    await reviewer.get_by_role("button", name="Start review").click()
    await reviewer.get_by_role("button", name="Approve").click()
    await expect(reviewer.get_by_text("No decision to make in this state.")).to_be_visible()
    await shot(reviewer, "mall-review-approved-desktop")

    await partner.goto(f"{live_server.url}/partner")
    await shot(partner, "mall-partner-console-phone")
    await partner.get_by_role("link", name="View your public store").click()
    await expect(partner.get_by_test_id("store-product")).to_contain_text("Clean Air 3")
    await expect(partner.get_by_test_id("support")).to_have_text("care@lumi.example")
    await shot(partner, "mall-store-phone")
    store_url = partner.url
    await reviewer.goto(store_url)
    await shot(reviewer, "mall-store-desktop")

    reviewer_phone = await browser.new_page(viewport=PHONE)
    await share_login(reviewer.context, reviewer_phone.context)
    await reviewer_phone.goto(review_url)
    await expect(reviewer_phone.get_by_test_id("history")).to_contain_text("approved")
    await shot(reviewer_phone, "mall-review-phone")
    partner_desktop = await browser.new_page(viewport=DESKTOP)
    await share_login(partner.context, partner_desktop.context)
    await partner_desktop.goto(f"{live_server.url}/partner")
    await shot(partner_desktop, "mall-partner-console-desktop", full_page=False)
