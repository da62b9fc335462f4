"""The community's whole loop, at phone width: a fan searches the lamp's board, then starts
typing the same wish as a new suggestion, sees the existing one appear under the title as
they type and votes for it instead; the partner answers it and marks it planned; a release
note ships it, and the fan finds "shipped" in their notifications."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from hearth.config import Settings
from hearth.demo import seed
from tests.e2e.conftest import LiveServer
from tests.e2e.test_community_browser import PHONE, log_in, shoot

pytestmark = pytest.mark.browser
WISH = "A fabric shade"


async def test_a_fan_votes_instead_of_posting_and_hears_when_the_wish_ships(
    live_server: LiveServer, browser: Browser
) -> None:
    await seed(Settings(data_dir=live_server.data_dir, _env_file=None))
    base = live_server.url
    fan = await browser.new_page(viewport=PHONE)
    await log_in(fan, base, "backer14", "hearth-fan-demo", "/community")
    await fan.get_by_role("link", name="Lumi Glow Lamp").first.click()
    board = fan.url
    await fan.get_by_label("Search this board").fill("shade")
    await fan.get_by_role("button", name="Show").click()
    await expect(fan.get_by_test_id("suggestion").filter(has_text=WISH)).to_have_count(1)

    await fan.get_by_role("link", name="Suggest something").click()
    await fan.get_by_label("Title").press_sequentially("A cloth fabric shade", delay=40)
    similar = fan.get_by_test_id("similar-item").filter(has_text=WISH)
    await expect(similar).to_have_count(1)
    votes = int(await similar.get_by_test_id("votes").inner_text())
    await shoot(fan, "weekly-update-similar")
    await similar.get_by_role("button", name=f"Vote for {WISH}").click()
    await expect(fan.get_by_role("heading", name=WISH)).to_be_visible()
    detail = fan.get_by_test_id("suggestion-detail")
    await expect(detail.get_by_test_id("votes")).to_have_text(str(votes + 1))
    await expect(fan.get_by_role("button", name="Following")).to_be_visible()
    wish = fan.url

    partner = await browser.new_page(viewport=PHONE)
    await log_in(partner, base, "partner", "hearth-partner-demo", wish.removeprefix(base))
    await partner.get_by_label("New status").select_option(label="Planned")
    await partner.get_by_label("Public answer").fill("A linen shade is planned for spring.")
    await partner.get_by_role("button", name="Answer and move").click()
    await expect(partner.get_by_test_id("status").first).to_have_text("Planned")

    await partner.goto(board)
    await partner.get_by_role("link", name="Publish a release note").click()
    await partner.get_by_label("Version").fill("1.5")
    await partner.get_by_label("Title").fill("The shade you asked for")
    await partner.get_by_label("Notes").fill("- A **fabric shade** in three colours")
    await partner.get_by_label(WISH).check()
    await partner.get_by_role("button", name="Publish").click()
    await expect(partner.get_by_test_id("release").first).to_contain_text("The shade you asked for")

    await fan.goto(f"{base}/notifications")
    await expect(fan.get_by_text(f"Lumi Labs answered: {WISH} is planned")).to_be_visible()
    await expect(
        fan.get_by_text(f'Your suggestion "{WISH}" shipped in Lumi Glow Lamp 1.5.')
    ).to_be_visible()
    await shoot(fan, "weekly-update-notified")
    await fan.goto(wish)
    await expect(fan.get_by_test_id("status").first).to_have_text("Done")
    await expect(fan.get_by_test_id("shipped-in")).to_contain_text("1.5")
