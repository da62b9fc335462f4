"""Apply a batch of validated device messages to the database in one transaction.

This is the write side of ingest. It locks the batch's state rows (in device-id order,
so two workers never deadlock), folds the messages in with the pure rules of
``hub.state``, writes every changed row back with one executemany, inserts the history
in bulk and settles answered commands. It returns what to announce after commit.
Core statements rather than ORM objects: a batch is thousands of rows.

Before its first write, a batch may give way (``GaveWay``) to a write that cannot wait:
its caller rolls back, lets that write go first and applies the batch again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

import orjson
from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.devices.compiled import CompiledSpec
from hearth.errors import ValueRejected
from hearth.hub import batchsql, protocol, rollups
from hearth.hub.catalog import SpecCache
from hearth.hub.events import CommandAnswered
from hearth.hub.models import Command, DeviceState, HistoryPoint
from hearth.hub.protocol import EventMessage, Info, Report, Result, Status
from hearth.hub.state import (
    Mark,
    Twin,
    admit_sequenced,
    apply_confirmed,
    apply_report,
    apply_status,
    settle_desired,
)
from hearth.hub.status import COMMAND_MOVES, CommandStatus
from hearth.kit.ids import new_id

STATES = cast(Table, DeviceState.__table__)
HISTORY = cast(Table, HistoryPoint.__table__)
RESYNC_SECONDS = 30


@dataclass(frozen=True, slots=True)
class Inbound:
    """A validated message from a device, stamped when it arrived."""

    device_id: str
    at: datetime
    message: protocol.UpMessage


@dataclass(frozen=True, slots=True)
class Rejection:
    device_id: str
    reason: str
    at: datetime


class GaveWay(Exception):
    """A batch stopped before writing anything, for an urgent write to go first."""


@dataclass
class Applied:
    """What a batch changed, to announce and send after commit."""

    updates: list[dict[str, Any]] = field(default_factory=list)
    answered: list[CommandAnswered] = field(default_factory=list)
    resync: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    reads: list[tuple[str, list[str]]] = field(default_factory=list)  # device, keys to read
    reports: int = 0
    history: int = 0
    repeats: int = 0
    unbound: int = 0
    unknown: int = 0


def readable_keys(spec: CompiledSpec) -> list[str]:
    """Return the keys of every property a device answers a read of (its full state)."""
    return [key for key, entry in spec.by_key.items() if "read" in entry.ops]


def twin_from_row(row: Mapping[str, Any]) -> Twin:
    """Return the twin of a state row read by ``batchsql.load_states`` (by column name)."""
    return Twin(
        device_id=row["device_id"],
        reported=orjson.loads(row["reported"]),
        stamps=orjson.loads(row["stamps"]),
        desired=orjson.loads(row["desired"]),
        mark=Mark(row["boot"], row["seq"], row["seq_window"]),
        reports=row["reports"],
        online=row["online"],
        link=(row["link_boot"], row["link"]),
        heartbeat=row["heartbeat"],
        firmware=row["firmware"],
        last_seen=row["last_seen"],
        stale_at=row["stale_at"],
        availability_at=row["availability_at"],
    )


def state_row(twin: Twin) -> dict[str, Any]:
    """Return a twin as a state row for ``batchsql.write_states``: every batch column by name."""
    return {
        "device_id": twin.device_id,
        "reported": orjson.dumps(twin.reported).decode(),
        "stamps": orjson.dumps(twin.stamps).decode(),
        "desired": orjson.dumps(twin.desired).decode(),
        "boot": twin.mark.boot,
        "seq": twin.mark.seq,
        "seq_window": twin.mark.window,
        "reports": twin.reports,
        "online": twin.online,
        "link_boot": twin.link[0],
        "link": twin.link[1],
        "heartbeat": twin.heartbeat,
        "firmware": twin.firmware,
        "last_seen": twin.last_seen,
        "stale_at": twin.stale_at,
        "availability_at": twin.availability_at,
    }


def _history(device_id: str, key: str, at: datetime, value: Any) -> tuple[Any, ...]:
    """One history row in ``batchsql.HISTORY_COLUMNS`` order (a test holds the order)."""
    kind = type(value)
    num = float(value) if kind is int or kind is float or kind is bool else None
    return (device_id, key, at, num, orjson.dumps(value).decode())


def history_row(device_id: str, key: str, at: datetime, value: Any) -> dict[str, Any]:
    """Return one history row: numbers (and booleans as 0/1) also go into ``num``."""
    return dict(zip(batchsql.HISTORY_COLUMNS, _history(device_id, key, at, value), strict=True))


async def _load(session: AsyncSession, ids: list[str]) -> dict[str, tuple[Twin, str | None, str]]:
    rows = await batchsql.load_states(session, ids)
    return {row["device_id"]: (twin_from_row(row), row["home_id"], row["model_id"]) for row in rows}


async def apply(
    session: AsyncSession,
    items: Sequence[Inbound],
    rejections: Sequence[Rejection],
    *,
    specs: SpecCache,
    now: datetime,
    give_way: Callable[[], bool] | None = None,
) -> Applied:
    """Fold a batch into the database; return what to announce once it is committed.

    Raise ``GaveWay`` before the first write if ``give_way`` says so (the caller rolls
    back: nothing of the batch is kept)."""
    applied = Applied()
    ids = sorted({item.device_id for item in items})
    loaded = await _load(session, ids) if ids else {}
    history: list[tuple[Any, ...]] = []
    results: list[Answer] = []
    touched: dict[str, Twin] = {}
    changes: dict[str, tuple[str | None, datetime, dict[str, Any]]] = {}
    for item in items:
        found = loaded.get(item.device_id)
        if found is None:
            applied.unknown += 1
            continue
        twin, home_id, model_id = found
        touched[twin.device_id] = twin
        message, at = item.message, item.at
        if isinstance(message, Status):
            became = apply_status(
                twin, boot=message.boot, link=message.link, online=message.online, now=at
            )
            if became is not None:
                applied.updates.append(
                    _update("online" if became else "offline", twin, home_id, at)
                )
                delta = twin.delta() if became else {}
                if delta:
                    applied.resync.append((twin.device_id, f"sync-{new_id('req')}", delta))
                if became and home_id is not None:
                    # Ask for its whole state: what it reported while nobody's, or while
                    # the connection was down, is not lost on the home.
                    spec = specs.peek(model_id) or await specs.get(model_id)
                    applied.reads.append((twin.device_id, readable_keys(spec)))
        elif isinstance(message, Info):
            if admit_sequenced(twin, boot=message.boot, seq=message.seq, now=at):
                twin.firmware, twin.heartbeat = message.firmware, message.heartbeat
        elif isinstance(message, Result):
            twin.seen(at)
            results.append((twin, home_id, model_id, item, twin.mark))
        elif home_id is None:
            applied.unbound += 1  # nobody's device: keep nothing it says
            twin.seen(at)
        elif isinstance(message, Report):
            changed = apply_report(
                twin, boot=message.boot, seq=message.seq, props=message.props, now=at
            )
            if changed is None:
                applied.repeats += 1
                continue
            applied.reports += 1
            history.extend(_history(twin.device_id, k, at, v) for k, v in message.props.items())
            if changed:
                # One state update per device and batch, with everything that changed.
                held = changes.get(twin.device_id)
                if held is None:
                    changes[twin.device_id] = (home_id, at, changed)
                else:
                    held[2].update(changed)
                    changes[twin.device_id] = (home_id, at, held[2])
        elif isinstance(message, EventMessage):
            if not admit_sequenced(twin, boot=message.boot, seq=message.seq, now=at):
                applied.repeats += 1
                continue
            history.append(_history(twin.device_id, f"e:{message.event}", at, message.args))
            applied.updates.append(
                _update("event", twin, home_id, at, event=message.event, args=message.args)
            )
    if results:
        confirmed = await _settle(session, results, applied, specs=specs, now=now)
        for twin, home_id, at, values, after in confirmed:
            changed = apply_confirmed(twin, values, after=after, now=at)
            history.extend(_history(twin.device_id, k, at, v) for k, v in changed.items())
            if changed:
                held = changes.get(twin.device_id)
                changes[twin.device_id] = (home_id, at, {**(held[2] if held else {}), **changed})
    for device_id, (home_id, at, changed) in changes.items():
        applied.updates.append(_update("state", touched[device_id], home_id, at, changed=changed))
    if give_way is not None and give_way():
        raise GaveWay
    if applied.resync:
        await _record_resync(session, applied.resync, now)
    if touched:
        await batchsql.write_states(session, [state_row(t) for t in touched.values()], now)
    if history:
        late_before = await rollups.hold(session)
        await batchsql.insert_history(session, history, late_before=late_before)
        applied.history = len(history)
    if rejections:
        await _count_rejections(session, rejections)
    return applied


def _update(
    kind: str, twin: Twin, home_id: str | None, at: datetime, **extra: Any
) -> dict[str, Any]:
    return {
        "kind": kind,
        "device_id": twin.device_id,
        "home_id": home_id,
        "at": at.isoformat(),
        **extra,
    }


# A device's answer: its twin, home, model, the message and the mark when it arrived.
Answer = tuple[Twin, str | None, str, Inbound, Mark]
# Values an answer confirmed: the twin, its home, when, the values, the mark to stamp them.
Confirmed = tuple[Twin, str | None, datetime, dict[str, Any], Mark]


def _answered_values(spec: CompiledSpec, results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Return the values a device gave in answer to a read: those it answered ``ok`` and
    that its spec lets it report (anything else is left out, not trusted)."""
    given = {
        k: part["value"]
        for k, part in results.items()
        if part["code"] == protocol.OK and "value" in part
    }
    accepted, _ = spec.check_values(given, op="read")
    return accepted


def _set_values(
    spec: CompiledSpec, command: Command, results: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Return what a set made true by the device's own answer: each value it answered
    ``ok`` (all of them when it answered for the whole set) that it can report."""
    props: dict[str, Any] = command.payload.get("props", {})
    return {
        key: value
        for key, value in props.items()
        if results.get(key, {"code": protocol.OK})["code"] == protocol.OK
        and (entry := spec.by_key.get(key)) is not None
        and "report" in entry.ops
    }


async def _settle(
    session: AsyncSession,
    results: list[Answer],
    applied: Applied,
    *,
    specs: SpecCache,
    now: datetime,
) -> list[Confirmed]:
    """Record devices' answers on their commands; a late or unknown answer changes nothing.
    Return the values the answers confirmed, to fold into each device's reported state: a
    set the device applied, a read it answered (the cloud's own state reads included)."""
    confirmed: list[Confirmed] = []
    request_ids = set()
    for twin, home_id, model_id, item, mark in results:
        result = item.message
        assert isinstance(result, Result)
        if not protocol.is_state_read(result.request_id):
            request_ids.add(result.request_id)
        elif home_id is not None and result.code == protocol.OK:
            spec = specs.peek(model_id) or await specs.get(model_id)
            values = _answered_values(spec, result.results)
            if values:
                confirmed.append((twin, home_id, item.at, values, mark))
    if not request_ids:
        return confirmed
    commands = {
        (c.device_id, c.request_id): c
        for c in await session.scalars(
            select(Command).where(Command.request_id.in_(request_ids)).with_for_update()
        )
    }
    for twin, home_id, model_id, item, mark in results:
        result = item.message
        assert isinstance(result, Result)
        command = commands.get((twin.device_id, result.request_id))
        if (
            command is None
            or CommandStatus.SUCCEEDED not in COMMAND_MOVES[CommandStatus(command.status)]
        ):
            continue  # not ours, or already final (timed out): the state reports will tell
        ok = result.code == protocol.OK and all(
            part.get("code") == protocol.OK for part in result.results.values()
        )
        out = result.out
        if ok and command.kind == "action" and out:
            try:
                siid, aiid = protocol.split_key(command.payload["action"])
                spec = specs.peek(model_id) or await specs.get(model_id)
                out = spec.check_action(siid, aiid, out, direction="out")
            except ValueRejected as err:
                ok, out = False, {}
                result = Result(result.request_id, err.reason, result.results, {})
        status = CommandStatus.SUCCEEDED if ok else CommandStatus.FAILED
        command.status = status.value
        command.result = {"code": result.code, "results": result.results, "out": out}
        command.answered_at = item.at
        if home_id is not None and result.code == protocol.OK and command.kind in ("set", "get"):
            spec = specs.peek(model_id) or await specs.get(model_id)
            values = (
                _set_values(spec, command, result.results)
                if command.kind == "set"
                else _answered_values(spec, result.results)
            )
            if values:
                confirmed.append((twin, home_id, item.at, values, mark))
        if command.kind == "set":
            settle_desired(twin, list(command.payload.get("props", {})))
        applied.answered.append(CommandAnswered(command.id, twin.device_id, status.value))
    return confirmed


async def _record_resync(
    session: AsyncSession, resync: list[tuple[str, str, dict[str, Any]]], now: datetime
) -> None:
    session.add_all(
        Command(
            device_id=device_id,
            request_id=request_id,
            kind="set",
            payload={"props": props},
            status=CommandStatus.SENT.value,
            created_at=now,
            sent_at=now,
            deadline=now + timedelta(seconds=RESYNC_SECONDS),
        )
        for device_id, request_id, props in resync
    )
    await session.flush()


async def _count_rejections(session: AsyncSession, rejections: Sequence[Rejection]) -> None:
    per_device: dict[str, list[Rejection]] = {}
    for rejection in rejections:
        per_device.setdefault(rejection.device_id, []).append(rejection)
    await session.execute(
        update(STATES)
        .where(STATES.c.device_id == bindparam("b_device_id"))
        .values(
            rejected=STATES.c.rejected + bindparam("b_count"),
            last_rejection=bindparam("b_reason"),
            last_rejected_at=bindparam("b_at"),
        ),
        [
            {
                "b_device_id": device_id,
                "b_count": len(found),
                "b_reason": found[-1].reason[:200],
                "b_at": found[-1].at,
            }
            for device_id, found in sorted(per_device.items())
        ],
    )
