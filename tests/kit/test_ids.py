"""Ids: 26 Crockford base32 digits, time first, so they sort by creation."""

from __future__ import annotations

import re
import time

from hypothesis import given
from hypothesis import strategies as st

from hearth.kit.ids import encode, new_id

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def _digit_by_digit(value: int, length: int) -> str:
    digits = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        digits.append(ALPHABET[rem])
    return "".join(reversed(digits))


@given(st.integers(min_value=0, max_value=2**130 - 1))
def test_encoding_is_base32_digit_by_digit(value: int) -> None:
    assert encode(value, 26) == _digit_by_digit(value, 26)


@given(st.integers(min_value=0, max_value=2**50 - 1))
def test_short_encodings_keep_their_length(value: int) -> None:
    assert encode(value, 10) == _digit_by_digit(value, 10)


def test_a_value_too_large_for_its_digits_is_refused() -> None:
    try:
        encode(2**50, 10)
    except ValueError as err:
        assert "does not fit" in str(err)
    else:
        raise AssertionError("2**50 was encoded in 10 digits")


def test_ids_are_prefixed_sortable_and_distinct() -> None:
    first = new_id("usr")
    time.sleep(0.002)  # not a wait for a condition: ids of a later millisecond sort later
    second = new_id("usr")
    assert re.fullmatch(r"usr_[0-9a-hjkmnp-tv-z]{26}", first)
    assert first < second
    assert len({new_id("req") for _ in range(1000)}) == 1000
