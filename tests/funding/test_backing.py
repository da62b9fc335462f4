"""A backer manages pledges over real HTTP: the pledge in full, its address and card, saved
cards, fixing a declined charge with a new card in place, forms that keep what was typed,
and receipts for every charge and refund; nobody reaches another person's."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx

from tests.funding.test_api import (
    END,
    campaign_body,
    card_of,
    launch,
    live_campaign,
    pledge_body,
    send,
    tick,
)
from tests.funding.world import DECLINES, T0
from tests.helpers import csrf_token

NEW_ADDRESS = {
    "name": "Mia Chen",
    "line1": "9 River Walk",
    "city": "Hangzhou",
    "postal_code": "310000",
    "country": "CN",
}


async def _pledge(
    mall: dict[str, Any], who: str = "mia", *, card: str | None = None, tier: int = 1
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Start a live campaign and pledge to it as ``who``; return campaign, pledge, card id."""
    client = mall["clients"][who]
    campaign = await live_campaign(mall)
    card_id = await card_of(client, card) if card else await card_of(client)
    placed = await send(
        client,
        "POST",
        f"/api/v1/campaigns/{campaign['id']}/pledges",
        pledge_body(campaign["tiers"][tier]["id"], card_id, 3),  # past the goal alone
        key=f"pledge-{who}",
    )
    assert placed.status_code == 201, placed.text
    return campaign, placed.json(), card_id


async def _form(client: httpx.AsyncClient, url: str, fields: dict[str, str]) -> httpx.Response:
    return await client.post(url, data={"csrftoken": await csrf_token(client), **fields})


def _value(page: str, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page)
    assert found, f"no field {name}"
    return found.group(1)


async def test_a_pledge_reads_in_full_with_its_reward_store_card_total_and_next_step(
    mall: dict[str, Any],
) -> None:
    mia = mall["clients"]["mia"]
    campaign, pledge, card_id = await _pledge(mall)
    shown = await mia.get(f"/api/v1/pledges/{pledge['id']}")
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert (body["tier"]["title"], body["store"]["slug"]) == ("Standard", "lumi-labs")
    assert (body["card"]["id"], body["card"]["last4"]) == (card_id, "4242")
    assert body["total"]["display"] == "¥747.00" and body["campaign_state"] == "live"
    assert (body["may_change_address"], body["may_change_card"], body["may_retry"]) == (
        True,
        True,
        False,
    )
    assert body["next_step"].startswith("Your card is saved and nothing is charged yet.")
    page = await mia.get(f"/pledges/{pledge['id']}")
    assert page.status_code == 200
    for shown_text in ("3 × ¥249.00", "¥747.00", "Visa ending 4242", "1 Long Street", "Lumi Labs"):
        assert shown_text in page.text, shown_text
    assert "Change the address" in page.text and "Pay with another card" in page.text
    listed = await mia.get("/pledges")
    assert listed.status_code == 200 and f'href="/pledges/{pledge["id"]}"' in listed.text


async def test_the_address_changes_until_the_reward_ships_and_the_order_follows(
    mall: dict[str, Any],
) -> None:
    mia, leo = mall["clients"]["mia"], mall["clients"]["leo"]
    campaign, pledge, _ = await _pledge(mall)
    url = f"/api/v1/pledges/{pledge['id']}/shipping"
    typed = await send(mia, "PUT", url, {"shipping": NEW_ADDRESS})
    assert typed.status_code == 200 and typed.json()["shipping"]["line1"] == "9 River Walk"
    both = await send(mia, "PUT", url, {"shipping": NEW_ADDRESS, "address_id": "adr_x"})
    assert both.status_code == 422

    await tick(mall["hearth"], END)
    saved = await send(
        mia,
        "POST",
        "/api/v1/me/addresses",
        {**NEW_ADDRESS, "line1": "3 Hill Lane", "region": "Zhejiang"},
    )
    assert saved.status_code == 201, saved.text
    picked = await send(mia, "PUT", url, {"address_id": saved.json()["id"]})
    assert picked.status_code == 200, picked.text
    assert picked.json()["shipping"]["city"] == "Hangzhou, Zhejiang"
    (order,) = (await mia.get("/api/v1/orders")).json()
    assert order["shipping"]["line1"] == "3 Hill Lane"  # the paid order ships there too

    tracking = f"order_id,carrier,tracking_number\n{order['id']},SF,SF12345678\n"
    await send(leo, "POST", "/api/v1/partner/orders/tracking", {"csv": tracking})
    late = await send(mia, "PUT", url, {"shipping": NEW_ADDRESS})
    assert late.status_code == 409 and "shipped" in late.json()["detail"]
    assert (await mia.get("/api/v1/orders")).json()[0]["shipping"]["line1"] == "3 Hill Lane"


async def test_a_new_address_is_quoted_its_own_shipping_until_the_reward_is_paid_for(
    mall: dict[str, Any],
) -> None:
    leo, mia = mall["clients"]["leo"], mall["clients"]["mia"]
    rates = [{"country": "CN", "cost": "0.00"}, {"country": "US", "cost": "60.00"}]
    body = {**campaign_body(mall["products"]["leo"]), "shipping": rates}
    made = await send(leo, "POST", "/api/v1/partner/campaigns", body)
    assert made.status_code == 201, made.text
    await launch(mall, leo, made.json()["id"])
    await tick(mall["hearth"], T0)
    campaign, card_id = made.json(), await card_of(mia)
    tier = campaign["tiers"][1]["id"]
    placed = await send(
        mia,
        "POST",
        f"/api/v1/campaigns/{campaign['id']}/pledges",
        pledge_body(tier, card_id, 3),
        key="pledge-abroad",
    )
    assert placed.status_code == 201, placed.text
    assert placed.json()["total"]["display"] == "¥747.00"
    url = f"/api/v1/pledges/{placed.json()['id']}/shipping"

    abroad = await send(mia, "PUT", url, {"shipping": {**NEW_ADDRESS, "country": "US"}})
    assert abroad.status_code == 200, abroad.text
    assert (abroad.json()["shipping_cost"]["display"], abroad.json()["total"]["display"]) == (
        "¥60.00",
        "¥807.00",
    )
    nowhere = await send(mia, "PUT", url, {"shipping": {**NEW_ADDRESS, "country": "FR"}})
    assert nowhere.status_code == 422 and "does not ship to FR" in nowhere.text

    await tick(mall["hearth"], END)
    (order,) = (await mia.get("/api/v1/orders")).json()
    assert order["amount"]["display"] == "¥807.00"  # charged with the shipping quoted
    home = await send(mia, "PUT", url, {"shipping": NEW_ADDRESS})
    assert home.status_code == 422 and "costs the same" in home.text
    street = {**NEW_ADDRESS, "country": "US", "line1": "5 Elm Street"}
    assert (await send(mia, "PUT", url, {"shipping": street})).status_code == 200
    assert (await mia.get("/api/v1/orders")).json()[0]["shipping"]["line1"] == "5 Elm Street"


async def test_the_card_changes_before_the_charge_and_the_new_one_is_charged(
    mall: dict[str, Any],
) -> None:
    mia = mall["clients"]["mia"]
    campaign, pledge, first = await _pledge(mall, card=DECLINES)
    other = await send(mia, "POST", "/api/v1/cards", {"token": "5555555555554444"}, key="c2")
    url = f"/api/v1/pledges/{pledge['id']}/card"
    changed = await send(mia, "PUT", url, {"card_id": other.json()["id"]})
    assert changed.status_code == 200 and changed.json()["card"]["last4"] == "4444"

    assert (await tick(mall["hearth"], END)).charged == 1  # the new card, which pays
    after = await send(mia, "PUT", url, {"card_id": first})
    assert after.status_code == 409 and after.json()["detail"] == (
        "the pledge is paid; its card can no longer change"
    )


async def test_a_card_in_use_is_kept_with_a_sentence_naming_the_pledge_until_it_is_free(
    mall: dict[str, Any],
) -> None:
    mia = mall["clients"]["mia"]
    campaign, pledge, card_id = await _pledge(mall)
    refused = await send(mia, "DELETE", f"/api/v1/cards/{card_id}")
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        f"This card pays for your pledge to Lumi Lamp ({pledge['id']}). "
        "Choose another card for that pledge first."
    )
    page = await _form(mia, f"/pledges/{pledge['id']}/cards/{card_id}/remove", {})
    assert page.status_code == 409 and "This card pays for your pledge to Lumi Lamp" in page.text

    other = await send(mia, "POST", "/api/v1/cards", {"token": "5555555555554444"}, key="c2")
    await send(mia, "PUT", f"/api/v1/pledges/{pledge['id']}/card", {"card_id": other.json()["id"]})
    assert (await send(mia, "DELETE", f"/api/v1/cards/{card_id}")).status_code == 204
    assert [c["last4"] for c in (await mia.get("/api/v1/cards")).json()] == ["4444"]
    gone = await send(mia, "PUT", f"/api/v1/pledges/{pledge['id']}/card", {"card_id": card_id})
    assert gone.status_code == 404  # a removed card pays for nothing


async def test_nobody_reaches_another_persons_pledge_card_address_or_receipt(
    mall: dict[str, Any],
) -> None:
    mia, ben = mall["clients"]["mia"], mall["clients"]["ben"]
    campaign, pledge, mia_card = await _pledge(mall)
    ben_card = await card_of(ben)
    ben_address = await send(ben, "POST", "/api/v1/me/addresses", NEW_ADDRESS)
    url = f"/api/v1/pledges/{pledge['id']}"
    assert (await ben.get(url)).status_code == 404
    assert (await send(ben, "PUT", f"{url}/shipping", {"shipping": NEW_ADDRESS})).status_code == 404
    assert (await send(ben, "PUT", f"{url}/card", {"card_id": ben_card})).status_code == 404
    assert (await send(ben, "DELETE", f"/api/v1/cards/{mia_card}")).status_code == 404
    # Mia's own pledge, with Ben's card or Ben's address: not hers either.
    assert (await send(mia, "PUT", f"{url}/card", {"card_id": ben_card})).status_code == 404
    borrowed = {"address_id": ben_address.json()["id"]}
    assert (await send(mia, "PUT", f"{url}/shipping", borrowed)).status_code == 404
    await tick(mall["hearth"], END)
    (receipt,) = (await mia.get("/api/v1/receipts")).json()
    for path in (f"/api/v1/receipts/{receipt['id']}", f"/receipts/{receipt['id']}"):
        assert (await ben.get(path)).status_code == 404
    assert (await ben.get(f"/receipts/{receipt['id']}/receipt.pdf")).status_code == 404
    assert (await ben.get("/api/v1/receipts")).json() == []
    assert (await mia.get(url)).json()["card"]["id"] == mia_card  # nothing changed


async def test_a_declined_pledge_is_fixed_on_its_page_with_a_card_added_in_place(
    mall: dict[str, Any],
) -> None:
    mia = mall["clients"]["mia"]
    campaign, pledge, declining = await _pledge(mall, card=DECLINES)
    await tick(mall["hearth"], END)
    url = f"/pledges/{pledge['id']}"
    page = await mia.get(url)
    assert "Fix the payment" in page.text and "not enough money on the card" in page.text

    # A new card whose charges are declined: the page comes back with the reason and the number.
    refused = await _form(
        mia, f"{url}/retry", {"card_id": "new", "card_number": "4000 0000 0000 0341"}
    )
    assert refused.status_code == 402
    assert "The card was refused: the bank declined the card. Try another card." in refused.text
    assert _value(refused.text, "card_number") == "4000 0000 0000 0341"
    # A card the provider refuses to save: the same.
    unsaved = await _form(mia, f"{url}/retry", {"card_number": "4000000000000069"})
    assert unsaved.status_code == 402 and "the card has expired" in unsaved.text
    assert _value(unsaved.text, "card_number") == "4000000000000069"

    paid = await _form(mia, f"{url}/retry", {"card_id": "new", "card_number": "4242424242424242"})
    assert paid.status_code == 303 and paid.headers["location"].startswith(f"{url}?done=paid")
    shown = (await mia.get(f"/api/v1/pledges/{pledge['id']}")).json()
    assert (shown["state"], shown["card"]["last4"], shown["may_retry"]) == (
        "charged",
        "4242",
        False,
    )
    (receipt,) = shown["receipts"]
    assert (receipt["kind"], receipt["amount"]["display"]) == ("charge", "¥747.00")
    again = await _form(mia, f"{url}/retry", {"card_id": declining})
    assert again.status_code == 409 and "Only a pledge whose payment failed" in again.text


async def test_the_pledge_form_keeps_every_field_after_a_refusal_and_caps_the_quantity(
    mall: dict[str, Any],
) -> None:
    ben = mall["clients"]["ben"]
    campaign = await live_campaign(mall)
    early = campaign["tiers"][0]
    page = await ben.get(f"/campaigns/{campaign['id']}")
    assert re.search(r'name="quantity"[^>]*max="2"', page.text)  # the early bird's limit
    fields = {
        "tier_id": early["id"],
        "idempotency_key": "form-1",
        "quantity": "3",
        "card_number": "4242 4242 4242 4242",
        "name": "Ben Li",
        "line1": "2 Short Road",
        "line2": "Flat 4",
        "city": "Suzhou",
        "postal_code": "215000",
        "country": "CN",
        "phone": "+86 512 0000",
    }
    refused = await _form(ben, f"/campaigns/{campaign['id']}/pledge", fields)
    assert refused.status_code == 422 and "Quantity: between 1 and 2" in refused.text
    for name in ("quantity", "card_number", "name", "line1", "line2", "city", "postal_code"):
        assert _value(refused.text, name) == fields[name], name
    assert re.search(rf'value="{early["id"]}"[^>]*checked', refused.text)


async def test_every_charge_and_refund_has_a_receipt_as_a_page_and_a_pdf(
    mall: dict[str, Any],
) -> None:
    mia, leo = mall["clients"]["mia"], mall["clients"]["leo"]
    campaign, pledge, _ = await _pledge(mall)
    await tick(mall["hearth"], END)
    (order,) = (await mia.get("/api/v1/orders")).json()
    refunded = await send(
        leo,
        "POST",
        f"/api/v1/partner/orders/{order['id']}/refund",
        {"amount": "49.00", "reason": "A scratched base"},
    )
    assert refunded.status_code == 200, refunded.text
    listed = (await mia.get("/api/v1/receipts")).json()
    assert [(r["kind"], r["amount"]["display"]) for r in listed] == [
        ("refund", "¥49.00"),
        ("charge", "¥747.00"),
    ]
    refund, charge = listed
    assert charge["id"] == order["id"] and charge["reference"].startswith("pay_")
    assert refund["reference"].startswith("re_") and refund["reason"] == "A scratched base"
    assert (charge["partner_name"], charge["card_last4"]) == ("Lumi Labs", "4242")
    one = await mia.get(f"/api/v1/receipts/{refund['id']}")
    assert one.status_code == 200 and one.json() == refund

    mia.cookies.set("tz", "Asia/Shanghai")
    page = await mia.get(f"/receipts/{charge['id']}")
    assert page.status_code == 200
    for shown in ("Payment receipt", "¥747.00", "Lumi Labs", "Visa ending 4242", "China"):
        assert shown in page.text, shown
    assert charge["reference"] in page.text
    assert re.search(r"Nov 11, 2026, 4:00\sPM", page.text)  # END is 08:00 UTC
    pdf = await mia.get(f"/receipts/{refund['id']}/receipt.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and len(pdf.content) > 1000
    for where in (f"/orders/{order['id']}", f"/pledges/{pledge['id']}"):
        shown_page = await mia.get(where)
        assert f'href="/receipts/{refund["id"]}/receipt.pdf"' in shown_page.text, where


async def test_cards_are_added_and_removed_on_the_account_page_with_sentences(
    mall: dict[str, Any],
) -> None:
    mia = mall["clients"]["mia"]
    campaign, pledge, card_id = await _pledge(mall)
    bad = await _form(mia, "/account/cards", {"card_number": "1234 5678", "idempotency_key": "a"})
    assert bad.status_code == 402 and "not one the provider knows" in bad.text
    assert _value(bad.text, "card_number") == "1234 5678"
    added = await _form(
        mia, "/account/cards", {"card_number": "5555 5555 5555 4444", "idempotency_key": "b"}
    )
    assert (
        added.status_code == 303 and added.headers["location"] == "/account?done=card-added#cards"
    )
    account = await mia.get("/account?done=card-added")
    assert "The card is saved." in account.text and "Mastercard ending 4444" in account.text
    assert "pays for" in account.text  # the card in use says which pledge
    kept = await _form(mia, f"/account/cards/{card_id}/remove", {})
    assert kept.status_code == 409 and f"({pledge['id']})" in kept.text
    cards = (await mia.get("/api/v1/cards")).json()
    other = next(c["id"] for c in cards if c["last4"] == "4444")
    removed = await _form(mia, f"/account/cards/{other}/remove", {})
    assert removed.status_code == 303
    assert [c["last4"] for c in (await mia.get("/api/v1/cards")).json()] == ["4242"]


async def test_a_failed_pledge_past_its_window_changes_nothing_more(
    mall: dict[str, Any],
) -> None:
    mia = mall["clients"]["mia"]
    campaign, pledge, _ = await _pledge(mall, card=DECLINES)
    await tick(mall["hearth"], END)
    saved = await send(mia, "POST", "/api/v1/cards", {"token": "5555555555554444"}, key="c2")
    other = saved.json()["id"]
    await tick(mall["hearth"], END + timedelta(days=4))  # the window closed: dropped
    url = f"/api/v1/pledges/{pledge['id']}"
    shown = (await mia.get(url)).json()
    assert (shown["state"], shown["may_change_card"], shown["may_change_address"]) == (
        "dropped",
        False,
        False,
    )
    assert (await send(mia, "PUT", f"{url}/card", {"card_id": other})).status_code == 409
    moved = await send(mia, "PUT", f"{url}/shipping", {"shipping": NEW_ADDRESS})
    assert moved.status_code == 409 and moved.json()["detail"] == "a dropped pledge ships nothing"
