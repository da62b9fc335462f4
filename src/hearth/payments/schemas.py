"""Response models of the ledger API: the platform report, balances, entry sets, statements,
and payments in doubt."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from hearth.kit.money import Money
from hearth.payments.books import AccountBalance, PostedSet
from hearth.payments.doubt_rules import DoubtState, Subject
from hearth.payments.ledger import presented
from hearth.payments.models import PaymentDoubt
from hearth.payments.reports import PlatformReport, Statement, StatementLine


class LedgerMoneyOut(BaseModel):
    amount: int
    currency: str
    display: str

    @classmethod
    def of(cls, money: Money) -> LedgerMoneyOut:
        return cls(**money.to_dict())


class LedgerReportOut(BaseModel):
    currency: str
    start: datetime | None
    end: datetime | None
    captured: LedgerMoneyOut
    refunded: LedgerMoneyOut
    paid_out: LedgerMoneyOut
    adjusted: LedgerMoneyOut
    commission_earned: LedgerMoneyOut
    balances: dict[str, LedgerMoneyOut]
    partners_owed: dict[str, LedgerMoneyOut]
    balanced: bool

    @classmethod
    def of(cls, found: PlatformReport) -> LedgerReportOut:
        return cls(
            currency=found.currency,
            start=found.start,
            end=found.end,
            captured=LedgerMoneyOut.of(found.captured),
            refunded=LedgerMoneyOut.of(found.refunded),
            paid_out=LedgerMoneyOut.of(found.paid_out),
            adjusted=LedgerMoneyOut.of(found.adjusted),
            commission_earned=LedgerMoneyOut.of(found.commission_earned),
            balances={kind.value: LedgerMoneyOut.of(m) for kind, m in found.balances.items()},
            partners_owed={p: LedgerMoneyOut.of(m) for p, m in found.partners_owed.items()},
            balanced=found.balanced,
        )


class LedgerBalanceOut(BaseModel):
    type: str
    owner: str
    balance: LedgerMoneyOut  # as people read it: owed and earned are positive

    @classmethod
    def of(cls, row: AccountBalance) -> LedgerBalanceOut:
        return cls(
            type=row.account.type.value,
            owner=row.account.owner,
            balance=LedgerMoneyOut.of(presented(row.account.type, row.balance)),
        )


class LedgerEntryOut(BaseModel):
    account: str
    amount: LedgerMoneyOut  # debit positive


class LedgerEntrySetOut(BaseModel):
    id: str
    reason: str
    reference: str
    memo: str
    created_at: datetime
    reverses_id: str | None
    entries: list[LedgerEntryOut]

    @classmethod
    def of(cls, posted: PostedSet) -> LedgerEntrySetOut:
        return cls(
            id=posted.id,
            reason=posted.reason.value,
            reference=posted.reference,
            memo=posted.memo,
            created_at=posted.created_at,
            reverses_id=posted.reverses_id,
            entries=[
                LedgerEntryOut(account=str(e.account), amount=LedgerMoneyOut.of(e.amount))
                for e in posted.entries
            ],
        )


class PartnerStatementLineOut(BaseModel):
    at: datetime
    entry_set_id: str
    reason: str
    reference: str
    memo: str
    amount: LedgerMoneyOut
    balance: LedgerMoneyOut

    @classmethod
    def of(cls, line: StatementLine) -> PartnerStatementLineOut:
        return cls(
            at=line.at,
            entry_set_id=line.entry_set_id,
            reason=line.reason.value,
            reference=line.reference,
            memo=line.memo,
            amount=LedgerMoneyOut.of(line.amount),
            balance=LedgerMoneyOut.of(line.balance),
        )


class PartnerStatementOut(BaseModel):
    partner_id: str
    currency: str
    start: datetime | None
    end: datetime | None
    opening: LedgerMoneyOut
    closing: LedgerMoneyOut
    lines: list[PartnerStatementLineOut]

    @classmethod
    def of(cls, found: Statement) -> PartnerStatementOut:
        return cls(
            partner_id=found.partner_id,
            currency=found.currency,
            start=found.start,
            end=found.end,
            opening=LedgerMoneyOut.of(found.opening),
            closing=LedgerMoneyOut.of(found.closing),
            lines=[PartnerStatementLineOut.of(line) for line in found.lines],
        )


class PaymentDoubtOut(BaseModel):
    """A charge whose provider call timed out, and what asking the provider has found."""

    id: str
    subject: Subject = Field(description="what the charge was for: a store reservation, a pledge")
    subject_id: str
    amount: LedgerMoneyOut
    state: DoubtState = Field(
        description="open (the provider is asked on a schedule), review (no answer after "
        "every ask: a person looks), settled (the provider answered and it is booked)"
    )
    asks: int = Field(description="asks without an answer so far")
    next_ask_at: datetime | None = Field(description="when it is asked next, while open")
    answer: str = Field(description="what the provider said last, or why it said nothing")
    payment_id: str | None
    asked_again_by: str | None = Field(description="who of the platform team asked once more")
    created_at: datetime
    settled_at: datetime | None

    @classmethod
    def of(cls, row: PaymentDoubt) -> PaymentDoubtOut:
        state = DoubtState(row.state)
        return cls(
            id=row.id,
            subject=Subject(row.subject),
            subject_id=row.subject_id,
            amount=LedgerMoneyOut.of(Money(row.amount, row.currency)),
            state=state,
            asks=row.asks,
            next_ask_at=row.next_ask_at if state is DoubtState.OPEN else None,
            answer=row.answer,
            payment_id=row.payment_id,
            asked_again_by=row.asked_again_by,
            created_at=row.created_at,
            settled_at=row.settled_at,
        )
