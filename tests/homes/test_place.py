"""Where a home is: its time zone chosen in its settings (a city such as "Berlin" finds its
zone), its location for sunrise and sunset, the browser's zone until one is chosen, and
schedules and pages that follow the home's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select, text

from hearth import db
from hearth.bootstrap import Hearth
from hearth.homes import service as homes
from hearth.scenes.models import SceneRun, SceneTimer
from tests.helpers import csrf_token, post_json
from tests.homes.test_migrations import NOW, _downgrade_to, old_home, old_user
from tests.scenes.test_api import _furnish

BEFORE_PLACES_MOVED = "7c1d2e9a4f60"


async def _place(client: httpx.AsyncClient, home: str, **form: str) -> httpx.Response:
    data = {"csrftoken": await csrf_token(client), **form}
    return await client.post(f"/homes/{home}/place", data=data)


async def test_the_owner_types_berlin_and_the_homes_schedules_run_in_berlin(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    home, lamp = await _furnish(hearth, client, "mia")
    rule = {
        "name": "Morning",
        "triggers": [{"kind": "schedule", "days": [0, 1, 2, 3, 4, 5, 6], "times": ["09:00"]}],
        "actions": [{"kind": "set", "device_id": lamp, "props": {"2.1": True}}],
    }
    assert (await post_json(client, f"/api/v1/homes/{home}/automations", rule)).status_code == 201
    saved = await _place(client, home, timezone="Berlin", latitude="52.52", longitude="13,40")
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/homes/{home}/settings?place=saved#place-title"
    assert (await client.get(f"/api/v1/homes/{home}/place")).json() == {
        "timezone": "Europe/Berlin",
        "latitude": 52.52,
        "longitude": 13.4,
    }
    page = await client.get(saved.headers["location"])
    assert "Saved: Flat is in Europe/Berlin, with its location set" in page.text
    async with hearth.sessions() as session:
        (due,) = list(await session.scalars(select(SceneTimer.due_at)))
        assert await homes.home_zone(session, home) == "Europe/Berlin"
    local = due.astimezone(ZoneInfo("Europe/Berlin"))
    assert (local.hour, local.minute) == (9, 0)
    assert timedelta(0) < due - hearth.clock.now() <= timedelta(days=1)


async def test_a_zone_nobody_has_and_half_a_location_are_named_and_the_form_keeps_them(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    home, _ = await _furnish(hearth, client, "mia")
    unknown = await _place(client, home, timezone="Atlantis", latitude="", longitude="")
    assert unknown.status_code == 422
    assert "No time zone is called Atlantis: choose one from the list" in unknown.text
    assert 'value="Atlantis"' in unknown.text
    half = await _place(client, home, timezone="Europe/Paris", latitude="48.85", longitude="")
    assert half.status_code == 422
    assert "Give both the latitude and the longitude, or leave both empty." in half.text
    assert 'value="48.85"' in half.text and 'value="Europe/Paris"' in half.text
    words = await _place(client, home, timezone="Europe/Paris", latitude="north", longitude="2")
    assert "The latitude is a number, such as 52.52" in words.text
    far = await _place(client, home, timezone="Europe/Paris", latitude="95", longitude="2")
    assert "The latitude is a number between -90" in far.text
    assert (await client.get(f"/api/v1/homes/{home}/place")).json()["timezone"] == "UTC"


async def test_the_settings_start_from_the_browsers_zone_until_one_is_chosen(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    home, _ = await _furnish(hearth, client, "mia")
    client.cookies.set("tz", "Asia/Tokyo")
    page = await client.get(f"/homes/{home}/settings")
    assert "No time zone chosen yet: schedules run in UTC until you save one." in page.text
    assert 'name="timezone" list="zone-names"' in page.text
    assert 'value="Asia/Tokyo"' in page.text
    assert '<option value="Europe/Berlin">' in page.text


async def test_a_home_made_on_its_page_takes_the_browsers_zone(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    await _furnish(hearth, client, "mia")
    client.cookies.set("tz", "America/New_York")
    made = await client.post(
        "/homes", data={"csrftoken": await csrf_token(client), "name": "Cabin"}
    )
    assert made.status_code == 303
    home = made.headers["location"].rsplit("/", 1)[-1]
    assert (await client.get(f"/api/v1/homes/{home}/place")).json()["timezone"] == (
        "America/New_York"
    )
    client.cookies.set("tz", "../../etc/passwd")
    odd = await client.post("/homes", data={"csrftoken": await csrf_token(client), "name": "Barn"})
    other = odd.headers["location"].rsplit("/", 1)[-1]
    assert (await client.get(f"/api/v1/homes/{other}/place")).json()["timezone"] == "UTC"


async def test_a_runs_times_read_in_the_homes_zone(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    home, lamp = await _furnish(hearth, client, "mia")
    scene = await post_json(
        client,
        f"/api/v1/homes/{home}/scenes",
        {
            "name": "Evening",
            "actions": [{"kind": "set", "device_id": lamp, "props": {"2.1": True}}],
        },
    )
    scene_id = scene.json()["id"]
    started = datetime(2026, 1, 5, 8, 55, 30, tzinfo=UTC)
    async with hearth.sessions() as session, session.begin():
        run = SceneRun(
            home_id=home,
            scene_id=scene_id,
            status="succeeded",
            cause={"kind": "manual", "by": "Mia"},
            actions=scene.json()["actions"],
            steps=[{"index": 0, "kind": "set", "status": "ok", "detail": "set"}],
            started_at=started,
            updated_at=started,
            finished_at=started,
        )
        session.add(run)
    await _place(client, home, timezone="Asia/Shanghai")
    page = await client.get(f"/scenes/runs/{run.id}")
    assert "4:55:30" in page.text and "8:55:30" not in page.text  # 08:55 UTC in Shanghai
    await _place(client, home, timezone="Berlin")
    page = await client.get(f"/scenes/runs/{run.id}")
    assert "9:55:30" in page.text and "4:55:30" not in page.text  # 08:55 UTC in Berlin


async def test_the_migration_moves_each_homes_place_into_the_home(database_url: str) -> None:
    engine = db.create_engine(database_url, pool=False)
    async with engine.begin() as conn:
        await conn.run_sync(_downgrade_to, BEFORE_PLACES_MOVED)
    async with engine.begin() as conn:
        user_id = await old_user(conn, "mia")
        placed = await old_home(conn, user_id, "Flat")
        unplaced = await old_home(conn, user_id, "Cabin")
        await conn.execute(
            text(
                "INSERT INTO scene_places (home_id, timezone, latitude, longitude, updated_at)"
                " VALUES (:home, 'Asia/Shanghai', 31.23, 121.47, :at)"
            ),
            {"home": placed, "at": NOW},
        )
    await db.upgrade(engine)
    async with engine.connect() as conn:
        found = (
            await conn.execute(
                text("SELECT id, timezone, latitude, longitude FROM homes ORDER BY name")
            )
        ).all()
    await engine.dispose()
    assert [tuple(row) for row in found] == [
        (unplaced, None, None, None),
        (placed, "Asia/Shanghai", 31.23, 121.47),
    ]
