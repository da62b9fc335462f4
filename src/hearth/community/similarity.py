"""How alike two suggestion titles are, pure: the words worth looking for, and a score.

Finding duplicates is two steps. The database's own full-text engine finds candidates: an
OR of the title's meaningful words (``key_words``), so a rewording that shares only some
words is still found, ranked by the engine and cut to a few dozen (``duplicates.py``).
Then RapidFuzz scores each candidate against the title (``score``), which reads the same on
SQLite and PostgreSQL, so one threshold means the same thing on both.

The thresholds were chosen on the labelled pairs in ``tests/community/duplicates.json``
(``bench/duplicates.py`` prints their precision and recall; ``docs/community.md`` has the
figures): ``SIMILAR`` keeps most true duplicates in the list shown while a fan types, at
the price of some near misses they can glance past; ``NEAR_IDENTICAL`` is high enough
that asking "post it anyway?" is rarely wrong.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

# Words that say nothing about what is wanted: they would match half a board. The English
# function words, and the ways fans ask ("please add an option to ...").
STOP_WORDS = frozenset(
    """
    a an the and or but nor so of to in on at by for from with without into onto over under
    about as than then when while if is are was were be been being am do does did done
    doing have has had having can could should would will shall may might must i me my
    mine we us our you your it its this that these those there here they them their what
    which who whom whose how why where all any some each every no not only also just very
    too more most much many other such own same again once up down out off still even
    please pls add adding allow allowing let lets make makes making get getting want wish
    need needs option ability able way new support feature request suggestion idea
    """.split()
)
MAX_KEY_WORDS = 12
# Scores are 0-100 (RapidFuzz's scale).
SIMILAR = 45.0  # shown under the title field while a fan types
NEAR_IDENTICAL = 84.0  # posting asks for confirmation first
_WORD = re.compile(r"\w+", re.UNICODE)


def key_words(title: str) -> list[str]:
    """Return the words of a title worth looking for: lower case, no function words, no
    single letters, each once, at most ``MAX_KEY_WORDS``."""
    found: list[str] = []
    for word in _WORD.findall(title.lower()):
        word = word.strip("_")
        if len(word) < 2 and not word.isdigit():
            continue
        if word in STOP_WORDS or word in found:
            continue
        found.append(word)
    return found[:MAX_KEY_WORDS]


def normal(title: str) -> str:
    """Return a title as it is compared: its key words, space-separated."""
    return " ".join(key_words(title))


def score(title: str, other: str) -> float:
    """Return how alike two titles are, 0 to 100.

    RapidFuzz's ``token_sort_ratio`` of their key words: the words sorted, then the
    normalised Indel similarity of the two strings, so word order does not count and a
    plural or a typo costs a little, not everything. (``token_set_ratio`` scores 100 when
    one title's words are a subset of the other's, which makes "Dark mode" identical to
    "Dark mode for the charts": a near miss, not a duplicate.)"""
    left, right = normal(title), normal(other)
    if not left or not right:
        return 0.0
    return float(fuzz.token_sort_ratio(left, right))
