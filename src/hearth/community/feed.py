"""A board's changelog as an Atom feed (RFC 4287), written by feedgen.

Ids are URNs made of the board's and the note's ids, so they stay the same whatever
address hearth is reached at; links are absolute, from the ``public_url`` setting. Each
entry's content is the note's Markdown and the list of what it shipped, rendered and
sanitised by ``hearth.kit.prose`` like every text people write.
"""

from __future__ import annotations

from datetime import UTC, datetime

from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]

from hearth.community.boards import BoardView
from hearth.community.releases import ReleaseView, changelog_url
from hearth.kit import prose

MEDIA_TYPE = "application/atom+xml"
# The ``updated`` time of a feed with no entries: fixed, so an empty feed reads the same on
# every request.
EMPTY_UPDATED = datetime(2020, 1, 1, tzinfo=UTC)


def _escape(text: str) -> str:
    return "".join("\\" + c if c in "\\`*_{}[]()<>#+!|~" else c for c in text)


def content(note: ReleaseView, *, base: str) -> str:
    """Return an entry's HTML: the note's words, then the suggestions it shipped, linked."""
    text = note.release.body
    if note.shipped:
        links = "\n".join(
            f"- [{_escape(s.title)}]({base}/community/suggestions/{s.id})" for s in note.shipped
        )
        text = f"{text}\n\n**Suggestions shipped**\n\n{links}\n"
    return prose.render(text)


def atom(board: BoardView, notes: list[ReleaseView], *, base: str) -> bytes:
    """Return the Atom document of a board's notes (newest first), links under ``base``."""
    base = base.rstrip("/")
    page = base + changelog_url(board.id)
    feed = FeedGenerator()
    feed.id(f"urn:hearth:community:changelog:{board.id}")
    feed.title(f"{board.title}: what's new")
    feed.subtitle(f"Release notes of {board.title}, by {board.partner_name}.")
    feed.author({"name": board.partner_name})
    feed.link(href=page, rel="alternate", type="text/html")
    feed.link(href=page + ".atom", rel="self", type=MEDIA_TYPE)
    feed.language("en")
    feed.generator("hearth")
    newest = [max(n.release.updated_at, n.release.released_at) for n in notes]
    feed.updated(max(newest) if newest else EMPTY_UPDATED)
    for note in notes:
        row = note.release
        entry = feed.add_entry(order="append")
        entry.id(f"urn:hearth:community:release:{row.id}")
        entry.title(f"{board.title} {row.version}: {row.title}")
        entry.link(href=base + changelog_url(board.id, row.version), rel="alternate")
        entry.published(row.released_at)
        entry.updated(max(row.updated_at, row.released_at))
        entry.content(content(note, base=base), type="html")
    body: bytes = feed.atom_str(pretty=True)
    return body
