"""``hearth spec``: validate native specs, import MIoT instances, show a spec as a table.

Every command reads files itself and hands text to ``hearth.devices``; a file that fails
makes the exit code non-zero (2, as for any bad input) but never stops the others.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from hearth.cli.console import console, err_console, print_json
from hearth.devices import (
    ImportResult,
    Spec,
    import_miot,
    label,
    present,
    spec_to_yaml,
    value_label,
)
from hearth.devices.issues import Issue
from hearth.devices.native import guess_format, load_document
from hearth.devices.rules import document_report, parse_spec
from hearth.errors import SpecInvalid

app = typer.Typer(
    help="Device specs: validate native specs, import MIoT instances, show a spec.",
    no_args_is_help=True,
)
EXIT_FAILED = 2

FilesArg = Annotated[list[Path], typer.Argument(help="Spec files (.json, .yaml, .yml).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print a machine-readable report.")]


def _read(path: Path) -> object:
    """Return the parsed document at ``path``; raise ``SpecInvalid`` if it cannot be read."""
    try:
        text = path.read_bytes()
    except OSError as err:
        raise SpecInvalid(
            f"cannot read {path}",
            issues=[Issue("", "unreadable", err.strerror or str(err)).as_dict()],
        ) from None
    return load_document(text, fmt=guess_format(path.name))


def _looks_like_miot(document: object) -> bool:
    # A native spec always names its model; a MIoT instance never does.
    return isinstance(document, dict) and "model" not in document and "services" in document


@app.command()
def validate(files: FilesArg, as_json: JsonOpt = False) -> None:
    """Validate native spec files; list each issue with its JSON pointer."""
    reports = []
    for path in files:
        try:
            report = document_report(_read(path))
        except SpecInvalid as err:
            report = {"valid": False, "issues": [dict(i) for i in err.issues], "warnings": []}
        reports.append({"path": str(path), **report})
    if as_json:
        print_json({"files": reports})
    else:
        for report in reports:
            if report["valid"]:
                console.print(f"[green]✓[/] {report['path']}")
            else:
                console.print(f"[red]✗[/] {report['path']}")
                console.print(_issue_table(report["issues"]))
    if not all(r["valid"] for r in reports):
        raise typer.Exit(EXIT_FAILED)


def _issue_table(issues: Iterable[Mapping[str, Any]], *, title: str | None = None) -> Table:
    table = Table(title=title, show_header=True, header_style="bold", expand=False)
    table.add_column("Where")
    table.add_column("Reason")
    table.add_column("Message", overflow="fold")
    for issue in issues:
        table.add_row(issue["pointer"] or "/", issue["reason"], issue["message"])
    return table


def _instance_files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.json") if p.is_file())
        else:
            yield path


def _import_file(path: Path) -> ImportResult:
    try:
        document = _read(path)
    except SpecInvalid as err:
        issues = tuple(Issue(i["pointer"], i["reason"], i["message"]) for i in err.issues)
        return ImportResult(None, (), issues)
    return import_miot(document)


def _reasons(issues: Iterable[Issue]) -> str:
    counts = Counter(issue.reason for issue in issues)
    return ", ".join(f"{reason} ×{n}" if n > 1 else reason for reason, n in sorted(counts.items()))


@app.command("import-miot")
def import_miot_command(
    paths: Annotated[list[Path], typer.Argument(help="Instance files or directories of them.")],
    as_json: JsonOpt = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write each imported spec as native YAML here.")
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="List every issue, not only the reasons.")
    ] = False,
) -> None:
    """Import Xiaomi MIoT spec instances; report what was imported, adjusted or left out."""
    files = list(_instance_files(paths))
    results: list[tuple[Path, ImportResult]] = []
    progress = Progress(
        TextColumn("importing"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err_console,
        disable=as_json,
        transient=True,
    )
    with _without_collections():
        with progress:
            task = progress.add_task("import", total=len(files))
            for path in files:
                results.append((path, _import_file(path)))
                progress.advance(task)
        if out is not None:
            _write_native(out, results)
        counts: Counter[str] = Counter(result.status for _, result in results)
        if as_json:
            print_json(_json_report(results, counts))
        else:
            _print_summary(results, counts, verbose=verbose)
    if counts["failed"]:
        raise typer.Exit(EXIT_FAILED)


@contextmanager
def _without_collections() -> Iterator[None]:
    """Pause Python's cycle collector while results pile up and are reported: each
    collection walked every result kept so far, which made an import of all 5,043
    released instances take 2.5 times as long as the imports themselves. The results hold
    no cycles to collect."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _write_native(out: Path, results: list[tuple[Path, ImportResult]]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for _, result in results:
        if result.spec is not None:
            name = f"{result.spec.model}.v{result.spec.version}.yaml"
            (out / name).write_text(spec_to_yaml(result.spec), encoding="utf-8")


def _json_report(results: list[tuple[Path, ImportResult]], counts: Counter[str]) -> dict[str, Any]:
    return {
        "summary": {
            "files": len(results),
            "imported": counts["imported"],
            "warnings": counts["warnings"],
            "failed": counts["failed"],
        },
        "files": [
            {
                "path": str(path),
                "status": result.status,
                "model": result.spec.model if result.spec else None,
                **result.report(),
            }
            for path, result in results
        ],
    }


def _print_summary(
    results: list[tuple[Path, ImportResult]], counts: Counter[str], *, verbose: bool
) -> None:
    summary = Table(title="MIoT import", header_style="bold")
    summary.add_column("Outcome")
    summary.add_column("Files", justify="right")
    summary.add_column("Reasons", overflow="fold")
    for status, title in (
        ("imported", "[green]imported[/]"),
        ("warnings", "[yellow]imported with warnings[/]"),
        ("failed", "[red]failed[/]"),
    ):
        issues = [i for _, r in results if r.status == status for i in (*r.errors, *r.warnings)]
        summary.add_row(title, str(counts[status]), _reasons(issues) or "-")
    console.print(summary)
    details = Table(header_style="bold", title="Files with issues")
    details.add_column("File", overflow="fold")
    details.add_column("Outcome")
    details.add_column("Left out (errors)", overflow="fold")
    details.add_column("Adjusted (warnings)", overflow="fold")
    for path, result in results:
        if result.status == "imported":
            continue
        if verbose:
            errors = "\n".join(f"{i.pointer or '/'}: {i.message}" for i in result.errors)
            warnings = "\n".join(f"{i.pointer or '/'}: {i.message}" for i in result.warnings)
        else:
            errors, warnings = _reasons(result.errors), _reasons(result.warnings)
        details.add_row(path.name, result.status, errors or "-", warnings or "-")
    if details.row_count:
        console.print(details)


@app.command()
def show(
    file: Annotated[Path, typer.Argument(help="A native spec or a MIoT instance.")],
) -> None:
    """Show a spec as readable tables: services, properties, actions and events."""
    try:
        document = _read(file)
        if _looks_like_miot(document):
            result = import_miot(document)
            if result.spec is None:
                raise SpecInvalid("nothing could be imported", issues=result.report()["issues"])
            spec = result.spec
        else:
            spec = parse_spec(document)
    except SpecInvalid as err:
        err_console.print(f"[bold red]error:[/] {file}: {err.message}")
        err_console.print(_issue_table(err.issues))
        raise typer.Exit(EXIT_FAILED) from None
    _print_spec(spec)


def _print_spec(spec: Spec) -> None:
    view = present(spec)
    console.print(f"[bold]{spec.name}[/]  {spec.model} v{spec.version}  ({spec.category})")
    if spec.description:
        console.print(spec.description)
    marks = dict(_marks(view.main_switch, view.primary))
    for service in spec.services:
        heading = f"{service.iid} · {label(service.description, service.type)}"
        table = Table(title=heading, title_justify="left")
        for column in ("Key", "Kind", "Label", "Format", "Access", "Unit", "Allowed", "UI"):
            table.add_column(column, overflow="fold")
        for prop in service.properties:
            control = view.control("property", service.iid, prop.iid)
            assert control is not None
            allowed = ", ".join(f"{o.value}={value_label(prop, o.value)}" for o in prop.values)
            if prop.range is not None:
                rng = prop.range
                step = f" step {rng.step}" if rng.step is not None else ""
                allowed = f"{rng.min}..{rng.max}{step}" + (f"; {allowed}" if allowed else "")
            mark = marks.get((service.iid, prop.iid), "")
            table.add_row(
                control.key,
                "property",
                control.label + mark,
                prop.format.value,
                ",".join(prop.access) or "none",
                prop.unit or prop.unit_original or "",
                allowed,
                control.hint or "",
            )
        for action in service.actions:
            control = view.control("action", service.iid, action.iid)
            assert control is not None
            io = f"in {list(action.in_)} out {list(action.out)}"
            table.add_row(control.key, "action", control.label, "", "", "", io, "button")
        for event in service.events:
            control = view.control("event", service.iid, event.iid)
            assert control is not None
            args = f"arguments {list(event.arguments)}"
            table.add_row(control.key, "event", control.label, "", "", "", args, "")
        console.print(table)


def _marks(
    main_switch: tuple[int, int] | None, primary: tuple[int, int] | None
) -> list[tuple[tuple[int, int], str]]:
    marks = []
    if main_switch is not None:
        marks.append((main_switch, " [cyan](main switch)[/]"))
    if primary is not None and primary != main_switch:
        marks.append((primary, " [cyan](card state)[/]"))
    return marks
