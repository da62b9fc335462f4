"""Shared events reach every hearth process through the broker; local ones stay local."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hearth.bootstrap import Hearth
from hearth.bus import Event
from hearth.relay import decode, encode, shared_event
from tests.conftest import make_settings
from tests.servers import Mosquitto


@shared_event
@dataclass(frozen=True)
class LampTurnedOn(Event):
    device_id: str
    brightness: int
    at: datetime


@dataclass(frozen=True)
class LocalOnly(Event):
    note: str


def test_shared_events_round_trip_through_json() -> None:
    event = LampTurnedOn("dev_1", 80, datetime(2026, 1, 2, 3, 4, tzinfo=UTC))
    origin, decoded = decode(encode(event, "proc_a"))
    assert origin == "proc_a"
    assert decoded == event


def test_unknown_event_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown shared event"):
        decode(b'{"origin": "x", "event": "NoSuchEvent", "fields": {}}')


@pytest.mark.mosquitto
async def test_an_event_published_in_one_process_reaches_the_other(
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
        async with second.bus.listen() as seen_by_second, first.bus.listen() as seen_by_first:
            event = LampTurnedOn("dev_1", 80, datetime(2026, 1, 2, tzinfo=UTC))
            await first.publish(event, LocalOnly("stays here"))
            assert await asyncio.wait_for(seen_by_second.get(), 5) == event
            # The emitting process sees each event once: locally, not again via the broker.
            assert await asyncio.wait_for(seen_by_first.get(), 5) == event
            assert await asyncio.wait_for(seen_by_first.get(), 5) == LocalOnly("stays here")
            await asyncio.sleep(0.3)
            assert seen_by_first.empty()
            assert seen_by_second.empty()
    finally:
        await first.stop()
        await second.stop()
