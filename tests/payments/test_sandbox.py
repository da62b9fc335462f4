"""The sandbox provider: card flows, every failure its test cards trigger, idempotency."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hearth import db
from hearth.bootstrap import Hearth
from hearth.errors import (
    AuthenticationRequired,
    CurrencyMismatch,
    IdempotencyKeyReused,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PaymentDeclined,
    ProviderTimeout,
    ProviderUnavailable,
)
from hearth.kit.money import Money
from hearth.payments.models import SandboxPayment, SandboxRefund
from hearth.payments.provider import PaymentMethod, PaymentStatus
from hearth.payments.sandbox import TEST_CARDS, SandboxProvider, build_provider

VISA = "4242 4242 4242 4242"


@pytest.fixture
def sandbox(hearth: Hearth) -> SandboxProvider:
    return SandboxProvider(hearth.sessions)


async def saved_card(
    sandbox: SandboxProvider, card: str = VISA, who: str = "usr_mia"
) -> PaymentMethod:
    customer = await sandbox.create_customer(reference=who, idempotency_key=f"cus-{who}")
    return await sandbox.save_payment_method(
        customer_id=customer.id, token=card, idempotency_key=f"pm-{who}-{card.replace(' ', '')}"
    )


async def payments_count(hearth: Hearth) -> int:
    async with hearth.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(SandboxPayment)) or 0)


def cny(minor: int) -> Money:
    return Money(minor, "CNY")


async def test_a_saved_card_is_authorized_then_captured(sandbox: SandboxProvider) -> None:
    card = await saved_card(sandbox)
    assert (card.brand, card.last4) == ("visa", "4242")
    held = await sandbox.authorize(
        customer_id=card.customer_id,
        method_id=card.id,
        amount=cny(19900),
        reference="pledge-1",
        idempotency_key="auth-1",
    )
    assert held.status is PaymentStatus.AUTHORIZED
    assert held.captured == cny(0)
    taken = await sandbox.capture(payment_id=held.id, idempotency_key="cap-1")
    assert taken.status is PaymentStatus.CAPTURED
    assert taken.captured == cny(19900)
    assert await sandbox.get_payment(payment_id=held.id) == taken


async def test_a_partial_capture_releases_the_rest(sandbox: SandboxProvider) -> None:
    card = await saved_card(sandbox)
    held = await sandbox.authorize(
        customer_id=card.customer_id,
        method_id=card.id,
        amount=cny(1000),
        reference="p",
        idempotency_key="a",
    )
    taken = await sandbox.capture(payment_id=held.id, idempotency_key="c", amount=cny(600))
    assert (taken.amount, taken.captured, taken.refundable) == (cny(1000), cny(600), cny(600))


async def test_a_void_releases_the_hold_and_nothing_can_be_captured_after(
    sandbox: SandboxProvider,
) -> None:
    card = await saved_card(sandbox)
    held = await sandbox.authorize(
        customer_id=card.customer_id,
        method_id=card.id,
        amount=cny(500),
        reference="p",
        idempotency_key="a",
    )
    voided = await sandbox.void(payment_id=held.id, idempotency_key="v")
    assert voided.status is PaymentStatus.VOIDED
    with pytest.raises(InvalidTransition, match="'voided' to 'captured'"):
        await sandbox.capture(payment_id=held.id, idempotency_key="c")


async def test_partial_then_full_refunds_until_nothing_is_left(sandbox: SandboxProvider) -> None:
    card = await saved_card(sandbox)
    paid = await sandbox.authorize(
        customer_id=card.customer_id,
        method_id=card.id,
        amount=cny(1000),
        reference="p",
        idempotency_key="a",
        capture=True,
    )
    first = await sandbox.refund(payment_id=paid.id, idempotency_key="r1", amount=cny(300))
    assert first.amount == cny(300)
    assert (await sandbox.get_payment(payment_id=paid.id)).status is PaymentStatus.CAPTURED
    rest = await sandbox.refund(payment_id=paid.id, idempotency_key="r2")
    assert rest.amount == cny(700)
    after = await sandbox.get_payment(payment_id=paid.id)
    assert (after.status, after.refunded) == (PaymentStatus.REFUNDED, cny(1000))
    with pytest.raises(InvalidTransition):
        await sandbox.refund(payment_id=paid.id, idempotency_key="r3", amount=cny(1))


@pytest.mark.parametrize(
    ("amount", "error"),
    [(Money(1, "USD"), CurrencyMismatch), (cny(1001), InvalidInput), (cny(0), InvalidInput)],
)
async def test_a_refund_must_fit_what_was_captured(
    sandbox: SandboxProvider, hearth: Hearth, amount: Money, error: type[Exception]
) -> None:
    card = await saved_card(sandbox)
    paid = await sandbox.authorize(
        customer_id=card.customer_id,
        method_id=card.id,
        amount=cny(1000),
        reference="p",
        idempotency_key="a",
        capture=True,
    )
    with pytest.raises(error):
        await sandbox.refund(payment_id=paid.id, idempotency_key="r", amount=amount)
    assert (await sandbox.get_payment(payment_id=paid.id)).refunded == cny(0)
    # The refused call kept nothing, so the same key can carry a valid refund afterwards.
    done = await sandbox.refund(payment_id=paid.id, idempotency_key="r", amount=cny(10))
    assert done.amount == cny(10)


async def test_a_refund_of_a_hold_is_refused(sandbox: SandboxProvider) -> None:
    card = await saved_card(sandbox)
    held = await sandbox.authorize(
        customer_id=card.customer_id,
        method_id=card.id,
        amount=cny(100),
        reference="p",
        idempotency_key="a",
    )
    with pytest.raises(InvalidTransition, match="'authorized' to 'refunded'"):
        await sandbox.refund(payment_id=held.id, idempotency_key="r")


@pytest.mark.parametrize(
    ("card", "code"),
    [
        ("4000 0000 0000 0002", "card_declined"),
        ("4000 0000 0000 0069", "expired_card"),
        ("4000 0000 0000 0127", "incorrect_cvc"),
        ("1234 5678 9012 3456", "incorrect_number"),
    ],
)
async def test_cards_declined_when_saved(sandbox: SandboxProvider, card: str, code: str) -> None:
    customer = await sandbox.create_customer(reference="usr_mia", idempotency_key="c")
    with pytest.raises(PaymentDeclined) as caught:
        await sandbox.save_payment_method(customer_id=customer.id, token=card, idempotency_key="s")
    assert caught.value.decline_code == code
    assert caught.value.status == 402


@pytest.mark.parametrize(
    ("card", "code"),
    [
        ("4000 0000 0000 9995", "insufficient_funds"),
        ("4000 0000 0000 0341", "card_declined"),
        ("4000 0000 0000 9987", "lost_card"),
    ],
)
async def test_cards_that_save_but_are_declined_at_campaign_end(
    sandbox: SandboxProvider, hearth: Hearth, card: str, code: str
) -> None:
    method = await saved_card(sandbox, card)
    with pytest.raises(PaymentDeclined) as caught:
        await sandbox.authorize(
            customer_id=method.customer_id,
            method_id=method.id,
            amount=cny(100),
            reference="p",
            idempotency_key="a",
            capture=True,
        )
    assert caught.value.decline_code == code
    failed = await sandbox.get_payment(payment_id=str(caught.value.payment_id))
    assert (failed.status, failed.captured) == (PaymentStatus.FAILED, cny(0))
    # The decline is the key's outcome: a retry gets it again, without a second attempt.
    with pytest.raises(PaymentDeclined):
        await sandbox.authorize(
            customer_id=method.customer_id,
            method_id=method.id,
            amount=cny(100),
            reference="p",
            idempotency_key="a",
            capture=True,
        )
    assert await payments_count(hearth) == 1


async def test_off_session_charge_needs_authentication_and_succeeds_on_session(
    sandbox: SandboxProvider,
) -> None:
    method = await saved_card(sandbox, "4000 0027 6000 3184")
    with pytest.raises(AuthenticationRequired) as caught:
        await sandbox.authorize(
            customer_id=method.customer_id,
            method_id=method.id,
            amount=cny(100),
            reference="p",
            idempotency_key="off",
            capture=True,
        )
    assert caught.value.payment_id
    present = await sandbox.authorize(
        customer_id=method.customer_id,
        method_id=method.id,
        amount=cny(100),
        reference="p",
        idempotency_key="on",
        capture=True,
        off_session=False,
    )
    assert present.status is PaymentStatus.CAPTURED


async def test_a_timeout_hides_a_charge_that_a_retry_with_the_same_key_reveals(
    sandbox: SandboxProvider, hearth: Hearth
) -> None:
    method = await saved_card(sandbox, "4000 0000 0000 0408")
    call = {
        "customer_id": method.customer_id,
        "method_id": method.id,
        "amount": cny(100),
        "reference": "p",
        "idempotency_key": "a",
        "capture": True,
    }
    with pytest.raises(ProviderTimeout):
        await sandbox.authorize(**call)  # type: ignore[arg-type]
    assert await payments_count(hearth) == 1  # it did charge
    retried = await sandbox.authorize(**call)  # type: ignore[arg-type]
    assert retried.status is PaymentStatus.CAPTURED
    assert await payments_count(hearth) == 1  # and only once
    with pytest.raises(ProviderTimeout):
        await sandbox.refund(payment_id=retried.id, idempotency_key="r")
    again = await sandbox.refund(payment_id=retried.id, idempotency_key="r")
    assert again.amount == cny(100)
    async with hearth.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(SandboxRefund)) == 1


async def test_an_unavailable_provider_does_nothing_and_keeps_no_key(
    sandbox: SandboxProvider, hearth: Hearth
) -> None:
    method = await saved_card(sandbox, "4000 0000 0000 0503")
    for _ in range(2):
        with pytest.raises(ProviderUnavailable) as caught:
            await sandbox.authorize(
                customer_id=method.customer_id,
                method_id=method.id,
                amount=cny(100),
                reference="p",
                idempotency_key="a",
            )
        assert caught.value.status == 503
    assert await payments_count(hearth) == 0


async def test_a_retried_charge_returns_the_first_payment_without_charging_twice(
    sandbox: SandboxProvider, hearth: Hearth
) -> None:
    method = await saved_card(sandbox)
    first = await sandbox.authorize(
        customer_id=method.customer_id,
        method_id=method.id,
        amount=cny(100),
        reference="p",
        idempotency_key="same",
        capture=True,
    )
    second = await sandbox.authorize(
        customer_id=method.customer_id,
        method_id=method.id,
        amount=cny(100),
        reference="p",
        idempotency_key="same",
        capture=True,
    )
    assert second == first
    assert await payments_count(hearth) == 1


async def test_a_key_reused_for_another_amount_is_refused(
    sandbox: SandboxProvider, hearth: Hearth
) -> None:
    method = await saved_card(sandbox)
    await sandbox.authorize(
        customer_id=method.customer_id,
        method_id=method.id,
        amount=cny(100),
        reference="p",
        idempotency_key="same",
    )
    with pytest.raises(IdempotencyKeyReused) as caught:
        await sandbox.authorize(
            customer_id=method.customer_id,
            method_id=method.id,
            amount=cny(999),
            reference="p",
            idempotency_key="same",
        )
    assert caught.value.status == 409
    assert await payments_count(hearth) == 1


@pytest.mark.parametrize("key", ["", "x" * 201, "has space", "ключ"])
async def test_malformed_idempotency_keys_are_refused(sandbox: SandboxProvider, key: str) -> None:
    with pytest.raises(InvalidInput, match="idempotency key"):
        await sandbox.create_customer(reference="usr_mia", idempotency_key=key)


async def test_a_card_of_another_customer_cannot_be_charged(sandbox: SandboxProvider) -> None:
    mias = await saved_card(sandbox, who="usr_mia")
    leos = await sandbox.create_customer(reference="usr_leo", idempotency_key="leo")
    with pytest.raises(NotFound):
        await sandbox.authorize(
            customer_id=leos.id,
            method_id=mias.id,
            amount=cny(100),
            reference="p",
            idempotency_key="a",
        )


@pytest.mark.parametrize("amount", [cny(0), cny(-5)])
async def test_payments_must_be_positive(sandbox: SandboxProvider, amount: Money) -> None:
    method = await saved_card(sandbox)
    with pytest.raises(InvalidInput, match="positive"):
        await sandbox.authorize(
            customer_id=method.customer_id,
            method_id=method.id,
            amount=amount,
            reference="p",
            idempotency_key="a",
        )


async def test_sandbox_state_survives_a_restart_and_is_shared_between_processes(
    hearth: Hearth,
) -> None:
    first = build_provider(hearth.settings, hearth.sessions)
    method = await saved_card(first)  # type: ignore[arg-type]
    paid = await first.authorize(
        customer_id=method.customer_id,
        method_id=method.id,
        amount=cny(100),
        reference="p",
        idempotency_key="a",
        capture=True,
    )
    # A second engine stands for another hearth process, or this one after a restart.
    engine = db.create_engine(hearth.settings.resolved_database_url, pool=False)
    try:
        other = SandboxProvider(db.session_factory(engine))
        assert await other.get_payment(payment_id=paid.id) == paid
        replay = await other.authorize(
            customer_id=method.customer_id,
            method_id=method.id,
            amount=cny(100),
            reference="p",
            idempotency_key="a",
            capture=True,
        )
        assert replay == paid
    finally:
        await engine.dispose()


def test_every_documented_test_card_is_in_the_table() -> None:
    from hearth.payments import sandbox

    documented = {
        line.split("  ")[0].replace(" ", "")
        for line in (sandbox.__doc__ or "").splitlines()
        if line[:4].isdigit()
    }
    assert documented == set(TEST_CARDS)
