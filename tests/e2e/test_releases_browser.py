"""A fan on a phone posts a suggestion with two pictures and sees them as thumbnails; the
partner marks it planned and publishes release note 1.4 that ships it, ticking it on the
form; the changelog lists the note with what it shipped, and the fan is told and sees
"Shipped in 1.4". Each page is photographed at phone and desktop width."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from hearth.config import Settings
from hearth.demo import seed
from tests.e2e.conftest import LiveServer
from tests.e2e.test_community_browser import DESKTOP, PHONE, log_in, shoot

pytestmark = pytest.mark.browser


def _png(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    """Return a PNG of a soft diagonal gradient from ``colour``, to photograph."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            shade = (x + y) * 90 // (width + height)
            rows.extend(min(255, c + shade) for c in colour)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows)))
        + chunk(b"IEND", b"")
    )


async def test_a_note_ships_a_suggestion_with_images_and_its_fan_is_told(
    live_server: LiveServer, browser: Browser, tmp_path: Path
) -> None:
    await seed(Settings(data_dir=live_server.data_dir, _env_file=None))
    base = live_server.url
    shade, desk = tmp_path / "shade.png", tmp_path / "desk.png"
    shade.write_bytes(_png(160, 120, (150, 110, 70)))
    desk.write_bytes(_png(160, 120, (60, 110, 150)))

    fan = await browser.new_page(viewport=PHONE)
    await log_in(fan, base, "backer14", "hearth-fan-demo", "/community")
    await fan.get_by_role("link", name="Lumi Glow Lamp").first.click()
    await fan.get_by_role("link", name="Suggest something").click()
    await fan.get_by_label("Title").fill("A linen shade in sand")
    await fan.get_by_label("Category").select_option(label="Accessories")
    await fan.get_by_label("Tell us more").fill("Soft light on a desk, like in these pictures.")
    await fan.get_by_label("Images").set_input_files([shade, desk])
    await fan.get_by_role("button", name="Post suggestion").click()
    await expect(fan.get_by_role("heading", name="A linen shade in sand")).to_be_visible()
    thumbs = fan.get_by_test_id("suggestion-image")
    await expect(thumbs).to_have_count(2)
    for n in range(2):  # each thumbnail loads (a refused or missing image never gets a width)
        image = thumbs.nth(n).locator("img")
        await image.scroll_into_view_if_needed()  # the thumbnails load lazily
        await fan.wait_for_function(
            "i => i.complete && i.naturalWidth > 0", arg=await image.element_handle()
        )
    await expect(fan.get_by_role("button", name="Remove image 1")).to_be_visible()
    mine = fan.url
    await shoot(fan, "community-suggestion-images")

    partner = await browser.new_page(viewport=DESKTOP)
    await log_in(partner, base, "partner", "hearth-partner-demo", mine.removeprefix(base))
    await expect(partner.get_by_test_id("suggestion-image")).to_have_count(2)
    await expect(partner.get_by_role("button", name="Remove image 1")).to_have_count(0)
    await partner.get_by_label("New status").select_option(label="Planned")
    await partner.get_by_label("Public answer").fill("A sand linen shade is planned.")
    await partner.get_by_role("button", name="Answer and move").click()
    await expect(partner.get_by_test_id("status").first).to_have_text("Planned")
    await partner.get_by_role("link", name="Lumi Glow Lamp").click()
    await partner.get_by_role("link", name="Publish a release note").click()
    await partner.get_by_label("Version").fill("1.4")
    await partner.get_by_label("Title").fill("Warmer light and a linen shade")
    await partner.get_by_label("Notes").fill("- **2200 K**, candle-like\n- A shade in sand linen")
    await partner.get_by_label("A linen shade in sand").check()
    await partner.get_by_label("A warmer 2200 K setting").check()
    await shoot(partner, "community-release-form")
    await partner.get_by_role("button", name="Publish").click()
    note = partner.get_by_test_id("release").first
    await expect(note).to_contain_text("Warmer light and a linen shade")
    await expect(note.get_by_role("link", name="A linen shade in sand")).to_be_visible()
    await expect(note.get_by_role("link", name="A warmer 2200 K setting")).to_be_visible()
    assert partner.url.endswith("/changelog#v1.4")
    await shoot(partner, "community-changelog")

    await fan.goto(f"{base}/notifications")
    await expect(
        fan.get_by_text('Your suggestion "A linen shade in sand" shipped in Lumi Glow Lamp 1.4.')
    ).to_be_visible()
    await fan.goto(mine)
    await expect(fan.get_by_test_id("status").first).to_have_text("Done")
    await fan.get_by_test_id("shipped-in").click()
    await expect(fan.get_by_role("heading", name="What's new in Lumi Glow Lamp")).to_be_visible()

    await fan.goto(f"{base}/community/boards/hearth/changelog")
    await expect(fan.get_by_test_id("release")).to_have_count(1)
    await expect(
        fan.get_by_role("link", name="Delivery dates of my pledges in my calendar")
    ).to_be_visible()
    feed = await fan.request.get(f"{base}/community/boards/hearth/changelog.atom")
    assert feed.ok and feed.headers["content-type"].startswith("application/atom+xml")
    await shoot(fan, "community-changelog-hearth")
