"""JSON API for the books: the platform report, balances, entry sets, partner statements,
and charges in doubt (a provider call that timed out, until the provider answers).

The platform team (``view_ledger``: reviewers and admins) sees everything; a partner's
members see their own partner's statement and nothing else (another partner's answers
404, so partner ids cannot be probed).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from hearth.accounts.models import User
from hearth.accounts.roles import Capability
from hearth.errors import Conflict
from hearth.kit import timebounds
from hearth.kit.money import EXPONENTS, check_currency
from hearth.kit.timebounds import BoundedDatetime
from hearth.payments import books, doubts
from hearth.payments.doubt_rules import DoubtState
from hearth.payments.ledger import AccountType
from hearth.payments.reports import platform_report, statement_for
from hearth.payments.schemas import (
    LedgerBalanceOut,
    LedgerEntrySetOut,
    LedgerReportOut,
    PartnerStatementOut,
    PaymentDoubtOut,
)
from hearth.web.deps import CurrentUser, NowDep, SessionDep, requires
from hearth.web.openapi import answers

router = APIRouter(prefix="/ledger", tags=["ledger"])
Bookkeeper = Annotated[User, Depends(requires(Capability.VIEW_LEDGER))]
Currency = Annotated[
    str,
    Query(
        min_length=3,
        max_length=3,
        description="ISO 4217 code",
        json_schema_extra={"enum": sorted(EXPONENTS)},
    ),
]
Since = Annotated[
    BoundedDatetime | None,
    Query(description=f"period start (inclusive), with timezone: {timebounds.MESSAGE}"),
]
Until = Annotated[
    BoundedDatetime | None,
    Query(description=f"period end (exclusive), with timezone: {timebounds.MESSAGE}"),
]


@router.get("/report", response_model=LedgerReportOut)
async def report(
    _: Bookkeeper, session: SessionDep, currency: Currency, start: Since = None, end: Until = None
) -> LedgerReportOut:
    """Return the platform's figures in one currency over a period."""
    found = await platform_report(session, currency=currency, start=start, end=end)
    return LedgerReportOut.of(found)


@router.get("/balances", response_model=list[LedgerBalanceOut])
async def list_balances(
    _: Bookkeeper,
    session: SessionDep,
    currency: Currency,
    type: Annotated[AccountType | None, Query(description="only this account type")] = None,
) -> list[LedgerBalanceOut]:
    """Return every account's balance in one currency."""
    check_currency(currency)
    rows = await books.balances(session, account_type=type, currency=currency)
    return [LedgerBalanceOut.of(row) for row in rows]


@router.get("/entry-sets", response_model=list[LedgerEntrySetOut])
async def list_entry_sets(
    _: Bookkeeper,
    session: SessionDep,
    reference: Annotated[str, Query(min_length=1, max_length=120)],
) -> list[LedgerEntrySetOut]:
    """Return every entry set about one reference (a payment id, a payout), oldest first."""
    return [
        LedgerEntrySetOut.of(posted)
        for posted in await books.entry_sets_for(session, reference=reference)
    ]


@router.get("/partners/{partner_id}/statement", response_model=PartnerStatementOut)
async def statement(
    partner_id: str,
    user: CurrentUser,
    session: SessionDep,
    currency: Currency,
    start: Since = None,
    end: Until = None,
) -> PartnerStatementOut:
    """Return a partner's statement: opening balance, each movement, closing balance."""
    found = await statement_for(
        session, user=user, partner_id=partner_id, currency=currency, start=start, end=end
    )
    return PartnerStatementOut.of(found)


@router.get("/doubts", response_model=list[PaymentDoubtOut], summary="List charges in doubt")
async def list_doubts(
    _: Bookkeeper,
    session: SessionDep,
    state: Annotated[DoubtState | None, Query(description="only this state")] = None,
) -> list[PaymentDoubtOut]:
    """Return charges whose provider call timed out: those waiting for a person first."""
    return [PaymentDoubtOut.of(row) for row in await doubts.listing(session, state=state)]


@router.post(
    "/doubts/{doubt_id}/ask",
    response_model=PaymentDoubtOut,
    summary="Ask the provider once more about a charge in doubt",
    responses=answers(Conflict),
)
async def ask_again(
    doubt_id: str, user: Bookkeeper, session: SessionDep, now: NowDep
) -> PaymentDoubtOut:
    """Put a charge waiting for a person back on the schedule: the next round asks once."""
    row = await doubts.ask_again(session, user=user, doubt_id=doubt_id, now=now)
    return PaymentDoubtOut.of(row)
