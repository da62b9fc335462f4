"""A person signs up, logs out, logs in and finds the home page, in a real browser."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, ViewportSize, expect

from tests.e2e.conftest import LiveServer, screenshot_path, share_login

pytestmark = pytest.mark.browser

PHONE = ViewportSize(width=360, height=780)
DESKTOP = ViewportSize(width=1280, height=800)


async def test_sign_up_log_out_log_in_and_see_home(
    browser: Browser, live_server: LiveServer
) -> None:
    page = await browser.new_page(viewport=PHONE)
    await page.goto(live_server.url)
    await page.screenshot(path=screenshot_path("landing-phone"))
    await page.get_by_role("link", name="Create your account").click()

    # A too-short password is refused with the reason next to the field.
    await page.get_by_label("Username").fill("mia")
    await page.get_by_label("Password").fill("short")
    await page.get_by_role("button", name="Sign up").click()
    await expect(page.get_by_text("at least 10 characters")).to_be_visible()

    await page.get_by_label("Your name").fill("Mia Chen")
    await page.get_by_label("Password").fill("a-long-enough-password")
    await page.get_by_role("button", name="Sign up").click()
    await expect(page.get_by_role("heading", name="Home", exact=True)).to_be_visible()
    await expect(page.get_by_text("Welcome, Mia Chen")).to_be_visible()

    await page.get_by_role("button", name="Log out").click()
    await expect(page.get_by_role("link", name="Create your account")).to_be_visible()

    await page.goto(f"{live_server.url}/scenes")
    await expect(page).to_have_url(f"{live_server.url}/login?next=/scenes")
    await page.get_by_label("Username").fill("mia")
    await page.get_by_label("Password").fill("wrong-password-here")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    await page.get_by_label("Password").fill("a-long-enough-password")
    await page.get_by_role("button", name="Log in").click()
    await expect(page).to_have_url(f"{live_server.url}/scenes")
    await expect(page.get_by_role("heading", name="Scenes", exact=True)).to_be_visible()

    tabbar = page.get_by_role("navigation", name="Main").last
    await tabbar.get_by_role("link", name="Home").click()
    await expect(page.get_by_role("heading", name="Home", exact=True)).to_be_visible()
    await page.screenshot(path=screenshot_path("home-phone"))

    desktop = await browser.new_page(viewport=DESKTOP)
    await share_login(page.context, desktop.context)
    await desktop.goto(live_server.url)
    await expect(desktop.get_by_role("heading", name="Home", exact=True)).to_be_visible()
    await desktop.screenshot(path=screenshot_path("home-desktop"))


async def test_partner_member_sees_the_partner_console(
    browser: Browser, live_server: LiveServer
) -> None:
    live_server.cli(
        "user",
        "create",
        "leo",
        "--role",
        "partner",
        "--partner",
        "Roidmi",
        "--password",
        "a-long-enough-password",
    )
    page = await browser.new_page(viewport=DESKTOP)
    await page.goto(f"{live_server.url}/login")
    await page.get_by_label("Username").fill("leo")
    await page.get_by_label("Password").fill("a-long-enough-password")
    await page.get_by_role("button", name="Log in").click()
    await (
        page.get_by_role("navigation", name="Main")
        .first.get_by_role("link", name="Partner")
        .click()
    )
    await expect(page.get_by_role("heading", name="Roidmi")).to_be_visible()
    await expect(page.get_by_role("link", name="New product")).to_be_visible()
