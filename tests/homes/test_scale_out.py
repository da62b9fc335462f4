"""Two hearth processes on one database and one Mosquitto: a home's live stream open on
one process hears what happened on the other, and still nothing of another home."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hearth.accounts import service as accounts
from hearth.accounts.service import Credential
from hearth.bootstrap import Hearth
from hearth.homes import live, placement
from hearth.homes import service as homes
from hearth.homes.events import HomeLeft
from hearth.hub.events import CommandAnswered, DeviceUpdatesApplied
from hearth.outbox import unit_of_work
from tests.conftest import make_settings
from tests.helpers import PASSWORD
from tests.homes.conftest import mint
from tests.servers import Mosquitto

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC).isoformat()


def _switched_on(device_id: str, home_id: str) -> dict[str, Any]:
    """An ingest batch's entry: the device's switch went on."""
    return {
        "kind": "state",
        "device_id": device_id,
        "home_id": home_id,
        "at": NOW,
        "changed": {"2.1": True},
    }


async def _home(hearth: Hearth, username: str) -> tuple[str, str, str, Credential]:
    unit = await mint(hearth)
    now = hearth.clock.now()
    async with unit_of_work(hearth.sessions, hearth.publish) as session:
        user = await accounts.create_user(
            session, now=datetime.now(UTC), username=username, password=PASSWORD
        )
        home = await homes.create_home(session, owner=user, name="Flat", now=now)
        await placement.add_device(
            session, user=user, home_id=home.id, pairing_code=unit.pairing_code, now=now
        )
        cookie = await accounts.open_session(
            session, user=user, lifetime=timedelta(days=1), now=now
        )
        return user.id, home.id, unit.device_id, Credential.session(cookie)


@pytest.mark.mosquitto
async def test_a_stream_on_one_process_hears_the_other(
    tmp_path: Path, database_url: str, mosquitto: Mosquitto
) -> None:
    first = Hearth.from_settings(
        make_settings(tmp_path / "a", database_url, mqtt_url=mosquitto.url)
    )
    second = Hearth.from_settings(
        make_settings(tmp_path / "b", database_url, mqtt_url=mosquitto.url)
    )
    await first.start()
    await second.start()
    try:
        mia, home, lamp, signed_in = await _home(first, "mia")
        _, elsewhere, theirs, _ = await _home(first, "eve")
        stream = live.stream(second, user_id=mia, home_id=home, credential=signed_in)
        frame = await asyncio.wait_for(anext(stream), 5)
        assert json.loads(frame["data"]) == {"home_id": home, "devices": 1}
        await first.publish(
            DeviceUpdatesApplied([_switched_on(theirs, elsewhere), _switched_on(lamp, home)]),
            CommandAnswered("cmd_theirs", theirs, "succeeded"),
            CommandAnswered("cmd_mine", lamp, "failed"),
            HomeLeft(home, mia),
        )
        frames = [await asyncio.wait_for(anext(stream), 5) for _ in range(3)]
        assert [f["event"] for f in frames] == ["state", "command", live.CLOSE]
        assert json.loads(frames[0]["data"])["device_id"] == lamp
        assert json.loads(frames[1]["data"])["command_id"] == "cmd_mine"
    finally:
        await first.stop()
        await second.stop()
