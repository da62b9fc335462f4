"""``hearth certify``: run the compatibility certification suite on a spec, locally.

The spec is a built-in library model id or a spec file (native or a MIoT instance); a
simulated device built from it is driven over the real protocol through a private
broker, and every check is printed with its verdict. ``--fault`` breaks the simulated
device on purpose, to see what a failing device looks like.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from hearth.cli.console import console, fail, run
from hearth.devices import import_miot
from hearth.devices.library import get_spec, models
from hearth.devices.native import guess_format, load_document
from hearth.devices.rules import parse_spec
from hearth.devices.spec import Spec
from hearth.errors import HearthError, InvalidInput, SpecInvalid
from hearth.kit.clock import SystemClock
from hearth.mall.certification.checks import Outcome
from hearth.mall.certification.faults import Fault
from hearth.mall.certification.report import RunStatus, Subject, build_report, verdict
from hearth.mall.certification.standalone import certify_spec

EXIT_FAILED = 1


def _load(target: str) -> Spec:
    if target in models():
        return get_spec(target)
    path = Path(target)
    if not path.is_file():
        raise InvalidInput(f"{target!r} is neither a library model nor a spec file")
    document = load_document(path.read_bytes(), fmt=guess_format(path.name))
    if isinstance(document, dict) and "model" in document:
        return parse_spec(document)
    imported = import_miot(document)
    if imported.spec is None:
        raise SpecInvalid("the MIoT instance could not be imported", issues=[])
    return imported.spec


def certify(
    target: Annotated[str, typer.Argument(help="library model id or spec file")],
    fault: Annotated[
        list[Fault] | None, typer.Option(help="break the simulated device this way (repeat)")
    ] = None,
    report: Annotated[Path | None, typer.Option(help="write the JSON report here")] = None,
) -> None:
    """Certify a spec: a simulated device over the real protocol, every check printed."""
    # amqtt warns about acknowledgements it already had; the checks judge what matters.
    logging.getLogger("amqtt.mqtt.protocol.handler").setLevel(logging.ERROR)
    try:
        spec = _load(target)
    except HearthError as err:
        fail(err)
    clock = SystemClock()  # a command line's time is the machine's
    started = clock.now()
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(f"Certifying {spec.model}", total=None)

        def advance(done: int, total: int, outcome: Outcome) -> None:
            bar.update(task, completed=done, total=total, description=outcome.check.title[:48])

        unit, outcomes = run(certify_spec(spec, faults=frozenset(fault or ()), progress=advance))
    table = Table(title=f"{spec.model} v{spec.version}", show_lines=False)
    table.add_column("", width=2)
    table.add_column("check")
    table.add_column("verdict")
    for outcome in outcomes:
        mark = "[green]✓[/]" if outcome.passed else "[red]✗[/]"
        table.add_row(mark, outcome.check.title, outcome.reason)
    console.print(table)
    status = verdict(outcomes)
    passed = sum(o.passed for o in outcomes)
    colour = "green" if status is RunStatus.PASSED else "red"
    console.print(f"[bold {colour}]{status.value}[/]: {passed} of {len(outcomes)} checks passed")
    if report is not None:
        subject = Subject("local", "", spec.name, spec.model, spec.version, "simulated", None)
        document = build_report(subject, outcomes, started_at=started, finished_at=clock.now())
        report.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
        console.print(f"report written to {report}")
    if status is not RunStatus.PASSED:
        raise typer.Exit(EXIT_FAILED)
