"""A fan sets up a home on a phone: creates it and a room, adds a simulated lamp by its
pairing code, toggles it from its card and sees the lamp obey, moves a slider, sees a
chart and a live change, and invites a family member who can control but not manage."""

from __future__ import annotations

import asyncio
import csv
import time
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, Route, ViewportSize, expect

from hearth.devices import library
from hearth.devices.compiled import compile_spec
from hearth.hub.simulator import Credentials, SimulatedDevice
from tests.e2e.conftest import LiveServer, screenshot_path

pytestmark = pytest.mark.browser

PHONE = ViewportSize(width=360, height=780)
DESKTOP = ViewportSize(width=1280, height=900)
LIGHT, SENSOR = "hearth.light.v1", "hearth.th-sensor.v1"
PASSWORD = "a-long-enough-password"


def _mint(server: LiveServer, product: str, tmp_path: Path) -> dict[str, str]:
    out = tmp_path / f"{product}.csv"
    server.cli("devices", "mint", "--product", product, "--count", "1", "--out", str(out))
    with out.open() as handle:
        return next(csv.DictReader(handle))


def _simulate(unit: dict[str, str], server: LiveServer) -> SimulatedDevice:
    spec = compile_spec(library.get_spec(unit["model"]))
    port = int(server.env["HEARTH_EMBEDDED_MQTT_PORT"])
    return SimulatedDevice(
        Credentials(unit["device_id"], unit["model"], unit["secret"]),
        spec,
        host="127.0.0.1",
        port=port,
        report_every=3600.0,
    )


async def _sign_up(page: Page, server: LiveServer, username: str) -> None:
    await page.goto(f"{server.url}/signup")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign up").click()


async def _until(check: object, what: str, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


async def _create_home(page: Page, name: str, rooms: list[str]) -> None:
    """Create the first home from the empty home view and give it ``rooms``."""
    await page.get_by_label("Home name").fill(name)
    await page.get_by_role("button", name="Create home").click()
    await expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    await page.get_by_role("link", name="Home settings").click()
    for room in rooms:
        await page.get_by_label("New room").fill(room)
        await page.get_by_role("button", name="Add room").click()
        await expect(page.get_by_label(f"Name of {room}")).to_be_visible()


async def _add_device(page: Page, code: str, room: str) -> None:
    await page.get_by_role("link", name="Add device").first.click()
    form = page.locator("form", has=page.get_by_label("Pairing code"))
    await form.get_by_label("Pairing code").fill(code)
    await form.get_by_label("Room").select_option(label=room)
    await form.get_by_role("button", name="Add device").click()


async def test_set_up_a_home_control_a_lamp_and_invite_family(
    browser: Browser, live_server: LiveServer, tmp_path: Path
) -> None:
    lamp_unit = _mint(live_server, LIGHT, tmp_path)
    sensor_unit = _mint(live_server, SENSOR, tmp_path)
    lamp, sensor = _simulate(lamp_unit, live_server), _simulate(sensor_unit, live_server)
    lamp.device.state.update({"2.1": False, "2.2": 30})
    sensor.device.state.update({"2.1": 21.5, "2.2": 48, "3.1": 87})
    phone = await browser.new_context(viewport=PHONE)
    page = await phone.new_page()
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await _sign_up(page, live_server, "mia")

    # A home and a room.
    await expect(page.get_by_role("heading", name="Create your first home")).to_be_visible()
    await page.screenshot(path=screenshot_path("home-empty-phone"), full_page=True)
    await _create_home(page, "Our flat", ["Living room", "Bedroom"])

    # Add the simulated lamp and sensor by their codes, each into a room.
    await page.get_by_role("link", name="Our flat").click()
    await _add_device(page, lamp_unit["pairing_code"], "Living room")
    await expect(page.get_by_text("Added to Our flat, in Living room")).to_be_visible()
    await page.get_by_role("link", name="Our flat").click()
    await _add_device(page, sensor_unit["pairing_code"], "Bedroom")
    await lamp.connect()
    await sensor.connect()
    try:
        await page.get_by_role("link", name="Our flat").click()
        living = page.locator("section.room", has=page.get_by_role("heading", name="Living room"))
        card = living.locator(".device-card").first
        await expect(card.locator("[data-offline]")).to_be_hidden()
        await expect(card.locator("[data-state]")).to_have_text("Off")
        bedroom = page.locator("section.room", has=page.get_by_role("heading", name="Bedroom"))
        await expect(bedroom.locator("[data-state]")).to_have_text("21.5 °C")

        # One tap on the card's switch: the lamp obeys and the card follows.
        power = card.get_by_role("button", name="Power: Hearth Colour Bulb")
        await power.click()
        await _until(lambda: lamp.device.state.get("2.1") is True, "the lamp turned on")
        await expect(power).to_have_attribute("aria-pressed", "true")
        await expect(card.locator("[data-state]")).to_have_text("30 %")
        await page.screenshot(path=screenshot_path("home-view-phone"), full_page=True)

        # A live change from the device shows on the open page without reload.
        started = time.monotonic()
        sensor.device.state["2.1"] = 23.0
        sensor.report({"2.1": 23.0})
        await expect(bedroom.locator("[data-state]")).to_have_text("23.0 °C", timeout=3000)
        print(f"sensor report to card: {(time.monotonic() - started) * 1000:.0f} ms")

        # The device page: a slider that the lamp obeys, a chart, a live value.
        await card.get_by_role("link").click()
        await expect(page.get_by_role("heading", name="Hearth Colour Bulb")).to_be_visible()
        brightness = page.get_by_role("slider", name="Brightness")
        await brightness.fill("70")
        await _until(lambda: lamp.device.state.get("2.2") == 70, "brightness reached 70")
        await expect(page.get_by_text("Confirmed: 70 %")).to_be_visible()
        switch = page.get_by_role("switch", name="Switch Status")
        await expect(switch).to_be_checked()
        lamp.device.state["2.2"] = 55
        lamp.report({"2.2": 55})
        await expect(page.locator("output[for='p-2-2']")).to_have_text("55 %", timeout=3000)
        await expect(page.locator("[data-chart] canvas")).to_be_visible()
        await page.get_by_text("Hour", exact=True).click()
        await expect(page.locator("[data-chart] canvas")).to_be_visible()
        await page.screenshot(path=screenshot_path("device-page-phone"), full_page=True)

        # A refusal in words: the lamp stops answering, the control says so.
        lamp.answering = False
        await page.get_by_role("slider", name="Color Temperature").fill("3000")
        await expect(page.get_by_text("The device did not answer in time")).to_be_visible(
            timeout=10_000
        )
        lamp.answering = True

        # Invite a family member as a member: they control, they do not manage.
        await page.goto(f"{live_server.url}/")
        await page.get_by_role("link", name="Home settings").click()
        await page.get_by_label("Username").fill("leo")
        await page.get_by_label("Role").select_option("member")
        family = await browser.new_context(viewport=DESKTOP)
        leo = await family.new_page()
        await _sign_up(leo, live_server, "leo")
        await page.get_by_role("button", name="Send invitation").click()
        await expect(page.get_by_text("@leo")).to_be_visible()
        await page.screenshot(path=screenshot_path("home-settings-phone"), full_page=True)
        await leo.goto(f"{live_server.url}/invitations")
        await leo.get_by_role("button", name="Join").click()
        await expect(leo.get_by_role("heading", name="Our flat", exact=True)).to_be_visible()
        await expect(leo.get_by_text("you are a member")).to_be_visible()
        await expect(leo.get_by_role("link", name="Add device")).to_have_count(0)
        leo_power = leo.get_by_role("button", name="Power: Hearth Colour Bulb")
        await leo_power.click()
        await _until(lambda: lamp.device.state.get("2.1") is False, "leo turned the lamp off")
        await expect(leo_power).to_have_attribute("aria-pressed", "false")
        # Mia's open page hears about it, live.
        await page.goto(f"{live_server.url}/")
        mia_power = page.get_by_role("button", name="Power: Hearth Colour Bulb")
        await expect(mia_power).to_have_attribute("aria-pressed", "false")
        await leo.screenshot(path=screenshot_path("home-view-desktop"), full_page=True)
        await leo.get_by_role("link", name="Home settings").click()
        await expect(leo.get_by_role("button", name="Add room")).to_have_count(0)
        await expect(leo.get_by_role("button", name="Send invitation")).to_have_count(0)
        home_id = await page.locator("[data-live-home]").get_attribute("data-live-home")
        refused = await leo.goto(f"{live_server.url}/homes/{home_id}/add")
        assert refused is not None and refused.status == 403
        await leo.goto(f"{live_server.url}/")
        await leo.locator(".device-card .device-link").first.click()
        await expect(leo.locator("[data-chart] canvas")).to_be_visible()
        await leo.screenshot(path=screenshot_path("device-page-desktop"), full_page=True)
        await family.close()
    finally:
        await lamp.stop()
        await sensor.stop()
        await phone.close()


async def test_a_report_made_before_the_stream_opens_shows_once_it_does(
    browser: Browser, live_server: LiveServer, tmp_path: Path
) -> None:
    unit = _mint(live_server, SENSOR, tmp_path)
    sensor = _simulate(unit, live_server)
    sensor.device.state.update({"2.1": 21.5, "2.2": 48, "3.1": 87})
    phone = await browser.new_context(viewport=PHONE)
    page = await phone.new_page()
    await _sign_up(page, live_server, "noa")
    await _create_home(page, "Den", ["Study"])
    await page.get_by_role("link", name="Den").click()
    await _add_device(page, unit["pairing_code"], "Study")
    await sensor.connect()
    try:
        await page.get_by_role("link", name="Den").click()
        state = page.locator(".device-card [data-state]")
        await expect(state).to_have_text("21.5 °C")

        # The page is rendered, but its stream is held back while the sensor reports.
        release = asyncio.Event()

        async def hold(route: Route) -> None:
            await release.wait()
            await route.continue_()

        await page.route("**/live", hold)
        await page.reload()
        await expect(state).to_have_text("21.5 °C")
        sensor.device.state["2.1"] = 19.0
        sensor.report({"2.1": 19.0})
        url = f"{live_server.url}/api/v1/devices/{unit['device_id']}"
        deadline = time.monotonic() + 5
        while (await (await page.request.get(url)).json())["reported"].get("2.1") != 19.0:
            assert time.monotonic() < deadline, "hearth stored the report"
            await asyncio.sleep(0.05)
        release.set()  # the stream opens after the report: only a catch-up can show it
        await expect(page.locator("body[data-live='ready']")).to_be_attached()
        await expect(state).to_have_text("19.0 °C")
    finally:
        await sensor.stop()
        await phone.close()
