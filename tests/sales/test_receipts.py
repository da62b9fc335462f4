"""Store orders have receipts like pledges do, read over real HTTP on SQLite and PostgreSQL:
one for the charge of every store's order and one for every refund, as JSON, a page and a
PDF, linked from the order page; nobody else reaches them, the selling partner included."""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest

from hearth.accounts.models import User
from hearth.bootstrap import Hearth
from hearth.funding import orders
from hearth.kit.clock import FrozenClock
from hearth.sales import catalog, returns
from tests.funding.test_api import _client
from tests.helpers import login
from tests.sales.test_checkout import put, variant_of
from tests.sales.world import T0, SaleWorld, make


@dataclass
class Bought:
    world: SaleWorld
    clients: dict[str, httpx.AsyncClient]
    mia: User
    leo: User
    lamp_order: str  # two red lamps from Lumi Labs
    fan_order: str  # one fan from Ivy Works


def pdf_text(pdf: bytes) -> str:
    """Return what a PDF's content streams draw, decoded as ReportLab writes them
    (ASCII85, then deflate; Helvetica's text in Windows-1252, brackets and the bytes
    past ASCII escaped)."""
    shown = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        data = stream.strip()
        if data.endswith(b"~>"):
            data = zlib.decompress(base64.a85decode(data[:-2]))
        data = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), data)
        shown.append(re.sub(rb"\\([()\\])", rb"\1", data).decode("cp1252", "replace"))
    return "\n".join(shown)


@pytest.fixture
async def bought(hearth: Hearth) -> AsyncIterator[Bought]:
    """Mia checks out two red lamps from Lumi Labs and a fan from Ivy Works in one go."""
    hearth.clock = FrozenClock(T0)
    world = make(hearth.sessions)
    leo = await world.partner("leo", "Lumi Labs")
    ivy = await world.partner("ivy", "Ivy Works")
    lamp = await world.listing(leo, "Lumi Lamp", price=19900, stock=10)
    fan_listing = await world.listing(ivy, "Ivy Fan", price=9900, stock=3)
    mia = await world.fan("mia")
    await world.fan("ben")
    async with world.unit() as session:
        red = await catalog.add_variant(
            session, user=leo, listing_id=lamp, name="Red", stock=4, now=T0
        )
    await put(world, mia.user, red.id, 2)
    await put(world, mia.user, (await variant_of(world, fan_listing)).id, 1)
    done = await world.check_out(mia)
    by_store = {s.store_name: s.order_id for s in done.stores}
    clients = {name: _client(hearth) for name in ("mia", "ben", "leo", "ivy")}
    for name, client in clients.items():
        assert (await login(client, name)).status_code == 200
    try:
        yield Bought(
            world,
            clients,
            mia.user,
            leo,
            str(by_store["Lumi Labs"]),
            str(by_store["Ivy Works"]),
        )
    finally:
        for client in clients.values():
            await client.aclose()


async def test_each_store_order_of_a_checkout_has_a_receipt_of_its_lines_card_and_store(
    bought: Bought,
) -> None:
    mia = bought.clients["mia"]
    listed = (await mia.get("/api/v1/receipts")).json()
    assert sorted(r["id"] for r in listed) == sorted([bought.lamp_order, bought.fan_order])
    lamp = (await mia.get(f"/api/v1/orders/{bought.lamp_order}/receipts")).json()
    assert [r["id"] for r in lamp] == [bought.lamp_order]
    (charge,) = lamp
    assert (charge["kind"], charge["channel"], charge["title"]) == (
        "charge",
        "sale",
        "Payment receipt",
    )
    assert (charge["subject"], charge["partner_name"]) == ("Order from Lumi Labs", "Lumi Labs")
    assert [(x["text"], x["amount"]["display"]) for x in charge["lines"]] == [
        ("2 × Lumi Lamp (Red)", "¥398.00")
    ]
    assert (charge["amount"]["display"], charge["shipping"]["amount"]) == ("¥398.00", 0)
    assert (charge["card"], charge["pledge_id"], charge["campaign_id"]) == (
        "Visa ending 4242",
        None,
        None,
    )
    assert charge["reference"].startswith("pay_") and charge["payer"] == "mia"
    assert (await mia.get(f"/api/v1/receipts/{charge['id']}")).json() == charge

    order_page = await mia.get(f"/orders/{bought.lamp_order}")
    assert f'href="/receipts/{charge["id"]}"' in order_page.text
    assert f'href="/receipts/{charge["id"]}/receipt.pdf"' in order_page.text
    page = await mia.get(f"/receipts/{charge['id']}")
    assert page.status_code == 200
    for shown in ("Payment receipt", "Order from Lumi Labs", "2 × Lumi Lamp (Red)", "¥398.00"):
        assert shown in page.text, shown
    assert "Visa ending 4242" in page.text and charge["reference"] in page.text
    assert "/pledges/" not in page.text  # a store order has no pledge to go back to
    pdf = await mia.get(f"/receipts/{charge['id']}/receipt.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    drawn = pdf_text(pdf.content)
    for shown in ("Order from Lumi Labs", "2 × Lumi Lamp (Red)", "¥398.00", "Visa ending 4242"):
        assert shown in drawn, shown


async def test_a_refunded_return_has_its_refund_receipt_beside_the_charge(
    bought: Bought,
) -> None:
    world, mia, leo = bought.world, bought.clients["mia"], bought.leo
    async with world.unit() as session:
        await orders.import_tracking(
            session,
            user=leo,
            text=f"order_id,carrier,tracking_number\n{bought.lamp_order},SF,SF123456\n",
            now=T0,
        )
        await orders.mark_delivered(
            session, user=leo, order_id=bought.lamp_order, now=T0 + timedelta(days=2)
        )
        asked = await returns.request(
            session,
            user=bought.mia,
            order_id=bought.lamp_order,
            reason="Too red",
            idempotency_key="r",
            now=T0 + timedelta(days=3),
        )
    await returns.accept(
        world.sessions,
        world.provider,
        world.publish,
        user=leo,
        return_id=asked.row.id,
        idempotency_key="a",
        now=T0 + timedelta(days=4),
    )

    refund, charge = (await mia.get(f"/api/v1/orders/{bought.lamp_order}/receipts")).json()
    assert (refund["kind"], refund["amount"]["display"]) == ("refund", "¥398.00")
    assert refund["id"].startswith("orf_") and refund["reference"].startswith("re_")
    assert (refund["reason"], refund["card"]) == ("Return accepted", "Visa ending 4242")
    assert charge["id"] == bought.lamp_order
    page = await mia.get(f"/receipts/{refund['id']}")
    assert "Refund receipt" in page.text and "Return accepted" in page.text
    assert "Refund receipt" in pdf_text(
        (await mia.get(f"/receipts/{refund['id']}/receipt.pdf")).content
    )
    back = await mia.get(f"/orders/{bought.lamp_order}/return")
    assert f'href="/orders/{bought.lamp_order}#receipts"' in back.text


async def test_nobody_else_reaches_a_store_orders_receipts_not_even_its_seller(
    bought: Bought,
) -> None:
    receipt = bought.lamp_order
    for name in ("ben", "leo", "ivy"):
        client = bought.clients[name]
        for path in (
            f"/api/v1/orders/{bought.lamp_order}/receipts",
            f"/api/v1/receipts/{receipt}",
            f"/api/v1/receipts/{receipt}/receipt.pdf",
            f"/receipts/{receipt}",
            f"/receipts/{receipt}/receipt.pdf",
        ):
            assert (await client.get(path)).status_code == 404, (name, path)
        assert (await client.get("/api/v1/receipts")).json() == [], name
        listed = await client.get("/api/v1/receipts", params={"order_id": bought.lamp_order})
        assert listed.json() == [], name
