"""Every page of the demo, as every kind of user, passes axe-core's WCAG 2 A and AA checks.

The pages are found by following the links each user can see from the home page, so a page
added later is checked without being listed here. axe-core comes from the npm registry with
the other front-end packages (a development dependency, never served) and is run in the page
through the browser's debugging protocol, which the content security policy does not govern.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections import Counter, deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.async_api import Browser, Page, ViewportSize

from hearth.demo import DEMO_LOGINS
from hearth.kit.ports import free_port
from tests.servers import wait_for_port

AXE = Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
# The phone pass reads the pages in the light scheme, the desktop pass in the dark one, so
# both palettes are checked without a third crawl.
PASSES: tuple[tuple[ViewportSize, Literal["light", "dark"]], ...] = (
    ({"width": 390, "height": 844}, "light"),
    ({"width": 1280, "height": 800}, "dark"),
)
# A page kind (its path with ids and numbers folded) is checked this many times at most, so
# a list of a hundred devices costs a few visits, not a hundred.
PER_KIND = 2
PAGES_PER_USER = 80
SKIP = re.compile(
    r"^/(api|static|logout|metrics|healthz)\b|\.(csv|pdf|xml|json|atom)$|/(stream|events)$"
)
ID = re.compile(r"(?<=/)([a-z]{2,4}_[0-9a-z]{16,}|[0-9a-f-]{8,}|\d+)(?=/|$)")


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Run ``hearth demo`` on free ports, with its seeded data, for every user's crawl."""
    tmp_path = tmp_path_factory.mktemp("demo")
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")},
        "HEARTH_DATA_DIR": str(tmp_path / "var"),
        "HEARTH_CONFIG": str(tmp_path / "none.toml"),
        "HEARTH_EMBEDDED_MQTT_PORT": str(free_port()),
    }
    with open(tmp_path / "demo.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "hearth.cli.main", "demo", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, 180)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _kind(path: str) -> str:
    return ID.sub("*", path)


async def _log_in(page: Page, url: str, username: str, password: str) -> None:
    await page.goto(f"{url}/login")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(password)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Log in").click()


async def _links(page: Page, url: str) -> list[str]:
    hrefs: list[str] = await page.eval_on_selector_all(
        "a[href]", "links => links.map(a => a.getAttribute('href'))"
    )
    found = []
    for href in hrefs:
        target = urlsplit(urljoin(page.url, href))
        if f"{target.scheme}://{target.netloc}" != url or SKIP.search(target.path):
            continue
        found.append(target.path + (f"?{target.query}" if target.query else ""))
    return found


async def _check(page: Page) -> list[str]:
    """Run axe on the page; return each violation as a line naming the rule and the elements."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(AXE.read_text())
    result: dict[str, Any] = await page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    lines = []
    for violation in result["violations"]:
        targets = [" ".join(node["target"]) for node in violation["nodes"][:4]]
        more = len(violation["nodes"]) - len(targets)
        lines.append(
            f"{violation['id']} ({len(violation['nodes'])}): {violation['help']}: "
            + ", ".join(targets)
            + (f" and {more} more" if more > 0 else "")
        )
    return lines


async def _crawl(browser: Browser, url: str, login: tuple[str, str] | None) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for viewport, scheme in PASSES:
        context = await browser.new_context(viewport=viewport, color_scheme=scheme)
        page = await context.new_page()
        if login is not None:
            await _log_in(page, url, *login)
        queue: deque[str] = deque(["/"])
        seen: set[str] = set()
        kinds: Counter[str] = Counter()
        while queue and len(seen) < PAGES_PER_USER:
            path = queue.popleft()
            if path in seen or kinds[_kind(path)] >= PER_KIND:
                continue
            seen.add(path)
            kinds[_kind(path)] += 1
            response = await page.goto(url + path, wait_until="load")
            if response is None or "text/html" not in response.headers.get("content-type", ""):
                continue
            problems = await _check(page)
            if problems:
                found[f"{path} at {viewport['width']} px, {scheme}"] = problems
            queue.extend(await _links(page, url))
        await context.close()
    return found


@pytest.mark.parametrize(
    "login",
    [None, *[(username, password) for _role, username, password in DEMO_LOGINS]],
    ids=["anonymous", *[username for _role, username, _password in DEMO_LOGINS]],
)
async def test_every_page_passes_the_accessibility_checks(
    browser: Browser, demo_url: str, login: tuple[str, str] | None
) -> None:
    assert AXE.exists(), "axe-core is installed with the front-end packages (make assets)"
    found = await _crawl(browser, demo_url, login)
    report = "\n".join(
        f"{page}:\n  " + "\n  ".join(problems) for page, problems in sorted(found.items())
    )
    assert not found, f"{len(found)} pages fail the accessibility checks:\n{report}"
