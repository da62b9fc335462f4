"""Money: exact minor units, one currency at a time, formatted and parsed for people."""

from __future__ import annotations

import re

import jsonschema_rs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from hearth.errors import CurrencyMismatch, InvalidInput
from hearth.kit.money import EXPONENTS, AmountText, Money, is_amount_text

currencies = st.sampled_from(sorted(EXPONENTS))
amounts = st.integers(min_value=-(10**15), max_value=10**15)


@st.composite
def money(draw: st.DrawFn, currency: str | None = None) -> Money:
    return Money(draw(amounts), currency or draw(currencies))


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (19900, "CNY", "¥199.00"),
        (500, "USD", "$5.00"),
        (-500, "USD", "-$5.00"),
        (1200, "JPY", "¥1,200"),
        (500000000, "CNY", "¥5,000,000.00"),
        (1234, "KWD", "KWD 1.234"),
        (5, "CHF", "CHF 0.05"),
        (0, "EUR", "€0.00"),
        (7, "KRW", "₩7"),
    ],
)
def test_formats_with_the_currencys_own_decimals(amount: int, currency: str, shown: str) -> None:
    assert Money(amount, currency).format() == shown
    assert str(Money(amount, currency)) == shown


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("199.00", "CNY", 19900),
        ("199", "CNY", 19900),
        ("199.5", "CNY", 19950),
        ("0.01", "USD", 1),
        ("  5.00 ", "USD", 500),
        ("-5.25", "EUR", -525),
        ("1200", "JPY", 1200),
        ("1.234", "KWD", 1234),
        ("007.10", "USD", 710),
    ],
)
def test_parses_decimal_strings_exactly(text: str, currency: str, minor: int) -> None:
    assert Money.parse(text, currency) == Money(minor, currency)


@pytest.mark.parametrize(
    ("text", "currency", "problem"),
    [
        ("1.234", "USD", "more decimals than USD"),
        ("0.5", "JPY", "more decimals than JPY"),
        ("1e3", "USD", "not an amount"),
        ("1,000.00", "USD", "not an amount"),
        (".50", "USD", "not an amount"),
        ("5.", "USD", "not an amount"),
        ("+5", "USD", "not an amount"),
        ("NaN", "USD", "not an amount"),
        ("", "USD", "not an amount"),
        ("1" * 40, "USD", "not an amount"),
        ("١٢٣", "CNY", "not an amount"),  # Arabic-Indic digits, which int() would read
        ("１２３.00", "CNY", "not an amount"),  # full-width digits
        ("5.00", "XXQ", "not an ISO 4217"),
    ],
)
def test_refuses_inexact_or_malformed_amounts(text: str, currency: str, problem: str) -> None:
    with pytest.raises(InvalidInput, match=problem):
        Money.parse(text, currency)


def test_amounts_are_never_floats() -> None:
    with pytest.raises(TypeError):
        Money(1.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(True, "USD")
    with pytest.raises(TypeError):
        Money(100, "USD") * 1.1  # type: ignore[operator]


def test_unknown_currency_codes_are_refused() -> None:
    with pytest.raises(InvalidInput, match="ISO 4217"):
        Money(100, "usd")


@pytest.mark.parametrize(
    "combine",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a < b,
        lambda a, b: a >= b,
    ],
)
def test_mixing_currencies_raises(combine: object) -> None:
    with pytest.raises(CurrencyMismatch, match="CNY with USD"):
        combine(Money(100, "CNY"), Money(100, "USD"))  # type: ignore[operator]


def test_equal_amounts_of_different_currencies_are_not_equal() -> None:
    assert Money(100, "CNY") != Money(100, "JPY")
    assert Money(100, "CNY") == Money(100, "CNY")
    assert len({Money(1, "USD"), Money(1, "USD"), Money(1, "EUR")}) == 2


def test_total_of_nothing_is_zero_of_the_currency() -> None:
    assert Money.total([], currency="CNY") == Money.zero("CNY")
    assert Money.total([Money(1, "CNY"), Money(2, "CNY")], currency="CNY") == Money(3, "CNY")


def test_allocate_gives_leftover_units_to_the_largest_remainders() -> None:
    parts = Money(100, "USD").allocate([1, 1, 1])
    assert [p.amount for p in parts] == [34, 33, 33]
    assert [p.amount for p in Money(-100, "USD").allocate([1, 1, 1])] == [-34, -33, -33]
    assert [p.amount for p in Money(5, "USD").allocate([70, 30])] == [4, 1]


@pytest.mark.parametrize("weights", [[], [0, 0], [1, -1]])
def test_allocate_refuses_meaningless_weights(weights: list[int]) -> None:
    with pytest.raises(ValueError):
        Money(100, "USD").allocate(weights)


@given(money())
def test_decimal_string_parses_back_to_the_same_money(value: Money) -> None:
    assert Money.parse(value.decimal_string(), value.currency) == value


@given(money())
def test_formatting_shows_every_minor_unit(value: Money) -> None:
    digits = "".join(ch for ch in value.format() if ch.isdigit())
    assert int(digits) == abs(value.amount)
    assert value.format().startswith("-") == value.is_negative


@given(currencies.flatmap(lambda c: st.tuples(money(c), money(c), money(c))))
def test_addition_is_exact_associative_and_undone_by_subtraction(
    values: tuple[Money, Money, Money],
) -> None:
    a, b, c = values
    assert (a + b) + c == a + (b + c)
    assert a + b - b == a
    assert a + -a == Money.zero(a.currency)


@given(money(), st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=8))
def test_allocation_never_creates_or_loses_a_minor_unit(value: Money, weights: list[int]) -> None:
    if not sum(weights):
        weights = [*weights, 1]
    parts = value.allocate(weights)
    assert Money.total(parts, currency=value.currency) == value
    total = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        # each part is within one minor unit of its exact share
        assert abs(abs(part.amount) * total - abs(value.amount) * weight) < total


@pytest.mark.parametrize(
    ("text", "taken"),
    [
        ("199.00", True),
        (" 1234567890.1234 ", True),
        ("12345678901", False),  # past what BIGINT minor units hold with room to multiply
        ("1.23456", False),
        ("-5", False),
        ("١٢٣", False),
        ("", False),
    ],
)
def test_request_amounts_are_ascii_digits_within_bigint(text: str, taken: bool) -> None:
    assert is_amount_text(text) is taken


class Priced(BaseModel):
    price: AmountText


@given(st.from_regex(r"\s{0,3}[0-9]{0,12}(\.[0-9]{0,5})?\s{0,3}", fullmatch=True) | st.text())
def test_the_contracts_amount_pattern_is_what_the_server_takes(text: str) -> None:
    pattern = Priced.model_json_schema()["properties"]["price"]["pattern"]
    try:
        Priced(price=text)
        taken = True
    except ValidationError:
        taken = False
    assert (re.fullmatch(pattern, text) is not None) == taken, repr(text)
    assert jsonschema_rs.is_valid({"type": "string", "pattern": pattern}, text) == taken
