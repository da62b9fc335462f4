"""A receipt as a PDF, drawn with ReportLab: one renderer for receipts of both channels.

ReportLab is used for one thing it does that smaller PDF libraries do not: besides the
standard Helvetica (which writes Western European text, "—", "¥" and "€" with no font file),
it names Adobe's Chinese font (``STSong-Light``, a CID font every PDF reader supplies), so
a partner's, a product's or a buyer's name in Chinese prints without hearth shipping a
font. Text is cut into runs: each character Helvetica can write goes in Helvetica, others
in STSong. Values are wrapped by their drawn width, and a store order of many lines goes
on over as many A5 pages as it needs.

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
WIDTH, HEIGHT = A5
LEFT = 16 * mm
RIGHT = WIDTH - 16 * mm
VALUE_X = LEFT + 36 * mm
BOTTOM = 18 * mm
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


def width_of(text: str, size: float, font: str = LATIN) -> float:
    """Return how wide ``text`` is drawn at ``size``, in points, run by run."""
    _register()
    return sum(pdfmetrics.stringWidth(chunk, name, size) for name, chunk in runs(text, font))


def fit(text: str, width: float, size: float, font: str = LATIN) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` points, at spaces where it can
    (a word wider than the line, a long reference or Chinese text, is cut anywhere)."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        joined = f"{current} {word}" if current else word
        if width_of(joined, size, font) <= width:
            current = joined
            continue
        if current:
            lines.append(current)
            current = ""
        while width_of(word, size, font) > width:
            cut = 1
            while cut < len(word) and width_of(word[: cut + 1], size, font) <= width:
                cut += 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current or not lines:
        lines.append(current)
    return lines


class _Sheet:
    """A canvas written top to bottom that turns to a new page when it runs out."""

    def __init__(self, canvas: Canvas, header: str) -> None:
        self.canvas = canvas
        self.header = header
        self.y = HEIGHT - 20 * mm

    def need(self, height: float) -> None:
        if self.y - height < BOTTOM:
            self.canvas.showPage()
            self.y = HEIGHT - 16 * mm
            self.write(LEFT, self.header, 8.5)
            self.y -= 8 * mm

    def write(self, x: float, text: str, size: float, font: str = LATIN) -> None:
        line = self.canvas.beginText(x, self.y)
        for name, chunk in runs(text, font):
            line.setFont(name, size)
            line.textOut(chunk)
        self.canvas.drawText(line)

    def write_right(self, text: str, size: float, font: str = LATIN) -> None:
        self.write(RIGHT - width_of(text, size, font), text, size, font)

    def row(self, label: str, value: str, amount: str = "") -> None:
        """Write a labelled value, wrapped under itself, with an amount at the right."""
        room = RIGHT - VALUE_X - (width_of(amount, 10) + 4 * mm if amount else 0)
        lines = fit(value, room, 10)
        self.need(5.5 * mm * len(lines) + 1.5 * mm)
        if label:
            self.write(LEFT, label, 9, LATIN_BOLD)
        if amount:
            self.write_right(amount, 10)
        for text in lines:
            self.write(VALUE_X, text, 10)
            self.y -= 5.5 * mm
        self.y -= 1.5 * mm


def receipt_pdf(receipt: Receipt, *, when: str, platform: str = "hearth") -> bytes:
    """Draw ``receipt`` on A5 pages (one, unless the order has many lines); return the bytes."""
    _register()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A5, invariant=True)
    canvas.setTitle(f"{receipt.title} {receipt.id}")
    canvas.setAuthor(platform)
    sheet = _Sheet(canvas, f"{platform} · {receipt.title.lower()} {receipt.id} (continued)")
    sheet.write(LEFT, receipt.title, 16, LATIN_BOLD)
    sheet.y -= 7 * mm
    sheet.write(LEFT, f"{platform} · receipt {receipt.id}", 8.5)
    sheet.y -= 7 * mm
    for text in fit(receipt.subject, RIGHT - LEFT, 11, LATIN_BOLD):
        sheet.write(LEFT, text, 11, LATIN_BOLD)
        sheet.y -= 5.5 * mm
    sheet.y -= 5 * mm
    charge = receipt.kind == "charge"
    sheet.row("Paid by" if charge else "Refunded to", receipt.payer)
    sheet.row("Paid to" if charge else "Refunded by", receipt.partner_name)
    sheet.row("Store", f"/stores/{receipt.store_slug}")
    for n, line in enumerate(receipt.lines):
        sheet.row("For" if n == 0 else "", line.text, str(line.amount))
    if not receipt.lines:
        sheet.row("For", f"{receipt.quantity} × {receipt.tier_title or 'order'}")
    if receipt.shipping.amount:
        sheet.row("", "Shipping", str(receipt.shipping))
    sheet.row(
        "Amount paid" if charge else "Amount refunded",
        f"{receipt.amount} ({receipt.amount.currency})",
    )
    sheet.row("Card", receipt.card)
    sheet.row("Date", when)
    sheet.row("Payment reference" if charge else "Refund reference", receipt.reference or "—")
    sheet.row("Order", receipt.order_id)
    if receipt.reason:
        sheet.row("Reason", receipt.reason)
    sheet.need(14 * mm)
    canvas.setStrokeGray(0.7)
    canvas.line(LEFT, sheet.y, RIGHT, sheet.y)
    sheet.y -= 6 * mm
    note = (
        f"The platform collects this payment for {receipt.partner_name}, who runs its own "
        "customer service."
        if charge
        else "The money goes back to the card above; banks take a few days to show it."
    )
    for text in fit(note, RIGHT - LEFT, 8):
        sheet.need(4.5 * mm)
        sheet.write(LEFT, text, 8)
        sheet.y -= 4.5 * mm
    canvas.showPage()
    canvas.save()
    return out.getvalue()
