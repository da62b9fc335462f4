"""Runs: their workflow, what a new trigger does to runs in progress, and loop detection.

A run is one execution of an automation (or a scene). Its status moves along
``TRANSITIONS`` only (held by ``RUN_WORKFLOW``); a run that starts in a final status
(skipped, conditions not met, stopped as a loop) is recorded so that every trigger is
explained.

Causality: each run carries the ``chain`` of automations whose actions led to it (a
command to a device whose report triggered this automation, or a scene run). An
automation that appears ``LOOP_REPEATS`` times in its own chain is in a loop: the run is
stopped, the automation disabled and the home told. A chain longer than ``MAX_CHAIN``
is stopped the same way, whatever it contains.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from hearth.kit.workflow import Workflow
from hearth.scenes.rules import AutomationMode

MAX_QUEUED = 10
MAX_PARALLEL = 10
LOOP_REPEATS = 2
MAX_CHAIN = 16


class RunStatus(StrEnum):
    QUEUED = "queued"  # waits for earlier runs of a queued automation
    RUNNING = "running"
    WAITING = "waiting"  # in a delay; resumes at ``resume_at`` on any process
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # at least one action failed; later actions still ran
    CANCELLED = "cancelled"  # replaced by a newer run (restart), or by the user
    SKIPPED = "skipped"  # single mode with a run in progress, or too many runs
    NOT_MET = "not_met"  # the trigger fired but the conditions did not hold
    STOPPED = "stopped"  # stopped as a loop


ACTIVE = frozenset({RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.WAITING})
FINAL = frozenset(RunStatus) - ACTIVE

TRANSITIONS: dict[RunStatus, frozenset[RunStatus]] = {
    RunStatus.QUEUED: frozenset({RunStatus.RUNNING, RunStatus.CANCELLED}),
    RunStatus.RUNNING: frozenset(
        {RunStatus.WAITING, RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED}
    ),
    RunStatus.WAITING: frozenset({RunStatus.RUNNING, RunStatus.CANCELLED}),
    **{status: frozenset() for status in FINAL},
}
# A run starts running, queued, or already settled (skipped, conditions not met, a loop).
RUN_WORKFLOW = Workflow(
    TRANSITIONS,
    initial={
        RunStatus.RUNNING,
        RunStatus.QUEUED,
        RunStatus.SKIPPED,
        RunStatus.NOT_MET,
        RunStatus.STOPPED,
    },
    name="run",
)


@dataclass(frozen=True)
class Admission:
    """What to do with a new trigger: its first status, why, and which runs to cancel."""

    status: RunStatus
    reason: str = ""
    cancel: tuple[str, ...] = ()


def admit(mode: AutomationMode, active: Sequence[tuple[str, RunStatus]]) -> Admission:
    """Decide a new run's fate from the automation's mode and its runs in progress.

    ``active`` lists ``(run_id, status)`` of the runs still queued, running or waiting.
    """
    if not active:
        return Admission(RunStatus.RUNNING)
    if mode is AutomationMode.SINGLE:
        return Admission(RunStatus.SKIPPED, "an earlier run is still in progress (mode single)")
    if mode is AutomationMode.RESTART:
        return Admission(
            RunStatus.RUNNING, "restarted", cancel=tuple(run_id for run_id, _ in active)
        )
    if mode is AutomationMode.QUEUED:
        if len(active) > MAX_QUEUED:
            return Admission(RunStatus.SKIPPED, f"more than {MAX_QUEUED} runs queued")
        return Admission(RunStatus.QUEUED, "waits for the earlier runs (mode queued)")
    if len(active) >= MAX_PARALLEL:
        return Admission(RunStatus.SKIPPED, f"{MAX_PARALLEL} runs already in progress")
    return Admission(RunStatus.RUNNING)


def loop_in(chain: Sequence[str], automation_id: str) -> bool:
    """Tell whether running ``automation_id`` after ``chain`` would be a loop."""
    return chain.count(automation_id) >= LOOP_REPEATS or len(chain) >= MAX_CHAIN


def describe_chain(chain: Sequence[str], names: dict[str, str]) -> str:
    """Return the chain as people read it: ``Motion light → Night dim → Motion light``."""
    return " → ".join(names.get(item, item) for item in chain)
