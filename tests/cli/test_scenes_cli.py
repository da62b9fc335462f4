"""`hearth scenes list` and `hearth scenes log`, run as real processes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from hearth import db
from hearth.accounts import service as accounts
from hearth.config import Settings
from hearth.homes.demo import seed_devices
from hearth.kit.clock import utcnow
from hearth.outbox import discard
from hearth.scenes.demo import seed_scenes
from hearth.scenes.models import Automation, SceneRun
from tests.cli.test_devices_cli import _env, hearth
from tests.helpers import PASSWORD


async def test_an_operator_lists_a_fans_automations_and_reads_a_log(tmp_path: Path) -> None:
    env = {**_env(tmp_path / "var"), "COLUMNS": "250"}  # one table row per line
    assert hearth(env, "db", "upgrade").returncode == 0
    settings = Settings(data_dir=tmp_path / "var")
    engine = db.create_engine(settings.resolved_database_url, pool=False)
    sessions = db.session_factory(engine)
    try:
        async with db.transaction(sessions) as session:
            await accounts.create_user(
                session, now=datetime.now(UTC), username="fan", password=PASSWORD
            )
        await seed_devices(sessions, settings, fan="fan")
        await seed_scenes(sessions, fan="fan", now=utcnow(), publish=discard)  # nobody listens
        async with db.transaction(sessions) as session:
            automation = await session.scalar(
                select(Automation).where(Automation.name == "Lock went offline")
            )
            assert automation is not None
            now = utcnow()
            session.add(
                SceneRun(
                    home_id=automation.home_id,
                    automation_id=automation.id,
                    status="succeeded",
                    cause={"kind": "availability", "index": 0, "to": "offline"},
                    actions=automation.rule["actions"],
                    started_at=now,
                    updated_at=now,
                    finished_at=now,
                    steps=[
                        {
                            "index": 0,
                            "kind": "notify",
                            "status": "ok",
                            "detail": "notified 1 member(s)",
                        }
                    ],
                )
            )
    finally:
        await engine.dispose()
    listed = hearth(env, "scenes", "list", "fan")
    assert listed.returncode == 0, listed.stderr
    for name in ("Motion lights the hall", "Lights on at sunset", "Lock went offline"):
        assert name in listed.stdout
    logged = hearth(env, "scenes", "log", automation.id)
    assert logged.returncode == 0, logged.stderr
    assert "goes offline" in logged.stdout
    assert "notified 1 member(s)" in logged.stdout
    missing = hearth(env, "scenes", "log", "aut_missing")
    assert missing.returncode != 0
    assert "no automation" in missing.stdout + missing.stderr
