"""The live stream of one home: its devices' state, availability, events and commands.

Events reach every hearth process through the relay; each open stream follows its
process's bus and keeps only what belongs to its home. ``frame`` is the pure filter: a
member of one home never receives another home's events. A stream ends when its user
leaves the home (or is removed, or the home is deleted). Every ``RECHECK_SECONDS``, busy
or idle, it checks again that the user is still a member and that what opened it (the
session cookie or the API token) still stands: a log-out or a revoked token ends the
stream at the next check, as a lost "left the home" would.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio
from sqlalchemy import select

from hearth.accounts.service import Credential, holder
from hearth.devices.present import value_label
from hearth.devices.spec import Property, Spec
from hearth.homes.board import spec_of
from hearth.homes.cards import card, event_label
from hearth.homes.events import HomeChanged, HomeLeft
from hearth.homes.service import membership
from hearth.hub.events import (
    CommandAnswered,
    DeviceBound,
    DeviceCameOnline,
    DeviceEventRaised,
    DeviceStateChanged,
    DeviceUnbound,
    DeviceWentOffline,
)
from hearth.hub.models import Device, DeviceModel, DeviceState

if TYPE_CHECKING:  # the composition root builds on this module, not the reverse
    from hearth.bootstrap import Hearth

RECHECK_SECONDS = 5.0  # two small reads per open stream; a log-out ends it within this
CLOSE = "closed"


@dataclass(frozen=True)
class Frame:
    """One server-sent event: its name and JSON data."""

    event: str
    data: dict[str, Any]

    def sse(self) -> dict[str, str]:
        return {"event": self.event, "data": json.dumps(self.data, default=str)}


def _prop(spec: Spec, key: str) -> Property | None:
    siid, _, piid = key.partition(".")
    for service in spec.services:
        if str(service.iid) == siid:
            return next((p for p in service.properties if str(p.iid) == piid), None)
    return None


def _labels(spec: Spec, changed: Mapping[str, Any]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for key, value in changed.items():
        prop = _prop(spec, key)
        labels[key] = value_label(prop, value) if prop is not None else str(value)
    return labels


def frame(
    event: object,
    *,
    home_id: str,
    user_id: str,
    specs: Mapping[str, Spec],
    reported: Callable[[str], dict[str, Any]] | None = None,
) -> Frame | None:
    """Return what a stream of ``home_id`` sends for ``event`` (None: nothing).

    ``specs`` maps the home's device ids to their specs: only those devices are news.
    """
    if isinstance(event, HomeLeft) and event.home_id == home_id:
        if event.user_id in (None, user_id):
            return Frame(CLOSE, {"home_id": home_id})
        return Frame("home", {"what": "members"})
    if isinstance(event, HomeChanged) and event.home_id == home_id:
        return Frame("home", {"what": event.what})
    if isinstance(event, DeviceBound | DeviceUnbound) and (
        event.home_id == home_id or event.device_id in specs
    ):
        return Frame("home", {"what": "devices"})
    device_id = getattr(event, "device_id", None)
    if device_id is None or device_id not in specs:
        return None
    spec = specs[device_id]
    if isinstance(event, DeviceStateChanged) and event.home_id == home_id:
        data: dict[str, Any] = {
            "device_id": device_id,
            "changed": event.changed,
            "labels": _labels(spec, event.changed),
            "at": event.at.isoformat(),
        }
        if reported is not None:  # the card's summary may depend on more than what changed
            now = card(spec, reported(device_id), device_id=device_id, name="", online=True)
            data["card"] = {"state": now.state_label, "switch_on": now.switch_on}
        return Frame("state", data)
    if isinstance(event, DeviceCameOnline | DeviceWentOffline) and event.home_id == home_id:
        online = isinstance(event, DeviceCameOnline)
        return Frame(
            "availability",
            {"device_id": device_id, "online": online, "at": event.at.isoformat()},
        )
    if isinstance(event, DeviceEventRaised) and event.home_id == home_id:
        return Frame(
            "device-event",
            {
                "device_id": device_id,
                "key": event.event,
                "label": event_label(spec, event.event),
                "args": event.args,
                "at": event.at.isoformat(),
            },
        )
    if isinstance(event, CommandAnswered):
        return Frame(
            "command",
            {"device_id": device_id, "command_id": event.command_id, "status": event.status},
        )
    return None


async def _devices(hearth: Hearth, home_id: str) -> tuple[dict[str, Spec], dict[str, Any]]:
    # Shielded, as is every read of an open stream: a client that goes away mid-read
    # cancels the stream after the read ends, not inside it, where the cancellation
    # would cost the pool its connection.
    specs: dict[str, Spec] = {}
    reported: dict[str, Any] = {}
    with anyio.CancelScope(shield=True):
        async with hearth.sessions() as session:
            rows = await session.execute(
                select(Device.id, DeviceModel, DeviceState.reported)
                .join(DeviceModel, DeviceModel.id == Device.model_id)
                .join(DeviceState, DeviceState.device_id == Device.id)
                .where(Device.home_id == home_id)
            )
            for device_id, model, state in rows:
                specs[device_id] = spec_of(model)
                reported[device_id] = dict(state or {})
    return specs, reported


async def _snapshot(
    hearth: Hearth, device_id: str, spec: Spec, reported: dict[str, Any]
) -> list[Frame]:
    """Return the frames that bring a device's page up to date on (re)connecting: all it
    knows of the device's state and availability, in case it changed since the page was
    drawn (a new device's first state often arrives just then)."""
    with anyio.CancelScope(shield=True):
        async with hearth.sessions() as session:
            state = await session.get(DeviceState, device_id)
    if state is None:
        return []
    now = card(spec, reported, device_id=device_id, name="", online=True)
    at = state.availability_at or state.updated_at or hearth.clock.now()
    return [
        Frame(
            "state",
            {
                "device_id": device_id,
                "changed": reported,
                "labels": _labels(spec, reported),
                "at": at.isoformat(),
                "card": {"state": now.state_label, "switch_on": now.switch_on},
                "snapshot": True,
            },
        ),
        Frame(
            "availability",
            {
                "device_id": device_id,
                "online": state.online,
                "at": state.availability_at.isoformat() if state.availability_at else None,
            },
        ),
    ]


async def _still_allowed(
    hearth: Hearth, user_id: str, home_id: str, credential: Credential
) -> bool:
    allowed = False
    with anyio.CancelScope(shield=True):
        async with hearth.sessions() as session:
            if await holder(session, credential, now=hearth.clock.now()) == user_id:
                found = await membership(session, user_id=user_id, home_id=home_id)
                allowed = found is not None
    return allowed


async def stream(
    hearth: Hearth,
    *,
    user_id: str,
    home_id: str,
    credential: Credential,
    device_id: str | None = None,
) -> AsyncGenerator[dict[str, str], None]:
    """Yield the home's live events as SSE dicts while the user is in the home and the
    credential that opened the stream still signs them in. With ``device_id`` (a device
    page's stream), first all that is known of that device now."""
    loop = asyncio.get_running_loop()
    async with hearth.bus.listen() as queue:
        specs, reported = await _devices(hearth, home_id)
        yield Frame("ready", {"home_id": home_id, "devices": len(specs)}).sse()
        if device_id is not None and device_id in specs:
            for first in await _snapshot(hearth, device_id, specs[device_id], reported[device_id]):
                yield first.sse()
        check_at = loop.time() + RECHECK_SECONDS
        while True:
            event: object = None
            try:
                event = await asyncio.wait_for(queue.get(), max(0.0, check_at - loop.time()))
            except TimeoutError:
                pass
            if loop.time() >= check_at:  # on time even while events keep coming
                if not await _still_allowed(hearth, user_id, home_id, credential):
                    yield Frame(CLOSE, {"home_id": home_id}).sse()
                    return
                check_at = loop.time() + RECHECK_SECONDS
            if event is None:
                continue
            if isinstance(event, DeviceStateChanged) and event.device_id in reported:
                reported[event.device_id].update(event.changed)
            found = frame(
                event,
                home_id=home_id,
                user_id=user_id,
                specs=specs,
                reported=lambda d: reported.get(d, {}),  # noqa: B023
            )
            if found is None:
                continue
            if found.event == "home" and found.data["what"] == "devices":
                specs, reported = await _devices(hearth, home_id)
            yield found.sse()
            if found.event == CLOSE:
                return
