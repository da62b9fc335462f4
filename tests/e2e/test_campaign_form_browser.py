"""On a phone, a partner writes a campaign's story in Markdown, a FAQ entry and two shipping
rows, has a mistake named without losing anything, previews the page and submits the launch.
Then a funded campaign's page says what its "raised" counts, at both widths."""

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
STORY = (
    "## Light for the garden\n\n"
    "The Glow Lamp you know, **sealed against rain** and on a spike.\n\n"
    "- solar panel in the cap\n"
    "- a week of evenings on one charge"
)


async def _log_in(page: Page, url: str, to: str) -> None:
    await page.goto(f"{url}/login?next={to}")
    await page.get_by_label("Username").fill("partner")
    await page.get_by_label("Password").fill("hearth-partner-demo")
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(f"**{to}")


async def test_a_partner_writes_the_story_faq_and_shipping_previews_and_submits_on_a_phone(
    live_server: LiveServer, browser: Browser
) -> None:
    await seed(Settings(data_dir=live_server.data_dir, _env_file=None))
    url = live_server.url
    starts = datetime.now(UTC) + timedelta(days=14)
    leo = await browser.new_page(viewport=PHONE)
    await _log_in(leo, url, "/partner")
    await leo.get_by_role("link", name="Lumi Glow Lamp", exact=True).first.click()
    await leo.get_by_test_id("start-campaign").click()
    await leo.get_by_label("Campaign title").fill("Lumi Glow Lamp — solar edition")
    await leo.get_by_label("Goal").fill("5000.00")
    await leo.get_by_label("Starts").fill(starts.strftime("%Y-%m-%dT09:00"))
    await leo.get_by_label("Ends").fill((starts + timedelta(days=30)).strftime("%Y-%m-%dT21:00"))
    await leo.get_by_label("Expected delivery").fill(
        (starts + timedelta(days=90)).strftime("%Y-%m-%d")
    )
    await leo.get_by_label("Story").fill(STORY)
    await leo.get_by_label("Risks and challenges").fill("The solar cells come from a new maker.")
    tier = leo.locator("[data-tier-row]").first
    await tier.get_by_label("Title").fill("Single")
    await tier.get_by_label("What is in the box").fill("One lamp and a spike")
    await tier.get_by_label("Price", exact=True).fill("129.00")
    await tier.get_by_label("Retail price").fill("169.00")

    faq = leo.locator("[data-faq-row]")
    await faq.first.get_by_label("Question").fill("Does it need sun every day?")
    await faq.first.get_by_label("Answer").fill("No: a full charge lasts **a week**.")
    rows = leo.locator("[data-shipping-row]")
    await expect(rows).to_have_count(1)
    await rows.nth(0).get_by_label("Country").fill("CN")
    await rows.nth(0).get_by_label("Shipping cost").fill("0.00")
    for country, cost in (("China", "60.00"), ("DE", "80.00")):
        await leo.get_by_role("button", name="Add a country").click()
        await rows.last.get_by_label("Country").fill(country)
        await rows.last.get_by_label("Shipping cost").fill(cost)
    await expect(rows).to_have_count(3)
    await rows.nth(2).get_by_role("button", name="Remove this destination").click()
    await expect(rows).to_have_count(2)

    await leo.get_by_role("button", name="Save draft").click()
    await expect(leo.get_by_test_id("form-error")).to_contain_text(
        "Shipping 2 country: a two-letter country code, such as CN or US."
    )
    await expect(leo.get_by_label("Story")).to_have_value(STORY)
    await expect(faq.first.get_by_label("Answer")).to_have_value(
        "No: a full charge lasts **a week**."
    )
    await expect(rows.nth(1).get_by_label("Country")).to_have_value("China")
    await leo.screenshot(path=screenshot_path("campaign-form-refused-phone"), full_page=True)
    await rows.nth(1).get_by_label("Country").fill("us")
    await leo.screenshot(path=screenshot_path("campaign-form-phone"), full_page=True)
    await leo.get_by_role("button", name="Save and preview").click()

    await expect(leo.get_by_test_id("preview-banner")).to_be_visible()
    story = leo.get_by_test_id("story")
    await expect(story.get_by_role("heading", name="Light for the garden")).to_be_visible()
    await expect(story.locator("strong")).to_have_text("sealed against rain")
    await expect(story.get_by_role("listitem")).to_have_count(2)
    await leo.get_by_text("Does it need sun every day?").click()
    await expect(leo.get_by_text("a week", exact=True)).to_be_visible()
    table = leo.get_by_test_id("shipping-table")
    await expect(table.get_by_role("row")).to_have_count(3)
    await expect(table.get_by_role("row", name="US ¥60.00")).to_be_visible()
    await expect(table.get_by_role("row", name="CN Free")).to_be_visible()
    await leo.screenshot(path=screenshot_path("campaign-form-preview-phone"), full_page=True)

    await leo.get_by_role("link", name="Back").click()
    await leo.get_by_role("button", name="Submit the launch").click()
    await expect(leo.get_by_test_id("campaign-state")).to_have_text("submitted")

    # The edit form of a launch sent back shows the rows as saved (the demo's nursery
    # edition was sent back); a desktop look at it.
    await leo.set_viewport_size(DESKTOP)
    await leo.goto(f"{url}/partner/campaigns")
    await leo.get_by_role("link", name="Lumi Glow Lamp — nursery edition").click()
    await leo.get_by_role("link", name="Edit", exact=True).click()
    await expect(leo.locator("[data-shipping-row]").first.get_by_label("Country")).to_have_value(
        "CN"
    )
    await leo.screenshot(path=screenshot_path("campaign-form-desktop"), full_page=True)


async def test_a_funded_campaigns_page_says_what_its_raised_counts(
    live_server: LiveServer, browser: Browser
) -> None:
    await seed(Settings(data_dir=live_server.data_dir, _env_file=None))
    fan = await browser.new_page(viewport=PHONE)
    await fan.goto(f"{live_server.url}/stores/lumi-labs")
    await fan.get_by_role("link", name="Lumi Glow Lamp — travel edition").click()
    counts = fan.get_by_test_id("raised-counts")
    await expect(counts).to_contain_text("less refunds")
    await expect(counts).to_contain_text("payment failed for good are not counted")
    for width, size in (("phone", PHONE), ("desktop", DESKTOP)):
        await fan.set_viewport_size(size)
        await counts.scroll_into_view_if_needed()
        await fan.screenshot(path=screenshot_path(f"campaign-raised-{width}"))
