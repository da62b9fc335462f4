"""Full-text search over suggestions' titles and bodies, each database with its own engine.

SQLite: the FTS5 table ``community_search`` (porter stemming, kept by triggers), ranked by
bm25 with the title weighted ten times the body. It also holds each suggestion's board, so a
board's search asks the index for that board's matches alone (a phrase on the ``board_id``
column, which no search of words can meet: its words are ANDed with it in parentheses).
PostgreSQL: the generated ``tsvector`` column ``search`` (English stemming, title weight A,
body B) with its GIN index, ranked by ``ts_rank``; and a GIN index of the titles' words
alone, so a search across every board ranks the suggestions with every word in their title
first, and the rest only when those do not fill the page (``search``). ``narrow`` is the one
function the rest of hearth calls; both read a person's words as plain words (every word
must match, the last one also as a prefix, so results appear while typing), never as the
engine's query language.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.community.models import Suggestion
from hearth.community.visibility import ANYONE, Reader, suggestions_shown

MAX_WORDS = 12
# The titles' words, written as the migration's index of them is, so PostgreSQL uses it.
TITLES: ColumnElement[Any] = literal_column(
    "to_tsvector('english'::regconfig, community_suggestions.title)"
)
_WORD = re.compile(r"\w+", re.UNICODE)


def words(query: str) -> list[str]:
    """Return the words of a search, at most ``MAX_WORDS`` (punctuation and operators dropped).

    A last word of one letter after others is a word just begun: as a prefix it narrows
    nothing (nearly every suggestion has a word starting with "t") and costs the most to
    look up, so it waits for its second letter."""
    found = _WORD.findall(query.lower())[:MAX_WORDS]
    if len(found) > 1 and len(found[-1]) == 1:
        found.pop()
    return found


def fts5_query(found: list[str], *, board_id: str | None = None) -> str:
    """Write words as an FTS5 query: each a quoted string in the title or the body, the last
    also a prefix; with ``board_id`` only that board's suggestions."""
    quoted = ['"' + w.replace('"', '""') + '"' for w in found]
    quoted[-1] += "*"
    words = "{title body} : (" + " AND ".join(quoted) + ")"
    if board_id is None:
        return words
    return 'board_id : "' + board_id.replace('"', '""') + '" AND ' + words


def tsquery(found: list[str]) -> str:
    """Write words as a PostgreSQL ``to_tsquery`` text: each a lexeme, the last a prefix."""
    terms = [w.replace("'", "") for w in found if w.replace("'", "")]
    return " & ".join(f"'{t}'" for t in terms[:-1]) + (
        (" & " if len(terms) > 1 else "") + f"'{terms[-1]}':*" if terms else ""
    )


def narrow(
    statement: Select[Any],
    dialect: str,
    query: str,
    *,
    best_first: bool = True,
    board_id: str | None = None,
    top: int | None = None,
    counting: bool = False,
    in_titles: bool = False,
) -> Select[Any] | None:
    """Keep only the suggestions of ``statement`` that match ``query`` (best first, unless
    the caller sorts); None when the query has no words to look for.

    ``board_id``: the statement keeps to that board (SQLite's index then looks up that
    board's matches alone). ``top``: rank only the engine's best so many matches (SQLite)
    before the statement's own conditions; a caller that finds fewer than it needs asks
    again without it (``search``, ``suggestions.listing``). ``counting``: the statement is
    only counted (SQLite then reads the matches once and looks each up, however the
    statement's other conditions would rather start). ``in_titles``: only suggestions with
    every word in their title (PostgreSQL; still ranked by title and body)."""
    found = words(query)
    if not found:
        return None
    if dialect == "postgresql":
        wanted = func.to_tsquery("english", tsquery(found))
        column: ColumnElement[Any] = literal_column("community_suggestions.search")
        matched = TITLES if in_titles else column
        statement = statement.where(matched.op("@@")(wanted))
        return statement.order_by(func.ts_rank(column, wanted).desc()) if best_first else statement
    fts = fts5_query(found, board_id=board_id)
    rowid: ColumnElement[Any] = literal_column("community_suggestions.rowid")
    if counting:
        # Started from the board's index, a count probes the matches once per suggestion
        # of the board (26,000 on the biggest); started from the matches, once per match.
        found_rows = (
            select(literal_column("rowid").label("rowid"))
            .select_from(text("community_search"))
            .where(text("community_search MATCH :fts").bindparams(fts=fts))
            .cte("found")
            .prefix_with("MATERIALIZED")
        )
        return statement.join(found_rows, found_rows.c.rowid == rowid)
    if not best_first:
        # A list the planner reads once (an ephemeral index), whatever it starts from: as a
        # join with no ranking to sort by, SQLite may start from the board's index instead
        # and run the MATCH again for each of its suggestions (1.1 s for a board of 2,600).
        matching: Select[Any] = (
            select(literal_column("rowid"))
            .select_from(text("community_search"))
            .where(text("community_search MATCH :fts").bindparams(fts=fts))
        )
        return statement.where(rowid.in_(matching.scalar_subquery()))
    # Ranked: the matches with their bm25 made once (MATERIALIZED), then joined by rowid.
    ranked: Any = (
        select(
            literal_column("rowid").label("rowid"),
            literal_column("bm25(community_search, 10.0, 1.0, 0.0)").label("rank"),
        )
        .select_from(text("community_search"))
        .where(text("community_search MATCH :fts").bindparams(fts=fts))
    )
    if top is not None:  # SQLite keeps the best ``top`` in a heap instead of sorting all
        ranked = ranked.order_by(literal_column("rank")).limit(top)
    hits = ranked.cte("hits").prefix_with("MATERIALIZED")
    statement = statement.join(hits, hits.c.rowid == rowid)
    return statement.order_by(hits.c.rank)


# How many of the engine's best matches a search ranks before hidden ones are left out: a
# common word matches a quarter of a hundred thousand suggestions, and ranking them all is
# the dear part. Should fewer than asked for remain, the search is made again unbounded.
TOP = 200


async def search(
    session: AsyncSession, query: str, *, limit: int = 20, reader: Reader = ANYONE
) -> list[Suggestion]:
    """Return the suggestions that match ``query``, best first (hidden ones only for their
    author and moderators: ``visibility``)."""
    shown = select(Suggestion).where(suggestions_shown(reader))
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # Every match ranked means every match read: a third as many for the titles alone.
        titled = narrow(shown, dialect, query, in_titles=True)
        if titled is None:
            return []
        found = list(await session.scalars(titled.order_by(Suggestion.id).limit(limit)))
        if len(found) == limit:
            return found
        rest = narrow(shown.where(Suggestion.id.not_in([s.id for s in found])), dialect, query)
        assert rest is not None
        more = await session.scalars(rest.order_by(Suggestion.id).limit(limit - len(found)))
        return found + list(more)
    statement = narrow(shown, dialect, query, top=max(TOP, 2 * limit))
    if statement is None:
        return []
    found = list(await session.scalars(statement.order_by(Suggestion.id).limit(limit)))
    if len(found) < limit:  # maybe hidden ones filled the best
        unbounded = narrow(shown, dialect, query)
        assert unbounded is not None
        found = list(await session.scalars(unbounded.order_by(Suggestion.id).limit(limit)))
    return found
