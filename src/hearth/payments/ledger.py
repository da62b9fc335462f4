"""The ledger's rules: accounts, balanced entry sets, and the entries of each money flow.

Every movement of money is an *entry set*: signed entries (debit positive, credit
negative) on accounts, summing to zero in each currency. Entry sets are never edited; a
mistake is undone by a reversal, a refund is a new entry set. So the sum of all balances
is always zero, and every balance can be rebuilt from its entries.

Accounts (one per type, owner and currency):

- ``provider_clearing`` (owner: the provider's name): money the payment provider holds
  for hearth. Debit-normal (an asset).
- ``partner_payable`` (owner: a partner id): what hearth owes a partner. Credit-normal.
- ``commission`` (no owner): the platform's commission. Credit-normal (revenue).

Commission rounding: on a capture of ``A`` at ``r`` basis points the commission is
``floor(A * r / 10000)``; the partner gets the rest, so rounding never favours the
platform. After refunds totalling ``T`` the platform keeps ``floor(C * (A - T) / A)`` of
that capture's commission ``C``; each refund gives back the difference between what was
kept before and after it, and the partner's share gives back the rest of the refund. A
full refund therefore returns every minor unit of the commission, and partial refunds
never drift however they are cut.

This module is pure: no database, no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from hearth.errors import InvalidInput, LedgerUnbalanced
from hearth.kit.money import Money

BASIS_POINTS = 10_000


class AccountType(StrEnum):
    PROVIDER_CLEARING = "provider_clearing"
    PARTNER_PAYABLE = "partner_payable"
    COMMISSION = "commission"


class Side(StrEnum):
    DEBIT = "debit"
    CREDIT = "credit"


# The side on which each type's balance naturally grows; statements show it positive.
NORMAL_SIDE: dict[AccountType, Side] = {
    AccountType.PROVIDER_CLEARING: Side.DEBIT,
    AccountType.PARTNER_PAYABLE: Side.CREDIT,
    AccountType.COMMISSION: Side.CREDIT,
}

_NEEDS_OWNER = {AccountType.PROVIDER_CLEARING: True, AccountType.PARTNER_PAYABLE: True}


class Reason(StrEnum):
    """Why money moved; reports total each reason separately."""

    CAPTURE = "capture"  # a backer's payment was taken
    REFUND = "refund"  # money went back to a backer
    PAYOUT = "payout"  # money went to a partner's bank
    REVERSAL = "reversal"  # an earlier entry set undone
    ADJUSTMENT = "adjustment"  # a correction by an operator


@dataclass(frozen=True, order=True)
class AccountKey:
    """Names an account (its currency comes from the amounts posted to it)."""

    type: AccountType
    owner: str = ""

    @classmethod
    def clearing(cls, provider: str) -> AccountKey:
        return cls(AccountType.PROVIDER_CLEARING, provider)

    @classmethod
    def payable(cls, partner_id: str) -> AccountKey:
        return cls(AccountType.PARTNER_PAYABLE, partner_id)

    @classmethod
    def commission(cls) -> AccountKey:
        return cls(AccountType.COMMISSION)

    def __str__(self) -> str:
        return f"{self.type}:{self.owner}" if self.owner else str(self.type)


@dataclass(frozen=True)
class Entry:
    """One line of an entry set: ``amount`` debited (positive) or credited (negative)."""

    account: AccountKey
    amount: Money


def check_balanced(entries: Sequence[Entry]) -> None:
    """Raise unless ``entries`` form a valid entry set: non-zero lines summing to zero."""
    if len(entries) < 2:
        raise InvalidInput("an entry set needs at least two entries")
    sums: dict[str, int] = defaultdict(int)
    for entry in entries:
        if entry.amount.is_zero:
            raise InvalidInput(f"entry on {entry.account} is zero; leave it out")
        needs_owner = _NEEDS_OWNER.get(entry.account.type, False)
        if needs_owner != bool(entry.account.owner):
            want = "needs an owner" if needs_owner else "has no owner"
            raise InvalidInput(f"a {entry.account.type} account {want}")
        sums[entry.amount.currency] += entry.amount.amount
    excess = {currency: total for currency, total in sums.items() if total}
    if excess:
        shown = ", ".join(f"{Money(v, c).format()} too much debit" for c, v in excess.items())
        raise LedgerUnbalanced(f"entries do not sum to zero: {shown}", sums=excess)


def normalised(entries: Iterable[Entry]) -> tuple[tuple[str, str, str, int], ...]:
    """Return entries in a canonical order, to tell whether two sets say the same thing."""
    return tuple(
        sorted(
            (e.account.type.value, e.account.owner, e.amount.currency, e.amount.amount)
            for e in entries
        )
    )


def presented(account_type: AccountType, amount: Money) -> Money:
    """Return ``amount`` with the sign people expect for this type (owed, earned: positive)."""
    return amount if NORMAL_SIDE[account_type] is Side.DEBIT else -amount


def _entries(*pairs: tuple[AccountKey, Money]) -> list[Entry]:
    return [Entry(account, amount) for account, amount in pairs if not amount.is_zero]


# -- commission ------------------------------------------------------------------------


def check_rate(rate_bp: int) -> int:
    """Return ``rate_bp`` if it is a rate in basis points (0 to 10000)."""
    if type(rate_bp) is not int or not 0 <= rate_bp <= BASIS_POINTS:
        raise InvalidInput(f"commission rate {rate_bp!r} must be 0 to 10000 basis points")
    return rate_bp


def commission_on(amount: Money, rate_bp: int) -> Money:
    """Return the commission on a capture of ``amount``: rounded down to a minor unit."""
    if amount.is_negative:
        raise InvalidInput("commission is taken on captured (positive) amounts")
    return Money(amount.amount * check_rate(rate_bp) // BASIS_POINTS, amount.currency)


def kept_commission(captured: Money, commission: Money, refunded: Money) -> Money:
    """Return how much of a capture's ``commission`` the platform keeps after ``refunded``."""
    if not Money.zero(captured.currency) <= refunded <= captured:
        raise InvalidInput(f"refunds of {refunded} do not fit a capture of {captured}")
    if captured.is_zero:
        return Money.zero(captured.currency)
    remaining = (captured - refunded).amount
    return Money(commission.amount * remaining // captured.amount, captured.currency)


# -- the entries of each flow ----------------------------------------------------------


def capture_entries(*, amount: Money, partner_id: str, provider: str, rate_bp: int) -> list[Entry]:
    """Entries for a captured payment: held by the provider, owed to partner and platform."""
    if not amount.is_positive:
        raise InvalidInput("a capture must be a positive amount")
    commission = commission_on(amount, rate_bp)
    return _entries(
        (AccountKey.clearing(provider), amount),
        (AccountKey.payable(partner_id), -(amount - commission)),
        (AccountKey.commission(), -commission),
    )


def refund_entries(
    *,
    captured: Money,
    commission: Money,
    refunded_before: Money,
    refund: Money,
    partner_id: str,
    provider: str,
) -> list[Entry]:
    """Entries for a refund of part of a capture: partner and platform give back their shares."""
    if not refund.is_positive:
        raise InvalidInput("a refund must be a positive amount")
    if refunded_before + refund > captured:
        left = captured - refunded_before
        raise InvalidInput(f"a refund of {refund} is more than the {left} left to refund")
    back = kept_commission(captured, commission, refunded_before) - kept_commission(
        captured, commission, refunded_before + refund
    )
    return _entries(
        (AccountKey.payable(partner_id), refund - back),
        (AccountKey.commission(), back),
        (AccountKey.clearing(provider), -refund),
    )


def payout_entries(*, amount: Money, partner_id: str, provider: str) -> list[Entry]:
    """Entries for paying a partner what they are owed, out of the provider's balance."""
    if not amount.is_positive:
        raise InvalidInput("a payout must be a positive amount")
    return _entries(
        (AccountKey.payable(partner_id), amount),
        (AccountKey.clearing(provider), -amount),
    )


def reversal_of(entries: Sequence[Entry]) -> list[Entry]:
    """Entries that undo ``entries`` exactly."""
    return [Entry(e.account, -e.amount) for e in entries]
