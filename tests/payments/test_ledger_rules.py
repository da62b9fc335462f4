"""The ledger's pure rules: balanced entry sets, commission and its rounding, each flow."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hearth.errors import InvalidInput, LedgerUnbalanced
from hearth.kit.money import Money
from hearth.payments.ledger import (
    AccountKey,
    AccountType,
    Entry,
    capture_entries,
    check_balanced,
    commission_on,
    kept_commission,
    payout_entries,
    presented,
    refund_entries,
    reversal_of,
)

CNY = "CNY"
PARTNER = "ptn_lumi"


def cny(minor: int) -> Money:
    return Money(minor, CNY)


def by_account(entries: list[Entry]) -> dict[AccountKey, int]:
    return {e.account: e.amount.amount for e in entries}


def test_a_capture_splits_into_partner_share_and_commission() -> None:
    entries = capture_entries(
        amount=cny(19900), partner_id=PARTNER, provider="sandbox", rate_bp=500
    )
    check_balanced(entries)
    assert by_account(entries) == {
        AccountKey.clearing("sandbox"): 19900,
        AccountKey.payable(PARTNER): -18905,
        AccountKey.commission(): -995,
    }


def test_commission_is_rounded_down_so_the_partner_gets_the_odd_unit() -> None:
    assert commission_on(cny(1999), 500) == cny(99)  # 99.95 → 99
    assert commission_on(cny(19), 500) == cny(0)
    assert commission_on(Money(999, "JPY"), 1000) == Money(99, "JPY")


def test_zero_commission_leaves_out_the_commission_line() -> None:
    entries = capture_entries(amount=cny(100), partner_id=PARTNER, provider="sandbox", rate_bp=0)
    assert AccountKey.commission() not in by_account(entries)
    check_balanced(entries)


@pytest.mark.parametrize("rate", [-1, 10_001])
def test_rates_outside_zero_to_one_hundred_percent_are_refused(rate: int) -> None:
    with pytest.raises(InvalidInput, match="basis points"):
        commission_on(cny(100), rate)


def test_a_full_refund_returns_every_unit_of_commission() -> None:
    refund = refund_entries(
        captured=cny(1999),
        commission=cny(99),
        refunded_before=cny(0),
        refund=cny(1999),
        partner_id=PARTNER,
        provider="sandbox",
    )
    assert by_account(refund) == {
        AccountKey.payable(PARTNER): 1900,
        AccountKey.commission(): 99,
        AccountKey.clearing("sandbox"): -1999,
    }


def test_partial_refunds_give_back_commission_in_proportion_without_drift() -> None:
    backs = []
    refunded = cny(0)
    for part in (cny(333), cny(333), cny(334)):
        entries = refund_entries(
            captured=cny(1000),
            commission=cny(50),
            refunded_before=refunded,
            refund=part,
            partner_id=PARTNER,
            provider="sandbox",
        )
        backs.append(by_account(entries).get(AccountKey.commission(), 0))
        refunded += part
    # kept: floor(50 × 667/1000) = 33, floor(50 × 334/1000) = 16, then 0
    assert backs == [17, 17, 16]
    assert sum(backs) == 50
    assert kept_commission(cny(1000), cny(50), cny(1000)) == cny(0)


def test_a_refund_beyond_what_is_left_is_refused() -> None:
    with pytest.raises(InvalidInput, match="more than the ¥2.00 left"):
        refund_entries(
            captured=cny(1000),
            commission=cny(50),
            refunded_before=cny(800),
            refund=cny(201),
            partner_id=PARTNER,
            provider="sandbox",
        )


@pytest.mark.parametrize(
    ("entries", "error"),
    [
        ([], InvalidInput),
        ([Entry(AccountKey.commission(), cny(5))], InvalidInput),
        (
            [Entry(AccountKey.commission(), cny(5)), Entry(AccountKey.payable("p"), cny(-4))],
            LedgerUnbalanced,
        ),
        (
            [
                Entry(AccountKey.commission(), cny(5)),
                Entry(AccountKey.payable("p"), Money(-5, "USD")),
            ],
            LedgerUnbalanced,
        ),
        (
            [Entry(AccountKey.commission(), cny(0)), Entry(AccountKey.payable("p"), cny(0))],
            InvalidInput,
        ),
        (
            [Entry(AccountKey.commission(), cny(5)), Entry(AccountKey.payable(""), cny(-5))],
            InvalidInput,
        ),
    ],
)
def test_only_balanced_entry_sets_of_real_accounts_pass(
    entries: list[Entry], error: type[Exception]
) -> None:
    with pytest.raises(error):
        check_balanced(entries)


def test_unbalanced_error_names_the_excess_per_currency() -> None:
    with pytest.raises(LedgerUnbalanced) as caught:
        check_balanced(
            [Entry(AccountKey.commission(), cny(5)), Entry(AccountKey.payable("p"), cny(-4))]
        )
    assert caught.value.sums == {CNY: 1}


def test_a_reversal_undoes_its_entry_set_exactly() -> None:
    entries = capture_entries(amount=cny(500), partner_id=PARTNER, provider="sandbox", rate_bp=500)
    undone = reversal_of(entries)
    check_balanced(undone)
    totals: dict[AccountKey, int] = defaultdict(int)
    for entry in [*entries, *undone]:
        totals[entry.account] += entry.amount.amount
    assert not any(totals.values())


def test_statements_show_what_is_owed_and_earned_as_positive() -> None:
    assert presented(AccountType.PARTNER_PAYABLE, cny(-100)) == cny(100)
    assert presented(AccountType.COMMISSION, cny(-5)) == cny(5)
    assert presented(AccountType.PROVIDER_CLEARING, cny(105)) == cny(105)


# -- the invariants, over any sequence of captures, refunds and payouts -----------------


@dataclass
class Books:
    balances: dict[tuple[AccountKey, str], int] = field(default_factory=lambda: defaultdict(int))
    captured: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    refunded: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    paid_out: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def post(self, entries: list[Entry]) -> None:
        check_balanced(entries)
        for entry in entries:
            self.balances[(entry.account, entry.amount.currency)] += entry.amount.amount

    def owed(self, partner: str, currency: str) -> int:
        return -self.balances[(AccountKey.payable(partner), currency)]


@st.composite
def flows(draw: st.DrawFn) -> list[tuple[str, str, str, int, int, list[int], int]]:
    """Captures (partner, currency, rate, amount), each with refunds, then a payout share."""
    result = []
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        partner = draw(st.sampled_from(["ptn_a", "ptn_b", "ptn_c"]))
        currency = draw(st.sampled_from(["CNY", "JPY", "KWD"]))
        rate = draw(st.integers(min_value=0, max_value=10_000))
        amount = draw(st.integers(min_value=1, max_value=10**12))
        cuts = draw(st.lists(st.integers(min_value=1, max_value=100), max_size=5))
        payout_percent = draw(st.integers(min_value=0, max_value=100))
        result.append((partner, currency, "sandbox", rate, amount, cuts, payout_percent))
    return result


@given(flows())
def test_books_always_balance_and_shares_add_up_to_net_captured(
    plan: list[tuple[str, str, str, int, int, list[int], int]],
) -> None:
    books = Books()
    for partner, currency, provider, rate, amount, cuts, payout_percent in plan:
        captured = Money(amount, currency)
        entries = capture_entries(
            amount=captured, partner_id=partner, provider=provider, rate_bp=rate
        )
        books.post(entries)
        books.captured[currency] += amount
        commission = -by_account(entries).get(AccountKey.commission(), 0)
        refunded = 0
        for cut in cuts:
            refund = min(amount - refunded, max(1, amount * cut // 300))
            if refund <= 0:
                break
            back = refund_entries(
                captured=captured,
                commission=Money(commission, currency),
                refunded_before=Money(refunded, currency),
                refund=Money(refund, currency),
                partner_id=partner,
                provider=provider,
            )
            assert 0 <= by_account(back).get(AccountKey.commission(), 0) <= refund
            books.post(back)
            refunded += refund
            books.refunded[currency] += refund
        owed = books.owed(partner, currency)
        payout = owed * payout_percent // 100
        if payout > 0:
            books.post(
                payout_entries(
                    amount=Money(payout, currency), partner_id=partner, provider=provider
                )
            )
            books.paid_out[currency] += payout
    for currency in {c for _, c in books.balances}:
        in_currency = {k: v for (k, c), v in books.balances.items() if c == currency}
        assert sum(in_currency.values()) == 0
        owed = -sum(v for k, v in in_currency.items() if k.type is AccountType.PARTNER_PAYABLE)
        earned = -in_currency.get(AccountKey.commission(), 0)
        assert owed >= 0 and earned >= 0
        assert owed + earned == (
            books.captured[currency] - books.refunded[currency] - books.paid_out[currency]
        )
