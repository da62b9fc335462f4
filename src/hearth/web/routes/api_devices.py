"""JSON API of the device cloud for fans: homes, binding, devices, history, commands.

Mounted under ``/api/v1``. Every route checks the caller's membership in the home
through the services; anything not theirs answers 404.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from hearth.errors import ConfigError, InvalidInput
from hearth.homes import service as homes
from hearth.hub import binding, reading
from hearth.hub.commands import device_for_member
from hearth.hub.models import Command
from hearth.hub.reading import DeviceView
from hearth.web.deps import CurrentUser, HearthDep, NowDep, SessionDep

router = APIRouter(tags=["devices"])


class HomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80)


class HomeOut(BaseModel):
    id: str
    name: str
    role: str
    created_at: datetime


class BindIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pairing_code: str = Field(min_length=1, max_length=40, description="as on the label")


class MoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    home_id: str = Field(min_length=1, max_length=32)


class DeviceOut(BaseModel):
    id: str
    model: str
    name: str
    home_id: str | None
    online: bool
    last_seen: datetime | None
    availability_changed_at: datetime | None
    firmware: str | None
    reported: dict[str, Any]
    desired: dict[str, Any]
    delta: dict[str, Any]
    reports: int
    rejected: int
    last_rejection: str | None


class DeviceDetail(DeviceOut):
    spec_version: int
    spec: dict[str, Any]


class CommandIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["set", "get", "action"]
    props: dict[str, Any] | None = Field(default=None, description='set: {"2.1": true}')
    keys: list[str] | None = Field(default=None, description='get: ["2.1", "2.2"]')
    action: str | None = Field(default=None, description='action: "5.1"')
    args: dict[str, Any] | None = Field(default=None, description='action: {"5.2": 3}')
    request_id: str | None = Field(
        default=None,
        max_length=64,
        description="your idempotency key: a retry returns the first outcome",
    )
    timeout: float = Field(default=5.0, description="seconds to wait for the device's answer")
    wait_online: float = Field(
        default=0.0, description="seconds to wait for an offline device to reconnect; 0: fail fast"
    )

    def payload(self) -> dict[str, Any]:
        if self.kind == "set":
            return {"props": self.props}
        if self.kind == "get":
            return {"keys": self.keys}
        return {"action": self.action, "args": self.args or {}}


class CommandOut(BaseModel):
    id: str
    request_id: str
    device_id: str
    kind: str
    status: str
    payload: dict[str, Any]
    result: dict[str, Any] | None
    created_at: datetime
    sent_at: datetime | None
    answered_at: datetime | None

    @classmethod
    def of(cls, command: Command) -> CommandOut:
        return cls(
            id=command.id, request_id=command.request_id, device_id=command.device_id,
            kind=command.kind, status=command.status, payload=command.payload,
            result=command.result, created_at=command.created_at, sent_at=command.sent_at,
            answered_at=command.answered_at,
        )  # fmt: skip


class PointOut(BaseModel):
    at: datetime
    value: Any
    min: float | None = None
    max: float | None = None
    count: int = 1


def _device_out(view: DeviceView) -> dict[str, Any]:
    state = view.state
    return {
        "id": view.device.id, "model": view.model.id, "name": view.model.name,
        "home_id": view.device.home_id, "online": state.online, "last_seen": state.last_seen,
        "availability_changed_at": state.availability_at, "firmware": state.firmware,
        "reported": state.reported, "desired": state.desired, "delta": view.delta,
        "reports": state.reports, "rejected": state.rejected,
        "last_rejection": state.last_rejection,
    }  # fmt: skip


@router.get("/homes", response_model=list[HomeOut])
async def list_homes(user: CurrentUser, session: SessionDep) -> list[HomeOut]:
    """List your homes and your role in each."""
    found = await homes.list_homes(session, user=user)
    return [HomeOut(id=h.id, name=h.name, role=r.value, created_at=h.created_at) for h, r in found]


@router.post("/homes", status_code=status.HTTP_201_CREATED, response_model=HomeOut)
async def create_home(body: HomeIn, user: CurrentUser, session: SessionDep, now: NowDep) -> HomeOut:
    """Create a home that you own."""
    home = await homes.create_home(session, owner=user, name=body.name, now=now)
    return HomeOut(id=home.id, name=home.name, role="owner", created_at=home.created_at)


@router.get("/homes/{home_id}/devices", response_model=list[DeviceOut])
async def home_devices(
    home_id: str, user: CurrentUser, session: SessionDep
) -> list[dict[str, Any]]:
    """List a home's devices with their state and availability."""
    return [_device_out(v) for v in await reading.home_devices(session, user=user, home_id=home_id)]


@router.post(
    "/homes/{home_id}/devices", status_code=status.HTTP_201_CREATED, response_model=DeviceOut
)
async def add_device(
    home_id: str, body: BindIn, user: CurrentUser, session: SessionDep, now: NowDep,
) -> dict[str, Any]:  # fmt: skip
    """Add a device to a home you own with the pairing code on its label."""
    bound = await binding.bind(
        session, user=user, home_id=home_id, pairing_code=body.pairing_code, now=now
    )
    return _device_out(await reading.device_view(session, user=user, device_id=bound.device.id))


@router.get("/devices/{device_id}", response_model=DeviceDetail)
async def device_detail(device_id: str, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    """Return a device: its spec, reported and desired state, availability."""
    view = await reading.device_view(session, user=user, device_id=device_id)
    return {**_device_out(view), "spec_version": view.model.spec_version, "spec": view.model.spec}


@router.delete("/devices/{device_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_device(
    device_id: str, user: CurrentUser, session: SessionDep,
) -> None:  # fmt: skip
    """Remove a device from its home, with everything it reported there."""
    await binding.unbind(session, user=user, device_id=device_id)


@router.post("/devices/{device_id}/move", response_model=DeviceOut)
async def move_device(
    device_id: str, body: MoveIn, user: CurrentUser, session: SessionDep, now: NowDep,
) -> dict[str, Any]:  # fmt: skip
    """Move a device to another home you own."""
    await binding.move(session, user=user, device_id=device_id, home_id=body.home_id, now=now)
    return _device_out(await reading.device_view(session, user=user, device_id=device_id))


@router.get("/devices/{device_id}/history", response_model=list[PointOut])
async def device_history(
    device_id: str,
    user: CurrentUser,
    session: SessionDep,
    key: Annotated[str, Query(max_length=24, description='"2.1", or "e:2.1" for an event')],
    since: Annotated[AwareDatetime | None, Query(description="default: 24 hours ago")] = None,
    until: Annotated[AwareDatetime | None, Query(description="default: now")] = None,
    points: Annotated[int | None, Query(description="downsample to this many buckets")] = None,
) -> list[PointOut]:
    """Return a property's or an event's history in a time range, downsampled on request."""
    end = until or datetime.now().astimezone()
    start = since or end - timedelta(hours=24)
    found = await reading.device_history(
        session, user=user, device_id=device_id, key=key, since=start, until=end, points=points
    )
    return [PointOut(at=p.at, value=p.value, min=p.min, max=p.max, count=p.count) for p in found]


@router.post("/devices/{device_id}/commands", response_model=CommandOut)
async def send_command(
    device_id: str, body: CommandIn, user: CurrentUser, session: SessionDep, hearth: HearthDep
) -> CommandOut:
    """Send a command and wait for the device's answer (504 on timeout, 409 if offline).

    ``status`` is ``succeeded`` or ``failed``; ``result.results`` has each property's code.
    """
    await device_for_member(session, user=user, device_id=device_id)  # 404 before anything
    if hearth.cloud is None:
        raise ConfigError("this hearth process has no device cloud (no broker connection)")
    if body.kind == "set" and not body.props or body.kind == "action" and not body.action:
        raise InvalidInput(
            f"a {body.kind} command needs {'props' if body.kind == 'set' else 'action'}"
        )
    # Release the request's transaction: waiting for a device must not hold a connection.
    await session.commit()
    command = await hearth.cloud.commands.execute(
        user=user, device_id=device_id, kind=body.kind, payload=body.payload(),
        request_id=body.request_id, answer_within=body.timeout, wait_online=body.wait_online,
    )  # fmt: skip
    return CommandOut.of(command)


@router.get("/devices/{device_id}/commands/{command_id}", response_model=CommandOut)
async def command_detail(
    device_id: str, command_id: str, user: CurrentUser, session: SessionDep
) -> CommandOut:
    """Return a command and its outcome (for one that timed out: did it arrive later?)."""
    return CommandOut.of(
        await reading.command_of(session, user=user, device_id=device_id, command_id=command_id)
    )
