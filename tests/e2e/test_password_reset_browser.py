"""A person who forgot their password gets back in by mail, on a phone, in a real browser:
the mail travels through a real SMTP server that the test reads."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.async_api import Browser, Page, ViewportSize, expect

from tests.e2e.conftest import LiveServer, screenshot_path, share_login
from tests.smtp import SmtpServer, link_in, run_smtp

pytestmark = pytest.mark.browser

PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=800)
OLD, NEW = "a-long-enough-password", "a-brand-new-password"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with run_smtp() as server:
        yield server


@pytest.fixture
def live_env(smtp: SmtpServer) -> dict[str, str]:
    return {"HEARTH_SMTP_URL": smtp.url, "HEARTH_MAIL_FROM": "hearth <hearth@example.org>"}


async def _follow(page: Page, server: LiveServer, link: str) -> None:
    assert link.startswith(server.url + "/"), link
    await page.goto(link)


async def test_a_person_who_forgot_their_password_resets_it_from_the_mail_and_logs_in(
    browser: Browser, live_server: LiveServer, smtp: SmtpServer
) -> None:
    page = await browser.new_page(viewport=PHONE)

    # Signing up with an address mails a link that confirms it.
    await page.goto(f"{live_server.url}/signup")
    await page.get_by_label("Username").fill("mia")
    await page.get_by_label("Your name").fill("Mia Chen")
    await page.get_by_label("Email").fill("mia@example.com")
    await page.get_by_label("Password").fill(OLD)
    await page.get_by_role("button", name="Sign up").click()
    await expect(page.get_by_role("heading", name="Home", exact=True)).to_be_visible()
    (welcome,) = await smtp.inbox.wait_for("mia@example.com")
    assert welcome["Subject"] == "Confirm your email address for hearth"
    await _follow(page, live_server, link_in(welcome))
    await page.get_by_role("button", name="Confirm my address").click()
    await expect(page.get_by_role("status")).to_contain_text("mia@example.com is confirmed")

    await page.goto(f"{live_server.url}/account")
    await expect(page.get_by_test_id("email-state")).to_have_text("Confirmed")
    await page.screenshot(path=screenshot_path("account-phone"), full_page=True)
    desktop = await browser.new_page(viewport=DESKTOP)
    await share_login(page.context, desktop.context)
    await desktop.goto(f"{live_server.url}/account")
    await expect(desktop.get_by_role("heading", name="Account")).to_be_visible()
    await desktop.screenshot(path=screenshot_path("account-desktop"), full_page=True)
    await desktop.close()
    await page.get_by_role("button", name="Log out").click()

    # Forgotten: the log-in page leads to the request form, which answers one sentence.
    await page.goto(f"{live_server.url}/login")
    await page.get_by_role("link", name="Forgot your password?").click()
    await page.get_by_label("Email address").fill("mia@example.com")
    await page.screenshot(path=screenshot_path("forgot-phone"))
    await page.get_by_role("button", name="Send me a link").click()
    await expect(page.get_by_test_id("reset-sent")).to_contain_text(
        "If an account has this address, a link to choose a new password is on its way."
    )
    await page.screenshot(path=screenshot_path("forgot-sent-phone"))

    (_, reset) = await smtp.inbox.wait_for("mia@example.com", count=2)
    assert reset["Subject"] == "Reset your hearth password"
    link = link_in(reset)
    await _follow(page, live_server, link)
    await expect(page.get_by_text("For the account @mia.")).to_be_visible()
    await page.get_by_label("New password").fill("short")
    await page.get_by_role("button", name="Set new password").click()
    await expect(page.get_by_role("alert")).to_have_text("Use at least 10 characters.")
    await page.get_by_label("New password").fill(NEW)
    await page.screenshot(path=screenshot_path("reset-phone"))
    await page.get_by_role("button", name="Set new password").click()

    # Back at the log-in page, told what happened; the old password no longer works.
    await expect(page.get_by_role("status")).to_contain_text("Your password is changed")
    await page.screenshot(path=screenshot_path("reset-done-phone"))
    await page.get_by_label("Username").fill("mia")
    await page.get_by_label("Password").fill(OLD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("alert")).to_be_visible()
    await page.get_by_label("Password").fill(NEW)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name="Home", exact=True)).to_be_visible()

    # The link worked once.
    await _follow(page, live_server, link)
    await expect(page.get_by_role("alert")).to_have_text(
        "This link has expired or was already used. Ask for a new one."
    )
