"""Markdown that people write (suggestions, answers, comments, a campaign's story), shown as
safe HTML.

markdown-it-py renders CommonMark with raw HTML turned off, so a ``<script>`` a person types
is shown as text; nh3 (the Rust ``ammonia`` sanitizer) then keeps only the tags and
attributes listed here, and only http, https and mailto links, each marked ``nofollow
noopener noreferrer ugc``. Nothing here escapes HTML by hand. Headings are shifted down to
``h3``-``h6`` so a post never outranks the page's own headings. Images are not rendered (an
image becomes a link to it): pictures come from hearth's upload storage, not from links to
elsewhere (the page's content security policy would block them anyway). A single line break
stays one, as people expect of a comment box, and text written before it was Markdown
reads as it did.
"""

from __future__ import annotations

import html
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "del", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "h3", "h4", "h5", "h6", "table", "thead", "tbody",
        "tr", "th", "td",
    }
)  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener noreferrer ugc"
_SHIFT = {f"h{n}": f"h{min(n + 2, 6)}" for n in range(1, 7)}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    parser = MarkdownIt(
        "commonmark", {"html": False, "breaks": True, "linkify": False, "typographer": False}
    )
    parser.enable(["table", "strikethrough"])
    parser.disable("image")
    return parser


def render(text: str) -> str:
    """Return ``text`` (Markdown) as sanitised HTML, safe to put in a page as it is."""
    parser = _parser()
    tokens = parser.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = _SHIFT[token.tag]
    html = parser.renderer.render(tokens, parser.options, {})
    return nh3.clean(
        html,
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(SCHEMES),
        link_rel=LINK_REL,
    )


def plain(text: str, *, limit: int = 200) -> str:
    """Return the words of ``text`` (Markdown) without markup, cut to ``limit`` characters."""
    words = " ".join(html.unescape(nh3.clean(_parser().render(text), tags=set())).split())
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"
