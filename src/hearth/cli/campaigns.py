"""``hearth campaigns``: list campaigns with their money told apart, and run the deadline
work once."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from hearth.bootstrap import Hearth
from hearth.cli.console import console, fail, run
from hearth.config import load_settings
from hearth.errors import ConfigError, InvalidInput
from hearth.funding import campaigns, outcome
from hearth.funding.figures import Figures, campaign_figures
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
    """List campaigns with their money told apart: pledged and by how many backers,
    collected, failed, refunded and payable to the partner; the goal, the percent of it
    raised (funded: less dropped pledges and refunds), and the end."""
    try:
        states = [CampaignState(state)] if state else list(CampaignState)
    except ValueError:
        fail(InvalidInput(f"--state must be one of {', '.join(CampaignState)}"))

    async def load() -> tuple[list[campaigns.CampaignView], dict[str, Figures]]:
        hearth = _hearth()
        try:
            await hearth.start(mqtt=False)
            async with hearth.sessions() as session:
                views = await campaigns.list_campaigns(
                    session, sort="newest", now=hearth.clock.now(), states=states, limit=200
                )
                found = await campaign_figures(session, [v.campaign for v in views])
                return views, found
        finally:
            await hearth.stop()

    table = Table(
        "campaign",
        "partner",
        "state",
        "pledged",
        "backers",
        "collected",
        "failed",
        "refunded",
        "payable",
        "goal",
        "raised %",
        "ends",
    )
    for column in table.columns[3:11]:
        column.justify = "right"
    views, found = run(load())
    for view in views:
        c, figures = view.campaign, found[view.campaign.id]
        table.add_row(
            c.title,
            view.partner.name,
            c.state,
            figures.money("pledged").format(),
            f"{figures.backers:,}",
            figures.money("collected").format(),
            figures.money("failed").format(),
            figures.money("refunded").format(),
            figures.money("payable").format(),
            Money(c.goal, c.currency).format(),
            f"{view.progress.percent:,}",
            c.ends_at.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)
    console.print(
        "pledged: every pledge that counted at the end or counts now; failed: pledges whose "
        "charge failed (being retried or dropped); payable: the partner's share after "
        "commission and refunds, before payouts."
    )


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
