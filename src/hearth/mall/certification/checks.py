"""Which checks a spec needs, the values they try, and each verdict (pure rules, no I/O).

A check is derived from the compiled spec: one for coming online, one per property the
device must report, one per readable property (``get``), two per writable property (a
valid value that must be accepted, an invalid one that must be refused with the code
the spec's own validator gives), one per action, one per event (prompted), and one for
the last will. The runner gathers ``Observed`` evidence for each; ``judge`` turns it
into an ``Outcome`` with a reason a partner can act on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hearth.devices.compiled import CompiledProperty, CompiledSpec
from hearth.devices.spec import Format, Property
from hearth.errors import ValueRejected

OK = "ok"


class Kind(StrEnum):
    """What a check exercises, in the order a run performs them."""

    ONLINE = "online"
    REPORT = "report"
    GET = "get"
    SET_VALID = "set"
    SET_INVALID = "refuse"
    ACTION = "action"
    EVENT = "event"
    LAST_WILL = "last-will"


@dataclass(frozen=True)
class Check:
    """One check: ``id`` is stable across runs of one spec (``"set:2.1"``)."""

    id: str
    kind: Kind
    title: str
    key: str = ""
    value: Any = None  # what a set writes, or an action's input arguments
    expect: str = OK  # the result code the device must answer


@dataclass(frozen=True)
class Observed:
    """What the runner saw for one check: a message (as JSON), or nothing in time."""

    message: dict[str, Any] | None = None
    waited_ms: int = 0
    note: str = ""


@dataclass(frozen=True)
class Outcome:
    check: Check
    passed: bool
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.check.id,
            "kind": self.check.kind.value,
            "title": self.check.title,
            "passed": self.passed,
            "reason": self.reason,
            "evidence": self.evidence,
        }


# -- choosing values ---------------------------------------------------------------------


def _number(prop: Property, value: float) -> int | float:
    return value if prop.format is Format.FLOAT else int(value)


def valid_value(prop: Property) -> Any:
    """Return a value ``prop`` accepts, away from its edges where it has a range."""
    if prop.values:
        return prop.values[-1].value
    if prop.format is Format.BOOL:
        return True
    if prop.format is Format.STRING:
        return "hearth"[: prop.max_length or 6]
    if prop.range is None:
        return _number(prop, 1)
    low, high = float(prop.range.min), float(prop.range.max)
    step = float(prop.range.step or 0)
    if step > 0:
        steps = math.floor((high - low) / step / 2)
        return _number(prop, round(low + steps * step, 10))
    return _number(prop, low)


def invalid_value(prop: Property) -> Any:
    """Return a value ``prop`` must refuse: past its range, off its list, too long, or of a
    wrong type when nothing narrower applies."""
    if prop.values:
        numbers = [o.value for o in prop.values if isinstance(o.value, int | float)]
        return int(max(numbers, default=0)) + 1
    if prop.format is Format.BOOL:
        return "on"
    if prop.format is Format.STRING:
        return "x" * (prop.max_length + 1) if prop.max_length else 7
    if prop.range is not None:
        step = float(prop.range.step or 1)
        return _number(prop, float(prop.range.max) + step)
    return "high"


def expected_refusal(entry: CompiledProperty, value: Any) -> str:
    """Return the code the spec's validator gives for ``value`` (what a device must say)."""
    try:
        entry.check(value)
    except ValueRejected as err:
        return err.reason
    return OK


def _refusal(entry: CompiledProperty) -> tuple[Any, str]:
    value = invalid_value(entry.prop)
    code = expected_refusal(entry, value)
    if code == OK:  # the narrow choice happened to fit: a wrong type never does
        value = [value]
        code = expected_refusal(entry, value)
    return value, code


# -- the plan ----------------------------------------------------------------------------


def plan(spec: CompiledSpec) -> list[Check]:
    """Return every check ``spec`` needs, in the order a run performs them."""
    checks = [Check("online", Kind.ONLINE, "Connects, says who it is and comes online")]
    entries = list(spec.by_key.values())
    checks += [
        Check(f"report:{e.key}", Kind.REPORT, f"Reports {_name(e)} ({e.key})", e.key)
        for e in entries
        if "report" in e.ops
    ]
    checks += [
        Check(f"get:{e.key}", Kind.GET, f"Answers a read of {_name(e)} ({e.key})", e.key)
        for e in entries
        if "read" in e.ops
    ]
    for e in entries:
        if "write" not in e.ops:
            continue
        value = valid_value(e.prop)
        checks.append(
            Check(f"set:{e.key}", Kind.SET_VALID, f"Accepts {_name(e)} = {value!r}", e.key, value)
        )
        bad, code = _refusal(e)
        checks.append(
            Check(
                f"refuse:{e.key}",
                Kind.SET_INVALID,
                f"Refuses {_name(e)} = {bad!r} with {code}",
                e.key,
                bad,
                code,
            )
        )
    for (siid, aiid), action in spec.actions.items():
        args = {k: valid_value(spec.by_key[k].prop) for k in action.inputs}
        key = f"{siid}.{aiid}"
        title = f"Runs {action.action.description or 'action'} ({key})"
        checks.append(Check(f"action:{key}", Kind.ACTION, title, key, args))
    for (siid, eiid), event in spec.events.items():
        key = f"{siid}.{eiid}"
        title = f"Emits {event.event.description or 'event'} ({key}) when prompted"
        checks.append(Check(f"event:{key}", Kind.EVENT, title, key))
    checks.append(Check("last-will", Kind.LAST_WILL, "Goes offline through its last will"))
    return checks


def _name(entry: CompiledProperty) -> str:
    return entry.prop.description or entry.key


# -- verdicts ----------------------------------------------------------------------------


def silent(waited_ms: int, what: str = "no answer") -> str:
    return f"{what} within {waited_ms} ms"


def judge(spec: CompiledSpec, check: Check, seen: Observed) -> Outcome:
    """Return the verdict on ``check`` from what was observed."""
    evidence: dict[str, Any] = {"waited_ms": seen.waited_ms}
    if seen.message is not None:
        evidence["message"] = seen.message
    if check.kind in (Kind.SET_VALID, Kind.SET_INVALID, Kind.ACTION):
        evidence["sent"] = check.value
    passed, reason = _VERDICTS[check.kind](spec, check, seen)
    if seen.note:
        evidence["note"] = seen.note
    return Outcome(check, passed, reason, evidence)


Verdict = tuple[bool, str]


def _online(spec: CompiledSpec, check: Check, seen: Observed) -> Verdict:
    message = seen.message or {}
    info, status = message.get("info"), message.get("status")
    model = message.get("expected_model")
    if info is None:
        return False, silent(seen.waited_ms, "no info message")
    if model is not None and info.get("model") != model:
        return False, f"info names model {info.get('model')!r}, not {model!r}"
    if status is None or status.get("online") is not True:
        return False, silent(seen.waited_ms, "no status with online: true")
    return True, f"online as {info.get('model')} firmware {info.get('fw')}"


def _value_ok(spec: CompiledSpec, key: str, value: Any, op: str) -> str:
    try:
        spec.check_key(key, value, op="read" if op == "read" else "report")
    except ValueRejected as err:
        return f"{value!r} is refused by the spec: {err.reason} ({err})"
    return ""


def _report(spec: CompiledSpec, check: Check, seen: Observed) -> Verdict:
    if seen.message is None:
        return False, silent(seen.waited_ms, f"no report of {check.key}")
    problem = _value_ok(spec, check.key, seen.message.get("value"), "report")
    return (False, problem) if problem else (True, f"reported {seen.message['value']!r}")


def _part(check: Check, seen: Observed) -> dict[str, Any] | None:
    results = (seen.message or {}).get("results") or {}
    part = results.get(check.key)
    return part if isinstance(part, dict) else None


def _get(spec: CompiledSpec, check: Check, seen: Observed) -> Verdict:
    if seen.message is None:
        return False, silent(seen.waited_ms)
    part = _part(check, seen)
    if part is None or part.get("code") != OK:
        code = part.get("code") if part else "no result for the property"
        return False, f"answered {code!r} instead of a value"
    if "value" not in part:
        return False, "answered ok without a value"
    problem = _value_ok(spec, check.key, part["value"], "read")
    return (False, problem) if problem else (True, f"answered {part['value']!r}")


def _set(spec: CompiledSpec, check: Check, seen: Observed) -> Verdict:
    if seen.message is None:
        return False, silent(seen.waited_ms)
    part = _part(check, seen)
    code = part.get("code") if part else None
    if code == check.expect:
        return True, f"answered {code}"
    if check.kind is Kind.SET_INVALID and code == OK:
        return False, f"accepted {check.value!r}, which the spec refuses with {check.expect}"
    return False, f"answered {code!r}, expected {check.expect}"


def _action(spec: CompiledSpec, check: Check, seen: Observed) -> Verdict:
    if seen.message is None:
        return False, silent(seen.waited_ms)
    code = seen.message.get("code")
    if code != OK:
        return False, f"answered {code!r}, expected ok"
    siid, _, aiid = check.key.partition(".")
    try:
        spec.check_action(int(siid), int(aiid), seen.message.get("out") or {}, direction="out")
    except ValueRejected as err:
        return False, f"outputs refused by the spec: {err}"
    return True, "ran, outputs fit the spec"


def _event(spec: CompiledSpec, check: Check, seen: Observed) -> Verdict:
    if seen.message is None:
        return False, silent(seen.waited_ms, f"no event {check.key}")
    siid, _, eiid = check.key.partition(".")
    try:
        spec.check_event(int(siid), int(eiid), seen.message.get("args") or {})
    except ValueRejected as err:
        return False, f"event arguments refused by the spec: {err}"
    return True, "emitted with arguments that fit the spec"


def _last_will(spec: CompiledSpec, check: Check, seen: Observed) -> Verdict:
    if seen.message is None:
        return False, silent(seen.waited_ms, "no offline status after the connection dropped")
    if seen.message.get("online") is not False:
        return False, "the status after the drop did not say online: false"
    return True, "the broker published its offline will"


_VERDICTS = {
    Kind.ONLINE: _online,
    Kind.REPORT: _report,
    Kind.GET: _get,
    Kind.SET_VALID: _set,
    Kind.SET_INVALID: _set,
    Kind.ACTION: _action,
    Kind.EVENT: _event,
    Kind.LAST_WILL: _last_will,
}
