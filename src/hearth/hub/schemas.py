"""Request and response models of the device cloud's HTTP API.

For fans (a device, its history and commands), for makers (products, units, secrets),
for EMQX's hooks, and for spec validation and the built-in library. Names carry the
area (``DeviceCommandOut``, ``BrokerHookOut``) so they stay unique in the OpenAPI document.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hearth.devices import Spec, present, spec_to_dict
from hearth.hub import identity
from hearth.hub.history import Point
from hearth.hub.models import Command, Device
from hearth.hub.reading import DeviceView


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- devices, for the people of their home -------------------------------------------------


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

    @classmethod
    def of(cls, view: DeviceView) -> DeviceOut:
        return cls(**_device_fields(view))


class DeviceDetail(DeviceOut):
    spec_version: int
    spec: dict[str, Any]

    @classmethod
    def of(cls, view: DeviceView) -> DeviceDetail:
        return cls(
            **_device_fields(view), spec_version=view.model.spec_version, spec=view.model.spec
        )


def _device_fields(view: DeviceView) -> dict[str, Any]:
    state = view.state
    return {
        "id": view.device.id,
        "model": view.model.id,
        "name": view.model.name,
        "home_id": view.device.home_id,
        "online": state.online,
        "last_seen": state.last_seen,
        "availability_changed_at": state.availability_at,
        "firmware": state.firmware,
        "reported": state.reported,
        "desired": state.desired,
        "delta": view.delta,
        "reports": state.reports,
        "rejected": state.rejected,
        "last_rejection": state.last_rejection,
    }


class DeviceMoveIn(_In):
    home_id: str = Field(min_length=1, max_length=32)


class DeviceCommandIn(_In):
    # The contract says what the validator below checks: a set needs props, an action its key.
    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                {
                    "if": {"properties": {"kind": {"const": "set"}}},
                    "then": {
                        "required": ["props"],
                        "properties": {"props": {"type": "object", "minProperties": 1}},
                    },
                },
                {
                    "if": {"properties": {"kind": {"const": "action"}}},
                    "then": {
                        "required": ["action"],
                        "properties": {"action": {"type": "string", "minLength": 1}},
                    },
                },
            ]
        }
    )

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

    @model_validator(mode="after")
    def _has_what_its_kind_needs(self) -> Self:
        if self.kind == "set" and not self.props:
            raise ValueError("a set command needs props")
        if self.kind == "action" and not self.action:
            raise ValueError("an action command needs action")
        return self

    def payload(self) -> dict[str, Any]:
        """Return the command's payload as the device cloud sends it."""
        if self.kind == "set":
            return {"props": self.props}
        if self.kind == "get":
            return {"keys": self.keys}
        return {"action": self.action, "args": self.args or {}}


class DeviceCommandOut(BaseModel):
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
    def of(cls, command: Command) -> DeviceCommandOut:
        return cls(
            id=command.id,
            request_id=command.request_id,
            device_id=command.device_id,
            kind=command.kind,
            status=command.status,
            payload=command.payload,
            result=command.result,
            created_at=command.created_at,
            sent_at=command.sent_at,
            answered_at=command.answered_at,
        )


class HistoryPointOut(BaseModel):
    at: datetime
    value: Any
    min: float | None = None
    max: float | None = None
    count: int = 1

    @classmethod
    def of(cls, point: Point) -> HistoryPointOut:
        return cls(at=point.at, value=point.value, min=point.min, max=point.max, count=point.count)


# -- products and units, for makers --------------------------------------------------------


class DeviceModelOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    spec_version: int
    partner_id: str | None
    created_at: datetime
    updated_at: datetime


class MintIn(_In):
    count: int = Field(ge=1, le=identity.MAX_MINT)


class MintedUnitOut(BaseModel):
    device_id: str
    model: str
    secret: str = Field(description="for the device's firmware; shown only in this response")
    pairing_code: str = Field(description="for the label")
    qr: str = Field(description="what the label's QR code encodes")

    @classmethod
    def of(cls, unit: identity.Minted) -> MintedUnitOut:
        return cls(
            device_id=unit.device_id,
            model=unit.model_id,
            secret=unit.secret,
            pairing_code=unit.pairing_code,
            qr=unit.qr,
        )


class DeviceUnitOut(BaseModel):
    id: str
    model_id: str
    status: str
    batch: str
    bound: bool
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, device: Device) -> DeviceUnitOut:
        return cls(
            id=device.id,
            model_id=device.model_id,
            status=device.status,
            batch=device.batch,
            bound=device.home_id is not None,
            created_at=device.created_at,
            revoked_at=device.revoked_at,
        )


class UnitSecretOut(BaseModel):
    device_id: str
    secret: str = Field(description="the new secret; the old one no longer works")


# -- EMQX's hooks --------------------------------------------------------------------------


class BrokerAuthIn(BaseModel):
    # EMQX sends more than hearth reads; what it adds is no error.
    model_config = ConfigDict(extra="ignore")

    clientid: str = Field(max_length=256)
    username: str | None = Field(default=None, max_length=256)
    password: str | None = Field(default=None, max_length=256)


class BrokerAclIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    username: str | None = Field(default=None, max_length=256)
    topic: str = Field(max_length=1024)
    action: Literal["publish", "subscribe"]


class BrokerHookOut(BaseModel):
    result: Literal["allow", "deny"]


# -- specs: validation and the built-in library --------------------------------------------


class SpecIssueOut(BaseModel):
    pointer: str = Field(description="JSON pointer to the place in the document")
    reason: str = Field(description="a stable code, listed in docs/device-spec.md")
    message: str


class SpecReportOut(BaseModel):
    valid: bool
    issues: list[SpecIssueOut]
    warnings: list[SpecIssueOut]


class SpecSummaryOut(BaseModel):
    model: str
    version: int
    name: str
    category: str
    description: str

    @classmethod
    def fields_of(cls, spec: Spec) -> dict[str, Any]:
        """Return the summary's fields, for this model and those that extend it."""
        return {
            "model": spec.model,
            "version": spec.version,
            "name": spec.name,
            "category": spec.category,
            "description": spec.description,
        }

    @classmethod
    def of(cls, spec: Spec) -> SpecSummaryOut:
        return cls(**cls.fields_of(spec))


class SpecListOut(BaseModel):
    specs: list[SpecSummaryOut]


class SpecControlOut(BaseModel):
    key: str = Field(description='"siid.iid"')
    kind: str = Field(description='"property", "action" or "event"')
    label: str
    hint: str | None = Field(description="the widget; null for events, shown but not operated")
    service: str = Field(description="the label of the service it belongs to")


class SpecUiOut(BaseModel):
    main_switch: str | None = Field(description='"siid.piid" of the on/off property')
    primary: str | None = Field(description='"siid.piid" of the state a device card shows')
    controls: list[SpecControlOut]

    @classmethod
    def of(cls, spec: Spec) -> SpecUiOut:
        view = present(spec)
        return cls(
            main_switch="{}.{}".format(*view.main_switch) if view.main_switch else None,
            primary="{}.{}".format(*view.primary) if view.primary else None,
            controls=[
                SpecControlOut(
                    key=c.key,
                    kind=c.kind,
                    label=c.label,
                    hint=c.hint,
                    service=c.service_label,
                )
                for c in view.controls
            ],
        )


class SpecDetailOut(SpecSummaryOut):
    spec: dict[str, Any] = Field(description="the native document")
    ui: SpecUiOut

    @classmethod
    def of(cls, spec: Spec) -> SpecDetailOut:
        return cls(**SpecSummaryOut.fields_of(spec), spec=spec_to_dict(spec), ui=SpecUiOut.of(spec))
