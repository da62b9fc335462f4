"""Browser tests: a real ``hearth serve`` process driven by Playwright in Debian's Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page, async_playwright

from hearth.kit.ports import free_port
from tests.servers import find_program, wait_for_port

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class LiveServer:
    url: str
    data_dir: Path
    env: dict[str, str]

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a hearth command against this server's data."""
        return subprocess.run(
            [sys.executable, "-m", "hearth.cli.main", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )


@pytest.fixture
def live_env() -> dict[str, str]:
    """Settings a test module adds to its server's environment (``HEARTH_SMTP_URL``...)."""
    return {}


@pytest.fixture
def live_server(tmp_path: Path, live_env: dict[str, str]) -> Iterator[LiveServer]:
    """Migrate a fresh data dir and run ``hearth serve`` on free ports until the test ends."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")},
        "HEARTH_DATA_DIR": str(tmp_path / "var"),
        "HEARTH_CONFIG": str(tmp_path / "none.toml"),
        "HEARTH_HTTP_PORT": str(port),
        "HEARTH_EMBEDDED_MQTT_PORT": str(free_port()),
        **live_env,
    }
    server = LiveServer(url=f"http://127.0.0.1:{port}", data_dir=tmp_path / "var", env=env)
    server.cli("db", "upgrade")
    with open(tmp_path / "server.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "hearth.cli.main", "serve"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, 30)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Chromium; every page it opens is watched, and the test fails if the content security
    policy refused anything the UI tried to run, style or load."""
    chromium = find_program("chromium", "chromium", ("/usr/bin/chromium",))
    refused: list[str] = []

    def watch(page: Page) -> None:
        def console(message: ConsoleMessage) -> None:
            if "Content Security Policy" in message.text:
                refused.append(f"{page.url}: {message.text}")

        page.on("console", console)

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        open_page, open_context = launched.new_page, launched.new_context

        async def new_page(**options: Any) -> Page:
            page = await open_page(**options)
            watch(page)
            return page

        async def new_context(**options: Any) -> BrowserContext:
            context = await open_context(**options)
            context.on("page", watch)
            return context

        # Every test opens its pages through these two, so every page is watched.
        setattr(launched, "new_page", new_page)  # noqa: B010
        setattr(launched, "new_context", new_context)  # noqa: B010
        try:
            yield launched
        finally:
            await launched.close()
    assert not refused, "the content security policy refused:\n" + "\n".join(refused)


def screenshot_path(name: str) -> Path:
    """Return where a test saves a screenshot for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"


async def share_login(source: BrowserContext, target: BrowserContext) -> None:
    """Carry one browser context's cookies (its log-in) over to another."""
    await target.add_cookies(
        [
            {"name": c["name"], "value": c["value"], "domain": c["domain"], "path": c["path"]}
            for c in await source.cookies()
        ]
    )
