"""At phone width: a fan chooses the home's time zone by typing "Berlin", builds an
automation by picking a device by the name and room the home gave it, an operator in words
and "for 5 minutes", then taps a scene on the home view whose lamp is offline and reads
what failed. Screenshots at phone and desktop width."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, ViewportSize, expect

from tests.e2e.conftest import LiveServer, screenshot_path, share_login
from tests.e2e.test_scenes_browser import LIGHT, SENSOR, _api, _device, _mint

pytestmark = pytest.mark.browser

PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=800)


async def _put(page: Page, url: str, body: object) -> None:
    await _api(page, "PUT", url, body)


async def test_choose_berlin_build_with_given_names_and_read_what_an_offline_scene_did(
    browser: Browser, live_server: LiveServer, tmp_path: Path
) -> None:
    url = live_server.url
    sensor_unit, light_unit = (
        _mint(live_server, SENSOR, tmp_path),
        _mint(live_server, LIGHT, tmp_path),
    )
    page = await browser.new_page(viewport=PHONE, timezone_id="Europe/Paris")
    await page.goto(f"{url}/signup")
    await page.get_by_label("Username").fill("mia")
    await page.get_by_label("Password").fill("a-long-enough-password")
    await page.get_by_role("button", name="Sign up").click()
    await expect(page.get_by_role("heading", name="Home", exact=True)).to_be_visible()
    home = await _api(page, "POST", f"{url}/api/v1/homes", {"name": "Flat"})
    hall = await _api(page, "POST", f"{url}/api/v1/homes/{home['id']}/rooms", {"name": "Hall"})
    study = await _api(page, "POST", f"{url}/api/v1/homes/{home['id']}/rooms", {"name": "Study"})
    for unit, room, name in ((sensor_unit, hall, "Hall sensor"), (light_unit, study, "Desk lamp")):
        await _api(
            page,
            "POST",
            f"{url}/api/v1/homes/{home['id']}/devices",
            {"pairing_code": unit["pairing_code"]},
        )
        await _put(
            page,
            f"{url}/api/v1/devices/{unit['device_id']}/placement",
            {"room_id": room["id"], "name": name},
        )
    sensor = _device(sensor_unit, live_server)
    sensor.device.state["2.1"] = 21.5
    await sensor.connect()  # the lamp never connects: it is offline
    try:
        for _ in range(100):  # the sensor's first report reaches the device's state
            answer = await page.request.get(f"{url}/api/v1/devices/{sensor_unit['device_id']}")
            if "21.5" in await answer.text():
                break
            await asyncio.sleep(0.1)
        # The home's time zone: typed as a city, starting from the browser's own zone.
        await page.goto(f"{url}/homes/{home['id']}/settings")
        zone = page.get_by_role("combobox", name="Time zone")
        await expect(zone).to_have_value("Europe/Paris")
        await zone.fill("Berlin")
        await page.get_by_label("Latitude").fill("52.52")
        await page.get_by_label("Longitude").fill("13.40")
        await page.get_by_role("button", name="Save time zone and location").click()
        await expect(page.get_by_text("Saved: Flat is in Europe/Berlin")).to_be_visible()
        await page.get_by_role(
            "heading", name="Time zone and location"
        ).scroll_into_view_if_needed()
        await page.screenshot(path=screenshot_path("home-settings-time-zone-phone"))

        # An automation built in the home's words.
        await page.goto(f"{url}/scenes/automations/new?home={home['id']}")
        await page.get_by_label("Name").fill("Hall too warm")
        trigger = page.locator("#triggers-list > li").first
        device = trigger.get_by_label("Device")
        await device.select_option(label="Hall sensor · Hall")
        watched = await trigger.get_by_label("Property").locator("option").all_inner_texts()
        assert "Temperature" in watched
        assert not {"Device Manufacturer", "Device Model", "Device Serial Number"} & set(watched)
        await trigger.get_by_label("Property").select_option(label="Temperature")
        ops = await trigger.get_by_label("When it").locator("option").all_inner_texts()
        assert "is above" in ops and "is at least" in ops and "is >" not in ops
        await trigger.get_by_label("When it").select_option(label="is above")
        value = trigger.get_by_label("Value (°C)")
        await expect(value).to_have_value("21.5")  # what the sensor says now, not -40
        await value.fill("30")
        await trigger.get_by_label("For how many minutes (0: at once)").fill("5")
        action = page.locator("#actions-list > li").first
        await action.get_by_label("Device").select_option(label="Desk lamp · Study")
        await action.get_by_label("Property").select_option(label="Switch Status")
        await action.get_by_label("To").select_option(label="On")
        await page.get_by_label("After it runs, rest").select_option(label="10 minutes")
        await page.screenshot(path=screenshot_path("scenes-builder-words-phone"), full_page=True)
        await page.get_by_role("button", name="Save automation").click()
        await expect(page.get_by_role("heading", name="Hall too warm")).to_be_visible()
        await expect(page.locator(".rule-summary")).to_contain_text(
            "Hall sensor · Hall · Temperature is above 30 °C for 5 minutes"
        )
        await expect(page.locator(".rule-summary")).to_contain_text(
            "Set Desk lamp · Study · Switch Status to On"
        )
        await expect(page.get_by_text("rests 10 minutes after each run")).to_be_visible()
        await page.screenshot(path=screenshot_path("scenes-automation-words-phone"), full_page=True)

        # A scene with the offline lamp, tapped on the home view.
        await _api(
            page,
            "POST",
            f"{url}/api/v1/homes/{home['id']}/scenes",
            {
                "name": "Evening",
                "actions": [
                    {"kind": "set", "device_id": light_unit["device_id"], "props": {"2.1": True}},
                    {"kind": "notify", "title": "Evening started"},
                ],
            },
        )
        await page.goto(f"{url}/homes/{home['id']}")
        await page.get_by_role("button", name="Evening").click()
        result = page.get_by_test_id("run-result")
        await expect(result).to_contain_text("1 of 2 actions failed; the others ran.")
        await expect(result).to_contain_text("Not sent: Desk lamp · Study is offline.")
        await expect(result).to_contain_text("Sent to the one person in the home.")
        assert page.url.rstrip("/").endswith(home["id"])  # still on the home view
        await result.scroll_into_view_if_needed()
        await page.screenshot(path=screenshot_path("scene-tap-result-phone"))
        await result.get_by_role("link", name="All runs").click()
        await expect(page.get_by_role("heading", name="Evening")).to_be_visible()
        await expect(page.locator(".log .run")).to_have_count(1)
        await page.screenshot(path=screenshot_path("scene-runs-phone"), full_page=True)

        desktop = await browser.new_page(viewport=DESKTOP)
        await share_login(page.context, desktop.context)
        await desktop.goto(f"{url}/homes/{home['id']}")
        await desktop.get_by_role("button", name="Evening").click()
        await expect(desktop.get_by_test_id("run-result")).to_contain_text("is offline")
        await desktop.screenshot(path=screenshot_path("scene-tap-result-desktop"))
        await desktop.goto(f"{url}/homes/{home['id']}/settings")
        await desktop.screenshot(path=screenshot_path("home-settings-time-zone-desktop"))
    finally:
        await sensor.stop()
