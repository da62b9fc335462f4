"""Shared events reach every hearth process through the broker; local ones stay local."""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import json
import pkgutil
import types
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum, StrEnum
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

import pytest

import hearth
from hearth.bootstrap import Hearth
from hearth.bus import Event, shared_event, shared_events
from hearth.relay import adapter, decode, encode
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


class Mood(StrEnum):
    CALM = "calm"
    ALERT = "alert"


class Level(Enum):
    LOW = 1
    HIGH = 2


@dataclass(frozen=True)
class Reading:
    key: str
    value: float
    at: datetime
    level: Level = Level.LOW


@shared_event
@dataclass(frozen=True)
class RoomSurveyed(Event):
    """An event with what plain JSON would lose: every kind of value a field may hold."""

    room_id: str
    mood: Mood
    seen: dict[str, dict[str, datetime]]
    readings: list[Reading]
    corner: tuple[int, int]
    since: timedelta
    tags: frozenset[str] = frozenset()
    note: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def test_shared_events_round_trip_through_json() -> None:
    event = LampTurnedOn("dev_1", 80, datetime(2026, 1, 2, 3, 4, tzinfo=UTC))
    origin, decoded = decode(encode(event, "proc_a"))
    assert origin == "proc_a"
    assert decoded == event


def test_the_wire_format_is_readable_json() -> None:
    event = LampTurnedOn("dev_1", 80, datetime(2026, 1, 2, 3, 4, tzinfo=UTC))
    assert json.loads(encode(event, "proc_a")) == {
        "origin": "proc_a",
        "event": "LampTurnedOn",
        "fields": {"device_id": "dev_1", "brightness": 80, "at": "2026-01-02T03:04:00Z"},
    }


def test_nested_datetimes_enums_tuples_and_dataclasses_survive_the_trip() -> None:
    paris = timezone(timedelta(hours=1))
    event = RoomSurveyed(
        room_id="roo_1",
        mood=Mood.ALERT,
        seen={
            "dev_1": {"first": datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)},
            "dev_2": {
                "first": datetime(2026, 1, 2, 4, 4, tzinfo=paris),
                "last": datetime(2026, 1, 3, tzinfo=UTC),
            },
        },
        readings=[
            Reading("2.1", 21.5, datetime(2026, 1, 2, tzinfo=UTC), Level.HIGH),
            Reading("2.2", 40.0, datetime(2026, 1, 2, 0, 1, tzinfo=UTC)),
        ],
        corner=(3, 4),
        since=timedelta(minutes=90),
        tags=frozenset({"kitchen", "north"}),
        extra={"raw": [1, "two", None], "deep": {"ok": True}},
    )
    _, decoded = decode(encode(event, "proc_a"))
    assert decoded == event
    assert isinstance(decoded, RoomSurveyed)
    assert decoded.mood is Mood.ALERT
    assert decoded.seen["dev_2"]["first"].utcoffset() == timedelta(hours=1)
    assert isinstance(decoded.readings[0], Reading) and decoded.readings[0].level is Level.HIGH
    assert type(decoded.corner) is tuple and type(decoded.tags) is frozenset


def test_fields_that_do_not_fit_the_event_are_refused() -> None:
    payload = json.dumps(
        {"origin": "x", "event": "LampTurnedOn", "fields": {"device_id": "d", "brightness": "a"}}
    )
    with pytest.raises(ValueError, match="brightness"):
        decode(payload.encode())
    with pytest.raises(ValueError, match="JSON object"):
        decode(b"[1, 2]")


def _import_every_events_module() -> None:
    for found in pkgutil.walk_packages(hearth.__path__, "hearth."):
        if found.name.rsplit(".", 1)[-1] == "events":
            importlib.import_module(found.name)


_SAMPLES: dict[Any, Any] = {
    str: "sample",
    int: 7,
    float: 2.5,
    bool: True,
    datetime: datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    timedelta: timedelta(seconds=90),
    Any: {"nested": [1, "two", None, {"three": 3.5}]},
}


def _sample(hint: Any) -> Any:
    """Return a value of type ``hint`` that is not its default."""
    if hint in _SAMPLES:
        return _SAMPLES[hint]
    if isinstance(hint, type) and issubclass(hint, Enum):
        return list(hint)[-1]
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _instance(hint)
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, types.UnionType):
        return _sample(next(arg for arg in args if arg is not type(None)))
    if origin in (list, set, frozenset):
        return origin([_sample(args[0])])
    if origin is tuple:
        return (_sample(args[0]),) if args[-1] is Ellipsis else tuple(map(_sample, args))
    if origin is dict:
        return {_sample(args[0]): _sample(args[1])}
    raise AssertionError(f"no sample value for {hint!r}: add one to _SAMPLES")


def _instance(cls: type[Any]) -> Any:
    hints = get_type_hints(cls)
    return cls(**{f.name: _sample(hints[f.name]) for f in dataclasses.fields(cls)})


def test_every_shared_event_round_trips_an_instance() -> None:
    _import_every_events_module()
    registered = shared_events()
    assert {"DeviceUpdatesApplied", "HomeChanged", "CampaignProgressed"} <= set(registered)
    for name, cls in registered.items():
        assert adapter(cls) is adapter(cls)  # built once
        event = _instance(cls)
        origin, decoded = decode(encode(event, "proc_a"))
        assert (origin, decoded) == ("proc_a", event), name


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
            # A fixed wait on purpose: it checks that nothing more arrives, not for an event.
            await asyncio.sleep(0.3)
            assert seen_by_first.empty()
            assert seen_by_second.empty()
    finally:
        await first.stop()
        await second.stop()
