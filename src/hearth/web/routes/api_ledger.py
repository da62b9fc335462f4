"""JSON API for the books: the platform report, balances, entry sets, partner statements.

The platform team (``view_ledger``: reviewers and admins) sees everything; a partner's
members see their own partner's statement and nothing else (another partner's answers
404, so partner ids cannot be probed).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from hearth.accounts.models import User
from hearth.accounts.roles import Capability, can
from hearth.errors import NotFound, PermissionDenied
from hearth.kit.money import Money, check_currency
from hearth.mall.models import Partner
from hearth.payments import books
from hearth.payments.ledger import AccountType, presented
from hearth.payments.reports import StatementLine, partner_statement, platform_report
from hearth.web.deps import CurrentUser, SessionDep, requires

router = APIRouter(prefix="/ledger", tags=["ledger"])
Bookkeeper = Annotated[User, Depends(requires(Capability.VIEW_LEDGER))]
Currency = Annotated[str, Query(min_length=3, max_length=3, description="ISO 4217 code")]
Since = Annotated[datetime | None, Query(description="period start (inclusive), with timezone")]
Until = Annotated[datetime | None, Query(description="period end (exclusive), with timezone")]


class MoneyOut(BaseModel):
    amount: int
    currency: str
    display: str

    @classmethod
    def of(cls, money: Money) -> MoneyOut:
        return cls(**money.to_dict())


class ReportOut(BaseModel):
    currency: str
    start: datetime | None
    end: datetime | None
    captured: MoneyOut
    refunded: MoneyOut
    paid_out: MoneyOut
    adjusted: MoneyOut
    commission_earned: MoneyOut
    balances: dict[str, MoneyOut]
    partners_owed: dict[str, MoneyOut]
    balanced: bool


class BalanceOut(BaseModel):
    type: str
    owner: str
    balance: MoneyOut  # as people read it: owed and earned are positive


class EntryOut(BaseModel):
    account: str
    amount: MoneyOut  # debit positive


class EntrySetOut(BaseModel):
    id: str
    reason: str
    reference: str
    memo: str
    created_at: datetime
    reverses_id: str | None
    entries: list[EntryOut]


class StatementLineOut(BaseModel):
    at: datetime
    entry_set_id: str
    reason: str
    reference: str
    memo: str
    amount: MoneyOut
    balance: MoneyOut


class StatementOut(BaseModel):
    partner_id: str
    currency: str
    start: datetime | None
    end: datetime | None
    opening: MoneyOut
    closing: MoneyOut
    lines: list[StatementLineOut]


@router.get("/report", response_model=ReportOut)
async def report(
    _: Bookkeeper, session: SessionDep, currency: Currency, start: Since = None, end: Until = None
) -> ReportOut:
    """Return the platform's figures in one currency over a period."""
    found = await platform_report(session, currency=currency, start=start, end=end)
    return ReportOut(
        currency=found.currency,
        start=found.start,
        end=found.end,
        captured=MoneyOut.of(found.captured),
        refunded=MoneyOut.of(found.refunded),
        paid_out=MoneyOut.of(found.paid_out),
        adjusted=MoneyOut.of(found.adjusted),
        commission_earned=MoneyOut.of(found.commission_earned),
        balances={kind.value: MoneyOut.of(m) for kind, m in found.balances.items()},
        partners_owed={p: MoneyOut.of(m) for p, m in found.partners_owed.items()},
        balanced=found.balanced,
    )


@router.get("/balances", response_model=list[BalanceOut])
async def list_balances(
    _: Bookkeeper,
    session: SessionDep,
    currency: Currency,
    type: Annotated[AccountType | None, Query(description="only this account type")] = None,
) -> list[BalanceOut]:
    """Return every account's balance in one currency."""
    check_currency(currency)
    rows = await books.balances(session, account_type=type, currency=currency)
    return [
        BalanceOut(
            type=row.account.type.value,
            owner=row.account.owner,
            balance=MoneyOut.of(presented(row.account.type, row.balance)),
        )
        for row in rows
    ]


@router.get("/entry-sets", response_model=list[EntrySetOut])
async def list_entry_sets(
    _: Bookkeeper,
    session: SessionDep,
    reference: Annotated[str, Query(min_length=1, max_length=120)],
) -> list[EntrySetOut]:
    """Return every entry set about one reference (a payment id, a payout), oldest first."""
    return [
        EntrySetOut(
            id=posted.id,
            reason=posted.reason.value,
            reference=posted.reference,
            memo=posted.memo,
            created_at=posted.created_at,
            reverses_id=posted.reverses_id,
            entries=[
                EntryOut(account=str(e.account), amount=MoneyOut.of(e.amount))
                for e in posted.entries
            ],
        )
        for posted in await books.entry_sets_for(session, reference=reference)
    ]


@router.get("/partners/{partner_id}/statement", response_model=StatementOut)
async def statement(
    partner_id: str,
    user: CurrentUser,
    session: SessionDep,
    currency: Currency,
    start: Since = None,
    end: Until = None,
) -> StatementOut:
    """Return a partner's statement: opening balance, each movement, closing balance."""
    bookkeeper = can(user.role, Capability.VIEW_LEDGER)
    if not bookkeeper and not can(user.role, Capability.PARTNER_CONSOLE):
        raise PermissionDenied(f"a {user.role} account may not read partner statements")
    if (not bookkeeper and user.partner_id != partner_id) or (
        await session.get(Partner, partner_id) is None
    ):
        raise NotFound(f"no partner {partner_id}")
    found = await partner_statement(
        session, partner_id=partner_id, currency=currency, start=start, end=end
    )
    return StatementOut(
        partner_id=found.partner_id,
        currency=found.currency,
        start=found.start,
        end=found.end,
        opening=MoneyOut.of(found.opening),
        closing=MoneyOut.of(found.closing),
        lines=[_line(line) for line in found.lines],
    )


def _line(line: StatementLine) -> StatementLineOut:
    return StatementLineOut(
        at=line.at,
        entry_set_id=line.entry_set_id,
        reason=line.reason.value,
        reference=line.reference,
        memo=line.memo,
        amount=MoneyOut.of(line.amount),
        balance=MoneyOut.of(line.balance),
    )
