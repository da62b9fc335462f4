"""Money: integer minor units and an ISO 4217 currency code, never a float.

``Money(19900, "CNY")`` is 199.00 yuan. Arithmetic works only within one currency and
raises ``CurrencyMismatch`` otherwise; multiplying takes integers only, and splitting an
amount goes through ``allocate``, which never creates or loses a minor unit. ``parse``
reads decimal strings exactly ("199.00"); an amount with more decimals than the currency
has (1.234 dollars, 0.5 yen) is refused rather than rounded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

from hearth.errors import CurrencyMismatch, InvalidInput
from hearth.kit.text import SPACES


def _codes(exponent: int, codes: str) -> dict[str, int]:
    return dict.fromkeys(codes.split(), exponent)


# ISO 4217 minor-unit exponents of the currencies in circulation.
EXPONENTS: dict[str, int] = {
    **_codes(
        2,
        "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN "
        "BWP BYN BZD CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD "
        "FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR "
        "KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN "
        "MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD "
        "SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD "
        "TZS UAH USD UYU UZS VES WST XCD YER ZAR ZMW ZWG",
    ),
    **_codes(0, "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"),
    **_codes(3, "BHD IQD JOD KWD LYD OMR TND"),
    **_codes(4, "CLF UYW"),
}

# Symbols people expect in front of the amount; other currencies show their code.
SYMBOLS: dict[str, str] = {
    "CNY": "¥",
    "JPY": "¥",
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "KRW": "₩",
    "INR": "₹",
    "HKD": "HK$",
    "TWD": "NT$",
    "SGD": "S$",
    "AUD": "A$",
    "CAD": "CA$",
    "NZD": "NZ$",
    "MXN": "MX$",
    "BRL": "R$",
    "RUB": "₽",
    "THB": "฿",
    "VND": "₫",
    "ILS": "₪",
    "PHP": "₱",
    "UAH": "₴",
    "TRY": "₺",
    "NGN": "₦",
}

# ASCII digits only: ``\d`` would also read "١٢٣" (Arabic-Indic digits) as 123.
_DECIMAL = re.compile(r"^(-?)([0-9]+)(?:\.([0-9]+))?$")
# An amount a person writes in a request: at most ten digits before the point and four
# after it (the most any currency has), so any amount fits a BIGINT column in minor units,
# even times the largest quantity a pledge may take.
AMOUNT_PATTERN = r"^[0-9]{1,10}(\.[0-9]{1,4})?$"
AMOUNT_MESSAGE = "an amount in digits 0-9, at most 10 before the point and 4 after, like 199.00"


def is_amount_text(text: str) -> bool:
    """Tell whether ``text`` (stripped) is an amount as a request may write it."""
    return re.fullmatch(AMOUNT_PATTERN, text.strip()) is not None


def _amount_text(value: str) -> str:
    if not is_amount_text(value):
        raise PydanticCustomError("amount", AMOUNT_MESSAGE)
    return value


# An amount in a request model, read exactly later with its currency (``Money.parse``).
AmountText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=20),
    AfterValidator(_amount_text),
    Field(json_schema_extra={"pattern": rf"^[{SPACES}]*{AMOUNT_PATTERN[1:-1]}[{SPACES}]*$"}),
]
_MAX_DIGITS = 30  # far beyond any real amount; keeps parsing cheap on hostile input


def exponent_of(currency: str) -> int:
    """Return how many decimal places ``currency``'s minor unit has (JPY 0, CNY 2, KWD 3)."""
    try:
        return EXPONENTS[currency]
    except KeyError:
        raise InvalidInput(
            f"{currency!r} is not an ISO 4217 currency code",
            detail=[{"field": "currency", "message": "use an ISO 4217 code such as CNY"}],
        ) from None


def check_currency(currency: str) -> str:
    """Return ``currency`` if it is a known ISO 4217 code; raise ``InvalidInput`` otherwise."""
    exponent_of(currency)
    return currency


@dataclass(frozen=True, slots=True, order=False)
class Money:
    """An amount of one currency in integer minor units (cents, fen; yen have none)."""

    amount: int
    currency: str

    def __post_init__(self) -> None:
        if type(self.amount) is not int:
            raise TypeError(f"Money amounts are int minor units, not {type(self.amount).__name__}")
        check_currency(self.currency)

    # -- construction --------------------------------------------------------------

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Return nothing of ``currency``."""
        return cls(0, currency)

    @classmethod
    def parse(cls, text: str, currency: str) -> Money:
        """Read a decimal string such as ``"199.00"`` exactly; refuse anything inexact."""
        exponent = exponent_of(currency)
        match = _DECIMAL.match(text.strip()) if len(text) <= _MAX_DIGITS + 3 else None
        if match is None:
            raise InvalidInput(
                f"{text!r} is not an amount: write digits with an optional '.' and decimals, "
                "such as 199.00",
                detail=[{"field": "amount", "message": "not a decimal amount"}],
            )
        sign, whole, fraction = match.groups()
        fraction = fraction or ""
        if len(fraction) > exponent:
            places = f"{exponent} decimal places" if exponent else "no decimals"
            raise InvalidInput(
                f"{text!r} has more decimals than {currency} allows ({places})",
                detail=[{"field": "amount", "message": f"{currency} has {places}"}],
            )
        minor = int(whole) * 10**exponent + int(fraction.ljust(exponent, "0") or "0")
        return cls(-minor if sign else minor, currency)

    @classmethod
    def total(cls, amounts: Iterable[Money], *, currency: str) -> Money:
        """Add up ``amounts``, all of ``currency``; an empty iterable gives zero."""
        result = cls.zero(currency)
        for amount in amounts:
            result = result + amount
        return result

    # -- arithmetic ----------------------------------------------------------------

    def _same(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(self.currency, other.currency)
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same(other).amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.amount), self.currency)

    def __mul__(self, factor: int) -> Money:
        if type(factor) is not int:
            raise TypeError("Money multiplies by whole numbers only; use allocate() to split")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same(other).amount

    @property
    def is_zero(self) -> bool:
        return self.amount == 0

    @property
    def is_positive(self) -> bool:
        return self.amount > 0

    @property
    def is_negative(self) -> bool:
        return self.amount < 0

    def allocate(self, weights: Sequence[int]) -> list[Money]:
        """Split into parts proportional to ``weights``; the parts always add up exactly.

        Each part gets its share rounded down; the minor units left over go one each to
        the parts with the largest remainders (the earlier part wins a tie).
        """
        if not weights or any(type(w) is not int or w < 0 for w in weights) or not sum(weights):
            raise ValueError("allocate needs non-negative integer weights with a positive sum")
        total = sum(weights)
        magnitude = abs(self.amount)
        shares = [magnitude * w // total for w in weights]
        remainders = [magnitude * w % total for w in weights]
        leftover = magnitude - sum(shares)
        order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
        for index in order[:leftover]:
            shares[index] += 1
        sign = -1 if self.amount < 0 else 1
        return [Money(sign * share, self.currency) for share in shares]

    # -- presentation --------------------------------------------------------------

    @property
    def exponent(self) -> int:
        return EXPONENTS[self.currency]

    def decimal_string(self) -> str:
        """Return the plain decimal form (``"199.00"``, ``"-5"``), which ``parse`` reads back."""
        whole, fraction = divmod(abs(self.amount), 10**self.exponent)
        sign = "-" if self.amount < 0 else ""
        if not self.exponent:
            return f"{sign}{whole}"
        return f"{sign}{whole}.{fraction:0{self.exponent}d}"

    def format(self) -> str:
        """Return the amount for people: ``"¥199.00"``, ``"-$5.00"``, ``"¥1,200"`` (yen)."""
        whole, fraction = divmod(abs(self.amount), 10**self.exponent)
        number = f"{whole:,}" + (f".{fraction:0{self.exponent}d}" if self.exponent else "")
        sign = "-" if self.amount < 0 else ""
        symbol = SYMBOLS.get(self.currency)
        if symbol is None:
            return f"{sign}{self.currency} {number}"
        return f"{sign}{symbol}{number}"

    def __str__(self) -> str:
        return self.format()

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form clients see: minor units, code, and the display string."""
        return {"amount": self.amount, "currency": self.currency, "display": self.format()}
