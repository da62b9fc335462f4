"""Shared console output and the mapping from the error tree to exit codes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console

from hearth.errors import (
    AuthError,
    ConfigError,
    Conflict,
    DatabaseError,
    HearthError,
    InvalidInput,
    NotFound,
    SpecError,
)

console = Console()
err_console = Console(stderr=True)


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON: highlighted on a terminal; elsewhere (a pipe, a
    file) the same text written as it is, since Rich's rendering of a large report cost
    more than the work that made it."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    if console.is_terminal:
        console.print_json(text)
    else:
        console.file.write(text + "\n")


T = TypeVar("T")

# Exit codes: 0 ok, 1 any other hearth error, 2 bad input, 3 database, 4 configuration.
EXIT_CODES: tuple[tuple[type[HearthError], int], ...] = (
    (ConfigError, 4),
    (DatabaseError, 3),
    (InvalidInput, 2),
    (SpecError, 2),
    (Conflict, 2),
    (NotFound, 2),
    (AuthError, 2),
)


def exit_code_for(error: HearthError) -> int:
    """Return the exit code for ``error``."""
    for kind, code in EXIT_CODES:
        if isinstance(error, kind):
            return code
    return 1


def fail(error: HearthError) -> NoReturn:
    """Print ``error`` for a person and exit with its code."""
    err_console.print(f"[bold red]error:[/] {error.message}")
    details = error.detail if isinstance(error.detail, list) else []
    for item in details if len(details) > 1 else []:
        if isinstance(item, dict):
            where = item.get("field") or item.get("pointer") or ""
            err_console.print(f"  • {where}: {item.get('message') or item.get('reason')}")
    raise typer.Exit(exit_code_for(error))


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro``; turn a hearth error into a message and an exit code."""
    try:
        return asyncio.run(coro)
    except HearthError as err:
        fail(err)
