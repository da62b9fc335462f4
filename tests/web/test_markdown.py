"""A partner's Markdown becomes HTML that is safe on a page."""

from __future__ import annotations

from hearth.web.markdown import markdown


def test_markdown_becomes_paragraphs_lists_and_headings_below_the_pages_own() -> None:
    html = str(markdown("# Why\n\nA **lamp**\nthat wakes you.\n\n- warm\n- cool"))
    assert "<h3>Why</h3>" in html
    assert "<p>A <strong>lamp</strong><br />\nthat wakes you.</p>" in html
    assert "<ul>\n<li>warm</li>\n<li>cool</li>\n</ul>" in html


def test_html_typed_in_markdown_is_shown_as_text_never_run() -> None:
    html = str(markdown('<script>alert(1)</script><img src=x onerror="alert(2)">'))
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_only_web_links_become_links_and_they_carry_no_referrer() -> None:
    html = str(
        markdown("[a](javascript:alert(1)) [b](data:text/html,x) [c](https://lumi.example/a)")
    )
    assert "javascript:alert(1)" in html and 'href="javascript' not in html
    assert 'href="data' not in html
    assert '<a href="https://lumi.example/a" rel="nofollow noopener noreferrer ugc">c</a>' in html


def test_an_image_is_a_link_to_it_not_a_picture_the_page_would_load() -> None:
    html = str(markdown("![the lamp](https://elsewhere.example/lamp.png)"))
    assert "<img" not in html and 'href="https://elsewhere.example/lamp.png"' in html


def test_nothing_written_renders_nothing() -> None:
    assert markdown("") == "" and markdown(None) == ""
