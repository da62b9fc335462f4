"""The composition root: one place starts every component, and stopping leaves nothing running."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from hearth.bootstrap import CertificationRecovery, Hearth, _Guarded
from hearth.funding.models import Campaign
from hearth.funding.rules import CampaignState
from hearth.funding.worker import CampaignDeadlines
from hearth.hub.broker import EmbeddedBroker
from hearth.hub.cloud import DeviceCloud
from hearth.hub.supervised import SupervisedMosquitto
from hearth.insights.worker import InsightsJob
from hearth.kit.clock import FrozenClock
from hearth.kit.ports import free_port
from hearth.mail.sender import MailSender
from hearth.mqtt.link import MqttLink
from hearth.relay import EventRelay
from hearth.sales.worker import ReservationExpiry
from hearth.scenes.runner import SceneRunner
from tests.conftest import make_settings
from tests.funding.world import T0, make_world
from tests.servers import Mosquitto


def _running_tasks() -> set[asyncio.Task[object]]:
    return {task for task in asyncio.all_tasks() if task is not asyncio.current_task()}


@pytest.mark.parametrize("embedded", [pytest.param("auto", marks=pytest.mark.mosquitto), "amqtt"])
async def test_start_runs_every_component_in_order_and_stop_leaves_no_task_behind(
    tmp_path: Path, database_url: str, embedded: str
) -> None:
    before = _running_tasks()
    runtime = Hearth.from_settings(make_settings(tmp_path, database_url, embedded_broker=embedded))
    await runtime.start()
    try:
        kinds = [type(component) for component in runtime.started]
        # The default runs the installed Mosquitto (as these tests have it), else amqtt.
        first = SupervisedMosquitto if embedded == "auto" else _Guarded
        assert (
            len(kinds) == 10
            and kinds[0] is first
            and kinds[1:]
            == [
                EventRelay,
                MqttLink,
                DeviceCloud,
                SceneRunner,
                CampaignDeadlines,
                ReservationExpiry,
                CertificationRecovery,
                MailSender,
                InsightsJob,
            ]
        )
        if embedded == "amqtt":
            assert isinstance(runtime.broker, EmbeddedBroker)
        else:
            assert runtime.broker is None and runtime.supervised is not None
            assert runtime.supervised.running
        assert len(_running_tasks() - before) > 0
    finally:
        await runtime.stop()
    assert runtime.started == []
    await asyncio.sleep(0)  # let cancelled tasks' callbacks run
    left = {task.get_name() for task in _running_tasks() - before if not task.done()}
    assert left == set()


@pytest.mark.mosquitto
async def test_a_process_without_background_work_serves_but_neither_ingests_nor_settles(
    tmp_path: Path, database_url: str, mosquitto: Mosquitto
) -> None:
    runtime = Hearth.from_settings(
        make_settings(tmp_path, database_url, mqtt_url=mosquitto.url, background=False)
    )
    await runtime.start()
    try:
        kinds = [type(component) for component in runtime.started]
        assert kinds == [EventRelay, MqttLink, DeviceCloud, SceneRunner]
        assert runtime.cloud is not None and runtime.cloud.ingest is None
        assert runtime.scenes is not None and runtime.scenes.background is False
        assert runtime.deadlines is None
    finally:
        await runtime.stop()


async def test_a_hearth_started_without_the_web_app_settles_campaign_deadlines(
    tmp_path: Path, database_url: str
) -> None:
    """The deadline worker belongs to the runtime, so a worker process settles as a server does."""
    runtime = Hearth.from_settings(make_settings(tmp_path, database_url))
    runtime.clock = FrozenClock(T0 + timedelta(days=11))  # past the end, with no backer
    await runtime.start(mqtt=False)
    world = await make_world(runtime.sessions)
    campaign = await world.campaign(days=10)
    await runtime.start()
    try:
        deadline = asyncio.get_running_loop().time() + 30
        while True:
            async with runtime.sessions() as session:
                state = await session.scalar(
                    select(Campaign.state).where(Campaign.id == campaign.id)
                )
            if state == CampaignState.FAILED:
                break
            assert asyncio.get_running_loop().time() < deadline, f"still {state}"
            await asyncio.sleep(0.1)
    finally:
        await runtime.stop()


def test_hearth_worker_runs_until_told_to_stop_and_then_stops_cleanly(tmp_path: Path) -> None:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")},
        "HEARTH_DATA_DIR": str(tmp_path),
        "HEARTH_CONFIG": str(tmp_path / "none.toml"),
        "HEARTH_LOG_FORMAT": "json",
    }
    command = [sys.executable, "-m", "hearth.cli.main"]
    upgrade = subprocess.run([*command, "db", "upgrade"], env=environment, timeout=120)
    assert upgrade.returncode == 0
    environment["HEARTH_EMBEDDED_MQTT_PORT"] = str(free_port())
    worker = subprocess.Popen(
        [*command, "worker"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert worker.stdout is not None
        lines: list[str] = []
        for line in worker.stdout:
            lines.append(line)
            if "worker_started" in line:
                break
        assert any("worker_started" in line for line in lines), "".join(lines)
        assert "CampaignDeadlines" in lines[-1] and "DeviceCloud" in lines[-1]
        worker.send_signal(signal.SIGTERM)
        rest, _ = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, rest
    assert "worker_stopped" in rest
    assert "Traceback" not in rest
