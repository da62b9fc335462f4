"""The platform dashboard over HTTP: the figures the job counted, as JSON, as a page and as
CSV, for the platform team alone."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import httpx

from hearth import db
from hearth.accounts.roles import Role
from hearth.bootstrap import Hearth
from hearth.insights.rules import day_start
from hearth.insights.worker import InsightsJob
from hearth.kit.clock import FrozenClock
from tests.helpers import create_account, login
from tests.insights.test_rollup import D0, _history

NOON = D0 + timedelta(days=5)


async def _counted(hearth: Hearth) -> None:
    """A history of six days, counted by the job as it happened, with the clock at noon of
    the last."""
    active = [(w, d) for w in range(6) for d in range(6) if w <= d]  # one more person a day
    made = [("test.lamp.v1", d, 9, None) for d in range(6)] + [("test.plug.v1", 1, 3, None)]
    await _history(hearth.sessions, active, list(made))
    async with db.transaction(hearth.sessions) as session:
        await create_account(session, "ada", role=Role.REVIEWER)
        await create_account(session, "tom")
    for hours in range(0, 24 * 5 + 13, 6):
        clock = FrozenClock(day_start(D0) + timedelta(hours=hours))
        await InsightsJob(sessions=hearth.sessions, clock=clock).run_once()
    hearth.clock = FrozenClock(day_start(NOON) + timedelta(hours=12))


async def test_the_platform_team_reads_each_days_figures_as_json_a_page_and_csv(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    await _counted(hearth)
    assert (await login(client, "ada")).status_code == 200
    answer = await client.get("/api/v1/platform/insights", params={"range": "7d"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["time_zone"] == "UTC" and len(body["days"]) == 7
    assert body["days"][-1] == NOON.isoformat()
    panels = {p["figure"]: p for p in body["panels"]}
    active = panels["people.active"]["lines"][0]
    # The range starts the day before the history: never counted, so null, not zero.
    assert active["values"] == [None, 1, 2, 3, 4, 5, 6]
    assert active["over_range"] == 6  # a level: the last day's
    registered = panels["devices.registered"]
    assert registered["lines"][0]["values"][-1] == 7
    assert {p["label"]: p["over_range"] for p in registered["parts"]} == {
        "light": 6, "outlet": 1, "hearth": 6, "Maker Co": 1,
    }  # fmt: skip
    assert "Devices made (minted)" in registered["how"]
    assert body["campaigns"]["funding_rate"] is None  # none ended

    page = await client.get("/platform/insights", params={"range": "7d"})
    assert page.status_code == 200
    assert "Days are UTC days" in page.text and "Daily active people" in page.text
    assert "No campaign has ended yet." in page.text

    export = await client.get("/platform/insights.csv", params={"range": "7d"})
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    daily = {r["day"]: int(r["value"]) for r in rows if r["figure"] == "people.active"}
    assert daily == {(D0 + timedelta(days=d)).isoformat(): d + 1 for d in range(6)}


async def test_a_fan_and_a_stranger_are_turned_away_from_the_figures(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    await _counted(hearth)
    for path in ("/api/v1/platform/insights", "/platform/insights", "/platform/insights.csv"):
        assert (await client.get(path)).status_code in (401, 303), path  # nobody signed in
    assert (await login(client, "tom")).status_code == 200
    for path in ("/api/v1/platform/insights", "/platform/insights", "/platform/insights.csv"):
        assert (await client.get(path)).status_code == 403, path


async def test_an_unknown_range_is_refused_by_the_api_and_read_as_30_days_by_the_page(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    await _counted(hearth)
    assert (await login(client, "ada")).status_code == 200
    refused = await client.get("/api/v1/platform/insights", params={"range": "1y"})
    assert refused.status_code == 422 and "range" in refused.text
    page = await client.get("/platform/insights", params={"range": "1y"})
    assert page.status_code == 200 and 'aria-current="page">30 days' in page.text
