"""The device protocol, version 1: topics and JSON payloads (pure rules, no I/O).

``docs/device-protocol.md`` is the prose version of this module; keep them in step.

Every device ``<id>`` publishes under ``dev/v1/<id>/up/<kind>`` and subscribes to
``dev/v1/<id>/down/+``; the broker lets it touch nothing else. Properties, events and
actions are named ``"<siid>.<iid>"`` as in its spec (``"2.1"``). Messages that change
state carry ``boot`` (grows with every start of the device) and ``seq`` (grows by one per
message within a boot), so the cloud applies each exactly once even when the broker
delivers one twice or two hearth workers receive them out of order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson

VERSION = 1
ROOT = f"dev/v{VERSION}"
MAX_PAYLOAD = 8 * 1024
MAX_INT = 2**53 - 1  # what every JSON parser keeps exactly
OK = "ok"
_KEY = re.compile(r"^(?:0|[1-9][0-9]{0,2})\.(?:0|[1-9][0-9]{0,3})$")
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class Up(StrEnum):
    """What a device publishes."""

    REPORT = "report"  # property values
    EVENT = "event"  # something happened, with arguments
    INFO = "info"  # model and firmware, on every connection
    STATUS = "status"  # online (on connect and as heartbeat); offline is the last will
    RESULT = "result"  # the answer to a set, get or action request


class Down(StrEnum):
    """What the cloud sends a device."""

    SET = "set"
    GET = "get"
    ACTION = "action"


class ResultCode(StrEnum):
    """Codes a device answers per property or action: ``ok`` or what went wrong.

    The value codes are the spec validator's reasons (``hearth.devices.values``), so a
    device built on the same validator answers exactly what the cloud would have said.
    """

    OK = "ok"
    UNKNOWN = "unknown"  # no such property or action in the spec
    NOT_READABLE = "not_readable"
    NOT_WRITABLE = "not_writable"
    WRONG_TYPE = "wrong_type"
    NOT_INTEGER = "not_integer"
    OUT_OF_RANGE = "out_of_range"
    OFF_STEP = "off_step"
    NOT_IN_LIST = "not_in_list"
    TOO_LONG = "too_long"
    BAD_ARGUMENTS = "bad_arguments"
    BUSY = "busy"  # cannot do it now (a jammed lock, a motor already moving)
    DEVICE_ERROR = "device_error"  # anything else that went wrong on the device


UP_FILTER = f"{ROOT}/+/up/+"
# The request ids of the cloud's own reads of a device's whole state (on pairing and on
# every reconnection): their answers are folded into the reported state, with no command
# row to settle.
STATE_READ = "state-"
STATE_READ_KEYS = 256  # keys per read, so that a request stays far below ``MAX_PAYLOAD``


def up_topic(device_id: str, kind: Up) -> str:
    return f"{ROOT}/{device_id}/up/{kind}"


def down_topic(device_id: str, kind: Down) -> str:
    return f"{ROOT}/{device_id}/down/{kind}"


def down_filter(device_id: str) -> str:
    """Return the one filter a device subscribes to."""
    return f"{ROOT}/{device_id}/down/+"


def parse_up_topic(topic: str) -> tuple[str, Up] | None:
    """Return ``(device_id, kind)`` for a device's up topic, or None for anything else."""
    parts = topic.split("/")
    if len(parts) != 5 or f"{parts[0]}/{parts[1]}" != ROOT or parts[3] != "up":
        return None
    try:
        return parts[2], Up(parts[4])
    except ValueError:
        return None


def parse_down_topic(topic: str) -> tuple[str, Down] | None:
    """Return ``(device_id, kind)`` for a down topic, or None."""
    parts = topic.split("/")
    if len(parts) != 5 or f"{parts[0]}/{parts[1]}" != ROOT or parts[3] != "down":
        return None
    try:
        return parts[2], Down(parts[4])
    except ValueError:
        return None


class ProtocolViolation(ValueError):
    """A payload that breaks the protocol; ``reason`` is a stable code for counting."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Report:
    boot: int
    seq: int
    props: dict[str, Any]


@dataclass(frozen=True, slots=True)
class EventMessage:
    boot: int
    seq: int
    event: str
    args: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Info:
    boot: int
    seq: int
    model: str
    firmware: str
    heartbeat: int


@dataclass(frozen=True, slots=True)
class Status:
    boot: int
    link: int
    online: bool


@dataclass(frozen=True, slots=True)
class Result:
    request_id: str
    code: str
    results: dict[str, dict[str, Any]]
    out: dict[str, Any]


UpMessage = Report | EventMessage | Info | Status | Result


@dataclass(frozen=True, slots=True)
class SetRequest:
    request_id: str
    props: dict[str, Any]


@dataclass(frozen=True, slots=True)
class GetRequest:
    request_id: str
    keys: list[str]


@dataclass(frozen=True, slots=True)
class ActionRequest:
    request_id: str
    action: str
    args: dict[str, Any]


DownMessage = SetRequest | GetRequest | ActionRequest


# Keys already matched: a fleet's messages use a few dozen, and matching every key of every
# report was a tenth of reading it. Bounded, so junk keys cannot grow it.
_KEYS_SEEN: set[str] = set()
_KEYS_KEPT = 10_000


def _key_text(key: str) -> bool:
    if key in _KEYS_SEEN:
        return True
    if _KEY.match(key) is None:
        return False
    if len(_KEYS_SEEN) < _KEYS_KEPT:
        _KEYS_SEEN.add(key)
    return True


def is_key(value: object) -> bool:
    """Tell whether ``value`` names a property, event or action (``"2.1"``)."""
    return isinstance(value, str) and _key_text(value)


def split_key(key: str) -> tuple[int, int]:
    """Return ``(siid, iid)`` of a key already checked with ``is_key``."""
    siid, _, iid = key.partition(".")
    return int(siid), int(iid)


def _load(payload: bytes) -> dict[str, Any]:
    if len(payload) > MAX_PAYLOAD:
        raise ProtocolViolation("oversized", f"payload of {len(payload)} bytes > {MAX_PAYLOAD}")
    try:
        body = orjson.loads(payload)
    except (ValueError, RecursionError) as err:
        raise ProtocolViolation("malformed_json", f"not JSON: {err}") from None
    if not isinstance(body, dict):
        raise ProtocolViolation("not_an_object", "the payload must be a JSON object")
    return body


def _count(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if type(value) is not int or not 0 <= value <= MAX_INT:
        raise ProtocolViolation("bad_field", f"{name!r} must be an integer from 0 to 2^53-1")
    return value


def _keyed(body: dict[str, Any], name: str, *, required: bool = True) -> dict[str, Any]:
    value = body.get(name)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise ProtocolViolation("bad_field", f"{name!r} must be an object")
    for key in value:
        if not _key_text(key):
            raise ProtocolViolation("bad_key", f"{key!r} in {name!r} is not a '<siid>.<iid>' key")
    return value


def _text(
    body: dict[str, Any], name: str, limit: int, pattern: re.Pattern[str] | None = None
) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not 0 < len(value) <= limit:
        raise ProtocolViolation("bad_field", f"{name!r} must be text of 1-{limit} characters")
    if pattern is not None and not pattern.match(value):
        raise ProtocolViolation("bad_field", f"{name!r} has characters it may not have")
    return value


# The fields each kind of message may carry. Anything else is refused, not ignored: a
# device that sends fields hearth does not read is broken or probing, and what it meant
# by them must not pass as applied.
UP_FIELDS: dict[Up, frozenset[str]] = {
    Up.REPORT: frozenset({"boot", "seq", "props"}),
    Up.EVENT: frozenset({"boot", "seq", "event", "args"}),
    Up.INFO: frozenset({"boot", "seq", "model", "fw", "heartbeat"}),
    Up.STATUS: frozenset({"boot", "link", "online"}),
    Up.RESULT: frozenset({"id", "code", "results", "out"}),
}


def decode_up(kind: Up, payload: bytes) -> UpMessage:
    """Decode what a device published; raise ``ProtocolViolation`` naming what is wrong."""
    body = _load(payload)
    unknown = sorted(body.keys() - UP_FIELDS[kind])
    if unknown:
        names = ", ".join(repr(name[:40]) for name in unknown[:5])
        raise ProtocolViolation("unknown_field", f"a {kind.value} has no field {names}")
    if kind is Up.REPORT:
        props = _keyed(body, "props")
        if not props:
            raise ProtocolViolation("bad_field", "'props' must name at least one property")
        return Report(_count(body, "boot"), _count(body, "seq"), props)
    if kind is Up.EVENT:
        event = body.get("event")
        if not is_key(event):
            raise ProtocolViolation("bad_key", "'event' must be a '<siid>.<eiid>' key")
        assert isinstance(event, str)
        args = _keyed(body, "args", required=False)
        return EventMessage(_count(body, "boot"), _count(body, "seq"), event, args)
    if kind is Up.INFO:
        heartbeat = body.get("heartbeat", 60)
        if type(heartbeat) is not int or not 5 <= heartbeat <= 3600:
            raise ProtocolViolation("bad_field", "'heartbeat' must be 5-3600 seconds")
        return Info(
            _count(body, "boot"),
            _count(body, "seq"),
            _text(body, "model", 64),
            _text(body, "fw", 40),
            heartbeat,
        )
    if kind is Up.STATUS:
        online = body.get("online")
        if not isinstance(online, bool):
            raise ProtocolViolation("bad_field", "'online' must be true or false")
        return Status(_count(body, "boot"), _count(body, "link"), online)
    return _decode_result(body)


def _decode_result(body: dict[str, Any]) -> Result:
    request_id = _text(body, "id", 64, _REQUEST_ID)
    code = body.get("code", OK)
    if not isinstance(code, str) or not _CODE.match(code):
        raise ProtocolViolation("bad_field", "'code' must be a result code such as 'ok'")
    results = _keyed(body, "results", required=False)
    for key, part in results.items():
        if not isinstance(part, dict) or not isinstance(part.get("code"), str):
            raise ProtocolViolation("bad_field", f"result for {key!r} must be {{'code': ...}}")
        if not _CODE.match(part["code"]):
            raise ProtocolViolation("bad_field", f"result code for {key!r} is not a code")
    out = _keyed(body, "out", required=False)
    return Result(request_id, code, results, out)


def _dump(body: dict[str, Any]) -> bytes:
    return orjson.dumps(body)


def encode_down(message: DownMessage) -> tuple[Down, bytes]:
    """Return the kind and payload the cloud publishes for a request."""
    if isinstance(message, SetRequest):
        return Down.SET, _dump({"id": message.request_id, "props": message.props})
    if isinstance(message, GetRequest):
        return Down.GET, _dump({"id": message.request_id, "keys": message.keys})
    return Down.ACTION, _dump(
        {"id": message.request_id, "action": message.action, "args": message.args}
    )


def decode_down(kind: Down, payload: bytes) -> DownMessage:
    """Decode a request on the device side; raise ``ProtocolViolation`` if malformed."""
    body = _load(payload)
    request_id = _text(body, "id", 64, _REQUEST_ID)
    if kind is Down.SET:
        return SetRequest(request_id, _keyed(body, "props"))
    if kind is Down.GET:
        keys = body.get("keys")
        if not isinstance(keys, list) or not all(is_key(k) for k in keys):
            raise ProtocolViolation("bad_field", "'keys' must be a list of '<siid>.<piid>'")
        return GetRequest(request_id, list(keys))
    action = body.get("action")
    if not is_key(action):
        raise ProtocolViolation("bad_key", "'action' must be a '<siid>.<aiid>' key")
    assert isinstance(action, str)
    return ActionRequest(request_id, action, _keyed(body, "args", required=False))


def state_reads(keys: list[str], request_id: str) -> list[GetRequest]:
    """Return the requests that read every one of ``keys`` (a device's readable properties),
    each with an id marked as the cloud's own state read (``STATE_READ``)."""
    return [
        GetRequest(f"{STATE_READ}{request_id}-{n}", keys[start : start + STATE_READ_KEYS])
        for n, start in enumerate(range(0, len(keys), STATE_READ_KEYS))
    ]


def is_state_read(request_id: str) -> bool:
    """Tell whether a result answers the cloud's own read of a device's state."""
    return request_id.startswith(STATE_READ)


def encode_up(message: UpMessage) -> tuple[Up, bytes]:
    """Return the kind and payload a device publishes (the simulator uses this)."""
    if isinstance(message, Report):
        return Up.REPORT, _dump({"boot": message.boot, "seq": message.seq, "props": message.props})
    if isinstance(message, EventMessage):
        body: dict[str, Any] = {"boot": message.boot, "seq": message.seq, "event": message.event}
        if message.args:
            body["args"] = message.args
        return Up.EVENT, _dump(body)
    if isinstance(message, Info):
        return Up.INFO, _dump(
            {
                "boot": message.boot,
                "seq": message.seq,
                "model": message.model,
                "fw": message.firmware,
                "heartbeat": message.heartbeat,
            }
        )
    if isinstance(message, Status):
        return Up.STATUS, _dump(
            {"boot": message.boot, "link": message.link, "online": message.online}
        )
    body = {"id": message.request_id, "code": message.code}
    if message.results:
        body["results"] = message.results
    if message.out:
        body["out"] = message.out
    return Up.RESULT, _dump(body)
