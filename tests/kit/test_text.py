"""Names people give things: tidied, bounded, and free of characters nobody can see."""

from __future__ import annotations

import re
import sys
import unicodedata

import jsonschema_rs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from hearth.kit.text import MAX_NAME, NAME_PATTERN, SPACES, Name, tidy, unreadable


class Named(BaseModel):
    name: Name


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("\x00", "U+0000"),
        ("a\x1bb", "U+001B"),
        ("\x7f", "U+007F"),
        ("\u202e", "U+202E"),
        ("\ud800", "U+D800"),
        ("\x85", "U+0085"),
    ],
)
def test_control_characters_are_named(value: str, found: str) -> None:
    assert unreadable(value) == found


def test_letters_emoji_and_joiners_are_fine() -> None:
    assert unreadable("Küche 👨\u200d👩\u200d👧 ﬁ 客厅") is None


@given(st.text(max_size=200))
def test_a_name_either_comes_back_tidy_and_readable_or_is_refused(value: str) -> None:
    try:
        name = Named(name=value).name
    except ValidationError:
        return
    assert name == tidy(name) and 1 <= len(name) <= MAX_NAME
    assert all(unicodedata.category(c) not in ("Cc", "Cs") for c in name)


def _taken(value: str) -> bool:
    try:
        Named(name=value)
    except ValidationError:
        return False
    return True


def _allowed(value: str) -> bool:
    """What the published contract says of ``value``, read by Python and by the validator
    the fuzzer uses (Rust's regular expressions)."""
    by_python = re.fullmatch(NAME_PATTERN, value) is not None
    by_rust = jsonschema_rs.is_valid({"type": "string", "pattern": NAME_PATTERN}, value)
    assert by_python == by_rust, f"the two readings differ on {value!r}"
    return by_python


def test_the_pattern_spells_out_what_python_takes_for_a_space() -> None:
    spaces = re.compile(f"[{SPACES}]")
    for point in range(sys.maxunicode + 1):
        assert chr(point).isspace() == (spaces.fullmatch(chr(point)) is not None), point


@pytest.mark.parametrize(
    "plane", [range(0x0000, 0x3100), range(0xD7F0, 0xD800), range(0xE000, 0x10000)]
)
def test_the_contracts_pattern_takes_the_characters_the_server_takes(plane: range) -> None:
    # The published document states a name with NAME_PATTERN: a client that follows it is
    # never refused, and nothing it rules out slips through.
    for point in plane:
        for value in (chr(point), f"a{chr(point)}b"):
            assert _allowed(value) == _taken(value), f"U+{point:04X}"


def test_a_lone_surrogate_is_refused_though_no_pattern_can_name_it() -> None:
    assert not any(_taken(f"a{chr(point)}") for point in range(0xD800, 0xE000))


@given(st.text(max_size=MAX_NAME))
def test_the_pattern_and_the_server_agree_on_any_short_text(value: str) -> None:
    assert _allowed(value) == _taken(value)
