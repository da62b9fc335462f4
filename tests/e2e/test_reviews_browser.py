"""A fan on a phone sees the lamp's rating on its store page, reads its reviews and edits
their own; the partner answers a question on the live campaign's page, which shows the
lamp's board and its Q&A. Each page is photographed at phone and desktop width."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from hearth.config import Settings
from hearth.demo import seed
from tests.e2e.conftest import LiveServer
from tests.e2e.test_community_browser import PHONE, log_in, shoot

pytestmark = pytest.mark.browser


async def test_a_fan_reads_and_edits_reviews_and_the_partner_answers_on_the_campaign(
    live_server: LiveServer, browser: Browser
) -> None:
    await seed(Settings(data_dir=live_server.data_dir, _env_file=None))
    base = live_server.url
    fan = await browser.new_page(viewport=PHONE)
    await log_in(fan, base, "fan", "hearth-fan-demo", "/community")
    boards = await (await fan.request.get(f"{base}/api/v1/community/boards")).json()
    (lamp,) = [b["id"] for b in boards if b["title"] == "Lumi Glow Lamp"]

    # The store page loads the rating from the community.
    await fan.goto(f"{base}/products/{lamp}")
    rating = fan.get_by_test_id("rating")
    await expect(rating.get_by_test_id("positive")).to_contain_text("% positive")
    await expect(rating.get_by_text("(4 or 5 stars)")).to_be_visible()
    await expect(rating.get_by_role("progressbar", name="5 stars")).to_be_visible()
    await rating.scroll_into_view_if_needed()
    await shoot(fan, "reviews-product-page")

    await rating.get_by_test_id("all-reviews").click()
    await expect(fan.get_by_role("heading", name="Reviews of Lumi Glow Lamp")).to_be_visible()
    await expect(fan.get_by_test_id("verified").first).to_have_text("Verified buyer")
    await expect(fan.get_by_text("Official · Lumi Labs")).to_be_visible()
    await shoot(fan, "reviews-page")

    # The fan edits their review of the lamp from the store: four stars now.
    await fan.get_by_test_id("your-orders").get_by_role("link", name="Edit your review").click()
    await fan.get_by_role("radio", name="4 out of 5 stars").check()
    await fan.get_by_label("Title").fill("Still lovely, a little dim")
    await fan.get_by_role("button", name="Save your review").click()
    mine = fan.get_by_test_id("review").filter(has_text="Still lovely, a little dim")
    await expect(mine.get_by_test_id("edited")).to_be_visible()
    await expect(mine.get_by_role("img", name="4 out of 5 stars")).to_be_visible()

    # The partner opens the live campaign: its board and Q&A come from the community.
    partner = await browser.new_page(viewport=PHONE)
    await log_in(partner, base, "partner", "hearth-partner-demo", "/store")
    await partner.get_by_role("link", name="Lumi Glow Mini").first.click()
    await expect(partner.get_by_role("heading", name="Lumi Glow Mini")).to_be_visible()
    campaign = partner.url.rsplit("/campaigns/", 1)[-1]
    panel = partner.get_by_test_id("campaign-community")
    await expect(panel.get_by_test_id("campaign-board").get_by_role("link")).not_to_have_count(0)
    questions = panel.get_by_test_id("question")
    await expect(questions).to_have_count(3)
    waiting = questions.filter(has_text="without Wi-Fi")
    await expect(waiting.get_by_text("Not answered yet")).to_be_visible()
    await waiting.get_by_text("Answer in public").click()
    await waiting.get_by_label("Answer as Lumi Labs").fill("Yes: the alarm runs on the lamp.")
    await waiting.get_by_role("button", name="Answer").click()
    answered = partner.get_by_test_id("question").filter(has_text="without Wi-Fi")
    await expect(answered.get_by_text("Official · Lumi Labs")).to_be_visible()

    assert partner.url.startswith(f"{base}/campaigns/{campaign}#q-")  # back where it was
    await fan.goto(f"{base}/campaigns/{campaign}")
    await expect(fan.get_by_test_id("campaign-qa")).to_contain_text("the alarm runs on the lamp")
    await fan.get_by_test_id("campaign-qa").scroll_into_view_if_needed()
    await shoot(fan, "reviews-campaign-page")
