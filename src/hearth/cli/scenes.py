"""``hearth scenes``: an operator's view of a fan's automations and their execution logs.

Read-only: what each automation of a user's homes does, whether it is on, and why each
recent run started and what each of its actions did.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.cli.console import console, run
from hearth.config import load_settings
from hearth.errors import NotFound
from hearth.homes import service as homes
from hearth.hub.operator import session_for
from hearth.scenes import picker, service
from hearth.scenes.models import Automation

app = typer.Typer(help="Scenes and automations: list them, read their logs.", no_args_is_help=True)


async def _describer(session: AsyncSession, home_id: str) -> picker.Describer:
    devices = await picker.home_devices(session, home_id=home_id)
    names = {a.id: a.name for a in await service.automations_of_home(session, home_id=home_id)}
    names |= {s.id: s.name for s in await service.scenes_of_home(session, home_id=home_id)}
    return picker.Describer(devices, names)


@app.command("list")
def list_automations(
    username: Annotated[str, typer.Argument(help="whose homes to show")],
) -> None:
    """List the automations of every home the user belongs to."""

    async def work() -> None:
        async with session_for(load_settings()) as session:
            user = await session.scalar(select(User).where(User.username == username))
            if user is None:
                raise NotFound(f"no user {username!r}")
            table = Table("home", "automation", "id", "on", "mode", "when", "last run")
            for home, _role in await homes.list_homes(session, user=user):
                automations = await service.automations_of_home(session, home_id=home.id)
                describe = await _describer(session, home.id)
                last = await service.last_runs(session, automation_ids=[a.id for a in automations])
                for a in automations:
                    run_ = last.get(a.id)
                    table.add_row(
                        home.name,
                        a.name,
                        a.id,
                        "yes" if a.enabled else "no",
                        a.mode,
                        "; ".join(describe.trigger(t) for t in a.rule["triggers"]),
                        f"{run_.status} {run_.started_at:%Y-%m-%d %H:%M}" if run_ else "—",
                    )
            console.print(table)

    run(work())


@app.command("log")
def log(
    automation_id: Annotated[str, typer.Argument(help="the automation's id (see list)")],
    limit: Annotated[int, typer.Option(min=1, max=200, help="how many runs")] = 20,
) -> None:
    """Show an automation's newest runs: when, why, and what each action did."""

    async def work() -> None:
        async with session_for(load_settings()) as session:
            automation = await session.get(Automation, automation_id)
            if automation is None:
                raise NotFound(f"no automation {automation_id!r}")
            describe = await _describer(session, automation.home_id)
            runs = await service.log_of(session, automation_id=automation_id, limit=limit)
            table = Table("started", "status", "why", "steps")
            for r in runs:
                steps = "\n".join(
                    f"{s['status']}: {describe.action(r.actions[s['index']])} — {s['detail']}"
                    for s in r.steps
                    if s["index"] < len(r.actions)
                )
                why = describe.cause(r.cause, automation.rule["triggers"])
                table.add_row(
                    f"{r.started_at:%Y-%m-%d %H:%M:%S}",
                    r.status,
                    why + (f"\n{r.reason}" if r.reason else ""),
                    steps,
                )
            console.print(f"[bold]{automation.name}[/] ({'on' if automation.enabled else 'off'})")
            console.print(table)

    run(work())
