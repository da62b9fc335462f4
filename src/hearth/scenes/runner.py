"""The scene runner inside one hearth process: watches devices and clocks, starts runs.

Device triggers are evaluated on the process that received the report, the moment it
arrives (``DeviceReportArrived``, told before the ingest batch is written), with no
database read before deciding: the runner keeps an
index of the enabled automations' device triggers (rebuilt when ``AutomationsChanged``
arrives from any process), the last value of every watched property (fed by every
process's changes) and the home each watched device is in (fed by ``DeviceBound`` and
``DeviceUnbound`` from every process). Events relayed from other processes only update
those values, so each report is judged once, where it arrived.

A device that leaves a home takes its automations' triggers with it: a trigger fires, and
a condition reads a device, only while the device is in the automation's home. The index
decides this at once; the run's own transaction checks it again in the database, so a
move this process has not heard of yet cannot slip through either (until it hears, the
new home's triggers on the device wait: a few milliseconds, failing closed). Actions
command a device only in the run's home (``Commands.execute(home_id=...)``).

Timed work is in the database: each tick (every ``TICK`` seconds of real time, reading
the clock it was given) claims due timers and due delays with a conditional update, so with any
number of processes each schedule fires once and each delay resumes once.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict, deque
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db, metrics
from hearth.accounts.models import User
from hearth.bus import EventBus, relayed
from hearth.hub.commands import Commands
from hearth.hub.events import (
    DeviceBound,
    DeviceCameOnline,
    DeviceReportArrived,
    DeviceStateChanged,
    DeviceUnbound,
    DeviceWentOffline,
)
from hearth.hub.models import Command, Device, DeviceState
from hearth.kit.clock import Clock
from hearth.kit.rounds import Rounds
from hearth.outbox import Publish, unit_of_work
from hearth.scenes import service
from hearth.scenes.events import AutomationsChanged, SceneCommandSent
from hearth.scenes.execution import Executor
from hearth.scenes.matching import (
    MISSING,
    StateLookup,
    compare,
    conditions_hold,
    event_fires,
    hold_change,
    property_fires,
)
from hearth.scenes.models import Automation, SceneRun, SceneTimer
from hearth.scenes.modes import ACTIVE, RunStatus, admit, describe_chain, loop_in
from hearth.scenes.rules import (
    AutomationMode,
    AutomationRule,
    AvailabilityChange,
    AvailabilityTrigger,
    EventTrigger,
    InvokeAction,
    PropertyCondition,
    PropertyTrigger,
    ScheduleTrigger,
    SetAction,
    SunTrigger,
)
from hearth.scenes.timing import Place, local, next_fire

log = structlog.get_logger(__name__)

TICK = 0.5
MISSED_GRACE = timedelta(hours=1)  # a schedule missed by more is skipped, not run late
STALE_RUN = timedelta(minutes=2)
# Runs of one automation within BURST_SECONDS, each caused by an automation or by a device
# it commands itself: a loop whose chain was lost (a relayed cause that came too late).
BURST = 20
BURST_SECONDS = 10.0
KEEP_RUNS = timedelta(days=14)
KEEP_PER_AUTOMATION = 200  # a chatty trigger keeps its newest runs, not millions
PRUNE_EVERY = 60.0


def _resting(since: timedelta, minutes: int) -> str:
    """Say why a trigger was skipped while its automation rests after a run."""
    ago = int(since.total_seconds() // 60)
    when = "less than a minute ago" if ago < 1 else f"{ago} minute{'s' if ago != 1 else ''} ago"
    return f"resting: it ran {when} and waits {minutes} minutes between runs"


def _beyond_kept() -> Select[tuple[str]]:
    """Select the finished runs of each automation older than its newest kept ones."""
    ranked = (
        select(
            SceneRun.id,
            func.row_number()
            .over(partition_by=SceneRun.automation_id, order_by=SceneRun.started_at.desc())
            .label("rank"),
        )
        .where(SceneRun.automation_id.is_not(None), SceneRun.finished_at.is_not(None))
        .subquery()
    )
    return select(ranked.c.id).where(ranked.c.rank > KEEP_PER_AUTOMATION)


@dataclass(frozen=True)
class Watched:
    """An enabled automation as the runner needs it to decide quickly."""

    id: str
    home_id: str
    name: str
    rule: AutomationRule
    actor_id: str | None

    @property
    def targets(self) -> frozenset[str]:
        """The devices its actions command: a trigger on one of them may be its own echo."""
        return frozenset(
            a.device_id for a in self.rule.actions if isinstance(a, SetAction | InvokeAction)
        )


class SceneRunner:
    """Evaluates triggers and carries out runs for one hearth process."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        bus: EventBus,
        publish: Publish,
        commands: Commands | None,
        tick: float = TICK,
        background: bool = True,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.bus = bus
        self.publish = publish
        self.tick_seconds = tick
        self.background = background  # ticks (timers, delays, pruning) run here
        self.executor = Executor(
            sessions=sessions,
            clock=clock,
            publish=publish,
            commands=commands,
            start_child=self._spawn_run,
        )
        self.automations: dict[str, Watched] = {}
        self.by_device: dict[str, list[tuple[Watched, int]]] = defaultdict(list)
        self.values: dict[str, dict[str, Any]] = {}
        self.homes: dict[str, str | None] = {}  # the home of each watched device
        self.causes: dict[str, tuple[list[str], float]] = {}
        self._recent: dict[str, deque[float]] = defaultdict(deque)
        self._locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._runs: dict[str, asyncio.Task[None]] = {}
        self._run_owner: dict[str, str] = {}  # run id → automation id, while it runs here
        self._actors: dict[str, User | None] = {}
        self._next_prune = 0.0
        self._tasks: set[asyncio.Task[None]] = set()
        self._ticks: Rounds | None = None
        self.started = 0  # runs started by this process, for tests and benchmarks

    # -- life ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Load the index, follow device and scene events, start ticking."""
        bus = self.bus
        bus.on(DeviceReportArrived, self._arrived, about=self.watches)
        bus.subscribe(DeviceStateChanged, self._state_changed)
        bus.subscribe(DeviceCameOnline, self._availability)
        bus.subscribe(DeviceWentOffline, self._availability)
        bus.subscribe(DeviceBound, self._bound)
        bus.subscribe(DeviceUnbound, self._unbound)
        bus.subscribe(AutomationsChanged, self._automations_changed)
        bus.subscribe(SceneCommandSent, self._command_sent)
        await self.reload()
        if self.background:
            self._ticks = Rounds(
                self.tick,
                name="scene-ticks",
                every=self.tick_seconds,
                first_after=self.tick_seconds,
                area="scenes",
                failed="scene_tick_failed",
            )
            self._ticks.start()

    async def stop(self) -> None:
        """Stop ticking once the tick under way has finished; abandon runs in progress (they
        resume or time out elsewhere)."""
        if self._ticks is not None:
            await self._ticks.stop()
            self._ticks = None
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def reload(self, home_id: str | None = None) -> None:
        """Rebuild the index of enabled automations (one home's, or everyone's)."""
        query = select(Automation).where(Automation.enabled.is_(True))
        if home_id is not None:
            query = query.where(Automation.home_id == home_id)
        async with self.sessions() as session:
            rows = list(await session.scalars(query))
        loaded = {
            row.id: Watched(row.id, row.home_id, row.name, service.parsed_rule(row), row.created_by)
            for row in rows
        }
        if home_id is None:
            self.automations = loaded
        else:
            self.automations = {
                k: v for k, v in self.automations.items() if v.home_id != home_id
            } | loaded
        by_device: dict[str, list[tuple[Watched, int]]] = defaultdict(list)
        watched: set[str] = set()
        for automation in self.automations.values():
            for index, trigger in enumerate(automation.rule.triggers):
                if isinstance(trigger, PropertyTrigger | EventTrigger | AvailabilityTrigger):
                    by_device[trigger.device_id].append((automation, index))
                    watched.add(trigger.device_id)
            for condition in automation.rule.conditions.items:
                if isinstance(condition, PropertyCondition):
                    watched.add(condition.device_id)
        self.by_device = by_device
        await self._seed(watched - set(self.values), watched - set(self.homes))

    async def _seed(self, device_ids: set[str], homeless: set[str]) -> None:
        if not device_ids and not homeless:
            return
        async with self.sessions() as session:
            rows = await session.execute(
                select(DeviceState.device_id, DeviceState.reported).where(
                    DeviceState.device_id.in_(device_ids)
                )
            )
            for device_id, reported in rows:
                self.values.setdefault(device_id, dict(reported))
            homes = await session.execute(
                select(Device.id, Device.home_id).where(Device.id.in_(homeless))
            )
            for device_id, home_id in homes:
                # A bind or unbind heard while this read ran is newer: it stays.
                self.homes.setdefault(device_id, home_id)

    def _in_home(self, device_id: str, home_id: str) -> bool:
        """Tell whether a device is in ``home_id``, as far as this process has heard."""
        return self.homes.get(device_id) == home_id

    async def _bound(self, event: DeviceBound) -> None:
        self.homes[event.device_id] = event.home_id

    async def _unbound(self, event: DeviceUnbound) -> None:
        if self.homes.get(event.device_id, event.home_id) == event.home_id:
            self.homes[event.device_id] = None
        # What it reported in the home it left is not the next home's "before".
        self.values.pop(event.device_id, None)

    # -- device events ------------------------------------------------------------------

    async def _automations_changed(self, event: AutomationsChanged) -> None:
        self._actors.clear()  # who an automation runs as may have changed
        await self.reload(event.home_id)

    async def _command_sent(self, event: SceneCommandSent) -> None:
        self.causes[event.device_id] = (list(event.chain), time.monotonic() + event.seconds)

    def _chain_for(self, device_id: str) -> list[str]:
        cause = self.causes.get(device_id)
        if cause is None:
            return []
        if cause[1] < time.monotonic():
            del self.causes[device_id]
            return []
        return cause[0]

    async def _state_changed(self, event: DeviceStateChanged) -> None:
        # This process judged its own reports as they arrived (``_arrived``); what another
        # process applied only keeps the values conditions read up to date.
        if relayed():
            self._remember(event.device_id, event.changed)

    def _remember(self, device_id: str, values: dict[str, Any]) -> dict[str, Any] | None:
        """Fold reported values in; return what was known before, if the device is watched."""
        known = self.values.get(device_id)
        if known is None:
            if device_id not in self.by_device:
                return None
            known = self.values.setdefault(device_id, {})
        before = {key: known.get(key, MISSING) for key in values}
        known.update(values)
        return before

    def watches(self, device_id: str) -> bool:
        """Tell whether a trigger names the device or its values are kept for conditions
        (``_arrived`` does nothing for the others)."""
        return device_id in self.by_device or device_id in self.values

    def _arrived(self, event: DeviceReportArrived) -> None:
        """Judge the triggers on a device the moment its report or event arrives here."""
        if event.event is None:
            before = self._remember(event.device_id, event.values)
            if before is not None:
                self._judge_report(event, before)
            return
        for automation, index in self.by_device.get(event.device_id, ()):
            trigger = automation.rule.triggers[index]
            if not isinstance(trigger, EventTrigger):
                continue
            if not self._in_home(event.device_id, automation.home_id):
                continue
            if event_fires(trigger, event.event, event.values):
                cause = {
                    "kind": "event",
                    "index": index,
                    "device_id": event.device_id,
                    "event": event.event,
                    "args": event.values,
                }
                self._spawn(self.fire(automation, cause, self._chain_for(event.device_id)))

    def _judge_report(self, event: DeviceReportArrived, before: dict[str, Any]) -> None:
        for automation, index in self.by_device.get(event.device_id, ()):
            trigger = automation.rule.triggers[index]
            if not isinstance(trigger, PropertyTrigger) or trigger.key not in event.values:
                continue
            if not self._in_home(event.device_id, automation.home_id):
                continue
            value = event.values[trigger.key]
            if trigger.for_minutes:
                # Only a crossing either way is written: the wait starts, or it ends.
                change = hold_change(trigger, before[trigger.key], value)
                if change is not None:
                    self._spawn(self._hold(automation, index, trigger, change == "start"))
                continue
            if property_fires(trigger, before[trigger.key], value):
                previous = before[trigger.key]
                cause = {
                    "kind": "property",
                    "index": index,
                    "device_id": event.device_id,
                    "key": trigger.key,
                    "value": value,
                    "before": None if previous is MISSING else previous,
                }
                self._spawn(self.fire(automation, cause, self._chain_for(event.device_id)))

    async def _availability(self, event: DeviceCameOnline | DeviceWentOffline) -> None:
        if relayed():
            return
        to = (
            AvailabilityChange.ONLINE
            if isinstance(event, DeviceCameOnline)
            else AvailabilityChange.OFFLINE
        )
        for automation, index in self.by_device.get(event.device_id, ()):
            trigger = automation.rule.triggers[index]
            if not isinstance(trigger, AvailabilityTrigger) or trigger.to is not to:
                continue
            if event.home_id == automation.home_id and self._in_home(
                event.device_id, automation.home_id
            ):
                cause = {
                    "kind": "availability",
                    "index": index,
                    "device_id": event.device_id,
                    "to": to.value,
                }
                self._spawn(self.fire(automation, cause, []))

    async def _hold(
        self, automation: Watched, index: int, trigger: PropertyTrigger, start: bool
    ) -> None:
        """Start (or restart) the wait of a trigger that must hold ``for_minutes``, as a
        timer any process may fire; or end it, deleting the timer."""
        now = self.clock.now()
        try:
            async with db.transaction(self.sessions, turn=db.turn(self.sessions)) as session:
                await session.execute(
                    delete(SceneTimer).where(
                        SceneTimer.automation_id == automation.id,
                        SceneTimer.trigger_index == index,
                    )
                )
                if start:
                    due = now + timedelta(minutes=trigger.for_minutes)
                    session.add(
                        SceneTimer(automation_id=automation.id, trigger_index=index, due_at=due)
                    )
        except Exception:
            metrics.ERRORS.labels(area="scenes").inc()
            log.exception("automation_hold_failed", automation_id=automation.id)

    async def _held(self, session: AsyncSession, trigger: PropertyTrigger, home_id: str) -> Any:
        """Return the trigger's property now if its comparison still holds in the home,
        else ``MISSING`` (this process's values, else the stored state)."""
        value = (
            self._state(trigger.device_id, trigger.key)
            if self._in_home(trigger.device_id, home_id)
            else MISSING
        )
        if value is MISSING:
            found = (
                await session.execute(
                    select(DeviceState.reported)
                    .join(Device, Device.id == DeviceState.device_id)
                    .where(Device.id == trigger.device_id, Device.home_id == home_id)
                )
            ).scalar()
            value = (found or {}).get(trigger.key, MISSING)
        return value if compare(trigger.op, value, trigger.value, trigger.upper) else MISSING

    # -- starting runs ------------------------------------------------------------------

    def _state(self, device_id: str, key: str) -> Any:
        return self.values.get(device_id, {}).get(key, MISSING)

    def _state_in(self, home_id: str) -> StateLookup:
        """Read last values of the devices in ``home_id``; any other device is unknown."""

        def state(device_id: str, key: str) -> Any:
            if not self._in_home(device_id, home_id):
                return MISSING
            return self._state(device_id, key)

        return state

    def _burst(self, automation_id: str) -> bool:
        now = time.monotonic()
        recent = self._recent[automation_id]
        while recent and recent[0] < now - BURST_SECONDS:
            recent.popleft()
        recent.append(now)
        return len(recent) > BURST

    async def fire(self, automation: Watched, cause: dict[str, Any], chain: list[str]) -> None:
        """A trigger of ``automation`` fired: judge conditions and mode, record, run."""
        try:
            await self._fire(automation, cause, chain)
        except Exception:
            metrics.ERRORS.labels(area="scenes").inc()
            log.exception("automation_trigger_failed", automation_id=automation.id)

    async def _fire(
        self, automation: Watched, cause: dict[str, Any], chain: list[str], *, manual: bool = False
    ) -> str | None:
        now = self.clock.now()
        echo = bool(chain) or cause.get("device_id") in automation.targets
        if not manual and (loop_in(chain, automation.id) or (echo and self._burst(automation.id))):
            await self._stop_loop(automation, cause, [*chain, automation.id], now)
            return None
        met, results = True, list[bool]()
        if not manual and automation.rule.conditions.items:
            clocked = any(
                not isinstance(c, PropertyCondition) for c in automation.rule.conditions.items
            )
            place = await self._place(automation.home_id) if clocked else Place()
            met, results = conditions_hold(
                automation.rule.conditions,
                state=self._state_in(automation.home_id),
                local_now=local(now, place),
            )
        # Parallel runs need no lock: nothing about earlier runs decides this one's fate,
        # unless a cooldown does (the last run's time is read under the lock).
        parallel = automation.rule.mode is AutomationMode.PARALLEL
        cooldown = timedelta(minutes=automation.rule.cooldown_minutes)
        first: Command | None = None
        async with (
            self._locks[automation.id],
            db.transaction(self.sessions, turn=db.turn(self.sessions, urgent=True)) as session,
        ):
            row, still_home = await self._automation_row(
                session,
                automation,
                None if manual else cause.get("device_id"),
                lock=not parallel or bool(cooldown),
            )
            if row is None or not (row.enabled or manual):
                return None  # disabled or deleted a moment ago, on another process
            if not still_home:
                return None  # it left the home, on a process this one has not heard yet
            run = SceneRun(
                home_id=automation.home_id,
                automation_id=automation.id,
                actor_id=automation.actor_id,
                cause=cause,
                conditions=results,
                chain=chain,
                actions=row.rule["actions"],
                started_at=now,
                updated_at=now,
            )
            resting = (
                cooldown
                and not manual
                and row.last_run_at is not None
                and now - row.last_run_at < cooldown
            )
            if not met:
                run.status, run.reason, run.finished_at = RunStatus.NOT_MET.value, "", now
                run.reason = "the conditions did not hold"
            elif resting:
                assert row.last_run_at is not None
                run.status, run.finished_at = RunStatus.SKIPPED.value, now
                run.reason = _resting(now - row.last_run_at, automation.rule.cooldown_minutes)
            elif parallel:
                here = sum(1 for rid in self._runs if self._run_owner.get(rid) == automation.id)
                decision = admit(AutomationMode.PARALLEL, [("", RunStatus.RUNNING)] * here)
                run.status, run.reason = decision.status.value, decision.reason
                if decision.status is RunStatus.SKIPPED:
                    run.finished_at = now
            else:
                active = await session.execute(
                    select(SceneRun.id, SceneRun.status)
                    .where(
                        SceneRun.automation_id == automation.id,
                        SceneRun.status.in_([s.value for s in ACTIVE]),
                    )
                    .order_by(SceneRun.started_at)
                )
                decision = admit(automation.rule.mode, [(rid, RunStatus(st)) for rid, st in active])
                run.status, run.reason = decision.status.value, decision.reason
                if decision.status is RunStatus.SKIPPED:
                    run.finished_at = now
                if decision.cancel:
                    await self._cancel(session, list(decision.cancel), now)
            if cooldown and run.status in (RunStatus.RUNNING.value, RunStatus.QUEUED.value):
                row.last_run_at = now  # written only by automations with a cooldown
            session.add(run)
            await session.flush()
            run_id, status = run.id, RunStatus(run.status)
            actor = self._actors.get(run.actor_id or "")
            if actor is None and run.actor_id:
                actor = self._actors[run.actor_id] = await session.get(User, run.actor_id)
            if status is RunStatus.RUNNING:
                # The run and its first command in one write; sent once it commits.
                first = await self.executor.record_first(session, run, actor)
        if status is RunStatus.RUNNING:
            self.started += 1
            self._run_owner[run_id] = automation.id
            self._spawn_run(run_id, run, actor, first)
        return run_id

    @staticmethod
    async def _automation_row(
        session: AsyncSession, automation: Watched, device_id: str | None, *, lock: bool
    ) -> tuple[Automation | None, bool]:
        """Read (and lock, for modes other than parallel) the automation's row and tell
        whether the device whose report caused the run (if any) is in its home, in one
        query."""
        home = select(Device.home_id).where(Device.id == device_id).scalar_subquery()
        query = select(Automation, home).where(Automation.id == automation.id)
        if lock:
            query = query.with_for_update(of=Automation)
        found = (await session.execute(query)).first()
        if found is None:
            return None, False
        return found[0], device_id is None or found[1] == automation.home_id

    async def run_automation(self, *, user: User, automation_id: str) -> str:
        """Run an automation's actions now, as ``user``, skipping triggers and conditions
        (its mode still applies); return the run's id."""
        async with self.sessions() as session:
            row = await service.automation_for_member(
                session, user=user, automation_id=automation_id
            )
            watched = Watched(row.id, row.home_id, row.name, service.parsed_rule(row), user.id)
        cause = {"kind": "manual", "user_id": user.id, "by": user.display_name}
        run_id = await self._fire(watched, cause, [], manual=True)
        assert run_id is not None
        return run_id

    async def run_scene(self, *, user: User, scene_id: str) -> str:
        """Start a manual scene as ``user``; return the run's id."""
        now = self.clock.now()
        async with db.transaction(
            self.sessions, turn=db.turn(self.sessions, urgent=True)
        ) as session:
            scene = await service.scene_for_member(session, user=user, scene_id=scene_id)
            run = SceneRun(
                home_id=scene.home_id,
                scene_id=scene.id,
                actor_id=user.id,
                status=RunStatus.RUNNING.value,
                cause={"kind": "manual", "user_id": user.id, "by": user.display_name},
                chain=[],
                actions=scene.actions,
                started_at=now,
                updated_at=now,
            )
            session.add(run)
            await session.flush()
            run_id = run.id
        self.started += 1
        self._spawn_run(run_id)
        return run_id

    async def settled(self, run_id: str, within: float) -> None:
        """Wait up to ``within`` seconds for a run carried out here to end or to wait (a
        tap's answer then tells the outcome at once; anything slower is polled)."""
        task = self._runs.get(run_id)
        if task is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(task), within)

    async def _cancel(self, session: Any, run_ids: list[str], now: datetime) -> None:
        await session.execute(
            update(SceneRun)
            .where(SceneRun.id.in_(run_ids), SceneRun.status.in_([s.value for s in ACTIVE]))
            .values(
                status=RunStatus.CANCELLED.value,
                reason="restarted by a newer trigger",
                finished_at=now,
                updated_at=now,
            )
        )
        for run_id in run_ids:
            task = self._runs.get(run_id)
            if task is not None:
                task.cancel()

    async def _stop_loop(
        self, automation: Watched, cause: dict[str, Any], chain: list[str], now: datetime
    ) -> None:
        names = {a.id: a.name for a in self.automations.values()}
        described = describe_chain(chain, names)
        reason = f"stopped as a loop: {described}"
        async with (
            unit_of_work(
                self.sessions, self.publish, turn=db.turn(self.sessions, urgent=True)
            ) as session,
        ):
            row = await session.get(Automation, automation.id, with_for_update=True)
            if row is None or not row.enabled:
                return
            session.add(
                SceneRun(
                    home_id=automation.home_id,
                    automation_id=automation.id,
                    actor_id=None,
                    status=RunStatus.STOPPED.value,
                    reason=reason,
                    cause=cause,
                    chain=chain,
                    actions=row.rule["actions"],
                    started_at=now,
                    updated_at=now,
                    finished_at=now,
                )
            )
            await service.set_enabled(
                session, automation=row, enabled=False, now=now, reason=reason[:300]
            )
            from hearth.notifications import service as notifications

            await notifications.notify(
                session,
                now=now,
                user_ids=await service.member_ids(session, home_id=automation.home_id),
                kind="scene",
                title=f"{automation.name} was stopped: it kept triggering itself",
                body=described,
                link=f"/scenes/automations/{automation.id}",
            )
        log.warning("automation_loop_stopped", automation_id=automation.id, chain=chain)

    async def _place(self, home_id: str) -> Any:
        async with self.sessions() as session:
            return await service.place_of(session, home_id=home_id)

    def _spawn_run(
        self,
        run_id: str,
        run: SceneRun | None = None,
        actor: User | None = None,
        first: Command | None = None,
    ) -> None:
        task = self._spawn(self._carry_out(run_id, run, actor, first))
        self._runs[run_id] = task
        task.add_done_callback(lambda _: self._forget(run_id))

    def _forget(self, run_id: str) -> None:
        self._runs.pop(run_id, None)
        self._run_owner.pop(run_id, None)

    async def _carry_out(
        self, run_id: str, run: SceneRun | None, actor: User | None, first: Command | None
    ) -> None:
        try:
            status = await self.executor.carry_out(run_id, run, actor, first)
        except Exception:
            metrics.ERRORS.labels(area="scenes").inc()
            log.exception("scene_run_failed", run_id=run_id)
            return
        if status is not None and status is not RunStatus.WAITING:
            await self._next_queued(run_id)

    async def _next_queued(self, run_id: str) -> None:
        async with self.sessions() as session:
            automation_id = await session.scalar(
                select(SceneRun.automation_id).where(SceneRun.id == run_id)
            )
        if automation_id is None:
            return
        async with db.transaction(
            self.sessions, turn=db.turn(self.sessions, urgent=True)
        ) as session:
            busy = await session.scalar(
                select(SceneRun.id).where(
                    SceneRun.automation_id == automation_id,
                    SceneRun.status.in_([RunStatus.RUNNING.value, RunStatus.WAITING.value]),
                )
            )
            queued = await session.scalar(
                select(SceneRun.id)
                .where(
                    SceneRun.automation_id == automation_id,
                    SceneRun.status == RunStatus.QUEUED.value,
                )
                .order_by(SceneRun.started_at, SceneRun.id)
            )
            if busy is not None or queued is None:
                return
            claimed = await self._claim(session, queued, RunStatus.QUEUED)
        if claimed:
            self._spawn_run(queued)

    async def _claim(self, session: Any, run_id: str, current: RunStatus) -> bool:
        done = await session.execute(
            update(SceneRun)
            .where(SceneRun.id == run_id, SceneRun.status == current.value)
            .values(status=RunStatus.RUNNING.value, resume_at=None, updated_at=self.clock.now())
            .returning(SceneRun.id)
        )
        return done.scalar() is not None

    # -- ticks: schedules, delays, upkeep -----------------------------------------------

    async def tick(self) -> None:
        """Fire due schedules, resume due delays, fail runs whose process vanished."""
        now = self.clock.now()
        async with self.sessions() as session:
            found = await session.execute(
                select(
                    SceneTimer.id,
                    SceneTimer.automation_id,
                    SceneTimer.trigger_index,
                    SceneTimer.due_at,
                )
                .where(SceneTimer.due_at <= now)
                .limit(100)
            )
            timers = [(row[0], row[1], row[2], row[3]) for row in found]
            waiting = list(
                await session.scalars(
                    select(SceneRun.id)
                    .where(SceneRun.status == RunStatus.WAITING.value, SceneRun.resume_at <= now)
                    .limit(100)
                )
            )
        for timer_id, automation_id, index, due_at in timers:
            await self._timer_due(timer_id, automation_id, index, due_at, now)
        for run_id in waiting:
            async with db.transaction(self.sessions, turn=db.turn(self.sessions)) as session:
                claimed = await self._claim(session, run_id, RunStatus.WAITING)
            if claimed:
                self._spawn_run(run_id)
        async with db.transaction(self.sessions, turn=db.turn(self.sessions)) as session:
            await session.execute(
                update(SceneRun)
                .where(
                    SceneRun.status == RunStatus.RUNNING.value,
                    SceneRun.updated_at < now - STALE_RUN,
                )
                .values(
                    status=RunStatus.FAILED.value,
                    finished_at=now,
                    updated_at=now,
                    reason="interrupted: the process carrying it out stopped",
                )
            )
            await session.execute(delete(SceneRun).where(SceneRun.finished_at < now - KEEP_RUNS))
        if time.monotonic() >= self._next_prune:
            self._next_prune = time.monotonic() + PRUNE_EVERY
            async with db.transaction(self.sessions, turn=db.turn(self.sessions)) as session:
                await session.execute(delete(SceneRun).where(SceneRun.id.in_(_beyond_kept())))

    async def _timer_due(
        self, timer_id: str, automation_id: str, index: int, due_at: datetime, now: datetime
    ) -> None:
        value: Any = MISSING
        async with db.transaction(self.sessions, turn=db.turn(self.sessions)) as session:
            row = await session.get(Automation, automation_id)
            if row is None:
                return
            place = await service.place_of(session, home_id=row.home_id)
            rule = service.parsed_rule(row)
            # From the row, not the index: this process may not have heard of it yet.
            automation = Watched(row.id, row.home_id, row.name, rule, row.created_by)
            trigger = rule.triggers[index]
            following = None
            if isinstance(trigger, ScheduleTrigger | SunTrigger):
                following = next_fire(trigger, place, max(now, due_at))
            # A property's wait fires once; a schedule moves on to its next time.
            claim = (
                update(SceneTimer)
                .where(SceneTimer.id == timer_id, SceneTimer.due_at == due_at)
                .values(due_at=following)
                .returning(SceneTimer.id)
                if following is not None
                else delete(SceneTimer)
                .where(SceneTimer.id == timer_id, SceneTimer.due_at == due_at)
                .returning(SceneTimer.id)
            )
            claimed = (await session.execute(claim)).scalar() is not None
            if claimed and isinstance(trigger, PropertyTrigger):
                value = await self._held(session, trigger, row.home_id)
        if not claimed or not row.enabled:
            return
        if isinstance(trigger, PropertyTrigger):
            if value is MISSING:
                return  # it stopped holding where this process has not heard yet
            since = due_at - timedelta(minutes=trigger.for_minutes)
            held_cause = {
                "kind": "property",
                "index": index,
                "device_id": trigger.device_id,
                "key": trigger.key,
                "value": value,
                "before": None,
                "since": since.isoformat(),
            }
            await self.fire(automation, held_cause, [])
            return
        cause = {"kind": trigger.kind, "index": index, "due_at": due_at.isoformat()}
        if now - due_at > MISSED_GRACE:
            log.info("schedule_missed", automation_id=automation_id, due_at=due_at.isoformat())
            return
        await self.fire(automation, cause, [])
