"""The rule model of scenes and automations: triggers, conditions, actions, modes.

Pure data and parsing: ``parse_automation`` and ``parse_actions`` turn the JSON a client
sends into frozen dataclasses, naming every problem with its place (``triggers.0.op``)
so the client can fix it. Whether the devices, properties and values exist is checked
against the home's specs in ``scenes.checks``; what the rules mean at run time is in
``scenes.matching``, ``scenes.conditions`` and ``scenes.modes``.

Weekdays are numbered as Python does: 0 is Monday, 6 is Sunday. Times of day are
``"HH:MM"`` in the home's time zone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from hearth.errors import InvalidInput

KEY = re.compile(r"^\d{1,4}\.\d{1,4}$")
DEVICE_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
HH_MM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

MAX_NAME = 80
MAX_TRIGGERS = 10
MAX_CONDITIONS = 20
MAX_ACTIONS = 30
MAX_DELAY = 24 * 3600
MAX_OFFSET_MINUTES = 180
MAX_TEXT = 200


class Mode(StrEnum):
    """What a trigger does while a run of the same automation is still going."""

    SINGLE = "single"  # the new trigger is skipped (and logged as skipped)
    RESTART = "restart"  # the running run is cancelled and a new one starts
    QUEUED = "queued"  # the new run waits until the earlier ones finish
    PARALLEL = "parallel"  # runs side by side


DEFAULT_MODE = Mode.SINGLE


class Op(StrEnum):
    CHANGES = "changes"
    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    BETWEEN = "between"


ORDERED_OPS = frozenset({Op.LT, Op.LE, Op.GT, Op.GE, Op.BETWEEN})


class Match(StrEnum):
    ALL = "all"
    ANY = "any"


class SunEvent(StrEnum):
    SUNRISE = "sunrise"
    SUNSET = "sunset"


class Availability(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"


# -- triggers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PropertyTrigger:
    """A property changes (``changes``), or comes to satisfy a comparison."""

    device_id: str
    key: str
    op: Op = Op.CHANGES
    value: Any = None
    upper: Any = None  # the top of ``between`` (inclusive)
    kind: str = "property"


@dataclass(frozen=True)
class EventTrigger:
    """A device emits an event; ``args`` (``"siid.piid"`` → value) must all match."""

    device_id: str
    event: str
    args: Mapping[str, Any] = field(default_factory=dict)
    kind: str = "event"


@dataclass(frozen=True)
class AvailabilityTrigger:
    device_id: str
    to: Availability
    kind: str = "availability"


@dataclass(frozen=True)
class ScheduleTrigger:
    """A cron expression, or weekly times on some weekdays, in the home's time zone."""

    cron: str | None = None
    days: tuple[int, ...] = ()
    times: tuple[str, ...] = ()
    kind: str = "schedule"


@dataclass(frozen=True)
class SunTrigger:
    event: SunEvent
    offset_minutes: int = 0
    kind: str = "sun"


Trigger = PropertyTrigger | EventTrigger | AvailabilityTrigger | ScheduleTrigger | SunTrigger
DeviceTrigger = PropertyTrigger | EventTrigger | AvailabilityTrigger
TimedTrigger = ScheduleTrigger | SunTrigger

# -- conditions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PropertyCondition:
    device_id: str
    key: str
    op: Op
    value: Any = None
    upper: Any = None
    kind: str = "property"


@dataclass(frozen=True)
class TimeCondition:
    """Now is in ``[after, before)``; a window past midnight (22:00-06:00) wraps."""

    after: str
    before: str
    kind: str = "time"


@dataclass(frozen=True)
class WeekdayCondition:
    days: tuple[int, ...]
    kind: str = "weekdays"


Condition = PropertyCondition | TimeCondition | WeekdayCondition


@dataclass(frozen=True)
class Conditions:
    match: Match = Match.ALL
    items: tuple[Condition, ...] = ()


# -- actions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetAction:
    device_id: str
    props: Mapping[str, Any]
    kind: str = "set"


@dataclass(frozen=True)
class InvokeAction:
    device_id: str
    action: str
    args: Mapping[str, Any] = field(default_factory=dict)
    kind: str = "action"


@dataclass(frozen=True)
class DelayAction:
    seconds: float
    kind: str = "delay"


@dataclass(frozen=True)
class SceneAction:
    scene_id: str
    kind: str = "scene"


@dataclass(frozen=True)
class ToggleAutomation:
    automation_id: str
    enabled: bool
    kind: str = "automation"


@dataclass(frozen=True)
class NotifyAction:
    title: str
    body: str = ""
    kind: str = "notify"


Action = SetAction | InvokeAction | DelayAction | SceneAction | ToggleAutomation | NotifyAction
DeviceAction = SetAction | InvokeAction


@dataclass(frozen=True)
class AutomationRule:
    triggers: tuple[Trigger, ...]
    conditions: Conditions
    actions: tuple[Action, ...]
    mode: Mode = DEFAULT_MODE


# -- parsing ------------------------------------------------------------------------------

T = TypeVar("T")


class _Problems:
    """Collects every problem of one document, each at its place."""

    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, where: str, message: str) -> None:
        self.items.append({"field": where, "message": message})

    def raise_any(self) -> None:
        if self.items:
            raise InvalidInput.fields(self.items)


def _obj(raw: Any, where: str, problems: _Problems) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        problems.add(where, "must be an object")
        return None
    return raw


def _str(raw: Mapping[str, Any], name: str, where: str, problems: _Problems,
         pattern: re.Pattern[str] | None = None, what: str = "") -> str:  # fmt: skip
    value = raw.get(name)
    if not isinstance(value, str) or (pattern is not None and not pattern.match(value)):
        problems.add(f"{where}.{name}", what or "a string is needed")
        return ""
    return value


def _enum(raw: Mapping[str, Any], name: str, where: str, problems: _Problems,
          enum: type[T], default: T | None = None) -> T:  # fmt: skip
    value = raw.get(name)
    if value is None and default is not None:
        return default
    try:
        return enum(value)  # type: ignore[call-arg]
    except ValueError:
        choices = ", ".join(str(e.value) for e in enum)  # type: ignore[attr-defined]
        problems.add(f"{where}.{name}" if where else name, f"one of {choices}")
        return next(iter(enum))  # type: ignore[call-overload, no-any-return]


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float | str)


def _days(raw: Any, where: str, problems: _Problems) -> tuple[int, ...]:
    ok = (
        isinstance(raw, list)
        and raw
        and all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in raw)
    )
    if not ok:
        problems.add(where, "a non-empty list of weekdays 0 (Monday) to 6 (Sunday)")
        return ()
    return tuple(sorted(set(raw)))


def _args(raw: Any, where: str, problems: _Problems) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(KEY.match(str(k)) for k in raw):
        problems.add(where, 'an object of "siid.piid": value')
        return {}
    if not all(_scalar(v) for v in raw.values()):
        problems.add(where, "values must be numbers, strings or booleans")
    return dict(raw)


def _comparison(raw: Mapping[str, Any], where: str, problems: _Problems, *,
                allow_changes: bool) -> tuple[Op, Any, Any]:  # fmt: skip
    op = _enum(raw, "op", where, problems, Op, Op.CHANGES if allow_changes else None)
    if op is Op.CHANGES and not allow_changes:
        problems.add(f"{where}.op", "a condition compares: =, !=, <, <=, >, >= or between")
    value: Any = raw.get("value")
    upper: Any = raw.get("upper")
    if op is Op.CHANGES:
        return op, None, None
    if not _scalar(value) or value is None:
        problems.add(f"{where}.value", "a number, string or boolean to compare with")
    if op in ORDERED_OPS and not _number(value):
        problems.add(f"{where}.value", f"{op.value} compares numbers")
    if op is Op.BETWEEN:
        if not _number(upper):
            problems.add(f"{where}.upper", "between needs a number 'upper'")
        elif _number(value) and float(upper) < float(value):
            problems.add(f"{where}.upper", "must not be below 'value'")
    return op, value, upper if op is Op.BETWEEN else None


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _trigger(raw: Any, where: str, problems: _Problems) -> Trigger | None:
    body = _obj(raw, where, problems)
    if body is None:
        return None
    kind = body.get("kind")
    if kind in ("property", "event", "availability"):
        device_id = _str(body, "device_id", where, problems, DEVICE_ID, "a device id")
        if kind == "property":
            key = _str(body, "key", where, problems, KEY, 'a property key "siid.piid"')
            op, value, upper = _comparison(body, where, problems, allow_changes=True)
            return PropertyTrigger(device_id, key, op, value, upper)
        if kind == "event":
            event = _str(body, "event", where, problems, KEY, 'an event key "siid.eiid"')
            args = _args(body.get("args"), f"{where}.args", problems)
            return EventTrigger(device_id, event, args)
        return AvailabilityTrigger(device_id, _enum(body, "to", where, problems, Availability))
    if kind == "schedule":
        return _schedule(body, where, problems)
    if kind == "sun":
        event = _enum(body, "event", where, problems, SunEvent)
        offset = body.get("offset_minutes", 0)
        if not _number(offset) or int(offset) != offset or abs(offset) > MAX_OFFSET_MINUTES:
            problems.add(f"{where}.offset_minutes", f"whole minutes within ±{MAX_OFFSET_MINUTES}")
            offset = 0
        return SunTrigger(event, int(offset))
    problems.add(f"{where}.kind", "one of property, event, availability, schedule, sun")
    return None


def _schedule(body: Mapping[str, Any], where: str, problems: _Problems) -> ScheduleTrigger:
    cron = body.get("cron")
    if cron is not None:
        from hearth.scenes.timing import valid_cron  # pure; kept apart with the time maths

        if not isinstance(cron, str) or not valid_cron(cron):
            problems.add(f"{where}.cron", "a cron expression of five fields (minute to weekday)")
        return ScheduleTrigger(cron=cron if isinstance(cron, str) else None)
    days = _days(body.get("days"), f"{where}.days", problems)
    times = body.get("times")
    if (
        not isinstance(times, list)
        or not times
        or not all(isinstance(t, str) and HH_MM.match(t) for t in times)
    ):
        problems.add(f"{where}.times", 'a non-empty list of times "HH:MM"')
        times = []
    return ScheduleTrigger(days=days, times=tuple(sorted(set(times))))


def _condition(raw: Any, where: str, problems: _Problems) -> Condition | None:
    body = _obj(raw, where, problems)
    if body is None:
        return None
    kind = body.get("kind")
    if kind == "property":
        device_id = _str(body, "device_id", where, problems, DEVICE_ID, "a device id")
        key = _str(body, "key", where, problems, KEY, 'a property key "siid.piid"')
        op, value, upper = _comparison(body, where, problems, allow_changes=False)
        return PropertyCondition(device_id, key, op, value, upper)
    if kind == "time":
        after = _str(body, "after", where, problems, HH_MM, 'a time "HH:MM"')
        before = _str(body, "before", where, problems, HH_MM, 'a time "HH:MM"')
        if after and after == before:
            problems.add(f"{where}.before", "the window must not be empty")
        return TimeCondition(after, before)
    if kind == "weekdays":
        return WeekdayCondition(_days(body.get("days"), f"{where}.days", problems))
    problems.add(f"{where}.kind", "one of property, time, weekdays")
    return None


def _action(raw: Any, where: str, problems: _Problems, *, in_scene: bool) -> Action | None:
    body = _obj(raw, where, problems)
    if body is None:
        return None
    kind = body.get("kind")
    if kind == "set":
        device_id = _str(body, "device_id", where, problems, DEVICE_ID, "a device id")
        props = _args(body.get("props"), f"{where}.props", problems)
        if not props:
            problems.add(f"{where}.props", 'at least one "siid.piid": value to set')
        return SetAction(device_id, props)
    if kind == "action":
        device_id = _str(body, "device_id", where, problems, DEVICE_ID, "a device id")
        action = _str(body, "action", where, problems, KEY, 'an action key "siid.aiid"')
        return InvokeAction(device_id, action, _args(body.get("args"), f"{where}.args", problems))
    if kind == "delay":
        seconds: Any = body.get("seconds")
        if not _number(seconds) or not 0 < seconds <= MAX_DELAY:
            problems.add(f"{where}.seconds", f"seconds, more than 0 and at most {MAX_DELAY}")
            seconds = 1
        return DelayAction(float(seconds))
    if kind == "notify":
        title = _str(body, "title", where, problems)
        text = body.get("body", "")
        if title and not 0 < len(title.strip()) <= MAX_TEXT:
            problems.add(f"{where}.title", f"1-{MAX_TEXT} characters")
        if not isinstance(text, str) or len(text) > 1000:
            problems.add(f"{where}.body", "text of at most 1000 characters")
            text = ""
        return NotifyAction(title.strip(), text)
    if not in_scene and kind == "scene":
        return SceneAction(_str(body, "scene_id", where, problems, DEVICE_ID, "a scene id"))
    if not in_scene and kind == "automation":
        automation_id = _str(body, "automation_id", where, problems, DEVICE_ID, "an automation id")
        enabled = body.get("enabled")
        if not isinstance(enabled, bool):
            problems.add(f"{where}.enabled", "true to enable, false to disable")
        return ToggleAutomation(automation_id, bool(enabled))
    kinds = "set, action, delay, notify" + ("" if in_scene else ", scene, automation")
    problems.add(f"{where}.kind", f"one of {kinds}")
    return None


def _list(raw: Any, where: str, limit: int, problems: _Problems, *, required: bool) -> list[Any]:
    if raw is None and not required:
        return []
    if not isinstance(raw, list) or (required and not raw):
        problems.add(where, "a non-empty list" if required else "a list")
        return []
    if len(raw) > limit:
        problems.add(where, f"at most {limit}")
        return []
    return raw


def parse_actions(raw: Any, *, in_scene: bool, where: str = "actions") -> tuple[Action, ...]:
    """Parse an action list; raise ``InvalidInput`` naming every problem."""
    problems = _Problems()
    items = _list(raw, where, MAX_ACTIONS, problems, required=True)
    actions = [
        _action(item, f"{where}.{i}", problems, in_scene=in_scene) for i, item in enumerate(items)
    ]
    problems.raise_any()
    return tuple(a for a in actions if a is not None)


def parse_automation(body: Mapping[str, Any]) -> AutomationRule:
    """Parse an automation's triggers, conditions, actions and mode; raise ``InvalidInput``."""
    problems = _Problems()
    raw = _list(body.get("triggers"), "triggers", MAX_TRIGGERS, problems, required=True)
    triggers = [_trigger(item, f"triggers.{i}", problems) for i, item in enumerate(raw)]
    conditions = Conditions()
    block = _obj(body.get("conditions") or {}, "conditions", problems)
    if block is not None:
        match = _enum(block, "match", "conditions", problems, Match, Match.ALL)
        where = "conditions.items"
        raw = _list(block.get("items"), where, MAX_CONDITIONS, problems, required=False)
        items = [_condition(item, f"{where}.{i}", problems) for i, item in enumerate(raw)]
        conditions = Conditions(match, tuple(c for c in items if c is not None))
    raw = _list(body.get("actions"), "actions", MAX_ACTIONS, problems, required=True)
    actions = [
        _action(item, f"actions.{i}", problems, in_scene=False) for i, item in enumerate(raw)
    ]
    mode = _enum(body, "mode", "", problems, Mode, DEFAULT_MODE)
    problems.raise_any()
    return AutomationRule(
        tuple(t for t in triggers if t is not None),
        conditions,
        tuple(a for a in actions if a is not None),
        mode,
    )


def clean_name(raw: Any) -> str:
    """Return a scene's or automation's name with spaces tidied; raise if empty or long."""
    name = " ".join(raw.split()) if isinstance(raw, str) else ""
    if not name or len(name) > MAX_NAME:
        raise InvalidInput.fields([{"field": "name", "message": f"1-{MAX_NAME} characters"}])
    return name


def to_json(item: Trigger | Condition | Action) -> dict[str, Any]:
    """Return one trigger, condition or action as the JSON the API speaks."""
    data: dict[str, Any] = {}
    for name, value in asdict(item).items():
        if value is None or (name in ("days", "times") and not value):
            continue
        if isinstance(value, tuple):
            value = list(value)
        data[name] = value.value if isinstance(value, StrEnum) else value
    return data


def rule_json(rule: AutomationRule) -> dict[str, Any]:
    """Return the rule as stored and served."""
    return {
        "mode": rule.mode.value,
        "triggers": [to_json(t) for t in rule.triggers],
        "conditions": {
            "match": rule.conditions.match.value,
            "items": [to_json(c) for c in rule.conditions.items],
        },
        "actions": [to_json(a) for a in rule.actions],
    }


def device_ids(items: tuple[Any, ...]) -> set[str]:
    """Return the ids of the devices a list of triggers, conditions or actions names."""
    return {item.device_id for item in items if hasattr(item, "device_id")}
