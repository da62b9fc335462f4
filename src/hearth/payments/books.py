"""The books: post entry sets, read balances, statements and reports.

``post`` checks the rules in ``ledger``, finds or opens the accounts, and writes the entry
set in the caller's transaction, so it is committed with the change it pays for (an
acknowledged request is durable). The idempotency key is unique in the database: a retry,
or a racing process, posting the same key gets the first entry set back and writes
nothing; the same key with different entries raises ``IdempotencyKeyReused``.

The flows (capture, refund, payout) derive their keys from the provider's ids, so a
payment is booked once however often it is recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.db import insert_for
from hearth.errors import Conflict, IdempotencyKeyReused, InvalidInput, NotFound
from hearth.kit.ids import new_id
from hearth.kit.money import Money
from hearth.payments.ledger import (
    AccountKey,
    AccountType,
    Entry,
    Reason,
    capture_entries,
    check_balanced,
    check_rate,
    normalised,
    payout_entries,
    refund_entries,
    reversal_of,
)
from hearth.payments.models import LedgerAccount, LedgerEntry, LedgerEntrySet
from hearth.payments.provider import Payment, Refund


@dataclass(frozen=True)
class PostedSet:
    """An entry set as it stands in the books."""

    id: str
    reason: Reason
    reference: str
    memo: str
    idempotency_key: str
    created_at: datetime
    entries: tuple[Entry, ...]
    reverses_id: str | None = None


async def account_ids(
    session: AsyncSession, keys: Sequence[tuple[AccountKey, str]], *, at: datetime
) -> dict[tuple[AccountKey, str], str]:
    """Return the ids of the accounts (key, currency), opening the ones that do not exist."""
    wanted = sorted(set(keys))
    found = await _existing_accounts(session, wanted)
    missing = [pair for pair in wanted if pair not in found]
    if missing:
        insert = insert_for(session)
        for key, currency in missing:  # a fixed order, so concurrent posts never deadlock
            await session.execute(
                insert(LedgerAccount)
                .values(
                    id=new_id("lac"),
                    type=key.type.value,
                    owner=key.owner,
                    currency=currency,
                    created_at=at,
                )
                .on_conflict_do_nothing(index_elements=["type", "owner", "currency"])
            )
        found.update(await _existing_accounts(session, missing))
    return found


async def _existing_accounts(
    session: AsyncSession, wanted: Sequence[tuple[AccountKey, str]]
) -> dict[tuple[AccountKey, str], str]:
    rows = await session.execute(
        select(
            LedgerAccount.id, LedgerAccount.type, LedgerAccount.owner, LedgerAccount.currency
        ).where(
            or_(
                *(
                    and_(
                        LedgerAccount.type == key.type.value,
                        LedgerAccount.owner == key.owner,
                        LedgerAccount.currency == currency,
                    )
                    for key, currency in wanted
                )
            )
        )
    )
    return {
        (AccountKey(AccountType(kind), owner), currency): account_id
        for account_id, kind, owner, currency in rows
    }


async def post(
    session: AsyncSession,
    *,
    entries: Sequence[Entry],
    reason: Reason,
    reference: str,
    idempotency_key: str,
    at: datetime,
    memo: str = "",
    reverses_id: str | None = None,
) -> PostedSet:
    """Write one balanced entry set at ``at``, once per idempotency key."""
    check_balanced(entries)
    reason = Reason(reason)
    _check_text("reference", reference, 120)
    _check_text("idempotency key", idempotency_key, 200)
    if len(memo) > 200:
        raise InvalidInput("memo must be at most 200 characters")
    accounts = await account_ids(session, [(e.account, e.amount.currency) for e in entries], at=at)
    inserted = await session.scalar(
        insert_for(session)(LedgerEntrySet)
        .values(
            id=new_id("les"),
            reason=reason.value,
            reference=reference,
            memo=memo,
            idempotency_key=idempotency_key,
            reverses_id=reverses_id,
            created_at=at,
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(LedgerEntrySet.id)
    )
    if inserted is None:
        # Posted before (or just now by a racing process, whose commit we waited for).
        existing = await _set_by_key(session, idempotency_key)
        if (
            existing is None
            or existing.reason != reason
            or existing.reference != reference
            or normalised(existing.entries) != normalised(entries)
        ):
            raise IdempotencyKeyReused(idempotency_key)
        return existing
    session.add_all(
        LedgerEntry(
            entry_set_id=inserted,
            account_id=accounts[(e.account, e.amount.currency)],
            amount=e.amount.amount,
            created_at=at,
        )
        for e in entries
    )
    await session.flush()
    return PostedSet(
        id=inserted,
        reason=reason,
        reference=reference,
        memo=memo,
        idempotency_key=idempotency_key,
        created_at=at,
        entries=tuple(entries),
        reverses_id=reverses_id,
    )


def _check_text(field: str, value: str, limit: int) -> None:
    if not value or len(value) > limit:
        raise InvalidInput(f"{field} must be 1 to {limit} characters")


async def _load_set(session: AsyncSession, row: LedgerEntrySet) -> PostedSet:
    lines = await session.execute(
        select(LedgerAccount.type, LedgerAccount.owner, LedgerAccount.currency, LedgerEntry.amount)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerEntry.entry_set_id == row.id)
        .order_by(LedgerEntry.id)
    )
    entries = tuple(
        Entry(AccountKey(AccountType(kind), owner), Money(amount, currency))
        for kind, owner, currency, amount in lines
    )
    return PostedSet(
        id=row.id,
        reason=Reason(row.reason),
        reference=row.reference,
        memo=row.memo,
        idempotency_key=row.idempotency_key,
        created_at=row.created_at,
        entries=entries,
        reverses_id=row.reverses_id,
    )


async def _set_by_key(session: AsyncSession, key: str) -> PostedSet | None:
    row = await session.scalar(select(LedgerEntrySet).where(LedgerEntrySet.idempotency_key == key))
    return None if row is None else await _load_set(session, row)


async def entry_set(session: AsyncSession, *, entry_set_id: str) -> PostedSet:
    """Return one entry set with its entries."""
    row = await session.get(LedgerEntrySet, entry_set_id)
    if row is None:
        raise NotFound(f"no entry set {entry_set_id}")
    return await _load_set(session, row)


async def entry_sets_for(session: AsyncSession, *, reference: str) -> list[PostedSet]:
    """Return every entry set about ``reference`` (a payment id, a payout id), oldest first."""
    rows = await session.scalars(
        select(LedgerEntrySet)
        .where(LedgerEntrySet.reference == reference)
        .order_by(LedgerEntrySet.created_at, LedgerEntrySet.id)
    )
    return [await _load_set(session, row) for row in rows]


async def reverse(
    session: AsyncSession, *, entry_set_id: str, at: datetime, memo: str = ""
) -> PostedSet:
    """Undo an entry set with a new one of opposite entries; each set is reversed at most once."""
    original = await entry_set(session, entry_set_id=entry_set_id)
    if original.reason is Reason.REVERSAL:
        raise InvalidInput("a reversal is not reversed; post a new entry set instead")
    return await post(
        session,
        entries=reversal_of(original.entries),
        reason=Reason.REVERSAL,
        reference=original.reference,
        idempotency_key=f"reversal:{original.id}",
        memo=memo or f"reverses {original.id}",
        reverses_id=original.id,
        at=at,
    )


# -- balances ----------------------------------------------------------------------------


def _as_int(value: Any) -> int:
    # PostgreSQL sums BIGINT into NUMERIC (a Decimal here); every value is whole.
    return int(value or 0)


async def balance(
    session: AsyncSession, *, account: AccountKey, currency: str, before: datetime | None = None
) -> Money:
    """Return an account's balance (debit positive), optionally as it stood before a time."""
    query = (
        select(func.sum(LedgerEntry.amount))
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(
            LedgerAccount.type == account.type.value,
            LedgerAccount.owner == account.owner,
            LedgerAccount.currency == currency,
        )
    )
    if before is not None:
        query = query.where(LedgerEntry.created_at < before)
    return Money(_as_int(await session.scalar(query)), currency)


@dataclass(frozen=True)
class AccountBalance:
    account: AccountKey
    balance: Money  # debit positive, as stored


async def balances(
    session: AsyncSession,
    *,
    account_type: AccountType | None = None,
    currency: str | None = None,
    before: datetime | None = None,
) -> list[AccountBalance]:
    """Return the balance of every account (of one type, in one currency, before a time)."""
    query = (
        select(
            LedgerAccount.type,
            LedgerAccount.owner,
            LedgerAccount.currency,
            func.sum(LedgerEntry.amount),
        )
        .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
        .group_by(LedgerAccount.type, LedgerAccount.owner, LedgerAccount.currency)
        .order_by(LedgerAccount.type, LedgerAccount.owner, LedgerAccount.currency)
    )
    if account_type is not None:
        query = query.where(LedgerAccount.type == AccountType(account_type).value)
    if currency is not None:
        query = query.where(LedgerAccount.currency == currency)
    if before is not None:
        query = query.where(LedgerEntry.created_at < before)
    return [
        AccountBalance(AccountKey(AccountType(kind), owner), Money(_as_int(total), code))
        for kind, owner, code, total in await session.execute(query)
    ]


async def trial_balance(session: AsyncSession) -> dict[str, int]:
    """Return the sum of every entry per currency; the books balance when all are zero."""
    rows = await session.execute(
        select(LedgerAccount.currency, func.sum(LedgerEntry.amount))
        .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
        .group_by(LedgerAccount.currency)
    )
    return {currency: _as_int(total) for currency, total in rows}


# -- the flows ---------------------------------------------------------------------------


async def record_capture(
    session: AsyncSession,
    *,
    payment: Payment,
    partner_id: str,
    provider: str,
    commission_bp: int,
    at: datetime,
    memo: str = "",
) -> PostedSet:
    """Book a captured payment: provider clearing, the partner's share, the commission."""
    if payment.captured.is_zero:
        raise InvalidInput(f"payment {payment.id} has captured nothing")
    return await post(
        session,
        entries=capture_entries(
            amount=payment.captured,
            partner_id=partner_id,
            provider=provider,
            rate_bp=check_rate(commission_bp),
        ),
        reason=Reason.CAPTURE,
        reference=payment.id,
        idempotency_key=f"capture:{provider}:{payment.id}",
        memo=memo,
        at=at,
    )


async def record_refund(
    session: AsyncSession,
    *,
    refund: Refund,
    provider: str,
    at: datetime,
    memo: str = "",
) -> PostedSet:
    """Book a refund: partner and platform give back their shares of the refunded capture."""
    key = f"refund:{provider}:{refund.id}"
    done = await _set_by_key(session, key)
    if done is not None:
        return done
    capture_row = await session.scalar(
        select(LedgerEntrySet)
        .where(
            LedgerEntrySet.reference == refund.payment_id,
            LedgerEntrySet.reason == Reason.CAPTURE.value,
        )
        .with_for_update()  # refunds of one payment are booked one at a time
    )
    if capture_row is None:
        raise NotFound(f"no booked capture for payment {refund.payment_id}")
    capture = await _load_set(session, capture_row)
    currency = refund.amount.currency
    captured = _line(capture, AccountType.PROVIDER_CLEARING, currency)
    commission = -_line(capture, AccountType.COMMISSION, currency)
    # At a 100% commission the capture has no partner line, and no refund needs one.
    payable = [
        e.account.owner for e in capture.entries if e.account.type is AccountType.PARTNER_PAYABLE
    ]
    partner = payable[0] if payable else ""
    refunded_before = Money.zero(currency)
    for earlier in await entry_sets_for(session, reference=refund.payment_id):
        if earlier.reason is Reason.REFUND:
            refunded_before -= _line(earlier, AccountType.PROVIDER_CLEARING, currency)
    return await post(
        session,
        entries=refund_entries(
            captured=captured,
            commission=commission,
            refunded_before=refunded_before,
            refund=refund.amount,
            partner_id=partner,
            provider=provider,
        ),
        reason=Reason.REFUND,
        reference=refund.payment_id,
        idempotency_key=key,
        memo=memo or f"refund {refund.id}",
        at=at,
    )


def _line(entry_set: PostedSet, account_type: AccountType, currency: str) -> Money:
    return Money.total(
        (e.amount for e in entry_set.entries if e.account.type is account_type),
        currency=currency,
    )


async def record_payout(
    session: AsyncSession,
    *,
    partner_id: str,
    amount: Money,
    provider: str,
    reference: str,
    idempotency_key: str,
    at: datetime,
    memo: str = "",
) -> PostedSet:
    """Book money paid to a partner's bank; never more than the partner is owed."""
    payable = AccountKey.payable(partner_id)
    done = await _set_by_key(session, idempotency_key)
    if done is None:
        # Lock the partner's account so two payouts cannot both spend the same balance.
        await session.scalar(
            select(LedgerAccount.id)
            .where(
                LedgerAccount.type == payable.type.value,
                LedgerAccount.owner == partner_id,
                LedgerAccount.currency == amount.currency,
            )
            .with_for_update()
        )
        owed = -(await balance(session, account=payable, currency=amount.currency))
        if amount > owed:
            raise Conflict(f"a payout of {amount} is more than the {owed} owed to the partner")
    return await post(
        session,
        entries=payout_entries(amount=amount, partner_id=partner_id, provider=provider),
        reason=Reason.PAYOUT,
        reference=reference,
        idempotency_key=idempotency_key,
        memo=memo,
        at=at,
    )
