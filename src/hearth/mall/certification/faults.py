"""A simulated device for certification, which can be told to misbehave.

``CertifiedDevice`` is the hub's simulated device plus what certification adds to the
protocol: it answers a *prompt* (``dev/v1/<id>/down/prompt``, ``{"id": ..., "event":
"2.1"}``) with a ``result`` and then emits that event. Each ``Fault`` breaks one
behaviour the way faulty firmware would, so the tests can show that the right check
catches it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import orjson

from hearth.errors import ValueRejected
from hearth.hub import protocol
from hearth.hub.protocol import GetRequest, Result, ResultCode, SetRequest
from hearth.hub.simulator import SimulatedDevice
from hearth.hub.virtual import plausible
from hearth.mqtt.wire import Will

PROMPT = "prompt"


def prompt_topic(device_id: str) -> str:
    """Return the topic that asks a device under test to emit an event."""
    return f"{protocol.ROOT}/{device_id}/down/{PROMPT}"


class Fault(StrEnum):
    """One way a device can break the protocol or its spec."""

    NO_INFO = "no-info"  # never says who it is
    WRONG_TYPE = "wrong-type"  # reports one property with a value of the wrong type
    MISSING_REPORT = "missing-report"  # leaves one property out of its full report
    SILENT_GET = "silent-get"  # never answers a read
    REFUSES_VALID = "refuses-valid"  # answers busy to every write
    ACCEPTS_INVALID = "accepts-invalid"  # answers ok to writes the spec refuses
    ACTION_FAILS = "action-fails"  # answers device_error to every action
    NO_EVENT = "no-event"  # answers a prompt but never emits the event
    NO_LAST_WILL = "no-last-will"  # connects without a last will


def wrong_type(value: Any) -> Any:
    """Return a value of another JSON type than ``value``."""
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, int | float):
        return str(value)
    return 12


class CertifiedDevice(SimulatedDevice):
    """A simulated device that answers prompts, with optional faults."""

    def __init__(self, *args: Any, faults: frozenset[Fault] = frozenset(), **kw: Any) -> None:
        kw.setdefault("report_every", 3600.0)  # no drift or stray events during a run
        super().__init__(*args, **kw)
        self.faults = faults

    def _will(self) -> Will | None:
        return None if Fault.NO_LAST_WILL in self.faults else super()._will()

    def _introduce(self) -> None:
        if Fault.NO_INFO not in self.faults:
            super()._introduce()

    def _full_report(self) -> dict[str, Any]:
        state = super()._full_report()
        first = next(iter(state), None)
        if first is not None and Fault.WRONG_TYPE in self.faults:
            state[first] = wrong_type(state[first])
        if first is not None and Fault.MISSING_REPORT in self.faults:
            del state[first]
        return state

    def _on_message(self, topic: str, payload: bytes) -> None:
        if topic == prompt_topic(self.id):
            self._prompted(payload)
            return
        parsed = protocol.parse_down_topic(topic)
        request = None
        if parsed is not None:
            try:
                request = protocol.decode_down(parsed[1], payload)
            except protocol.ProtocolViolation:
                request = None
        if isinstance(request, GetRequest) and Fault.SILENT_GET in self.faults:
            return
        if isinstance(request, SetRequest) and self._bent_write(request):
            return
        if isinstance(request, protocol.ActionRequest) and Fault.ACTION_FAILS in self.faults:
            self._send(Result(request.request_id, ResultCode.DEVICE_ERROR.value, {}, {}))
            return
        super()._on_message(topic, payload)

    def _bent_write(self, request: SetRequest) -> bool:
        if Fault.REFUSES_VALID in self.faults:
            results: dict[str, dict[str, Any]] = {}
            for key, value in request.props.items():
                try:
                    self.device.spec.check_key(key, value, op="write")
                    results[key] = {"code": ResultCode.BUSY.value}
                except ValueRejected as err:
                    results[key] = {"code": err.reason}
            self._send(Result(request.request_id, ResultCode.OK.value, results, {}))
            return True
        if Fault.ACCEPTS_INVALID in self.faults:
            ok = {key: {"code": ResultCode.OK.value} for key in request.props}
            self._send(Result(request.request_id, ResultCode.OK.value, ok, {}))
            return True
        return False

    def _prompted(self, payload: bytes) -> None:
        try:
            body = orjson.loads(payload)
            request_id, event = str(body["id"]), str(body["event"])
        except (ValueError, KeyError, TypeError):
            return  # without an id, nobody waits for an answer
        spec = self.device.spec
        if not protocol.is_key(event) or protocol.split_key(event) not in spec.events:
            self._send(Result(request_id, ResultCode.UNKNOWN.value, {}, {}))
            return
        self._send(Result(request_id, ResultCode.OK.value, {}, {}))
        if Fault.NO_EVENT in self.faults:
            return
        compiled = spec.events[protocol.split_key(event)]
        state = self.device.readable()
        args = {
            key: state[key] if key in state else plausible(spec.by_key[key].prop, self.rng)
            for key in compiled.arguments
        }
        self.fire(event, args)
