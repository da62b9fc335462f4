"""A receipt as a PDF, drawn with ReportLab.

ReportLab is used for one thing it does that smaller PDF libraries do not: besides the
standard Helvetica (which writes Western European text, "—", "¥" and "€" with no font file),
it names Adobe's Chinese font (``STSong-Light``, a CID font every PDF reader supplies), so
a partner's or a backer's name in Chinese prints without hearth shipping a font. Text is
cut into runs: each character Helvetica can write goes in Helvetica, others in STSong.

The date is handed in already written for the viewer (their zone and locale), so this
module knows nothing of requests.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from hearth.funding.receipts import Receipt

LATIN = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"
CJK = "STSong-Light"
_registered = False


def _register() -> None:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(CJK))
        _registered = True


def _latin(char: str) -> bool:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def runs(text: str, font: str = LATIN) -> Iterator[tuple[str, str]]:
    """Cut ``text`` into (font, text) runs: ``font`` where it can write, STSong elsewhere."""
    current, chunk = "", ""
    for char in text:
        wanted = font if _latin(char) else CJK
        if wanted != current and chunk:
            yield current, chunk
            chunk = ""
        current = wanted
        chunk += char
    if chunk:
        yield current, chunk


def _write(canvas: Canvas, x: float, y: float, text: str, size: float, font: str = LATIN) -> None:
    line = canvas.beginText(x, y)
    for name, chunk in runs(text, font):
        line.setFont(name, size)
        line.textOut(chunk)
    canvas.drawText(line)


def _fit(text: str, limit: int = 60) -> list[str]:
    """Break a long value into lines of at most ``limit`` characters, at spaces if it can."""
    lines: list[str] = []
    words = text.split(" ")
    current = ""
    for word in words:
        while len(word) > limit:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:limit])
            word = word[limit:]
        joined = f"{current} {word}" if current else word
        if len(joined) > limit:
            lines.append(current)
            current = word
        else:
            current = joined
    if current or not lines:
        lines.append(current)
    return lines


def receipt_pdf(receipt: Receipt, *, when: str, platform: str = "hearth") -> bytes:
    """Draw ``receipt`` on one A5 page and return the PDF's bytes."""
    _register()
    out = io.BytesIO()
    width, height = A5
    canvas = Canvas(out, pagesize=A5, invariant=True)
    canvas.setTitle(f"{receipt.title} {receipt.id}")
    canvas.setAuthor(platform)
    left, y = 16 * mm, height - 20 * mm
    _write(canvas, left, y, receipt.title, 16, LATIN_BOLD)
    y -= 7 * mm
    _write(canvas, left, y, f"{platform} · receipt {receipt.id}", 8.5)
    y -= 12 * mm
    verb = "Paid by" if receipt.kind == "charge" else "Refunded to"
    rows = [
        (verb, receipt.payer),
        ("Paid to" if receipt.kind == "charge" else "Refunded by", receipt.partner_name),
        ("Store", f"/stores/{receipt.store_slug}"),
        ("For", f"{receipt.quantity} × {receipt.tier_title}"),
        ("Campaign", receipt.campaign_title),
        ("Amount", f"{receipt.amount} ({receipt.amount.currency})"),
        ("Card", f"{receipt.card_brand.title()} ending {receipt.card_last4}"),
        ("Date", when),
        (
            "Payment reference" if receipt.kind == "charge" else "Refund reference",
            receipt.reference or "—",
        ),
        ("Order", receipt.order_id),
    ]
    if receipt.reason:
        rows.append(("Reason", receipt.reason))
    for label, value in rows:
        _write(canvas, left, y, label, 9, LATIN_BOLD)
        for line in _fit(value):
            _write(canvas, left + 36 * mm, y, line, 10)
            y -= 5.5 * mm
        y -= 1.5 * mm
    canvas.setStrokeGray(0.7)
    canvas.line(left, y, width - left, y)
    y -= 6 * mm
    note = (
        "The platform collects this payment for the partner, who runs its own customer service."
        if receipt.kind == "charge"
        else "The money goes back to the card above; banks take a few days to show it."
    )
    for line in _fit(note, 80):
        _write(canvas, left, y, line, 8)
        y -= 4.5 * mm
    canvas.showPage()
    canvas.save()
    return out.getvalue()
