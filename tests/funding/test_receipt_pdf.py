"""The one receipt PDF renderer, for receipts of both channels: text wrapped by its drawn
width (Chinese too), and a store order of many lines running over as many pages as it
needs instead of off the page."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hearth.funding.receipt_pdf import RIGHT, VALUE_X, fit, receipt_pdf, width_of
from hearth.funding.receipts import Receipt, ReceiptLine
from hearth.funding.rules import Channel
from hearth.kit.money import Money

AT = datetime(2026, 12, 1, 8, tzinfo=UTC)


def store_receipt(lines: int, title: str) -> Receipt:
    return Receipt(
        id="ord_1",
        kind="charge",
        channel=Channel.SALE,
        order_id="ord_1",
        pledge_id=None,
        payer="Mia Chen",
        partner_name="绿米 Lumi Labs",
        store_slug="lumi-labs",
        campaign_id=None,
        campaign_title="",
        tier_title="",
        quantity=lines,
        lines=tuple(
            ReceiptLine(f"{title} {n}", "Red", 1, Money(19900, "CNY")) for n in range(lines)
        ),
        shipping=Money(0, "CNY"),
        amount=Money(19900 * lines, "CNY"),
        card_brand="visa",
        card_last4="4242",
        reference="pay_1",
        at=AT,
    )


def pages(pdf: bytes) -> int:
    found = re.search(rb"/Count (\d+) /Kids", pdf)
    assert found is not None
    return int(found.group(1))


def test_long_values_are_wrapped_within_their_column_in_latin_and_chinese() -> None:
    room = RIGHT - VALUE_X
    for text in (
        "Lumi Glow Desk Lamp with a very long name that goes on " * 3,
        "米家智能台灯" * 30,
        "pay_" + "x" * 200,
    ):
        lines = fit(text, room, 10)
        assert len(lines) > 1, text
        assert all(width_of(line, 10) <= room for line in lines), text
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_a_short_store_order_is_one_page_and_a_long_one_runs_over_pages() -> None:
    short = receipt_pdf(store_receipt(2, "Lumi Lamp"), when="Dec 1, 2026, 4:00 PM")
    long = receipt_pdf(store_receipt(50, "米家智能台灯 Lumi Glow Desk Lamp"), when="Dec 1, 2026")

    assert short.startswith(b"%PDF") and pages(short) == 1
    assert pages(long) >= 3
    assert b"STSong-Light" in long  # the Chinese names are written in the CID font
