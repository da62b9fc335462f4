"""A spec compiled into lookup tables, for checking values at the rate devices send them.

Compile once per spec version (``compile_spec``), keep the result, and call
``check_value`` / ``check_values`` per message: each is a dict lookup, a set membership
test for the access and one precomputed checker call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from hearth.devices.issues import pointer
from hearth.devices.spec import Access, Action, Event, Property, Spec
from hearth.devices.values import (
    BAD_ARGUMENTS,
    NOT_READABLE,
    NOT_WRITABLE,
    UNKNOWN,
    Checker,
    make_checker,
)
from hearth.errors import ValueRejected

Op = Literal["report", "read", "write", "value"]
"""What happens to a value: a device ``report``s it (needs read or notify), answers a
``read`` (needs read), is asked to ``write`` it (needs write); ``value`` checks the value
alone, for action and event arguments."""


def _ops(prop: Property) -> frozenset[str]:
    ops = {"value"}
    if Access.READ in prop.access:
        ops |= {"read", "report"}
    if Access.NOTIFY in prop.access:
        ops.add("report")
    if Access.WRITE in prop.access:
        ops.add("write")
    return frozenset(ops)


@dataclass(frozen=True, slots=True)
class CompiledProperty:
    """A property with its key ("2.1"), its place in the document and its checker."""

    siid: int
    piid: int
    key: str
    pointer: str
    prop: Property
    ops: frozenset[str]
    check: Checker


@dataclass(frozen=True, slots=True)
class CompiledAction:
    siid: int
    aiid: int
    pointer: str
    action: Action
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CompiledEvent:
    siid: int
    eiid: int
    pointer: str
    event: Event
    arguments: tuple[str, ...]


class CompiledSpec:
    """Lookup tables for one spec, keyed by ``(siid, iid)`` and by ``"siid.iid"``."""

    __slots__ = ("spec", "properties", "by_key", "actions", "events")

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.properties: dict[tuple[int, int], CompiledProperty] = {}
        self.by_key: dict[str, CompiledProperty] = {}
        self.actions: dict[tuple[int, int], CompiledAction] = {}
        self.events: dict[tuple[int, int], CompiledEvent] = {}
        for si, service in enumerate(spec.services):
            siid = service.iid
            for pi, prop in enumerate(service.properties):
                key = f"{siid}.{prop.iid}"
                where = pointer("services", si, "properties", pi)
                entry = CompiledProperty(
                    siid,
                    prop.iid,
                    key,
                    where,
                    prop,
                    _ops(prop),
                    make_checker(prop, name=key, where=where),
                )
                self.properties[siid, prop.iid] = entry
                self.by_key[key] = entry
            for ai, action in enumerate(service.actions):
                self.actions[siid, action.iid] = CompiledAction(
                    siid,
                    action.iid,
                    pointer("services", si, "actions", ai),
                    action,
                    tuple(f"{siid}.{p}" for p in action.in_),
                    tuple(f"{siid}.{p}" for p in action.out),
                )
            for ei, event in enumerate(service.events):
                self.events[siid, event.iid] = CompiledEvent(
                    siid,
                    event.iid,
                    pointer("services", si, "events", ei),
                    event,
                    tuple(f"{siid}.{p}" for p in event.arguments),
                )

    def check_value(self, siid: int, piid: int, value: Any, *, op: Op = "report") -> Any:
        """Check one property value for ``op``; return it coerced or raise ``ValueRejected``."""
        entry = self.properties.get((siid, piid))
        if entry is None:
            raise ValueRejected(f"{siid}.{piid}: no such property", reason=UNKNOWN)
        if op not in entry.ops:
            raise _denied(entry, op)
        return entry.check(value)

    def check_key(self, key: str, value: Any, *, op: Op = "report") -> Any:
        """Like ``check_value`` for a property named ``"siid.piid"`` as the protocol does."""
        entry = self.by_key.get(key)
        if entry is None:
            raise ValueRejected(f"{key}: no such property", reason=UNKNOWN)
        if op not in entry.ops:
            raise _denied(entry, op)
        return entry.check(value)

    def check_values(
        self, values: Mapping[str, Any], *, op: Op = "report"
    ) -> tuple[dict[str, Any], dict[str, ValueRejected]]:
        """Check a ``{"siid.piid": value}`` map; return the accepted (coerced) and rejected."""
        accepted: dict[str, Any] = {}
        rejected: dict[str, ValueRejected] = {}
        by_key = self.by_key
        for key, value in values.items():
            entry = by_key.get(key)
            try:
                if entry is None:
                    raise ValueRejected(f"{key}: no such property", reason=UNKNOWN)
                if op not in entry.ops:
                    raise _denied(entry, op)
                accepted[key] = entry.check(value)
            except ValueRejected as err:
                rejected[key] = err
        return accepted, rejected

    def check_action(
        self,
        siid: int,
        aiid: int,
        args: Mapping[str, Any],
        *,
        direction: Literal["in", "out"] = "in",
    ) -> dict[str, Any]:
        """Check an action's ``in`` (or ``out``) arguments, keyed ``"siid.piid"``.

        Every listed argument must be present and no other; values are checked as values.
        """
        action = self.actions.get((siid, aiid))
        if action is None:
            raise ValueRejected(f"{siid}.{aiid}: no such action", reason=UNKNOWN)
        keys = action.inputs if direction == "in" else action.outputs
        return self._arguments(keys, args, f"action {siid}.{aiid}", action.pointer, exact=True)

    def check_event(self, siid: int, eiid: int, args: Mapping[str, Any]) -> dict[str, Any]:
        """Check an event's arguments; each must be one the event lists (some may be absent)."""
        event = self.events.get((siid, eiid))
        if event is None:
            raise ValueRejected(f"{siid}.{eiid}: no such event", reason=UNKNOWN)
        return self._arguments(
            event.arguments, args, f"event {siid}.{eiid}", event.pointer, exact=False
        )

    def _arguments(
        self, keys: tuple[str, ...], args: Mapping[str, Any], what: str, where: str, *, exact: bool
    ) -> dict[str, Any]:
        extra = [k for k in args if k not in keys]
        missing = [k for k in keys if k not in args] if exact else []
        if extra or missing:
            parts = ([f"unexpected {', '.join(extra)}"] if extra else []) + (
                [f"missing {', '.join(missing)}"] if missing else []
            )
            raise ValueRejected(f"{what}: {'; '.join(parts)}", reason=BAD_ARGUMENTS, pointer=where)
        return {key: self.by_key[key].check(value) for key, value in args.items()}


def _denied(entry: CompiledProperty, op: str) -> ValueRejected:
    if op == "write":
        return ValueRejected(
            f"{entry.key}: the property cannot be written",
            reason=NOT_WRITABLE,
            pointer=entry.pointer,
        )
    what = "reported" if op == "report" else "read"
    return ValueRejected(
        f"{entry.key}: the property cannot be {what}", reason=NOT_READABLE, pointer=entry.pointer
    )


def compile_spec(spec: Spec) -> CompiledSpec:
    """Compile ``spec`` into lookup tables with a precomputed checker per property."""
    return CompiledSpec(spec)
