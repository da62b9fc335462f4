"""Markdown that partners write (a campaign's story, its risks, the answers of its FAQ), as
safe HTML for a page.

markdown-it-py renders CommonMark. With ``html`` off, any HTML a writer types is shown as
text, not passed through; links to ``javascript:``, ``vbscript:``, ``file:`` and ``data:``
addresses are refused by its own link check and stay text. An image becomes a link to it:
the pages' content security policy loads images from hearth alone, and a picture of the
product belongs in its gallery. Headings move two levels down, so a story's "# Why" sits
under the page's own headings. A single line break stays a line break, so text written
before the story was Markdown reads as it did.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

_MD = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False}).disable("image")
LINK_REL = "nofollow noopener noreferrer ugc"


def _adjust(tokens: list[Token]) -> None:
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + 2)}"
        if token.type == "link_open":
            token.attrSet("rel", LINK_REL)
        if token.children:
            _adjust(token.children)


def markdown(text: str | None) -> Markup:
    """Render a partner's Markdown as HTML that is safe to put on a page."""
    if not text:
        return Markup("")
    tokens = _MD.parse(text)
    _adjust(tokens)
    # markdown-it escapes every piece of the writer's text it outputs, with html off.
    return Markup(_MD.renderer.render(tokens, _MD.options, {}))  # noqa: S704
