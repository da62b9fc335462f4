"""Events of the device cloud: frozen, past tense, published after commit.

Shared events travel to every hearth process (``hearth.relay``). Ingest applies device
traffic in batches, so it emits one shared ``DeviceUpdatesApplied`` per batch; each
process expands it locally into the fine-grained events that the UI and scenes follow
(``DeviceStateChanged``, ``DeviceCameOnline``, ...), keeping broker traffic per batch
rather than per report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hearth.bus import Event, shared_event


@shared_event
@dataclass(frozen=True)
class DeviceBound(Event):
    device_id: str
    home_id: str
    model_id: str


@shared_event
@dataclass(frozen=True)
class DeviceUnbound(Event):
    device_id: str
    home_id: str


@shared_event
@dataclass(frozen=True)
class DevicesMinted(Event):
    """New units exist: brokers that keep a password file must learn them."""

    model_id: str
    count: int


@shared_event
@dataclass(frozen=True)
class DeviceCredentialsChanged(Event):
    """A device's secret was rotated or the device revoked: drop it and forget caches."""

    device_id: str
    revoked: bool


@shared_event
@dataclass(frozen=True)
class DeviceUpdatesApplied(Event):
    """One ingest batch: each update is ``{"kind", "device_id", "home_id", "at", ...}``."""

    updates: list[dict[str, Any]] = field(default_factory=list)


@shared_event
@dataclass(frozen=True)
class CommandAnswered(Event):
    """A command reached a final status (answered, refused or timed out)."""

    command_id: str
    device_id: str
    status: str


@dataclass(frozen=True)
class DeviceReportArrived(Event):
    """A report or event, checked against the device's spec, the moment it arrives.

    Told (``EventBus.tell``) only in the process the broker gave the message to, before
    the batch holding it is written, for listeners that must react within a millisecond
    (scene triggers). Repeats this process has already seen are not told. ``event`` is
    None for a property report (``values``: ``"siid.piid"`` → value) and the event's key
    for a device event (``values``: its arguments).
    """

    device_id: str
    event: str | None
    values: dict[str, Any]
    at: datetime


@dataclass(frozen=True)
class DeviceStateChanged(Event):
    """Reported properties changed; ``changed`` maps ``"siid.piid"`` to the new value."""

    device_id: str
    home_id: str | None
    changed: dict[str, Any]
    at: datetime


@dataclass(frozen=True)
class DeviceCameOnline(Event):
    device_id: str
    home_id: str | None
    at: datetime


@dataclass(frozen=True)
class DeviceWentOffline(Event):
    device_id: str
    home_id: str | None
    at: datetime


@dataclass(frozen=True)
class DeviceEventRaised(Event):
    """A device event (``"siid.eiid"``) with its arguments (``"siid.piid"`` → value)."""

    device_id: str
    home_id: str | None
    event: str
    args: dict[str, Any]
    at: datetime


def expand(batch: DeviceUpdatesApplied) -> list[Event]:
    """Turn a batch into the fine-grained events listeners follow."""
    events: list[Event] = []
    for update in batch.updates:
        at = datetime.fromisoformat(update["at"])
        device_id, home_id = update["device_id"], update.get("home_id")
        kind = update["kind"]
        if kind == "state":
            events.append(DeviceStateChanged(device_id, home_id, update["changed"], at))
        elif kind == "online":
            events.append(DeviceCameOnline(device_id, home_id, at))
        elif kind == "offline":
            events.append(DeviceWentOffline(device_id, home_id, at))
        elif kind == "event":
            events.append(
                DeviceEventRaised(device_id, home_id, update["event"], update["args"], at)
            )
    return events
