"""A fan on a phone starts typing a suggestion the board already has: the similar ones appear
under the title as they type, and they vote for one instead. Posting a near-identical title
asks first, keeping what was typed. The demo's merged duplicate points to its target. Each
page is photographed at phone and desktop width."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from hearth.config import Settings
from hearth.demo import seed
from tests.e2e.conftest import LiveServer
from tests.e2e.test_community_browser import PHONE, log_in, shoot

pytestmark = pytest.mark.browser


async def test_a_fan_sees_similar_suggestions_while_typing_and_votes_instead(
    live_server: LiveServer, browser: Browser
) -> None:
    await seed(Settings(data_dir=live_server.data_dir, _env_file=None))
    base = live_server.url
    fan = await browser.new_page(viewport=PHONE)
    await log_in(fan, base, "backer14", "hearth-fan-demo", "/community/boards/hearth/new")
    await expect(fan.get_by_role("heading", name="Suggest something")).to_be_visible()
    await fan.get_by_label("Title").press_sequentially("A dark theme for the app", delay=40)
    similar = fan.get_by_test_id("similar-item")
    await expect(similar.first).to_contain_text("Dark mode for the home app")
    await expect(similar.first.get_by_test_id("status")).to_have_text("Planned")
    await expect(fan.get_by_test_id("similar")).not_to_contain_text("Night theme for the app")
    await shoot(fan, "community-similar-while-typing")

    votes = int(await similar.first.get_by_test_id("votes").inner_text())
    await similar.first.get_by_role("button", name="Vote for Dark mode for the home app").click()
    await expect(fan.get_by_role("heading", name="Dark mode for the home app")).to_be_visible()
    await expect(fan.get_by_test_id("suggestion-detail").get_by_test_id("votes")).to_have_text(
        str(votes + 1)
    )

    await fan.goto(f"{base}/community/boards/hearth/new")
    await fan.get_by_label("Title").fill("Dark mode for the home app!")
    await fan.get_by_label("Category").select_option("home-app")
    await fan.get_by_label("Tell us more").fill("Mine is about the charts too.")
    await fan.get_by_role("button", name="Post suggestion").click()
    await expect(fan.get_by_test_id("duplicate")).to_contain_text("already on this board")
    await expect(fan.get_by_label("Tell us more")).to_have_value("Mine is about the charts too.")
    await shoot(fan, "community-near-identical")
    await fan.get_by_label("Post it anyway").check()
    await fan.get_by_role("button", name="Post suggestion").click()
    await expect(fan.get_by_role("heading", name="Dark mode for the home app!")).to_be_visible()


async def test_the_demos_merged_duplicate_points_to_its_target(
    live_server: LiveServer, browser: Browser
) -> None:
    await seed(Settings(data_dir=live_server.data_dir, _env_file=None))
    base = live_server.url
    staff = await browser.new_page(viewport=PHONE)
    await log_in(staff, base, "reviewer", "hearth-reviewer-demo", "/community/boards/hearth")
    await staff.get_by_label("Status").select_option("duplicate")
    await staff.get_by_role("button", name="Show").click()
    await staff.get_by_role("link", name="Night theme for the app").click()
    merged = staff.get_by_test_id("merged-into")
    await expect(merged).to_contain_text("Merged into Dark mode for the home app")
    await expect(staff.get_by_role("heading", name="Merge into another suggestion")).to_have_count(
        0
    )
    await shoot(staff, "community-merged")
    await merged.get_by_role("link", name="Dark mode for the home app").click()
    await expect(staff.get_by_role("heading", name="Dark mode for the home app")).to_be_visible()
    await expect(staff.get_by_role("heading", name="Merge into another suggestion")).to_be_visible()
    await shoot(staff, "community-merge-form")
