"""What the rules mean when something happens: comparisons, triggers, conditions.

A property trigger with a comparison fires on the *crossing*: when the new value
satisfies it and the value before did not (or was unknown). One that must hold
``for_minutes`` starts waiting on the crossing and stops waiting when the comparison no
longer holds (``hold_change``); it fires when the wait ends. ``changes`` fires on every
change. ``between`` is inclusive at both ends. A comparison that cannot be made (a
number compared with text, a missing value) is simply false, never an error: devices
report what they report.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from hearth.scenes.rules import (
    AutomationConditions,
    CompareOp,
    ConditionMatch,
    EventTrigger,
    PropertyCondition,
    PropertyTrigger,
    TimeCondition,
    WeekdayCondition,
)
from hearth.scenes.timing import minutes_of

MISSING: Any = object()

_ORDERED: dict[CompareOp, Callable[[Any, Any], bool]] = {
    CompareOp.LT: operator.lt,
    CompareOp.LE: operator.le,
    CompareOp.GT: operator.gt,
    CompareOp.GE: operator.ge,
}


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def compare(op: CompareOp, actual: Any, value: Any, upper: Any = None) -> bool:
    """Tell whether ``actual`` satisfies ``op`` against ``value`` (and ``upper``)."""
    if actual is MISSING or actual is None:
        return False
    if op is CompareOp.CHANGES:
        return True
    if op is CompareOp.EQ:
        return _same(actual, value)
    if op is CompareOp.NE:
        return not _same(actual, value)
    if not _number(actual) or not _number(value):
        return False
    if op is CompareOp.BETWEEN:
        return _number(upper) and value <= actual <= upper
    return _ORDERED[op](actual, value)


def _same(actual: Any, value: Any) -> bool:
    # true is not 1 for a device: a bool property equals only a bool.
    if isinstance(actual, bool) or isinstance(value, bool):
        return isinstance(actual, bool) and isinstance(value, bool) and actual is value
    return bool(actual == value)


def property_fires(trigger: PropertyTrigger, before: Any, after: Any) -> bool:
    """Tell whether a change of the property from ``before`` to ``after`` fires ``trigger``."""
    if trigger.op is CompareOp.CHANGES:
        return after is not MISSING and (before is MISSING or not _identical(before, after))
    now = compare(trigger.op, after, trigger.value, trigger.upper)
    was = compare(trigger.op, before, trigger.value, trigger.upper)
    return now and not was


def hold_change(trigger: PropertyTrigger, before: Any, after: Any) -> str | None:
    """For a trigger that must hold ``for_minutes``: ``"start"`` when a change makes its
    comparison hold (the wait begins), ``"clear"`` when it stops holding (the wait ends
    unfired), None when neither (most reports: nothing to write)."""
    now = compare(trigger.op, after, trigger.value, trigger.upper)
    was = compare(trigger.op, before, trigger.value, trigger.upper)
    if now and not was:
        return "start"
    if was and not now:
        return "clear"
    return None


def _identical(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def event_fires(trigger: EventTrigger, event: str, args: Mapping[str, Any]) -> bool:
    """Tell whether a device event with ``args`` fires ``trigger`` (every filter must match)."""
    if trigger.event != event:
        return False
    return all(_same(args.get(key, MISSING), want) for key, want in trigger.args.items())


StateLookup = Callable[[str, str], Any]
"""``(device_id, key)`` → the value the device last reported, or ``MISSING``."""


def condition_holds(
    condition: PropertyCondition | TimeCondition | WeekdayCondition,
    *,
    state: StateLookup,
    local_now: datetime,
) -> bool:
    """Tell whether one condition holds now (``local_now`` is in the home's time zone)."""
    if isinstance(condition, PropertyCondition):
        actual = state(condition.device_id, condition.key)
        return compare(condition.op, actual, condition.value, condition.upper)
    if isinstance(condition, WeekdayCondition):
        return local_now.weekday() in condition.days
    minute = local_now.hour * 60 + local_now.minute
    start, end = minutes_of(condition.after), minutes_of(condition.before)
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end  # the window wraps past midnight


def conditions_hold(
    conditions: AutomationConditions, *, state: StateLookup, local_now: datetime
) -> tuple[bool, list[bool]]:
    """Evaluate every condition; return the verdict and each one's result, for the log."""
    results = [condition_holds(c, state=state, local_now=local_now) for c in conditions.items]
    if not results:
        return True, results
    verdict = all(results) if conditions.match is ConditionMatch.ALL else any(results)
    return verdict, results
