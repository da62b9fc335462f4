"""A device shows its state the moment it is paired, and plainly says when it cannot be
controlled: pairing by name and room (a device of one's own, and a simulated one hearth
runs), an offline device's disabled controls with the reason, a refused tap put back."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from hearth.hub.simulator import SimulatedDevice
from tests.e2e.conftest import LiveServer, screenshot_path, share_login
from tests.e2e.test_home_browser import (
    DESKTOP,
    LIGHT,
    PHONE,
    _create_home,
    _mint,
    _sign_up,
    _simulate,
)


async def _home_id(page: Page) -> str:
    found = await page.locator("[data-live-home]").get_attribute("data-live-home")
    assert found is not None
    return found


pytestmark = pytest.mark.browser


async def _pair(page: Page, code: str, name: str, room: str) -> None:
    await page.get_by_role("link", name="Add device").first.click()
    form = page.locator("form", has=page.get_by_label("Pairing code"))
    await form.get_by_label("Pairing code").fill(code)
    await form.get_by_label("Name").fill(name)
    await form.get_by_label("Room").select_option(label=room)
    await form.get_by_role("button", name="Add device").click()


async def _connected(lamp: SimulatedDevice) -> None:
    await lamp.connect()
    await asyncio.wait_for(lamp.connected.wait(), 10)


@pytest.mark.parametrize("width", ["phone", "desktop"])
async def test_a_paired_lamp_shows_its_state_at_once_and_an_offline_one_says_why(
    browser: Browser, live_server: LiveServer, tmp_path: Path, width: str
) -> None:
    viewport = PHONE if width == "phone" else DESKTOP
    unit = _mint(live_server, LIGHT, tmp_path)
    lamp = _simulate(unit, live_server)
    lamp.device.state.update({"2.1": True, "2.2": 64})
    await _connected(lamp)  # it reports now, to nobody: it is in no home yet
    context = await browser.new_context(viewport=viewport)
    page = await context.new_page()
    try:
        await _sign_up(page, live_server, "ada")
        await _create_home(page, "Loft", ["Living room"])
        await page.get_by_role("link", name="Loft").click()
        sent = lamp.seq
        await _pair(page, unit["pairing_code"], "Reading lamp", "Living room")

        # Its state at once, though it sent no change: hearth asked for it.
        await expect(page.get_by_role("heading", name="Reading lamp")).to_be_visible()
        await expect(page.get_by_text("Added to Loft, in Living room")).to_be_visible()
        await expect(page.locator("output[for='p-2-2']")).to_have_text("64 %")
        switch = page.get_by_role("switch", name="Switch Status")
        await expect(switch).to_be_checked()
        await expect(page.locator("form[data-key='2.1'][data-unknown]")).to_have_count(0)
        assert lamp.seq == sent, "the lamp reported nothing after pairing"
        await page.screenshot(path=screenshot_path(f"device-paired-{width}"), full_page=True)

        # A refused tap is put back to what the lamp last confirmed, and said in words.
        def jammed(props: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
            return {key: {"code": "busy"} for key in props}, {}

        lamp.device.write = jammed  # type: ignore[method-assign]
        await switch.click()
        await expect(page.get_by_text("The device said no: it is busy right now.")).to_be_visible()
        await expect(switch).to_be_checked()
        await page.screenshot(path=screenshot_path(f"device-refused-{width}"), full_page=True)

        # Offline: controls disabled, with the reason and since when.
        await lamp.stop(crash=True)
        reason = page.locator("[data-offline-reason]")
        await expect(reason).to_contain_text("Offline since", timeout=15_000)
        await expect(reason).to_contain_text("Its controls come back when it reconnects.")
        await expect(switch).to_be_disabled()
        await expect(page.get_by_role("slider", name="Brightness")).to_be_disabled()
        await page.screenshot(path=screenshot_path(f"device-offline-{width}"), full_page=True)
        await page.get_by_role("link", name="Loft").click()
        card = page.locator(".device-card", has_text="Reading lamp")
        await expect(card.get_by_role("button", name="Power: Reading lamp")).to_be_disabled()
        await expect(card.locator("[data-offline]")).to_contain_text("Offline since")
        await page.screenshot(path=screenshot_path(f"home-offline-{width}"), full_page=True)

        # After a reload the confirmed state is still there.
        await page.reload()
        await expect(card.locator("[data-state]")).to_have_text("64 %")
    finally:
        await lamp.stop()
        await context.close()


async def test_a_simulated_device_tries_the_app_without_hardware(
    browser: Browser, live_server: LiveServer
) -> None:
    context = await browser.new_context(viewport=DESKTOP)
    page = await context.new_page()
    try:
        await _sign_up(page, live_server, "kim")
        await _create_home(page, "Studio", ["Office"])
        await page.get_by_role("link", name="Studio").click()
        await page.get_by_role("link", name="Add device").first.click()
        await page.get_by_text("Where do I find the pairing code?").click()
        await page.screenshot(path=screenshot_path("add-device-desktop"), full_page=True)
        form = page.locator("form[action$='/add/simulated']")
        await form.locator("select[name='model']").select_option("hearth.th-sensor.v1")
        await form.locator("input[name='name']").fill("Office climate")
        await form.get_by_label("Room").select_option(label="Office")
        await form.get_by_role("button", name="Add a simulated device").click()
        await expect(page.get_by_role("heading", name="Office climate")).to_be_visible()
        # The background process runs it: it connects and its state shows, live.
        await expect(page.locator("[data-online]")).to_be_visible(timeout=20_000)
        reading = page.locator(".row.readonly").first.locator("[data-value]")
        await expect(reading).not_to_have_text("Not known yet")
        await page.screenshot(path=screenshot_path("device-simulated-desktop"), full_page=True)
        add_url = f"{live_server.url}/homes/{await _home_id(page)}/add"
        phone = await browser.new_context(viewport=PHONE)
        await share_login(context, phone)
        small = await phone.new_page()
        await small.goto(add_url)
        await expect(small.get_by_role("heading", name="No device at hand?")).to_be_visible()
        await small.screenshot(path=screenshot_path("add-device-phone"), full_page=True)
        await phone.close()
    finally:
        await context.close()
