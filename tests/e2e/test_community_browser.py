"""A fan on a phone finds a suggestion on the lamp's board by searching, votes for it and
comments; posts one of their own after the form names what was missing; the partner answers
and marks it planned, and the fan is told. Each page is photographed at phone and desktop
width."""

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


async def shoot(page: Page, name: str) -> None:
    """Photograph the page at phone width, then at desktop width, and go back to the phone."""
    await page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar stays at the top
    await page.set_viewport_size(PHONE)
    await page.screenshot(path=screenshot_path(f"{name}-phone"), full_page=True)
    await page.set_viewport_size(DESKTOP)
    await page.screenshot(path=screenshot_path(f"{name}-desktop"), full_page=True)
    await page.set_viewport_size(PHONE)


async def test_a_fan_votes_comments_and_suggests_and_the_partner_answers(
    live_server: LiveServer, browser: Browser
) -> None:
    await seed(Settings(data_dir=live_server.data_dir, _env_file=None))
    base = live_server.url
    fan = await browser.new_page(viewport=PHONE)
    await log_in(fan, base, "backer14", "hearth-fan-demo", "/community")
    await expect(fan.get_by_role("heading", name="Community")).to_be_visible()
    await expect(fan.get_by_test_id("board")).to_have_count(
        await fan.get_by_test_id("board").count()
    )
    await shoot(fan, "community-boards")

    await fan.get_by_role("link", name="Lumi Glow Lamp").first.click()
    await expect(fan.get_by_role("heading", name="Lumi Glow Lamp")).to_be_visible()
    await fan.get_by_label("Search this board").fill("sunrise")
    await fan.get_by_role("button", name="Show").click()
    found = fan.get_by_test_id("suggestion")
    await expect(found).to_have_count(1)
    await expect(found.get_by_test_id("votes")).to_have_text("10")
    await found.get_by_role("button", name="Vote for").click()
    await expect(fan.get_by_test_id("suggestion").get_by_test_id("votes")).to_have_text("11")
    await expect(
        fan.get_by_test_id("suggestion").get_by_role("button", name="Take back your vote")
    ).to_be_visible()
    await fan.goto(f"{base}/community/boards/{fan.url.split('/boards/')[1].split('?')[0]}")
    await shoot(fan, "community-board")

    await fan.get_by_role("link", name="A sunrise alarm that starts 30 minutes earlier").click()
    await expect(fan.get_by_text("Official · Lumi Labs").first).to_be_visible()
    await expect(fan.get_by_role("button", name="Following")).to_be_visible()
    await fan.get_by_label("Add a comment").fill("Sunset too, **please**.")
    await fan.get_by_role("button", name="Comment", exact=True).click()
    await expect(fan.get_by_test_id("comment").last).to_contain_text("Sunset too, please.")
    await expect(fan.locator("#comments strong").last).to_have_text("please")
    await shoot(fan, "community-suggestion")

    await fan.get_by_role("link", name="Lumi Glow Lamp").click()
    await fan.get_by_role("link", name="Suggest something").click()
    await fan.get_by_label("Title").fill("A travel case")
    await fan.get_by_label("Tell us more").fill("For taking the lamp on holiday.")
    await fan.get_by_role("button", name="Post suggestion").click()
    await expect(fan.get_by_role("alert")).to_contain_text("Category")
    await expect(fan.get_by_label("Title")).to_have_value("A travel case")
    await shoot(fan, "community-new")
    await fan.get_by_label("Category").select_option(label="Accessories")
    await fan.get_by_role("button", name="Post suggestion").click()
    await expect(fan.get_by_role("heading", name="A travel case")).to_be_visible()
    mine = fan.url

    partner = await browser.new_page(viewport=DESKTOP)
    await log_in(partner, base, "partner", "hearth-partner-demo", mine.removeprefix(base))
    await expect(partner.get_by_role("heading", name="Answer as Lumi Labs")).to_be_visible()
    await partner.get_by_label("New status").select_option(label="Planned")
    await partner.get_by_label("Public answer").fill("A case is planned for the spring.")
    await partner.get_by_role("button", name="Answer and move").click()
    await expect(partner.get_by_test_id("status").first).to_have_text("Planned")

    await fan.goto(f"{base}/notifications")
    await expect(fan.get_by_text("Lumi Labs answered: A travel case is planned")).to_be_visible()
    await fan.goto(mine)
    await expect(fan.get_by_test_id("answer")).to_contain_text("A case is planned for the spring.")
    await expect(fan.get_by_role("heading", name="Answer as Lumi Labs")).to_have_count(0)
