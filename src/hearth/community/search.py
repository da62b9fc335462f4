"""Full-text search over suggestions' titles and bodies, each database with its own engine.

SQLite: the FTS5 table ``community_search`` (porter stemming, kept by triggers), ranked by
bm25 with the title weighted ten times the body. PostgreSQL: the generated ``tsvector``
column ``search`` (English stemming, title weight A, body B) with its GIN index, ranked by
``ts_rank``. ``matching`` is the one function the rest of hearth calls; both read a person's
words as plain words (every word must match, the last one also as a prefix, so results
appear while typing), never as the engine's query language.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.community.models import Suggestion
from hearth.community.visibility import ANYONE, Reader, suggestions_shown

MAX_WORDS = 12
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


def fts5_query(found: list[str]) -> str:
    """Write words as an FTS5 query: each a quoted string, the last also a prefix."""
    quoted = ['"' + w.replace('"', '""') + '"' for w in found]
    quoted[-1] += "*"
    return " AND ".join(quoted)


def tsquery(found: list[str]) -> str:
    """Write words as a PostgreSQL ``to_tsquery`` text: each a lexeme, the last a prefix."""
    terms = [w.replace("'", "") for w in found if w.replace("'", "")]
    return " & ".join(f"'{t}'" for t in terms[:-1]) + (
        (" & " if len(terms) > 1 else "") + f"'{terms[-1]}':*" if terms else ""
    )


def narrow(
    statement: Select[Any], dialect: str, query: str, *, best_first: bool = True
) -> Select[Any] | None:
    """Keep only the suggestions of ``statement`` that match ``query`` (best first, unless
    the caller sorts); None when the query has no words to look for."""
    found = words(query)
    if not found:
        return None
    if dialect == "postgresql":
        wanted = func.to_tsquery("english", tsquery(found))
        column: ColumnElement[Any] = literal_column("community_suggestions.search")
        statement = statement.where(column.op("@@")(wanted))
        return statement.order_by(func.ts_rank(column, wanted).desc()) if best_first else statement
    fts = fts5_query(found)
    rowid: ColumnElement[Any] = literal_column("community_suggestions.rowid")
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
    hits = (
        select(
            literal_column("rowid").label("rowid"),
            literal_column("bm25(community_search, 10.0, 1.0)").label("rank"),
        )
        .select_from(text("community_search"))
        .where(text("community_search MATCH :fts").bindparams(fts=fts))
        .cte("hits")
        .prefix_with("MATERIALIZED")
    )
    statement = statement.join(hits, hits.c.rowid == rowid)
    return statement.order_by(hits.c.rank)


async def search(
    session: AsyncSession, query: str, *, limit: int = 20, reader: Reader = ANYONE
) -> list[Suggestion]:
    """Return the suggestions that match ``query``, best first (hidden ones only for their
    author and moderators: ``visibility``)."""
    shown = select(Suggestion).where(suggestions_shown(reader))
    statement = narrow(shown, session.get_bind().dialect.name, query)
    if statement is None:
        return []
    return list(await session.scalars(statement.order_by(Suggestion.id).limit(limit)))
