"""Rules checked against the home they belong to: its devices, their specs, its scenes.

``check_automation`` and ``check_actions`` raise ``RuleRejected`` at the first thing
the home cannot offer, with a stable ``reason`` and the ``field`` it sits at:

- ``device_not_in_home``: no such device in this home (one in another home looks the
  same, so ids cannot be probed);
- the spec's own reason codes from ``hearth.devices``: ``unknown`` (no such property,
  action or event), ``not_writable``, ``not_readable``, ``out_of_range``, ``off_step``,
  ``not_in_list``, ``wrong_type``, ``bad_arguments``...;
- ``not_numeric``: an ordered comparison on a property that is not a number;
- ``scene_not_in_home`` / ``automation_not_in_home``; ``no_location``: a sun trigger in
  a home whose location is not set.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from hearth.devices.compiled import CompiledSpec
from hearth.devices.spec import NUMERIC_FORMATS
from hearth.errors import RuleRejected, ValueRejected
from hearth.scenes.rules import (
    ORDERED_OPS,
    Action,
    AutomationRule,
    AvailabilityTrigger,
    CompareOp,
    EventTrigger,
    InvokeAction,
    PropertyCondition,
    PropertyTrigger,
    SceneAction,
    SetAction,
    SunTrigger,
    ToggleAutomation,
)


@dataclass(frozen=True)
class HomeCatalog:
    """What a home offers to its rules: device specs, scene and automation ids, location."""

    devices: Mapping[str, CompiledSpec]
    scenes: Collection[str] = ()
    automations: Collection[str] = ()
    located: bool = False
    names: Mapping[str, str] = field(default_factory=dict)

    def spec(self, device_id: str, where: str) -> CompiledSpec:
        spec = self.devices.get(device_id)
        if spec is None:
            raise RuleRejected(
                f"{where}: no device {device_id!r} in this home",
                reason="device_not_in_home",
                field=f"{where}.device_id",
            )
        return spec


def _rejected(err: ValueRejected, where: str) -> RuleRejected:
    return RuleRejected(f"{where}: {err.message}", reason=err.reason, field=where)


def _split(key: str) -> tuple[int, int]:
    siid, iid = key.split(".")
    return int(siid), int(iid)


def _observed(catalog: HomeCatalog, item: PropertyTrigger | PropertyCondition, where: str) -> None:
    """Check a watched property: it exists, its value reaches hearth, the comparison fits."""
    spec = catalog.spec(item.device_id, where)
    entry = spec.by_key.get(item.key)
    if entry is None:
        raise RuleRejected(
            f"{where}: the device has no property {item.key}",
            reason="unknown",
            field=f"{where}.key",
        )
    if "report" not in entry.ops:
        raise RuleRejected(
            f"{where}: {item.key} is never reported, so it cannot be watched",
            reason="not_readable",
            field=f"{where}.key",
        )
    if item.op is CompareOp.CHANGES:
        return
    if item.op in ORDERED_OPS:
        if entry.prop.format not in NUMERIC_FORMATS:
            raise RuleRejected(
                f"{where}: {item.key} is not a number, so it cannot be compared with {item.op}",
                reason="not_numeric",
                field=f"{where}.op",
            )
        return
    try:
        spec.check_key(item.key, item.value, op="value")
    except ValueRejected as err:
        raise _rejected(err, f"{where}.value") from err


def _trigger_checked(catalog: HomeCatalog, trigger: object, where: str) -> None:
    if isinstance(trigger, PropertyTrigger):
        _observed(catalog, trigger, where)
    elif isinstance(trigger, EventTrigger):
        spec = catalog.spec(trigger.device_id, where)
        try:
            spec.check_event(*_split(trigger.event), trigger.args)
        except ValueRejected as err:
            raise _rejected(err, f"{where}.event") from err
    elif isinstance(trigger, AvailabilityTrigger):
        catalog.spec(trigger.device_id, where)
    elif isinstance(trigger, SunTrigger) and not catalog.located:
        raise RuleRejected(
            f"{where}: set the home's location before using sunrise or sunset",
            reason="no_location",
            field=where,
        )


def check_actions(
    catalog: HomeCatalog, actions: tuple[Action, ...], where: str = "actions"
) -> None:
    """Check every action against the home's devices, scenes and automations."""
    for index, action in enumerate(actions):
        at = f"{where}.{index}"
        if isinstance(action, SetAction):
            spec = catalog.spec(action.device_id, at)
            for key, value in action.props.items():
                try:
                    spec.check_key(key, value, op="write")
                except ValueRejected as err:
                    raise _rejected(err, f"{at}.props.{key}") from err
        elif isinstance(action, InvokeAction):
            spec = catalog.spec(action.device_id, at)
            try:
                spec.check_action(*_split(action.action), action.args, direction="in")
            except ValueRejected as err:
                raise _rejected(err, f"{at}.action") from err
        elif isinstance(action, SceneAction) and action.scene_id not in catalog.scenes:
            raise RuleRejected(
                f"{at}: no scene {action.scene_id!r} in this home",
                reason="scene_not_in_home",
                field=f"{at}.scene_id",
            )
        elif (
            isinstance(action, ToggleAutomation) and action.automation_id not in catalog.automations
        ):
            raise RuleRejected(
                f"{at}: no automation {action.automation_id!r} in this home",
                reason="automation_not_in_home",
                field=f"{at}.automation_id",
            )


def check_automation(catalog: HomeCatalog, rule: AutomationRule) -> None:
    """Check an automation's triggers, conditions and actions against its home."""
    for index, trigger in enumerate(rule.triggers):
        _trigger_checked(catalog, trigger, f"triggers.{index}")
    for index, condition in enumerate(rule.conditions.items):
        if isinstance(condition, PropertyCondition):
            _observed(catalog, condition, f"conditions.items.{index}")
    check_actions(catalog, rule.actions)
