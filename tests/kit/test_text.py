"""Names people give things: tidied, bounded, and free of characters nobody can see."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from hearth.kit.text import MAX_NAME, Name, tidy, unreadable


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
