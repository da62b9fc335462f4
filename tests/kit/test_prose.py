"""Markdown people write becomes safe HTML: no script, no dangerous link, headings below the
page's own."""

from __future__ import annotations

from hearth.kit.prose import plain, render


def test_raw_html_is_shown_as_text_never_run() -> None:
    html = render('<script>alert(1)</script><img src=x onerror="alert(1)">')
    assert "<script" not in html and "<img" not in html and "&lt;script&gt;" in html


def test_only_web_and_mail_links_survive_and_they_carry_nofollow() -> None:
    html = render("[a](javascript:alert(1)) [b](https://example.com) [c](data:text/html,x)")
    assert 'href="https://example.com"' in html
    assert 'rel="nofollow noopener noreferrer ugc"' in html
    assert "javascript:" not in html.replace("[a](javascript:alert(1))", "")
    assert 'href="javascript' not in html and 'href="data' not in html


def test_emphasis_lists_and_tables_render_and_headings_sit_below_the_page() -> None:
    html = render("# Big\n\n**bold** and *soft*\n\n- one\n- two\n\n| a |\n|---|\n| 1 |")
    assert "<h3>Big</h3>" in html and "<h1>" not in html
    assert "<strong>bold</strong>" in html and "<li>one</li>" in html and "<td>1</td>" in html


def test_plain_text_drops_markup_and_is_cut_with_an_ellipsis() -> None:
    assert plain("**Warm** <b>light</b> & more") == "Warm <b>light</b> & more"
    assert plain("word " * 100, limit=20).endswith("…")
    assert len(plain("word " * 100, limit=20)) == 20


def test_a_single_line_break_stays_one_so_plain_text_reads_as_written() -> None:
    html = render("A **lamp**\nthat wakes you.")
    assert "<p>A <strong>lamp</strong><br>\nthat wakes you.</p>" in html


def test_an_image_is_a_link_to_it_not_a_picture_the_page_would_load() -> None:
    html = render("![the lamp](https://elsewhere.example/lamp.png)")
    assert "<img" not in html and 'href="https://elsewhere.example/lamp.png"' in html
