"""The pure rules of scenes: parsing, comparisons, crossings, conditions, modes, loops."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hearth.errors import InvalidInput, InvalidTransition
from hearth.scenes.matching import (
    MISSING,
    compare,
    conditions_hold,
    event_fires,
    hold_change,
    property_fires,
)
from hearth.scenes.modes import (
    LOOP_REPEATS,
    MAX_CHAIN,
    RUN_WORKFLOW,
    RunStatus,
    admit,
    loop_in,
)
from hearth.scenes.rules import (
    AutomationConditions,
    AutomationMode,
    CompareOp,
    ConditionMatch,
    EventTrigger,
    PropertyCondition,
    PropertyTrigger,
    TimeCondition,
    WeekdayCondition,
    parse_actions,
    parse_automation,
)

DEVICE = "dev_1"
FULL: dict[str, Any] = {
    "mode": "queued",
    "triggers": [
        {"kind": "property", "device_id": DEVICE, "key": "2.4", "op": ">", "value": 30},
        {
            "kind": "property",
            "device_id": DEVICE,
            "key": "2.2",
            "op": "between",
            "value": 10,
            "upper": 20,
        },
        {"kind": "event", "device_id": DEVICE, "event": "2.1", "args": {"2.2": 1}},
        {"kind": "availability", "device_id": DEVICE, "to": "offline"},
        {"kind": "schedule", "cron": "30 7 * * 1-5"},
        {"kind": "schedule", "days": [5, 6], "times": ["09:00"]},
        {"kind": "sun", "event": "sunset", "offset_minutes": -15},
    ],
    "conditions": {
        "match": "any",
        "items": [
            {"kind": "property", "device_id": DEVICE, "key": "2.1", "op": "=", "value": True},
            {"kind": "time", "after": "22:00", "before": "06:00"},
            {"kind": "weekdays", "days": [0, 4]},
        ],
    },
    "actions": [
        {"kind": "set", "device_id": DEVICE, "props": {"2.1": True}},
        {"kind": "action", "device_id": DEVICE, "action": "2.1", "args": {}},
        {"kind": "delay", "seconds": 30},
        {"kind": "scene", "scene_id": "scn_1"},
        {"kind": "automation", "automation_id": "aut_1", "enabled": False},
        {"kind": "notify", "title": "Hello", "body": "there"},
    ],
}


def test_every_kind_parses_and_serialises_back_to_the_same_json() -> None:
    rule = parse_automation(FULL)
    assert rule.mode is AutomationMode.QUEUED
    assert parse_automation(rule.document()).document() == rule.document()
    served = rule.document()
    assert served["triggers"][1] == FULL["triggers"][1]
    assert served["actions"] == FULL["actions"]
    assert served["conditions"] == FULL["conditions"]


def test_mode_defaults_to_single() -> None:
    body = {k: v for k, v in FULL.items() if k != "mode"}
    assert parse_automation(body).mode is AutomationMode.SINGLE


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"triggers": []}, "triggers"),
        ({"triggers": [{"kind": "weather"}]}, "triggers.0.kind"),
        ({"triggers": [{"kind": "property", "device_id": DEVICE, "key": "x"}]}, "triggers.0.key"),
        (
            {"triggers": [{"kind": "property", "device_id": DEVICE, "key": "2.1", "op": "~"}]},
            "triggers.0.op",
        ),
        (
            {
                "triggers": [
                    {
                        "kind": "property",
                        "device_id": DEVICE,
                        "key": "2.1",
                        "op": ">",
                        "value": "hot",
                    }
                ]
            },
            "triggers.0.value",
        ),
        (
            {
                "triggers": [
                    {
                        "kind": "property",
                        "device_id": DEVICE,
                        "key": "2.1",
                        "op": "between",
                        "value": 5,
                        "upper": 1,
                    }
                ]
            },
            "triggers.0.upper",
        ),
        ({"triggers": [{"kind": "schedule", "cron": "every day"}]}, "triggers.0.cron"),
        ({"triggers": [{"kind": "schedule", "days": [7], "times": ["07:00"]}]}, "triggers.0.days"),
        ({"triggers": [{"kind": "schedule", "days": [1], "times": ["7am"]}]}, "triggers.0.times"),
        ({"triggers": [{"kind": "sun", "event": "noon"}]}, "triggers.0.event"),
        (
            {"triggers": [{"kind": "sun", "event": "sunset", "offset_minutes": 999}]},
            "triggers.0.offset_minutes",
        ),
        ({"conditions": {"match": "most"}}, "conditions.match"),
        (
            {"conditions": {"items": [{"kind": "time", "after": "10:00", "before": "10:00"}]}},
            "conditions.items.0.before",
        ),
        (
            {
                "conditions": {
                    "items": [
                        {"kind": "property", "device_id": DEVICE, "key": "2.1", "op": "changes"}
                    ]
                }
            },
            "conditions.items.0.op",
        ),
        ({"actions": [{"kind": "delay", "seconds": 0}]}, "actions.0.seconds"),
        ({"actions": [{"kind": "set", "device_id": DEVICE, "props": {}}]}, "actions.0.props"),
        ({"actions": [{"kind": "automation", "automation_id": "aut_1"}]}, "actions.0.enabled"),
        ({"mode": "sometimes"}, "mode"),
    ],
)
def test_rejects_a_malformed_rule_naming_the_field(patch: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_automation({**FULL, **patch})
    assert field in [p["field"] for p in caught.value.detail]


def test_stored_documents_load_and_are_stored_again_unchanged() -> None:
    # As rows hold them: normalised, with defaults spelt out and every float a float.
    stored: dict[str, Any] = {
        "mode": "restart",
        "triggers": [
            {"device_id": DEVICE, "key": "2.1", "op": "changes", "kind": "property"},
            {"device_id": DEVICE, "event": "2.1", "args": {}, "kind": "event"},
            {"days": [0, 1, 2, 3, 4], "times": ["07:00"], "kind": "schedule"},
            {"event": "sunrise", "offset_minutes": 0, "kind": "sun"},
        ],
        "conditions": {"match": "all", "items": []},
        "actions": [
            {"device_id": DEVICE, "props": {"2.1": True, "2.2": 40}, "kind": "set"},
            {"seconds": 120.0, "kind": "delay"},
            {"title": "", "body": "", "kind": "notify"},  # the builder allows an empty title
        ],
    }
    assert parse_automation(stored).document() == stored
    steps = [{"device_id": DEVICE, "props": {"2.1": False}, "kind": "set"}]
    assert [a.model_dump(mode="json") for a in parse_actions(steps, in_scene=True)] == steps


def test_rules_saved_before_holds_and_cooldowns_load_and_are_stored_unchanged() -> None:
    # A rule as stored before triggers could hold or automations rest: no new keys appear.
    stored: dict[str, Any] = {
        "mode": "single",
        "triggers": [
            {"kind": "property", "device_id": DEVICE, "key": "2.1", "op": ">", "value": 30}
        ],
        "conditions": {"match": "all", "items": []},
        "actions": [{"kind": "notify", "title": "Hot", "body": ""}],
    }
    rule = parse_automation(stored)
    assert (rule.cooldown_minutes, rule.triggers[0]) == (0, rule.triggers[0])
    assert isinstance(rule.triggers[0], PropertyTrigger) and rule.triggers[0].for_minutes == 0
    assert rule.document() == stored


def test_a_hold_and_a_cooldown_round_trip_and_bad_ones_are_named() -> None:
    held = {"kind": "property", "device_id": DEVICE, "key": "2.1", "op": ">=", "value": 30}
    document: dict[str, Any] = {
        "mode": "single",
        "cooldown_minutes": 10,
        "triggers": [{**held, "for_minutes": 5}],
        "conditions": {"match": "all", "items": []},
        "actions": [{"kind": "notify", "title": "Hot", "body": ""}],
    }
    assert parse_automation(document).document() == document
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"cooldown_minutes": -1}, "cooldown_minutes", "how long it rests"),
        ({"cooldown_minutes": 1441}, "cooldown_minutes", "how long it rests"),
        ({"cooldown_minutes": 2.5}, "cooldown_minutes", "how long it rests"),
        (
            {"triggers": [{**held, "op": "changes", "for_minutes": 5}]},
            "triggers.0.for_minutes",
            "needs a comparison",
        ),
        ({"triggers": [{**held, "for_minutes": "5"}]}, "triggers.0.for_minutes", "whole minutes"),
    ]
    for patch, field, message in cases:
        with pytest.raises(InvalidInput) as caught:
            parse_automation({**document, **patch})
        (problem,) = caught.value.detail
        assert problem["field"] == field and message in problem["message"], problem


def test_a_held_trigger_starts_waiting_on_the_crossing_and_stops_when_it_clears() -> None:
    trigger = PropertyTrigger(device_id=DEVICE, key="2.1", op=CompareOp.GT, value=30, for_minutes=5)
    assert hold_change(trigger, MISSING, 31) == "start"
    assert hold_change(trigger, 29, 31) == "start"
    assert hold_change(trigger, 31, 32) is None  # still holding: nothing to write
    assert hold_change(trigger, 29, 28) is None  # still not: nothing to write
    assert hold_change(trigger, 31, 30) == "clear"


def test_documents_are_tidied_as_they_are_read() -> None:
    rule = parse_automation(
        {
            **FULL,
            "triggers": [
                {"kind": "schedule", "days": [6, 5, 5], "times": ["09:00", "07:30"]},
                {"kind": "schedule", "cron": "0 7 * * *", "days": [1]},  # the cron decides
                {"kind": "property", "device_id": DEVICE, "key": "2.1", "value": 3},
                {"kind": "sun", "event": "sunset", "offset_minutes": -15.0},
            ],
            "conditions": None,
            "actions": [{"kind": "notify", "title": "  Door  "}, {"kind": "delay", "seconds": 3}],
        }
    )
    assert [to_json(t) for t in rule.triggers] == [
        {"kind": "schedule", "days": [5, 6], "times": ["07:30", "09:00"]},
        {"kind": "schedule", "cron": "0 7 * * *"},
        {"kind": "property", "device_id": DEVICE, "key": "2.1", "op": "changes"},
        {"kind": "sun", "event": "sunset", "offset_minutes": -15},
    ]
    assert rule.conditions == AutomationConditions()
    assert [to_json(a) for a in rule.actions] == [
        {"kind": "notify", "title": "Door", "body": ""},
        {"kind": "delay", "seconds": 3.0},
    ]


def to_json(item: Any) -> dict[str, Any]:
    result: dict[str, Any] = item.model_dump(mode="json")
    return result


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"triggers": [{"kind": "sun", "event": "sunset", "colour": "red"}]}, "triggers.0.colour"),
        ({"conditions": {"items": [], "extra": 1}}, "conditions.extra"),
        ({"actions": [{"kind": "delay", "seconds": 1, "unit": "s"}]}, "actions.0.unit"),
        ({"name": "a rule has no name; a request does"}, "name"),
        (
            {
                "triggers": [
                    {
                        "kind": "property",
                        "device_id": DEVICE,
                        "key": "2.1",
                        "op": "=",
                        "value": 2**63,
                    }
                ]
            },
            "triggers.0.value",
        ),
        (
            {
                "triggers": [
                    {
                        "kind": "property",
                        "device_id": DEVICE,
                        "key": "2.1",
                        "op": ">",
                        "value": float("nan"),
                    }
                ]
            },
            "triggers.0.value",
        ),
        ({"triggers": [{"kind": "schedule", "cron": "0 " * 101}]}, "triggers.0.cron"),
        (
            {"triggers": [{"kind": "schedule", "days": [1], "times": ["07:00"] * 97}]},
            "triggers.0.times",
        ),
        (
            {
                "actions": [
                    {"kind": "set", "device_id": DEVICE, "props": {f"2.{i}": 1 for i in range(101)}}
                ]
            },
            "actions.0.props",
        ),
        ({"actions": [{"kind": "notify", "title": "x", "body": "x" * 1001}]}, "actions.0.body"),
        ({"actions": [{"kind": "delay", "seconds": True}]}, "actions.0.seconds"),
        (
            {"triggers": [{"kind": "sun", "event": "sunset", "offset_minutes": "5"}]},
            "triggers.0.offset_minutes",
        ),
        ({"conditions": {"items": [{"kind": "weekdays", "days": [1]}] * 21}}, "conditions.items"),
    ],
)
def test_unknown_keys_and_values_out_of_bounds_are_refused_at_their_place(
    patch: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_automation({**FULL, **patch})
    assert [p["field"] for p in caught.value.detail] == [field]


def test_a_scene_cannot_run_scenes_or_toggle_automations() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_actions([{"kind": "scene", "scene_id": "scn_1"}], in_scene=True)
    assert caught.value.detail[0]["field"] == "actions.0.kind"


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_parsing_never_crashes_on_any_json(body: Any) -> None:
    for document in (body, {"triggers": body, "actions": body, "conditions": body}):
        try:
            parse_automation(document if isinstance(document, dict) else {"triggers": document})
        except InvalidInput:
            pass


@pytest.mark.parametrize(
    ("op", "actual", "value", "upper", "expected"),
    [
        (CompareOp.EQ, True, True, None, True),
        (CompareOp.EQ, 1, True, None, False),  # a bool equals only a bool
        (CompareOp.NE, 3, 4, None, True),
        (CompareOp.LT, 3, 4, None, True),
        (CompareOp.LE, 4, 4, None, True),
        (CompareOp.GT, 4, 4, None, False),
        (CompareOp.GE, 4.0, 4, None, True),
        (CompareOp.BETWEEN, 10, 10, 20, True),
        (CompareOp.BETWEEN, 20, 10, 20, True),
        (CompareOp.BETWEEN, 20.1, 10, 20, False),
        (CompareOp.GT, "warm", 4, None, False),  # cannot compare: false, never an error
        (CompareOp.GT, MISSING, 4, None, False),
    ],
)
def test_compares_values(
    op: CompareOp, actual: Any, value: Any, upper: Any, expected: bool
) -> None:
    assert compare(op, actual, value, upper) is expected


def test_a_threshold_fires_on_the_crossing_only() -> None:
    hot = PropertyTrigger(device_id=DEVICE, key="2.4", op=CompareOp.GT, value=30)
    assert property_fires(hot, 29.5, 30.5)
    assert property_fires(hot, MISSING, 31)
    assert not property_fires(hot, 31, 32)  # already above: no new crossing
    assert not property_fires(hot, 31, 29)


def test_changes_fires_on_every_new_value() -> None:
    any_change = PropertyTrigger(device_id=DEVICE, key="2.1")
    assert property_fires(any_change, False, True)
    assert property_fires(any_change, MISSING, True)
    assert not property_fires(any_change, True, True)
    assert property_fires(any_change, 1, True)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(min_value=-50, max_value=50), min_size=1, max_size=40),
    st.integers(min_value=-50, max_value=50),
)
def test_a_threshold_never_fires_twice_without_falling_back_between(
    values: list[int], threshold: int
) -> None:
    trigger = PropertyTrigger(device_id=DEVICE, key="2.2", op=CompareOp.GE, value=threshold)
    before: Any = MISSING
    armed = True
    for value in values:
        fired = property_fires(trigger, before, value)
        if fired:
            assert armed
            armed = False
        if value < threshold:
            armed = True
        before = value


def test_event_filters_must_all_match() -> None:
    trigger = EventTrigger(device_id=DEVICE, event="2.1", args={"2.2": 1})
    assert event_fires(trigger, "2.1", {"2.2": 1, "2.3": 9})
    assert not event_fires(trigger, "2.1", {"2.2": 2})
    assert not event_fires(trigger, "2.1", {})
    assert not event_fires(trigger, "2.2", {"2.2": 1})
    assert event_fires(EventTrigger(device_id=DEVICE, event="2.1"), "2.1", {})


def _state(values: dict[str, Any]) -> Any:
    return lambda device_id, key: values.get(key, MISSING)


MONDAY_2330 = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)


def test_conditions_all_and_any() -> None:
    on = PropertyCondition(device_id=DEVICE, key="2.1", op=CompareOp.EQ, value=True)
    night = TimeCondition(after="22:00", before="06:00")
    weekend = WeekdayCondition(days=(5, 6))
    state = _state({"2.1": True})
    all_of = AutomationConditions(match=ConditionMatch.ALL, items=(on, night, weekend))
    any_of = AutomationConditions(match=ConditionMatch.ANY, items=(on, night, weekend))
    assert conditions_hold(all_of, state=state, local_now=MONDAY_2330) == (
        False,
        [True, True, False],
    )
    assert conditions_hold(any_of, state=state, local_now=MONDAY_2330)[0]
    assert conditions_hold(AutomationConditions(), state=state, local_now=MONDAY_2330) == (True, [])


@pytest.mark.parametrize(
    ("after", "before", "hour", "inside"),
    [
        ("22:00", "06:00", 23, True),
        ("22:00", "06:00", 5, True),
        ("22:00", "06:00", 6, False),
        ("08:00", "18:00", 8, True),
        ("08:00", "18:00", 18, False),
        ("08:00", "18:00", 3, False),
    ],
)
def test_time_windows_wrap_past_midnight(after: str, before: str, hour: int, inside: bool) -> None:
    moment = datetime(2026, 6, 1, hour, 0, tzinfo=UTC)
    window = AutomationConditions(
        match=ConditionMatch.ALL, items=(TimeCondition(after=after, before=before),)
    )
    assert conditions_hold(window, state=_state({}), local_now=moment)[0] is inside


def test_modes_decide_what_a_trigger_does_to_runs_in_progress() -> None:
    busy = [("run_1", RunStatus.WAITING)]
    assert admit(AutomationMode.SINGLE, []).status is RunStatus.RUNNING
    assert admit(AutomationMode.SINGLE, busy).status is RunStatus.SKIPPED
    restart = admit(AutomationMode.RESTART, busy)
    assert (restart.status, restart.cancel) == (RunStatus.RUNNING, ("run_1",))
    assert admit(AutomationMode.QUEUED, busy).status is RunStatus.QUEUED
    assert admit(AutomationMode.PARALLEL, busy).status is RunStatus.RUNNING
    assert admit(AutomationMode.PARALLEL, busy * 10).status is RunStatus.SKIPPED


def test_runs_move_only_along_their_table() -> None:
    assert RUN_WORKFLOW.move(RunStatus.RUNNING, RunStatus.WAITING) is RunStatus.WAITING
    with pytest.raises(InvalidTransition):
        RUN_WORKFLOW.move(RunStatus.SUCCEEDED, RunStatus.RUNNING)
    with pytest.raises(InvalidTransition):
        RUN_WORKFLOW.move(RunStatus.QUEUED, RunStatus.SUCCEEDED)


def test_an_automation_seen_twice_in_its_own_chain_is_a_loop() -> None:
    assert not loop_in([], "aut_a")
    assert not loop_in(["aut_a", "aut_b"], "aut_a")  # one pass back is allowed
    assert loop_in(["aut_a", "aut_b"] * LOOP_REPEATS, "aut_a")
    assert loop_in([f"aut_{i}" for i in range(MAX_CHAIN)], "aut_new")
