"""A fan builds an automation with the pickers on a phone, sees it fire when a simulated
sensor crosses a threshold, reads the log, and runs a scene with one tap."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, ViewportSize, expect

from hearth.devices import library
from hearth.devices.compiled import compile_spec
from hearth.hub.simulator import Credentials, SimulatedDevice
from tests.e2e.conftest import LiveServer, screenshot_path, share_login

pytestmark = pytest.mark.browser

PHONE = ViewportSize(width=360, height=780)
SENSOR, LIGHT = "hearth.th-sensor.v1", "hearth.light.v1"


def _mint(server: LiveServer, product: str, tmp_path: Path) -> dict[str, str]:
    out = tmp_path / f"{product}.csv"
    server.cli("devices", "mint", "--product", product, "--count", "1", "--out", str(out))
    with out.open() as handle:
        return next(csv.DictReader(handle))


async def _api(page: Page, method: str, url: str, body: object) -> dict[str, str]:
    token = next(c["value"] for c in await page.context.cookies() if c["name"] == "csrftoken")
    response = await page.request.fetch(
        url, method=method, data=body, headers={"X-CSRFToken": token}
    )
    assert response.ok, await response.text()
    answer: dict[str, str] = await response.json()
    return answer


def _device(unit: dict[str, str], server: LiveServer) -> SimulatedDevice:
    spec = compile_spec(library.get_spec(unit["model"]))
    port = int(server.env["HEARTH_EMBEDDED_MQTT_PORT"])
    return SimulatedDevice(
        Credentials(unit["device_id"], unit["model"], unit["secret"]),
        spec,
        host="127.0.0.1",
        port=port,
        report_every=3600.0,
    )


async def test_build_an_automation_see_it_fire_and_run_a_scene(
    browser: Browser, live_server: LiveServer, tmp_path: Path
) -> None:
    sensor_unit, light_unit = (
        _mint(live_server, SENSOR, tmp_path),
        _mint(live_server, LIGHT, tmp_path),
    )
    page = await browser.new_page(viewport=PHONE)
    await page.goto(f"{live_server.url}/signup")
    await page.get_by_label("Username").fill("mia")
    await page.get_by_label("Password").fill("a-long-enough-password")
    await page.get_by_role("button", name="Sign up").click()
    await expect(page.get_by_role("heading", name="Home", exact=True)).to_be_visible()
    home = await _api(page, "POST", f"{live_server.url}/api/v1/homes", {"name": "Flat"})
    for unit in (sensor_unit, light_unit):
        await _api(
            page,
            "POST",
            f"{live_server.url}/api/v1/homes/{home['id']}/devices",
            {"pairing_code": unit["pairing_code"]},
        )
    sensor, light = _device(sensor_unit, live_server), _device(light_unit, live_server)
    sensor.device.state["2.1"] = 20.0
    light.device.state["2.1"] = False
    await sensor.connect()
    await light.connect()
    try:
        await page.goto(f"{live_server.url}/scenes")
        await page.get_by_role("link", name="New automation").click()
        await page.get_by_label("Name").fill("Too warm")
        trigger = page.locator("#triggers-list > li").first
        await trigger.get_by_label("Device").select_option(
            label="Hearth Temperature and Humidity Sensor"
        )
        await trigger.get_by_label("Property").select_option(label="Temperature")
        await trigger.get_by_label("When it").select_option(label="is above")
        await trigger.get_by_label("Value (°C)").fill("30")
        action = page.locator("#actions-list > li").first
        await action.get_by_label("Device").select_option(label="Hearth Colour Bulb")
        await action.get_by_label("Property").select_option(label="Switch Status")
        await action.get_by_label("To").select_option(label="On")
        await page.screenshot(path=screenshot_path("scenes-builder-phone"), full_page=True)
        await page.get_by_role("button", name="Save automation").click()
        await expect(page.get_by_role("heading", name="Too warm")).to_be_visible()
        await expect(page.get_by_text("Nothing yet")).to_be_visible()

        sensor.report({"2.1": 31.5})
        sensor.device.state["2.1"] = 31.5
        for _ in range(50):
            if light.device.state.get("2.1") is True:
                break
            await asyncio.sleep(0.1)
        assert light.device.state["2.1"] is True
        run = page.locator(".log .run").first
        for _ in range(20):  # the page refreshes itself while a run is in progress
            await page.reload()
            if await run.count() and await run.get_attribute("data-status") == "succeeded":
                break
            await asyncio.sleep(0.25)
        await expect(run.locator(".status")).to_have_text("succeeded")
        await expect(run.locator(".why")).to_contain_text("Temperature is above 30")
        await expect(run.locator(".steps")).to_contain_text(
            "Set Hearth Colour Bulb · Switch Status to On"
        )
        await page.screenshot(path=screenshot_path("scenes-automation-log-phone"), full_page=True)

        # A manual scene: built with the same pickers, run with one tap from the list.
        await page.goto(f"{live_server.url}/scenes")
        await page.get_by_role("link", name="New scene").click()
        await page.get_by_label("Name").fill("Lights out")
        action = page.locator("#actions-list > li").first
        await action.get_by_label("Device").select_option(label="Hearth Colour Bulb")
        await action.get_by_label("Property").select_option(label="Switch Status")
        await action.get_by_label("To").select_option(label="Off")
        await page.get_by_role("button", name="Save scene").click()
        await page.get_by_role("button", name="Run Lights out").click()
        await expect(page.get_by_test_id("run-result")).to_contain_text("Done.")
        for _ in range(50):
            if light.device.state.get("2.1") is False:
                break
            await asyncio.sleep(0.1)
        assert light.device.state["2.1"] is False
        await page.screenshot(path=screenshot_path("scenes-list-phone"), full_page=True)
        desktop = await browser.new_page(viewport={"width": 1280, "height": 800})
        await share_login(page.context, desktop.context)
        await desktop.goto(f"{live_server.url}/scenes")
        await expect(desktop.get_by_role("heading", name="Scenes", exact=True)).to_be_visible()
        await desktop.screenshot(path=screenshot_path("scenes-list-desktop"), full_page=True)
    finally:
        await sensor.stop()
        await light.stop()
