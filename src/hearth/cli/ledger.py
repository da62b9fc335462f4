"""``hearth ledger``: the platform report, a partner's statement, and a check of the books.

Times given without a timezone are read as UTC; a bare date means its midnight, UTC.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from hearth.cli.console import console, err_console, fail, run
from hearth.config import Settings, load_settings
from hearth.errors import ConfigError, InvalidInput, NotFound
from hearth.kit.money import Money
from hearth.payments.ledger import AccountType

if TYPE_CHECKING:  # the database stack loads only when a ledger command runs
    from sqlalchemy.ext.asyncio import AsyncSession

    from hearth.payments.reports import PlatformReport, Statement

app = typer.Typer(help="The books: platform report, partner statements.", no_args_is_help=True)

CurrencyOpt = Annotated[str, typer.Option("--currency", "-c", help="ISO 4217 code")]
SinceOpt = Annotated[str | None, typer.Option(help="period start, e.g. 2026-11-01 (UTC)")]
UntilOpt = Annotated[str | None, typer.Option(help="period end, exclusive (UTC)")]
LABELS = {  # partners' rows follow the last one
    AccountType.PROVIDER_CLEARING: "Held by the payment provider",
    AccountType.COMMISSION: "Commission kept",
    AccountType.PARTNER_PAYABLE: "Owed to partners",
}


def _moment(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        fail(InvalidInput(f"--{option}: {text!r} is not a date such as 2026-11-01"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as err:
        fail(err)


@asynccontextmanager
async def _session(settings: Settings) -> AsyncIterator[AsyncSession]:
    from hearth import db

    engine = db.create_engine(settings.resolved_database_url, pool=False)
    try:
        await db.check_schema(engine)
        async with db.session_factory(engine)() as session:
            yield session
    finally:
        await engine.dispose()


def _period(start: datetime | None, end: datetime | None) -> str:
    if start is None and end is None:
        return "all time"
    since = start.date().isoformat() if start else "the start"
    until = end.date().isoformat() if end else "now"
    return f"{since} → {until}"


async def _report(
    settings: Settings, currency: str, start: datetime | None, end: datetime | None
) -> tuple[PlatformReport, dict[str, str]]:
    from sqlalchemy import select

    from hearth.mall.models import Partner
    from hearth.payments.reports import platform_report

    async with _session(settings) as session:
        found = await platform_report(session, currency=currency, start=start, end=end)
        names = dict((await session.execute(select(Partner.id, Partner.name))).tuples().all())
        return found, names


@app.command("report")
def report(currency: CurrencyOpt = "CNY", since: SinceOpt = None, until: UntilOpt = None) -> None:
    """Show money taken, refunded and paid out, commission earned, and what is owed."""
    start, end = _moment(since, "since"), _moment(until, "until")
    found, names = run(_report(_settings(), currency.upper(), start, end))
    flows = Table(title=f"{found.currency} ledger · {_period(start, end)}")
    flows.add_column("Flow")
    flows.add_column("Amount", justify="right")
    for label, amount in (
        ("Captured from backers", found.captured),
        ("Refunded to backers", found.refunded),
        ("Paid out to partners", found.paid_out),
        ("Reversals and adjustments", found.adjusted),
        ("Commission earned", found.commission_earned),
    ):
        flows.add_row(label, _shown(amount))
    console.print(flows)
    held = Table(title="Balances" if end is None else f"Balances before {end.date()}")
    held.add_column("Account")
    held.add_column("Balance", justify="right")
    for kind, label in LABELS.items():
        held.add_row(label, _shown(found.balances[kind]))
    for partner_id, owed in sorted(found.partners_owed.items(), key=lambda kv: -kv[1].amount):
        held.add_row(f"  {names.get(partner_id, partner_id)}", _shown(owed))
    console.print(held)
    if not found.balanced:
        err_console.print("[bold red]✗ the books do not balance[/]; run `hearth ledger check`")
        raise typer.Exit(1)
    console.print("[green]✓[/] the books balance")


def _shown(amount: Money) -> str:
    return f"[red]{amount}[/]" if amount.is_negative else str(amount)


async def _statement(
    settings: Settings, partner: str, currency: str, start: datetime | None, end: datetime | None
) -> tuple[Statement, str]:
    from sqlalchemy import or_, select

    from hearth.mall.models import Partner
    from hearth.payments.reports import partner_statement

    async with _session(settings) as session:
        row = await session.scalar(
            select(Partner).where(
                or_(Partner.id == partner, Partner.slug == partner, Partner.name == partner)
            )
        )
        if row is None:
            raise NotFound(f"no partner {partner!r} (give its id, slug or name)")
        found = await partner_statement(
            session, partner_id=row.id, currency=currency, start=start, end=end
        )
        return found, row.name


@app.command("statement")
def statement(
    partner: Annotated[str, typer.Argument(help="partner id, slug or name")],
    currency: CurrencyOpt = "CNY",
    since: SinceOpt = None,
    until: UntilOpt = None,
) -> None:
    """Show a partner's statement: opening balance, every movement, closing balance."""
    start, end = _moment(since, "since"), _moment(until, "until")
    found, name = run(_statement(_settings(), partner, currency.upper(), start, end))
    table = Table(title=f"{name} · statement · {found.currency} · {_period(start, end)}")
    for column, justify in (
        ("When (UTC)", "left"),
        ("What", "left"),
        ("Reference", "left"),
        ("Amount", "right"),
        ("Owed", "right"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    table.add_row("", "opening balance", "", "", _shown(found.opening))
    for line in found.lines:
        table.add_row(
            line.at.strftime("%Y-%m-%d %H:%M"),
            str(line.reason),
            line.reference,
            _shown(line.amount),
            _shown(line.balance),
        )
    table.add_row("", "closing balance", "", "", _shown(found.closing), style="bold")
    console.print(table)


async def _check(settings: Settings) -> dict[str, int]:
    from hearth.payments.books import trial_balance

    async with _session(settings) as session:
        return await trial_balance(session)


@app.command("check")
def check() -> None:
    """Check that every currency's entries sum to zero; exit 1 if they do not."""
    sums = run(_check(_settings()))
    wrong = {currency: total for currency, total in sums.items() if total}
    if wrong:
        for currency, total in sorted(wrong.items()):
            err_console.print(f"[bold red]✗[/] {currency} entries sum to {Money(total, currency)}")
        raise typer.Exit(1)
    currencies = ", ".join(sorted(sums)) or "no entries yet"
    console.print(f"[green]✓[/] the books balance ({currencies})")
