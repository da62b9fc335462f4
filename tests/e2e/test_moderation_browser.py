"""Moderation in a browser at phone width: a fan reports an advert left as a comment; the
reviewer finds it in the queue with its reasons and hides it with a reason; its author sees
it hidden with that reason, and other readers no longer see it. The queue and the hidden
comment as its author sees it are photographed at phone and desktop width."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from hearth.config import Settings
from hearth.demo import seed
from tests.e2e.conftest import LiveServer
from tests.e2e.test_community_browser import PHONE, log_in, shoot

pytestmark = pytest.mark.browser
ADVERT = "Cheap smart plugs, 90% off today only at deals.example!"
WHY = "Adverts are not part of the conversation."


async def test_a_reported_advert_is_hidden_from_the_queue_and_its_author_sees_why(
    live_server: LiveServer, browser: Browser
) -> None:
    await seed(Settings(data_dir=live_server.data_dir, _env_file=None))
    base = live_server.url
    fan = await browser.new_page(viewport=PHONE)
    await log_in(fan, base, "backer5", "hearth-fan-demo", "/community/boards/hearth?sort=top")
    await fan.get_by_role("link", name="Dark mode for the home app").click()
    advert = fan.get_by_test_id("comment").filter(has_text=ADVERT)
    await advert.get_by_role("link", name="Report this comment").click()
    await fan.get_by_role("button", name="Send the report").click()  # no reason chosen
    await expect(fan.get_by_role("heading", name="Report this comment")).to_be_visible()
    await fan.get_by_label("Spam or advertising").check()
    await fan.get_by_label("Anything the moderators should know").fill("Same advert as before.")
    await fan.get_by_role("button", name="Send the report").click()
    await expect(
        fan.get_by_test_id("comment").filter(has_text=ADVERT).get_by_test_id("reported")
    ).to_have_text("You reported this comment")

    staff = await browser.new_page(viewport=PHONE)
    await log_in(staff, base, "reviewer", "hearth-reviewer-demo", "/platform/community")
    await expect(staff.get_by_role("heading", name="Community moderation")).to_be_visible()
    item = staff.get_by_test_id("queue-item").filter(has_text=ADVERT)
    await expect(item).to_contain_text("3 reports")
    await expect(item.get_by_role("listitem").first).to_contain_text("Spam or advertising ×3")
    await expect(staff.get_by_test_id("hidden-item")).to_have_count(1)  # the demo's
    await shoot(staff, "moderation-queue")
    await item.get_by_text("Hide it").first.click()
    await item.get_by_label("Reason").last.fill(WHY)
    await item.get_by_role("button", name="Hide it").click()
    await expect(staff.get_by_test_id("queue-item").filter(has_text=ADVERT)).to_have_count(0)
    await expect(staff.get_by_test_id("hidden-item")).to_have_count(2)

    author = await browser.new_page(viewport=PHONE)
    await log_in(author, base, "backer7", "hearth-fan-demo", "/community/boards/hearth?sort=top")
    await author.get_by_role("link", name="Dark mode for the home app").click()
    mine = author.get_by_test_id("comment").filter(has_text=ADVERT)
    await expect(mine.get_by_test_id("hidden-note")).to_contain_text(
        f"Hidden by a moderator: {WHY}"
    )
    await mine.scroll_into_view_if_needed()
    await shoot(author, "moderation-hidden-comment-author")

    await fan.reload()
    await expect(fan.get_by_test_id("comment").filter(has_text=ADVERT)).to_have_count(0)
