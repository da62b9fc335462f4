"""Commands: set properties, read them, or run an action on a device, and get its answer.

A command is checked against the device's spec before anything is sent, recorded as a
row (one per device and request id, so a retried request returns the first one's
outcome instead of acting twice), published to the device, and awaited. The device's
answer may reach any hearth worker (shared subscriptions); that worker records it and
announces ``CommandAnswered`` to every process, and the process that waits wakes up. It
also re-reads the row every ``POLL`` seconds, so a lost announcement costs latency, not
correctness. A device that is offline fails fast (``DeviceOffline``) unless the caller
asked to wait for it to come back.

Who may command a device is the home app's to say (a member of the device's home): the
composition root hands ``Commands`` that rule as a SQL condition (``MayUse``), which the
command's one query embeds, so the check costs no round trip of its own.

``execute`` records and sends in one call. A caller with a transaction of its own (a
scene's run) can ``record`` the command inside it and ``deliver`` it once that
transaction has committed: one write instead of two, and still never a command sent that
is not recorded. The record is written in an urgent write turn (``db.turn``): on SQLite
it goes before ingest batches waiting for the one writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db
from hearth.accounts.models import User
from hearth.devices.compiled import CompiledSpec
from hearth.errors import (
    BrokerError,
    BrokerUnavailable,
    CommandTimedOut,
    Conflict,
    DeviceError,
    DeviceOffline,
    InvalidInput,
    NotFound,
    ValueRejected,
)
from hearth.hub import protocol
from hearth.hub.catalog import SpecCache
from hearth.hub.events import CommandAnswered, DeviceCameOnline
from hearth.hub.models import Command, Device, DeviceState
from hearth.hub.state import Twin, apply_desired
from hearth.hub.status import FINISHED, CommandStatus
from hearth.kit.clock import Clock
from hearth.kit.ids import new_id
from hearth.mqtt.link import MqttLink
from hearth.outbox import Publish, record, unit_of_work

POLL = 0.5
MAX_TIMEOUT = 60.0
MAX_WAIT_ONLINE = 600.0
REQUEST_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
KINDS = ("set", "get", "action")


def check_command(spec: CompiledSpec, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Return the payload with values coerced to the spec, or raise naming what is wrong."""
    if kind == "set":
        props = payload.get("props")
        if not isinstance(props, dict) or not props:
            raise InvalidInput("a set command needs 'props': {\"siid.piid\": value, ...}")
        return {
            "props": {key: spec.check_key(key, value, op="write") for key, value in props.items()}
        }
    if kind == "get":
        keys = payload.get("keys")
        if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
            raise InvalidInput("a get command needs 'keys': [\"siid.piid\", ...]")
        for key in keys:
            entry = spec.by_key.get(key)
            if entry is None:
                raise ValueRejected(f"{key}: no such property", reason="unknown")
            if "read" not in entry.ops:
                raise ValueRejected(f"{key}: the property cannot be read", reason="not_readable")
        return {"keys": list(dict.fromkeys(keys))}
    if kind == "action":
        action, args = payload.get("action"), payload.get("args", {})
        if not protocol.is_key(action) or not isinstance(args, dict):
            raise InvalidInput("an action needs 'action': \"siid.aiid\" and 'args': {...}")
        assert isinstance(action, str)
        siid, aiid = protocol.split_key(action)
        return {"action": action, "args": spec.check_action(siid, aiid, args, direction="in")}
    raise InvalidInput(f"a command is one of {', '.join(KINDS)}")


def _down(command: Command) -> tuple[str, bytes]:
    payload = command.payload
    message: protocol.DownMessage
    if command.kind == "set":
        message = protocol.SetRequest(command.request_id, payload["props"])
    elif command.kind == "get":
        message = protocol.GetRequest(command.request_id, payload["keys"])
    else:
        message = protocol.ActionRequest(command.request_id, payload["action"], payload["args"])
    kind, body = protocol.encode_down(message)
    return protocol.down_topic(command.device_id, kind), body


class MayUse(Protocol):
    """A condition on ``Device`` rows: true where ``user_id`` may use the device."""

    def __call__(self, user_id: str) -> ColumnElement[bool]: ...


class Commands:
    """Sends commands from this process and wakes its callers when answers arrive."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        publish: Publish,
        link: MqttLink | None,
        specs: SpecCache,
        may_use: MayUse,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.publish = publish
        self.link = link
        self.specs = specs
        self.may_use = may_use
        self._answers: dict[str, asyncio.Event] = {}
        self._online: dict[str, asyncio.Event] = {}

    async def answered(self, event: CommandAnswered) -> None:
        """Wake the caller waiting for this command, if it waits here."""
        waiter = self._answers.get(event.command_id)
        if waiter is not None:
            waiter.set()

    async def came_online(self, event: DeviceCameOnline) -> None:
        """Wake callers waiting for this device to reconnect."""
        waiter = self._online.get(event.device_id)
        if waiter is not None:
            waiter.set()

    async def execute(
        self,
        *,
        user: User,
        device_id: str,
        kind: str,
        payload: dict[str, Any],
        request_id: str | None = None,
        answer_within: float = 5.0,
        wait_online: float = 0.0,
        home_id: str | None = None,
    ) -> Command:
        """Send a command and return it answered; raise ``DeviceOffline`` or
        ``CommandTimedOut`` when there is no answer. Retrying with the same ``request_id``
        returns the first outcome. With ``home_id``, a device in any other home is
        ``NotFound`` even where the user may use it (a scene commands its own home only)."""
        async with db.transaction(
            self.sessions, turn=db.turn(self.sessions, urgent=True)
        ) as session:
            command, fresh = await self.record(
                session,
                user=user,
                device_id=device_id,
                kind=kind,
                payload=payload,
                request_id=new_id("req") if request_id is None else request_id,
                answer_within=answer_within,
                wait_online=wait_online,
                home_id=home_id,
            )
        return await self.deliver(command, answer_within, fresh=fresh)

    async def record(
        self,
        session: AsyncSession,
        *,
        user: User,
        device_id: str,
        kind: str,
        payload: dict[str, Any],
        request_id: str,
        answer_within: float = 5.0,
        wait_online: float = 0.0,
        home_id: str | None = None,
        new_request: bool = False,
    ) -> tuple[Command, bool]:
        """Check and record a command in the caller's transaction, and the desired state
        it asks for; return it and whether it is new (a known ``request_id`` returns the
        first one). Nothing is sent: ``deliver`` it once the transaction has committed, so
        that a device never gets a command hearth has no record of. A refusal
        (``NotFound``, ``ValueRejected``, ``InvalidInput``) is raised before anything is
        written. ``new_request`` says the caller made ``request_id`` inside this very
        transaction (a run's id), so no earlier command can carry it and none is looked
        for (the unique key on device and request id still holds)."""
        if not 0.1 <= answer_within <= MAX_TIMEOUT or not 0 <= wait_online <= MAX_WAIT_ONLINE:
            raise InvalidInput(
                f"timeout is 0.1-{MAX_TIMEOUT:g} s and wait_online 0-{MAX_WAIT_ONLINE:g} s",
                detail=[{"field": "timeout", "message": "out of bounds"}],
            )
        if not REQUEST_ID.match(request_id):
            raise InvalidInput("request_id is 1-64 letters, digits, '_', '.', ':' or '-'")
        # The device, the user's right to it and its state row, locked, in one round
        # trip: commands are on the path of every automation.
        query = (
            select(Device, DeviceState)
            .join(DeviceState, DeviceState.device_id == Device.id)
            .where(Device.id == device_id, self.may_use(user.id))
            .with_for_update(of=DeviceState)
        )
        if home_id is not None:
            query = query.where(Device.home_id == home_id)
        found = (await session.execute(query)).first()
        if found is None:
            raise NotFound("no such device")
        device, state = found
        spec = await self.specs.get(device.model_id)
        checked = check_command(spec, kind, payload)
        existing = (
            None
            if new_request
            else await session.scalar(
                select(Command).where(
                    Command.device_id == device_id, Command.request_id == request_id
                )
            )
        )
        if existing is not None:
            if existing.kind != kind or existing.payload != checked:
                raise Conflict(f"request {request_id!r} was a different command")
            return existing, False
        now = self.clock.now()
        command = Command(
            device_id=device_id,
            request_id=request_id,
            kind=kind,
            payload=checked,
            requested_by=user.id,
            created_at=now,
        )
        if state.online:
            command.status, command.sent_at = CommandStatus.SENT.value, now
            command.deadline = now + timedelta(seconds=answer_within)
            if kind == "set":
                _desire(state, checked["props"])
        elif wait_online:
            command.status = CommandStatus.WAITING.value
            command.deadline = now + timedelta(seconds=wait_online)
        else:
            command.status, command.answered_at = CommandStatus.OFFLINE.value, now
            command.deadline = now
        session.add(command)
        await session.flush()
        return command, True

    async def deliver(
        self, command: Command, answer_within: float = 5.0, *, fresh: bool = True
    ) -> Command:
        """Publish a command ``record`` wrote (once its transaction has committed) and
        return it answered, as ``execute`` does; a command that is not ``fresh`` (a
        repeated request) is not sent again, only awaited."""
        if command.status == CommandStatus.SENT and fresh:
            await self._publish(command)
        return await self._outcome(command, answer_within)

    async def _publish(self, command: Command) -> None:
        topic, body = _down(command)
        link = self.link
        try:
            if link is None:
                raise BrokerUnavailable("no broker link")
            await link.publish(topic, body, qos=1)
        except BrokerError as err:
            await self._finish(command.id, CommandStatus.FAILED, {"code": "not_sent"})
            raise DeviceError("the broker cannot be reached; try again shortly") from err

    async def _finish(
        self, command_id: str, target: CommandStatus, result: dict[str, Any] | None = None
    ) -> bool:
        """Move a command still in flight to ``target``; tell whether this call did it."""
        async with (
            unit_of_work(
                self.sessions, self.publish, turn=db.turn(self.sessions, urgent=True)
            ) as session,
        ):
            done = await session.execute(
                update(Command)
                .where(
                    Command.id == command_id,
                    Command.status.in_([CommandStatus.SENT.value, CommandStatus.WAITING.value]),
                )
                .values(status=target.value, result=result, answered_at=self.clock.now())
                .returning(Command.device_id)
            )
            device_id = done.scalar()
            if device_id is not None:
                record(session, CommandAnswered(command_id, device_id, target.value))
        return device_id is not None

    async def _outcome(self, command: Command, answer_within: float) -> Command:
        answered = self._answers.setdefault(command.id, asyncio.Event())
        try:
            while True:
                current = await self._reload(command.id)
                status = CommandStatus(current.status)
                if status in FINISHED:
                    return _final(current)
                now = self.clock.now()
                if status is CommandStatus.WAITING and await self._online_now(current.device_id):
                    await self._send_waiting(current, answer_within)
                    continue
                if now >= current.deadline:
                    if await self._finish(current.id, CommandStatus.TIMED_OUT):
                        return _final(await self._reload(command.id))
                    continue
                left = (current.deadline - now).total_seconds()
                await self._sleep(answered, current.device_id, min(POLL, left), status)
        finally:
            self._answers.pop(command.id, None)

    async def _sleep(
        self, answered: asyncio.Event, device_id: str, seconds: float, status: CommandStatus
    ) -> None:
        waiters = [asyncio.ensure_future(answered.wait())]
        if status is CommandStatus.WAITING:
            online = self._online.setdefault(device_id, asyncio.Event())
            waiters.append(asyncio.ensure_future(online.wait()))
        try:
            await asyncio.wait(
                waiters, timeout=max(seconds, 0.01), return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for waiter in waiters:
                waiter.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await waiter
            answered.clear()
            self._online.pop(device_id, None)

    async def _online_now(self, device_id: str) -> bool:
        async with self.sessions() as session:
            return bool(
                await session.scalar(
                    select(DeviceState.online).where(DeviceState.device_id == device_id)
                )
            )

    async def _send_waiting(self, command: Command, answer_within: float) -> None:
        now = self.clock.now()
        async with db.transaction(
            self.sessions, turn=db.turn(self.sessions, urgent=True)
        ) as session:
            moved = await session.execute(
                update(Command)
                .where(Command.id == command.id, Command.status == CommandStatus.WAITING.value)
                .values(
                    status=CommandStatus.SENT.value,
                    sent_at=now,
                    deadline=now + timedelta(seconds=answer_within),
                )
                .returning(Command.id)
            )
            if moved.scalar() is None:
                return  # another process sent it, or it timed out meanwhile
            if command.kind == "set":
                state = await session.get(DeviceState, command.device_id, with_for_update=True)
                assert state is not None
                _desire(state, command.payload["props"])
        await self._publish(command)

    async def _reload(self, command_id: str) -> Command:
        async with self.sessions() as session:
            row = await session.get(Command, command_id)
        assert row is not None
        return row


def _desire(state: DeviceState, props: dict[str, Any]) -> None:
    twin = Twin(state.device_id, reported=dict(state.reported), desired=dict(state.desired))
    apply_desired(twin, props)
    state.desired = twin.desired


def _final(command: Command) -> Command:
    status = CommandStatus(command.status)
    if status is CommandStatus.OFFLINE:
        raise DeviceOffline(
            "the device is offline; nothing was sent (ask to wait for it with wait_online)",
            command_id=command.id,
        )
    if status is CommandStatus.TIMED_OUT:
        if command.sent_at is None:
            raise DeviceOffline(
                "the device did not come back online in time; nothing was sent",
                command_id=command.id,
            )
        raise CommandTimedOut(
            "the device did not answer in time; it may still carry the command out",
            command_id=command.id,
        )
    return command
