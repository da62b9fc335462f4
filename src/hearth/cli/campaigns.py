"""``hearth campaigns``: list campaigns with their progress, and run the deadline work once."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from hearth.bootstrap import Hearth
from hearth.cli.console import console, fail, run
from hearth.config import load_settings
from hearth.errors import ConfigError, InvalidInput
from hearth.funding import campaigns, outcome
from hearth.funding.rules import CampaignState
from hearth.kit.money import Money

app = typer.Typer(help="Crowdfunding campaigns.", no_args_is_help=True)


def _hearth() -> Hearth:
    try:
        return Hearth.from_settings(load_settings())
    except ConfigError as err:
        fail(err)


@app.command("list")
def list_campaigns(
    state: Annotated[str | None, typer.Option(help="only campaigns in this state")] = None,
) -> None:
    """List campaigns: state, money raised, percent of goal, backers, end."""
    try:
        states = [CampaignState(state)] if state else list(CampaignState)
    except ValueError:
        fail(InvalidInput(f"--state must be one of {', '.join(CampaignState)}"))

    async def load() -> list[campaigns.CampaignView]:
        hearth = _hearth()
        try:
            await hearth.start(mqtt=False)
            async with hearth.sessions() as session:
                return await campaigns.list_campaigns(
                    session, sort="newest", now=hearth.clock.now(), states=states, limit=200
                )
        finally:
            await hearth.stop()

    table = Table("campaign", "partner", "state", "raised", "goal", "%", "backers", "ends")
    for view in run(load()):
        c, p = view.campaign, view.progress
        table.add_row(
            c.title,
            view.partner.name,
            c.state,
            Money(p.raised, c.currency).format(),
            Money(c.goal, c.currency).format(),
            f"{p.percent:,}",
            f"{p.backers:,}",
            c.ends_at.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)


@app.command("settle")
def settle() -> None:
    """Run the deadline work once: start, decide, charge, drop, advance (safe to run anywhere)."""

    async def once() -> outcome.Settled:
        hearth = _hearth()
        try:
            await hearth.start(mqtt=False)
            return await hearth.campaign_deadlines().settle_once()
        finally:
            await hearth.stop()

    done = run(once())
    console.print(
        f"started {done.started} · funded {len(done.funded)} · failed {len(done.failed)} · "
        f"charged {done.charged} · payment failed {done.payment_failed} · "
        f"retry later {done.retry_later} · dropped {done.dropped} · "
        f"fulfilling {len(done.fulfilling)} · fulfilled {len(done.fulfilled)}"
    )
