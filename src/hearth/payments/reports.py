"""Reading the books for people: a partner's statement and the platform's report.

Figures are shown with the sign people expect for each account (what a partner is owed,
what the platform earned: positive), not the debit-positive sign the entries carry.
Periods are half-open, ``[start, end)``, in UTC. Each report can be written as CSV
(``statement_csv``, ``report_csv``, ``payouts_csv``) with amounts as plain decimals.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.accounts.roles import Capability, can
from hearth.errors import InvalidInput, NotFound, PermissionDenied
from hearth.kit import timebounds
from hearth.kit.money import Money, check_currency
from hearth.mall.models import Partner
from hearth.payments.books import balance, balances, trial_balance
from hearth.payments.ledger import AccountKey, AccountType, Reason, presented
from hearth.payments.models import LedgerAccount, LedgerEntry, LedgerEntrySet

Q = TypeVar("Q", bound="Select[*tuple[Any, ...]]")


def _check_period(start: datetime | None, end: datetime | None) -> None:
    for moment in (start, end):
        if moment is not None and moment.tzinfo is None:
            raise InvalidInput("give times with a timezone (UTC)")
    for field, moment in (("start", start), ("end", end)):
        if moment is not None and not timebounds.in_bounds(moment):
            raise InvalidInput.fields([{"field": field, "message": timebounds.MESSAGE}])
    if start is not None and end is not None and end <= start:
        raise InvalidInput("the period must end after it starts")


@dataclass(frozen=True)
class StatementLine:
    at: datetime
    entry_set_id: str
    reason: Reason
    reference: str
    memo: str
    amount: Money  # positive: more is owed to the partner
    balance: Money  # owed to the partner after this line


@dataclass(frozen=True)
class Statement:
    partner_id: str
    currency: str
    start: datetime | None
    end: datetime | None
    opening: Money
    closing: Money
    lines: tuple[StatementLine, ...]

    def total(self, reason: Reason) -> Money:
        """Return the net movement of one reason over the period."""
        return Money.total(
            (line.amount for line in self.lines if line.reason is reason), currency=self.currency
        )


async def partner_statement(
    session: AsyncSession,
    *,
    partner_id: str,
    currency: str,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Statement:
    """Return what happened to a partner's payable account over a period, line by line."""
    check_currency(currency)
    _check_period(start, end)
    account = AccountKey.payable(partner_id)
    opening = Money.zero(currency)
    if start is not None:
        stood = await balance(session, account=account, currency=currency, before=start)
        opening = presented(account.type, stood)
    query = (
        select(
            LedgerEntry.created_at,
            LedgerEntrySet.id,
            LedgerEntrySet.reason,
            LedgerEntrySet.reference,
            LedgerEntrySet.memo,
            LedgerEntry.amount,
        )
        .join(LedgerEntrySet, LedgerEntrySet.id == LedgerEntry.entry_set_id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(
            LedgerAccount.type == account.type.value,
            LedgerAccount.owner == partner_id,
            LedgerAccount.currency == currency,
        )
        .order_by(LedgerEntry.created_at, LedgerEntry.id)
    )
    query = _in_period(query, start, end)
    running = opening
    lines = []
    for at, set_id, reason, reference, memo, amount in await session.execute(query):
        moved = presented(account.type, Money(amount, currency))
        running += moved
        lines.append(StatementLine(at, set_id, Reason(reason), reference, memo, moved, running))
    return Statement(partner_id, currency, start, end, opening, running, tuple(lines))


async def statement_for(
    session: AsyncSession,
    *,
    user: User,
    partner_id: str,
    currency: str,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Statement:
    """Return a partner's statement to the platform team (``view_ledger``) or to that
    partner's own members; another partner's answers ``NotFound``, so ids cannot be probed."""
    bookkeeper = can(user.role, Capability.VIEW_LEDGER)
    if not bookkeeper and not can(user.role, Capability.PARTNER_CONSOLE):
        raise PermissionDenied(f"a {user.role} account may not read partner statements")
    if (not bookkeeper and user.partner_id != partner_id) or (
        await session.get(Partner, partner_id) is None
    ):
        raise NotFound(f"no partner {partner_id}")
    return await partner_statement(
        session, partner_id=partner_id, currency=currency, start=start, end=end
    )


@dataclass(frozen=True)
class PlatformReport:
    currency: str
    start: datetime | None
    end: datetime | None
    captured: Money  # taken from backers in the period
    refunded: Money  # given back to backers in the period
    paid_out: Money  # sent to partners in the period
    adjusted: Money  # net clearing movement of reversals and adjustments in the period
    commission_earned: Money  # net commission of the period (captures less refunds)
    balances: dict[AccountType, Money]  # at the end of the period (now, without one)
    partners_owed: dict[str, Money]  # per partner, at the end of the period
    balanced: bool  # every currency's entries sum to zero


async def _clearing_by_reason(
    session: AsyncSession, currency: str, start: datetime | None, end: datetime | None
) -> dict[Reason, Money]:
    query = (
        select(LedgerEntrySet.reason, func.sum(LedgerEntry.amount))
        .join(LedgerEntrySet, LedgerEntrySet.id == LedgerEntry.entry_set_id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(
            LedgerAccount.type == AccountType.PROVIDER_CLEARING.value,
            LedgerAccount.currency == currency,
        )
        .group_by(LedgerEntrySet.reason)
    )
    query = _in_period(query, start, end)
    return {
        Reason(reason): Money(int(total or 0), currency)
        for reason, total in await session.execute(query)
    }


def _in_period(query: Q, start: datetime | None, end: datetime | None) -> Q:
    if start is not None:
        query = query.where(LedgerEntry.created_at >= start)
    if end is not None:
        query = query.where(LedgerEntry.created_at < end)
    return query


async def platform_report(
    session: AsyncSession,
    *,
    currency: str,
    start: datetime | None = None,
    end: datetime | None = None,
) -> PlatformReport:
    """Return the platform's figures in one currency: flows over a period, balances at its end."""
    check_currency(currency)
    _check_period(start, end)
    zero = Money.zero(currency)
    clearing = await _clearing_by_reason(session, currency, start, end)
    commission_query = _in_period(
        select(func.sum(LedgerEntry.amount))
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(
            LedgerAccount.type == AccountType.COMMISSION.value,
            LedgerAccount.currency == currency,
        ),
        start,
        end,
    )
    commission = -Money(int(await session.scalar(commission_query) or 0), currency)
    totals = {kind: zero for kind in AccountType}
    owed: dict[str, Money] = {}
    for row in await balances(session, currency=currency, before=end):
        shown = presented(row.account.type, row.balance)
        totals[row.account.type] += shown
        if row.account.type is AccountType.PARTNER_PAYABLE:
            owed[row.account.owner] = shown
    sums = await trial_balance(session)
    return PlatformReport(
        currency=currency,
        start=start,
        end=end,
        captured=clearing.get(Reason.CAPTURE, zero),
        refunded=-clearing.get(Reason.REFUND, zero),
        paid_out=-clearing.get(Reason.PAYOUT, zero),
        adjusted=clearing.get(Reason.REVERSAL, zero) + clearing.get(Reason.ADJUSTMENT, zero),
        commission_earned=commission,
        balances=totals,
        partners_owed=owed,
        balanced=not any(sums.values()),
    )


@dataclass(frozen=True)
class PayoutLine:
    at: datetime
    entry_set_id: str
    partner_id: str
    reference: str
    memo: str
    amount: Money  # paid out to the partner (positive)


async def payouts(
    session: AsyncSession,
    *,
    currency: str,
    start: datetime | None = None,
    end: datetime | None = None,
    partner_id: str | None = None,
) -> list[PayoutLine]:
    """Return the payouts to partners (or to one) in one currency over a period, oldest first."""
    check_currency(currency)
    _check_period(start, end)
    query = (
        select(
            LedgerEntry.created_at,
            LedgerEntrySet.id,
            LedgerAccount.owner,
            LedgerEntrySet.reference,
            LedgerEntrySet.memo,
            LedgerEntry.amount,
        )
        .join(LedgerEntrySet, LedgerEntrySet.id == LedgerEntry.entry_set_id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(
            LedgerEntrySet.reason == Reason.PAYOUT.value,
            LedgerAccount.type == AccountType.PARTNER_PAYABLE.value,
            LedgerAccount.currency == currency,
        )
        .order_by(LedgerEntry.created_at, LedgerEntry.id)
    )
    if partner_id is not None:
        query = query.where(LedgerAccount.owner == partner_id)
    query = _in_period(query, start, end)
    return [
        PayoutLine(at, set_id, owner, reference, memo, Money(amount, currency))
        for at, set_id, owner, reference, memo, amount in await session.execute(query)
    ]


async def currencies(session: AsyncSession, *, partner_id: str | None = None) -> list[str]:
    """Return the currencies the books hold money in (a partner's own, with ``partner_id``)."""
    query = select(LedgerAccount.currency).distinct()
    if partner_id is not None:
        query = query.where(
            LedgerAccount.type == AccountType.PARTNER_PAYABLE.value,
            LedgerAccount.owner == partner_id,
        )
    return sorted(await session.scalars(query))


# -- CSV ----------------------------------------------------------------------------------


def _csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def statement_csv(statement: Statement) -> str:
    """Write a partner's statement as CSV: one row per movement, amounts as decimals."""
    rows = [
        [
            line.at.isoformat(),
            line.entry_set_id,
            line.reason.value,
            line.reference,
            line.memo,
            line.amount.decimal_string(),
            line.balance.decimal_string(),
            statement.currency,
        ]
        for line in statement.lines
    ]
    header = ["at", "entry_set", "reason", "reference", "memo", "amount", "balance", "currency"]
    return _csv(header, rows)


def report_csv(report: PlatformReport, names: dict[str, str]) -> str:
    """Write the platform report as CSV: one figure per row, then what each partner is owed."""
    rows = [
        ["captured", "", report.captured.decimal_string()],
        ["refunded", "", report.refunded.decimal_string()],
        ["paid_out", "", report.paid_out.decimal_string()],
        ["adjusted", "", report.adjusted.decimal_string()],
        ["commission_earned", "", report.commission_earned.decimal_string()],
        *(
            [f"balance:{kind.value}", "", amount.decimal_string()]
            for kind, amount in report.balances.items()
        ),
        *(
            ["owed_to_partner", names.get(partner, partner), amount.decimal_string()]
            for partner, amount in sorted(report.partners_owed.items())
        ),
    ]
    return _csv(["figure", "partner", f"amount_{report.currency}"], rows)


def payouts_csv(lines: list[PayoutLine], names: dict[str, str]) -> str:
    """Write payouts as CSV: one row per payout."""
    rows = [
        [
            line.at.isoformat(),
            line.entry_set_id,
            names.get(line.partner_id, line.partner_id),
            line.reference,
            line.memo,
            line.amount.decimal_string(),
            line.amount.currency,
        ]
        for line in lines
    ]
    header = ["at", "entry_set", "partner", "reference", "memo", "amount", "currency"]
    return _csv(header, rows)
