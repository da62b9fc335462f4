"""How an automation's run and its commands are written: the run and its first command in
one transaction, committed before the command is sent, and kept when it cannot be sent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, UOWTransaction

from hearth.errors import BrokerUnavailable
from hearth.hub import protocol
from hearth.hub.models import Command, Device
from hearth.mqtt.link import MqttLink
from hearth.outbox import HearthSession, discard, unit_of_work
from hearth.scenes.models import SceneRun
from tests.scenes.conftest import Furnished

_WRITTEN = "test.written"


@pytest.fixture
def committed() -> Iterator[list[set[str]]]:
    """Collect, per committed transaction, the run ids and command request ids it wrote."""
    found: list[set[str]] = []

    def flushed(session: Session, _context: UOWTransaction) -> None:
        written = session.info.setdefault(_WRITTEN, set())
        for row in session.new:
            if isinstance(row, SceneRun):
                written.add(f"run {row.id}")
            elif isinstance(row, Command):
                written.add(f"command {row.request_id}")

    def done(session: Session) -> None:
        written = session.info.pop(_WRITTEN, None)
        if written:
            found.append(written)

    def undone(session: Session) -> None:
        session.info.pop(_WRITTEN, None)

    listeners: list[tuple[str, Any]] = [
        ("after_flush", flushed),
        ("after_commit", done),
        ("after_rollback", undone),
    ]
    for name, listener in listeners:
        event.listen(HearthSession, name, listener)
    try:
        yield found
    finally:
        for name, listener in listeners:
            event.remove(HearthSession, name, listener)


def _link(home: Furnished) -> MqttLink:
    cloud = home.rig.hearth.cloud
    assert cloud is not None and cloud.commands.link is not None
    return cloud.commands.link


async def _command_of(home: Furnished, run: SceneRun) -> Command:
    async with home.rig.hearth.sessions() as session:
        command = await session.scalar(
            select(Command).where(
                Command.device_id == home.lamp.id, Command.request_id == f"{run.id}.0"
            )
        )
    assert command is not None
    return command


async def test_a_run_and_its_first_command_are_committed_together_before_it_is_sent(
    home: Furnished, committed: list[set[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    link = _link(home)
    publish = link.publish
    at_sending: list[tuple[list[str], list[str]]] = []

    async def watching(topic: str, payload: bytes | str, **options: Any) -> None:
        if topic == protocol.down_topic(home.lamp.id, protocol.Down.SET):
            # What any other session can read at the moment the command leaves.
            async with home.rig.hearth.sessions() as session:
                runs = list(await session.scalars(select(SceneRun.id)))
                requests = list(
                    await session.scalars(
                        select(Command.request_id).where(Command.device_id == home.lamp.id)
                    )
                )
            at_sending.append((runs, requests))
        await publish(topic, payload, **options)

    monkeypatch.setattr(link, "publish", watching)
    home.lamp.device.state["2.1"] = False
    automation_id = await home.automation(
        mode="parallel",
        triggers=[{"kind": "event", "device_id": home.lock.id, "event": "2.1"}],
        actions=[{"kind": "set", "device_id": home.lamp.id, "props": {"2.1": True}}],
    )
    home.lock.fire("2.1", {"2.2": 1})
    await home.lamp_has("2.1", True)
    (run,) = await home.finished_runs(automation_id)
    assert run.status == "succeeded"
    assert (await _command_of(home, run)).status == "succeeded"
    assert at_sending == [([run.id], [f"{run.id}.0"])]
    assert {f"run {run.id}", f"command {run.id}.0"} in committed


async def test_a_run_whose_command_cannot_reach_the_broker_is_kept_with_why(
    home: Furnished, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = _link(home)
    publish = link.publish

    async def broker_down_for_the_lamp(topic: str, payload: bytes | str, **options: Any) -> None:
        if topic.startswith(protocol.down_topic(home.lamp.id, protocol.Down.SET)):
            raise BrokerUnavailable("not connected to the MQTT broker")
        await publish(topic, payload, **options)

    monkeypatch.setattr(link, "publish", broker_down_for_the_lamp)
    automation_id = await home.automation(
        triggers=[{"kind": "event", "device_id": home.lock.id, "event": "2.1"}],
        actions=[
            {"kind": "set", "device_id": home.lamp.id, "props": {"2.1": True}},
            {"kind": "notify", "title": "tried"},
        ],
    )
    home.lock.fire("2.1", {"2.2": 1})
    (run,) = await home.finished_runs(automation_id)
    assert run.status == "failed"
    assert [s["status"] for s in run.steps] == ["failed", "ok"]
    assert run.steps[0]["detail"] == "the broker cannot be reached; try again shortly"
    command = await _command_of(home, run)
    assert (command.status, command.result) == ("failed", {"code": "not_sent"})


async def test_a_first_command_refused_when_the_run_is_recorded_is_left_to_its_step(
    home: Furnished, committed: list[set[str]]
) -> None:
    automation_id = await home.automation(
        triggers=[{"kind": "event", "device_id": home.lock.id, "event": "2.1"}],
        actions=[
            {"kind": "set", "device_id": home.lamp.id, "props": {"2.1": True}},
            {"kind": "notify", "title": "tried"},
        ],
    )
    async with unit_of_work(home.rig.hearth.sessions, discard) as session:
        # The lamp leaves the home behind the runner's back: only the command's own
        # check in the database can tell.
        await session.execute(update(Device).where(Device.id == home.lamp.id).values(home_id=None))
    home.lock.fire("2.1", {"2.2": 1})
    (run,) = await home.finished_runs(automation_id)
    assert [s["status"] for s in run.steps] == ["failed", "ok"]
    assert run.steps[0]["detail"] == "no such device"
    assert {f"run {run.id}"} in committed  # the run alone: nothing was recorded to send
