"""A run's status workflow and its report (pure rules, no I/O).

A run is ``running`` until the runner finishes it ``passed`` (every check passed) or
``failed`` (a check failed, the run broke, or its process stopped: ``interrupted``);
``RUN_WORKFLOW`` holds these moves.
The report names the product, the spec version it covers, and every check's verdict
with its evidence; the JSON form is what partners download.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from hearth.kit.workflow import Workflow
from hearth.mall.certification.checks import Outcome

REPORT_FORMAT = "hearth.certification.v1"


class RunStatus(StrEnum):
    RUNNING = "running"
    PASSED = "passed"
    FAILED = "failed"


MOVES: dict[RunStatus, frozenset[RunStatus]] = {
    RunStatus.RUNNING: frozenset({RunStatus.PASSED, RunStatus.FAILED}),
    RunStatus.PASSED: frozenset(),
    RunStatus.FAILED: frozenset(),
}
RUN_WORKFLOW = Workflow(MOVES, initial={RunStatus.RUNNING}, name="certification run")


def verdict(outcomes: Sequence[Outcome]) -> RunStatus:
    """A run passes when it ran checks and every one passed."""
    return RunStatus.PASSED if outcomes and all(o.passed for o in outcomes) else RunStatus.FAILED


@dataclass(frozen=True)
class Subject:
    """What a report covers."""

    run_id: str
    product_id: str
    product_name: str
    model: str
    spec_version: int
    device: str
    device_id: str | None


def build_report(
    subject: Subject,
    outcomes: Sequence[Outcome],
    *,
    started_at: datetime,
    finished_at: datetime,
    error: str = "",
) -> dict[str, Any]:
    """Return the JSON report of a run."""
    passed = sum(o.passed for o in outcomes)
    status = RunStatus.FAILED if error else verdict(outcomes)
    return {
        "format": REPORT_FORMAT,
        "run_id": subject.run_id,
        "product_id": subject.product_id,
        "product_name": subject.product_name,
        "model": subject.model,
        "spec_version": subject.spec_version,
        "device": subject.device,
        "device_id": subject.device_id,
        "status": status.value,
        "error": error,
        "started_at": started_at.isoformat(),
        "finished_at": finished_at.isoformat(),
        "summary": {"total": len(outcomes), "passed": passed, "failed": len(outcomes) - passed},
        "checks": [o.as_json() for o in outcomes],
    }


def failures(outcomes: Sequence[Outcome]) -> list[str]:
    """Return the ids of the checks that failed."""
    return [o.check.id for o in outcomes if not o.passed]
