"""The books on a real database: posting, idempotency, immutability, statements, reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from hearth.bootstrap import Hearth
from hearth.errors import (
    Conflict,
    IdempotencyKeyReused,
    InvalidInput,
    LedgerUnbalanced,
    NotFound,
)
from hearth.kit.ids import new_id
from hearth.kit.money import Money
from hearth.payments import books, charges
from hearth.payments.ledger import AccountKey, AccountType, Entry, Reason
from hearth.payments.models import LedgerEntry, LedgerEntrySet
from hearth.payments.reports import partner_statement, platform_report
from hearth.payments.sandbox import SandboxProvider

PARTNER = "ptn_lumi"
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def cny(minor: int) -> Money:
    return Money(minor, "CNY")


def adjustment(minor: int, partner: str = PARTNER) -> list[Entry]:
    return [
        Entry(AccountKey.commission(), cny(minor)),
        Entry(AccountKey.payable(partner), cny(-minor)),
    ]


async def count(hearth: Hearth, table: type[LedgerEntry] | type[LedgerEntrySet]) -> int:
    async with hearth.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_a_posted_entry_set_reads_back_with_its_entries(hearth: Hearth) -> None:
    async with hearth.sessions() as session, session.begin():
        posted = await books.post(
            session,
            entries=adjustment(500),
            reason=Reason.ADJUSTMENT,
            reference="ticket-7",
            idempotency_key="adj-1",
            memo="goodwill",
            at=hearth.clock.now(),
        )
    async with hearth.sessions() as session:
        again = await books.entry_set(session, entry_set_id=posted.id)
        assert again == posted
        assert await books.balance(
            session, account=AccountKey.payable(PARTNER), currency="CNY"
        ) == cny(-500)


async def test_posting_the_same_key_twice_writes_once(hearth: Hearth) -> None:
    for _ in range(2):
        async with hearth.sessions() as session, session.begin():
            await books.post(
                session,
                entries=adjustment(500),
                reason=Reason.ADJUSTMENT,
                reference="r",
                idempotency_key="adj-1",
                at=hearth.clock.now(),
            )
    assert await count(hearth, LedgerEntrySet) == 1
    assert await count(hearth, LedgerEntry) == 2


async def test_a_key_reused_for_other_entries_is_refused(hearth: Hearth) -> None:
    async with hearth.sessions() as session, session.begin():
        await books.post(
            session,
            entries=adjustment(500),
            reason=Reason.ADJUSTMENT,
            reference="r",
            idempotency_key="adj-1",
            at=hearth.clock.now(),
        )
    with pytest.raises(IdempotencyKeyReused):
        async with hearth.sessions() as session, session.begin():
            await books.post(
                session,
                entries=adjustment(501),
                reason=Reason.ADJUSTMENT,
                reference="r",
                idempotency_key="adj-1",
                at=hearth.clock.now(),
            )


async def test_an_unbalanced_entry_set_writes_nothing(hearth: Hearth) -> None:
    broken = [Entry(AccountKey.commission(), cny(5)), Entry(AccountKey.payable(PARTNER), cny(-4))]
    with pytest.raises(LedgerUnbalanced):
        async with hearth.sessions() as session, session.begin():
            await books.post(
                session,
                entries=broken,
                reason=Reason.ADJUSTMENT,
                reference="r",
                idempotency_key="k",
                at=hearth.clock.now(),
            )
    assert await count(hearth, LedgerEntry) == 0


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entries SET amount = amount + 1",
        "DELETE FROM ledger_entries",
        "UPDATE ledger_entry_sets SET memo = 'rewritten'",
        "DELETE FROM ledger_entry_sets",
    ],
)
async def test_the_database_refuses_to_edit_or_delete_the_books(
    hearth: Hearth, statement: str
) -> None:
    async with hearth.sessions() as session, session.begin():
        await books.post(
            session,
            entries=adjustment(500),
            reason=Reason.ADJUSTMENT,
            reference="r",
            idempotency_key="k",
            at=hearth.clock.now(),
        )
    with pytest.raises(DBAPIError, match="never edited or deleted"):
        async with hearth.sessions() as session, session.begin():
            await session.execute(text(statement))
    assert await count(hearth, LedgerEntry) == 2


async def test_a_reversal_undoes_an_entry_set_once(hearth: Hearth) -> None:
    async with hearth.sessions() as session, session.begin():
        posted = await books.post(
            session,
            entries=adjustment(500),
            reason=Reason.ADJUSTMENT,
            reference="r",
            idempotency_key="k",
            at=hearth.clock.now(),
        )
        first = await books.reverse(session, entry_set_id=posted.id, at=hearth.clock.now())
        second = await books.reverse(session, entry_set_id=posted.id, at=hearth.clock.now())
        assert first == second
        assert first.reverses_id == posted.id
        assert await books.balance(
            session, account=AccountKey.payable(PARTNER), currency="CNY"
        ) == cny(0)
        with pytest.raises(InvalidInput, match="not reversed"):
            await books.reverse(session, entry_set_id=first.id, at=hearth.clock.now())
        with pytest.raises(NotFound):
            await books.reverse(session, entry_set_id="les_nope", at=hearth.clock.now())


async def paid(
    hearth: Hearth,
    amount: Money,
    *,
    partner: str = PARTNER,
    key: str | None = None,
    rate: int = 500,
) -> str:
    """Charge a visa through the sandbox and book it; return the payment id."""
    sandbox = SandboxProvider(hearth.sessions)
    key = key or new_id("k")
    customer = await sandbox.create_customer(reference="usr_mia", idempotency_key=f"c-{key}")
    card = await sandbox.save_payment_method(
        customer_id=customer.id, token="4242424242424242", idempotency_key=f"m-{key}"
    )
    charged = await charges.charge(
        hearth.sessions,
        sandbox,
        customer_id=customer.id,
        method_id=card.id,
        amount=amount,
        partner_id=partner,
        reference=f"pledge-{key}",
        idempotency_key=f"p-{key}",
        commission_bp=rate,
        now=hearth.clock.now(),
    )
    return charged.payment.id


async def test_charge_refund_and_payout_move_the_right_shares(hearth: Hearth) -> None:
    sandbox = SandboxProvider(hearth.sessions)
    payment_id = await paid(hearth, cny(19900))
    await charges.refund(
        hearth.sessions,
        sandbox,
        payment_id=payment_id,
        idempotency_key="r1",
        amount=cny(9950),
        now=hearth.clock.now(),
    )
    async with hearth.sessions() as session, session.begin():
        owed = -(await books.balance(session, account=AccountKey.payable(PARTNER), currency="CNY"))
        # commission 995 (5%); half refunded: platform keeps floor(497.5) = 497, so 498
        # of the refund comes from the commission and 9452 from the partner's 18905.
        assert owed == cny(18905 - 9452)
        await books.record_payout(
            session,
            partner_id=PARTNER,
            amount=owed,
            provider="sandbox",
            reference="payout-1",
            idempotency_key="payout-1",
            at=hearth.clock.now(),
        )
    async with hearth.sessions() as session:
        report = await platform_report(session, currency="CNY")
    assert report.captured == cny(19900)
    assert report.refunded == cny(9950)
    assert report.paid_out == cny(9453)
    assert report.commission_earned == cny(497)
    assert report.balances[AccountType.PARTNER_PAYABLE] == cny(0)
    assert report.balances[AccountType.COMMISSION] == cny(497)
    assert report.balances[AccountType.PROVIDER_CLEARING] == cny(19900 - 9950 - 9453)
    assert report.balanced


async def test_a_payment_is_booked_once_however_often_it_is_charged(hearth: Hearth) -> None:
    first = await paid(hearth, cny(1000), key="same")
    second = await paid(hearth, cny(1000), key="same")
    assert first == second
    async with hearth.sessions() as session:
        assert len(await books.entry_sets_for(session, reference=first)) == 1


async def test_a_refund_is_booked_once_however_often_it_is_recorded(hearth: Hearth) -> None:
    sandbox = SandboxProvider(hearth.sessions)
    payment_id = await paid(hearth, cny(1000))
    for _ in range(3):
        await charges.refund(
            hearth.sessions,
            sandbox,
            payment_id=payment_id,
            idempotency_key="r",
            amount=cny(100),
            now=hearth.clock.now(),
        )
    async with hearth.sessions() as session:
        sets = await books.entry_sets_for(session, reference=payment_id)
    assert [s.reason for s in sets] == [Reason.CAPTURE, Reason.REFUND]


async def test_a_payout_never_exceeds_what_the_partner_is_owed(hearth: Hearth) -> None:
    await paid(hearth, cny(1000), rate=1000)
    with pytest.raises(Conflict, match="more than the ¥9.00 owed"):
        async with hearth.sessions() as session, session.begin():
            await books.record_payout(
                session,
                partner_id=PARTNER,
                amount=cny(901),
                provider="sandbox",
                reference="payout",
                idempotency_key="payout",
                at=hearth.clock.now(),
            )
    with pytest.raises(Conflict):
        async with hearth.sessions() as session, session.begin():
            await books.record_payout(
                session,
                partner_id="ptn_other",
                amount=cny(1),
                provider="sandbox",
                reference="payout",
                idempotency_key="payout",
                at=hearth.clock.now(),
            )


async def test_a_refund_of_an_unbooked_payment_is_refused(hearth: Hearth) -> None:
    from hearth.payments.provider import Refund

    with pytest.raises(NotFound, match="no booked capture"):
        async with hearth.sessions() as session, session.begin():
            await books.record_refund(
                session,
                refund=Refund("re_x", "pay_unknown", cny(5)),
                provider="sandbox",
                at=hearth.clock.now(),
            )


async def test_a_partner_statement_has_opening_lines_and_closing(hearth: Hearth) -> None:
    async with hearth.sessions() as session, session.begin():
        for day, minor in ((0, 1000), (1, 2000), (2, 4000), (3, 8000)):
            await books.post(
                session,
                entries=adjustment(minor),
                reason=Reason.ADJUSTMENT,
                reference=f"day-{day}",
                idempotency_key=f"day-{day}",
                at=T0 + timedelta(days=day),
            )
        await books.post(
            session,
            entries=adjustment(77, partner="ptn_other"),
            reason=Reason.ADJUSTMENT,
            reference="other",
            idempotency_key="other",
            at=T0 + timedelta(days=1),
        )
    async with hearth.sessions() as session:
        statement = await partner_statement(
            session,
            partner_id=PARTNER,
            currency="CNY",
            start=T0 + timedelta(days=1),
            end=T0 + timedelta(days=3),
        )
    assert statement.opening == cny(1000)
    assert [line.reference for line in statement.lines] == ["day-1", "day-2"]
    assert [line.balance for line in statement.lines] == [cny(3000), cny(7000)]
    assert statement.closing == cny(7000)
    assert statement.total(Reason.ADJUSTMENT) == cny(6000)


@pytest.mark.parametrize(
    ("start", "end", "problem"),
    [
        (T0, T0, "end after it starts"),
        (datetime(2026, 1, 1), None, "timezone"),  # noqa: DTZ001 - the point of the test
    ],
)
async def test_statements_refuse_meaningless_periods(
    hearth: Hearth, start: datetime, end: datetime | None, problem: str
) -> None:
    async with hearth.sessions() as session:
        with pytest.raises(InvalidInput, match=problem):
            await partner_statement(
                session, partner_id=PARTNER, currency="CNY", start=start, end=end
            )


async def test_the_platform_report_keeps_currencies_apart(hearth: Hearth) -> None:
    await paid(hearth, cny(1000))
    await paid(hearth, Money(1000, "JPY"))
    async with hearth.sessions() as session:
        yuan = await platform_report(session, currency="CNY")
        yen = await platform_report(session, currency="JPY")
        dollars = await platform_report(session, currency="USD")
    assert (yuan.captured, yen.captured) == (cny(1000), Money(1000, "JPY"))
    assert dollars.captured == Money(0, "USD")
    assert yen.commission_earned == Money(50, "JPY")


# -- the invariant, on the real database ---------------------------------------------


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=10**9),  # captured
            st.lists(st.integers(min_value=1, max_value=99), max_size=3),  # refund percents
        ),
        min_size=1,
        max_size=4,
    ),
    st.integers(min_value=0, max_value=10_000),
)
async def test_for_any_captures_and_refunds_the_books_balance(
    hearth: Hearth, plan: list[tuple[int, list[int]]], rate: int
) -> None:
    partner = new_id("ptn")  # a fresh partner per example; the database is shared
    sandbox = SandboxProvider(hearth.sessions)
    async with hearth.sessions() as session:
        before = await platform_report(session, currency="CNY")
    captured = refunded = 0
    for amount, percents in plan:
        payment_id = await paid(hearth, cny(amount), partner=partner, rate=rate)
        captured += amount
        left = amount
        for percent in percents:
            part = max(1, amount * percent // 100)
            if part > left:
                break
            await charges.refund(
                hearth.sessions,
                sandbox,
                payment_id=payment_id,
                idempotency_key=new_id("r"),
                amount=cny(part),
                now=hearth.clock.now(),
            )
            left -= part
            refunded += part
    async with hearth.sessions() as session:
        after = await platform_report(session, currency="CNY")
        assert not any((await books.trial_balance(session)).values())
    owed = after.partners_owed.get(partner, cny(0))  # at 100% the partner has no line
    earned = after.commission_earned - before.commission_earned
    assert owed + earned == cny(captured - refunded)
    assert after.captured - before.captured == cny(captured)
    assert after.refunded - before.refunded == cny(refunded)
