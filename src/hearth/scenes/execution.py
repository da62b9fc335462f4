"""Carrying out a run: each action in order, its outcome written to the run as it goes.

A run is a row; this module moves it forward. A device action goes through the hub's
``Commands`` as the run's actor (so a member who left the home no longer controls it)
and only to a device in the run's home (one moved to another home is not commanded),
with the request id ``<run id>.<step>`` so that a run resumed after a crash never sends
a step twice. A failed action is logged with why and the run goes on with the next one;
the run then ends ``failed``. A delay writes ``resume_at`` and stops: whichever process
ticks first after that moment claims the run and continues it.

A run that starts with a device command has that command recorded in the run's own
transaction (``record_first``) and sent once it has committed: an automation's trigger
costs one write, not two, and a command is still never sent before it is recorded. The
run's progress is written in urgent write turns (``db.turn``): the next action waits on
it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db
from hearth.accounts.models import User
from hearth.errors import CommandTimedOut, DeviceError, DeviceOffline, HearthError, NotFound
from hearth.hub.commands import Commands
from hearth.hub.models import Command
from hearth.kit.clock import Clock
from hearth.notifications import service as notifications
from hearth.outbox import Publish, record, unit_of_work
from hearth.scenes import service
from hearth.scenes.events import SceneCommandSent, SceneRunFinished
from hearth.scenes.models import Automation, Scene, SceneRun
from hearth.scenes.modes import RunStatus
from hearth.scenes.rules import (
    DelayAction,
    InvokeAction,
    NotifyAction,
    SceneAction,
    SetAction,
    ToggleAutomation,
    parse_actions,
)

log = structlog.get_logger(__name__)

ANSWER_WITHIN = 5.0
CAUSE_SECONDS = 10.0


@dataclass
class Outcome:
    """What one step did, as the log shows it."""

    status: str  # "ok" or "failed"
    detail: str
    extra: dict[str, Any] | None = None


class Executor:
    """Runs the steps of runs for one process."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        publish: Publish,
        commands: Commands | None,
        start_child: Any,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.publish = publish
        self.commands = commands  # None in a process without a broker link
        self.start_child = start_child  # (run) -> None: carry out a run started here
        self._telling: set[asyncio.Task[None]] = set()

    async def record_first(
        self, session: AsyncSession, run: SceneRun, actor: User | None
    ) -> Command | None:
        """Record the run's first action, if it commands a device, in the transaction
        that records the run (after its flush); ``carry_out`` sends it once that commits.

        Anything that refuses it (a device gone from the home, a value the spec refuses)
        is left to the step: it meets the same refusal and logs why."""
        commands = self.commands
        if commands is None or actor is None or run.next_step != 0 or not run.actions:
            return None
        action = parse_actions(run.actions[:1], in_scene=False)[0]
        if not isinstance(action, SetAction | InvokeAction):
            return None
        kind, payload = _command_of(action)
        try:
            command, _ = await commands.record(
                session,
                user=actor,
                device_id=action.device_id,
                kind=kind,
                payload=payload,
                request_id=f"{run.id}.0",
                answer_within=ANSWER_WITHIN,
                home_id=run.home_id,
                new_request=True,  # the run's id was made in this transaction
            )
        except HearthError:
            return None
        return command

    async def carry_out(
        self,
        run_id: str,
        run: SceneRun | None = None,
        actor: User | None = None,
        first: Command | None = None,
    ) -> RunStatus | None:
        """Run steps from where the run stands until it ends or waits; return its status.

        A run just started here is passed in as it was written, saving a read, with the
        command of its first step if ``record_first`` recorded it."""
        if run is None:
            async with self.sessions() as session:
                run = await session.get(SceneRun, run_id)
                actor = await session.get(User, run.actor_id) if run and run.actor_id else None
        if run is None or run.status != RunStatus.RUNNING:
            return None
        actions = parse_actions(run.actions, in_scene=False)
        steps = list(run.steps)
        failed = any(step["status"] == "failed" for step in steps)
        chain = [*run.chain, run.automation_id] if run.automation_id else list(run.chain)
        for index in range(run.next_step, len(actions)):
            action = actions[index]
            if isinstance(action, DelayAction):
                resume = self.clock.now() + timedelta(seconds=action.seconds)
                steps.append(self._step(index, action.kind, "ok", f"wait {action.seconds:g} s"))
                if await self._save(run_id, steps, index + 1, RunStatus.WAITING, resume):
                    return RunStatus.WAITING
                return None
            recorded, first = first, None  # only ever the first step's
            try:
                outcome = await self._act(run, actor, action, index, chain, recorded)
            except HearthError as err:
                outcome = Outcome("failed", err.message, {"code": _code_of(err)})
            except Exception as err:  # one broken action must not lose the run
                log.exception("scene_action_crashed", run_id=run_id, step=index)
                outcome = Outcome("failed", f"internal error: {type(err).__name__}")
            failed = failed or outcome.status == "failed"
            steps.append(
                self._step(index, action.kind, outcome.status, outcome.detail, outcome.extra)
            )
            if not await self._save(run_id, steps, index + 1, RunStatus.RUNNING, None):
                return None  # cancelled meanwhile (restart mode, or the user)
        final = RunStatus.FAILED if failed else RunStatus.SUCCEEDED
        finished = SceneRunFinished(
            run.id, run.home_id, final.value, run.automation_id, run.scene_id
        )
        if not await self._save(run_id, steps, len(actions), final, None, finished):
            return None
        return final

    def _step(
        self, index: int, kind: str, status: str, detail: str, extra: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        step = {"index": index, "kind": kind, "status": status, "detail": detail}
        step["at"] = self.clock.now().isoformat()
        return {**step, **(extra or {})}

    async def _save(
        self,
        run_id: str,
        steps: list[dict[str, Any]],
        next_step: int,
        status: RunStatus,
        resume_at: Any,
        finished: SceneRunFinished | None = None,
    ) -> bool:
        """Write progress if the run is still running here; False if it was cancelled.

        ``finished`` is told once the last step's write has committed."""
        now = self.clock.now()
        values: dict[str, Any] = {
            "steps": steps,
            "next_step": next_step,
            "status": status.value,
            "resume_at": resume_at,
            "updated_at": now,
        }
        if status not in (RunStatus.RUNNING, RunStatus.WAITING):
            values["finished_at"] = now
        async with (
            unit_of_work(
                self.sessions, self.publish, turn=db.turn(self.sessions, urgent=True)
            ) as session,
        ):
            done = await session.execute(
                update(SceneRun)
                .where(SceneRun.id == run_id, SceneRun.status == RunStatus.RUNNING.value)
                .values(**values)
                .returning(SceneRun.id)
            )
            saved = done.scalar() is not None
            if saved and finished is not None:
                record(session, finished)
        return saved

    async def _act(
        self,
        run: SceneRun,
        actor: User | None,
        action: object,
        index: int,
        chain: list[str],
        recorded: Command | None = None,
    ) -> Outcome:
        if isinstance(action, SetAction | InvokeAction):
            return await self._command(run, actor, action, index, chain, recorded)
        if isinstance(action, NotifyAction):
            async with unit_of_work(self.sessions, self.publish) as session:
                members = await service.member_ids(session, home_id=run.home_id)
                link = (
                    f"/scenes/automations/{run.automation_id}" if run.automation_id else "/scenes"
                )
                await notifications.notify(
                    session,
                    now=self.clock.now(),
                    user_ids=members,
                    kind="scene",
                    title=action.title,
                    body=action.body,
                    link=link,
                )
            return Outcome("ok", f"notified {len(members)} member(s)", {"people": len(members)})
        if isinstance(action, ToggleAutomation):
            return await self._toggle(run, action)
        if isinstance(action, SceneAction):
            return await self._scene(run, action, chain)
        raise NotFound(f"unknown action {action!r}")

    async def _command(
        self,
        run: SceneRun,
        actor: User | None,
        action: SetAction | InvokeAction,
        index: int,
        chain: list[str],
        recorded: Command | None = None,
    ) -> Outcome:
        commands = self.commands
        if commands is None:
            raise DeviceError("the device cloud is not running in this process")
        if actor is None:
            raise NotFound("the member this runs as has left hearth")
        kind, payload = _command_of(action)
        if chain:
            # Handlers here run as soon as this task yields, long before the device can
            # answer; other processes get it a moment later. The command does not wait.
            told = asyncio.create_task(
                self.publish(SceneCommandSent(action.device_id, chain, CAUSE_SECONDS))
            )
            self._telling.add(told)
            told.add_done_callback(self._telling.discard)
        if recorded is not None:
            command = await commands.deliver(recorded, ANSWER_WITHIN)
        else:
            command = await commands.execute(
                user=actor,
                device_id=action.device_id,
                kind=kind,
                payload=payload,
                request_id=f"{run.id}.{index}",
                answer_within=ANSWER_WITHIN,
                home_id=run.home_id,  # a device that left the home is not the scene's to command
            )
        result = command.result or {}
        code = result.get("code", "ok")
        refused = [k for k, r in (result.get("results") or {}).items() if r.get("code") != "ok"]
        extra = {"command_id": command.id, "device_id": action.device_id}
        if command.status != "succeeded" or code != "ok" or refused:
            why = f"refused {', '.join(refused)}" if refused else f"device answered {code}"
            parts = result.get("results") or {}
            refusals = {k: parts[k].get("code") for k in refused} if refused else {"": code}
            kind_of = "not_sent" if code == "not_sent" else "refused"
            return Outcome("failed", why, {**extra, "code": kind_of, "refusals": refusals})
        return Outcome("ok", "done" if kind == "action" else "set", extra)

    async def _toggle(self, run: SceneRun, action: ToggleAutomation) -> Outcome:
        async with (
            unit_of_work(
                self.sessions, self.publish, turn=db.turn(self.sessions, urgent=True)
            ) as session,
        ):
            target = await session.get(Automation, action.automation_id, with_for_update=True)
            if target is None or target.home_id != run.home_id:
                raise NotFound("the automation no longer exists")
            await service.set_enabled(
                session, automation=target, enabled=action.enabled, now=self.clock.now()
            )
            name = target.name
        return Outcome("ok", f"{'enabled' if action.enabled else 'disabled'} {name}")

    async def _scene(self, run: SceneRun, action: SceneAction, chain: list[str]) -> Outcome:
        now = self.clock.now()
        async with db.transaction(
            self.sessions, turn=db.turn(self.sessions, urgent=True)
        ) as session:
            scene = await session.scalar(
                select(Scene).where(Scene.id == action.scene_id, Scene.home_id == run.home_id)
            )
            if scene is None:
                raise NotFound("the scene no longer exists")
            child = SceneRun(
                home_id=run.home_id,
                scene_id=scene.id,
                actor_id=run.actor_id,
                status=RunStatus.RUNNING.value,
                cause={"kind": "run", "run_id": run.id},
                chain=chain,
                actions=scene.actions,
                started_at=now,
                updated_at=now,
            )
            session.add(child)
            await session.flush()
            child_id, name = child.id, scene.name
        self.start_child(child_id)
        return Outcome("ok", f"started {name}", {"run_id": child_id})


def _code_of(err: HearthError) -> str:
    """Name what became of a step that raised, for the words the log shows."""
    if isinstance(err, DeviceOffline):
        return "offline"
    if isinstance(err, CommandTimedOut):
        return "timed_out"
    if isinstance(err, NotFound):
        return "gone"
    return "error"


def _command_of(action: SetAction | InvokeAction) -> tuple[str, dict[str, Any]]:
    """Return the command kind and payload an action sends."""
    if isinstance(action, SetAction):
        return "set", {"props": dict(action.props)}
    return "action", {"action": action.action, "args": dict(action.args)}
