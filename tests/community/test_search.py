"""How a person's search is read: words, never the engine's query language."""

from __future__ import annotations

from hearth.community import search


def test_a_one_letter_word_just_begun_after_others_waits_for_its_second_letter() -> None:
    assert search.words("Offer t") == ["offer"]
    assert search.words("Offer ti") == ["offer", "ti"]
    assert search.words("t") == ["t"]  # alone it is all there is to look for
    assert search.fts5_query(search.words("Dark mode f")) == '{title body} : ("dark" AND "mode"*)'
    assert search.tsquery(search.words("Dark mode f")) == "'dark' & 'mode':*"
