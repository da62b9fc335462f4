"""A person's profile (name, own time zone and language) and saved shipping addresses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from hearth.accounts.rules import MAX_ADDRESSES
from hearth.bootstrap import Hearth
from hearth.web.app import create_app
from tests.helpers import csrf_token, signup

HOME = {
    "name": "Mia Chen",
    "line1": "1 Long   Street",
    "city": "Shenzhen",
    "postal_code": "518000",
    "region": "Guangdong",
    "country": "cn",
    "phone": "+86 755 0000",
}
WORK = {**HOME, "line1": "9 Science Park", "postal_code": "518057"}


async def _send(
    client: httpx.AsyncClient, method: str, url: str, body: object = None
) -> httpx.Response:
    headers = {"X-CSRFToken": await csrf_token(client)}
    return await client.request(method, url, json=body, headers=headers)


async def _addresses(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/me/addresses")
    assert response.status_code == 200
    found: list[dict[str, Any]] = response.json()
    return found


async def test_a_person_edits_their_name_and_picks_their_own_zone_and_language(
    client: httpx.AsyncClient,
) -> None:
    await signup(client, "mia")
    changed = await _send(
        client,
        "PATCH",
        "/api/v1/me",
        {"display_name": "  Mia   Chen ", "time_zone": "Europe/Berlin", "locale": "de"},
    )
    assert changed.status_code == 200, changed.text
    me = changed.json()
    assert (me["display_name"], me["time_zone"], me["locale"]) == (
        "Mia Chen",
        "Europe/Berlin",
        "de",
    )
    # A field left out stays; null gives it back to the browser.
    kept = (await _send(client, "PATCH", "/api/v1/me", {"time_zone": None})).json()
    assert (kept["display_name"], kept["time_zone"], kept["locale"]) == ("Mia Chen", None, "de")


async def test_a_zone_not_in_the_list_is_refused_naming_the_field(
    client: httpx.AsyncClient,
) -> None:
    await signup(client, "mia")
    refused = await _send(client, "PATCH", "/api/v1/me", {"time_zone": "Berlin"})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "time_zone", "message": "Pick a time zone from the list."}
    ]
    assert (await client.get("/api/v1/me")).json()["time_zone"] is None


async def test_pages_show_times_in_the_zone_and_language_the_person_chose(
    hearth: Hearth, client: httpx.AsyncClient
) -> None:
    await signup(client, "mia")
    made = await _send(client, "POST", "/api/v1/tokens", {"name": "laptop"})
    assert made.status_code == 201
    created = datetime.fromisoformat(made.json()["created_at"]).astimezone(UTC)
    client.cookies.set("tz", "America/New_York")  # what the browser says
    await _send(client, "PATCH", "/api/v1/me", {"time_zone": "Asia/Tokyo", "locale": "de"})
    page = await client.get("/account")
    tokyo = created.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
    assert f"created {tokyo.day}. " in page.text  # German, in Tokyo's date


async def test_the_first_address_is_the_default_and_making_another_default_moves_the_mark(
    client: httpx.AsyncClient,
) -> None:
    await signup(client, "mia")
    home = await _send(client, "POST", "/api/v1/me/addresses", HOME)
    assert home.status_code == 201, home.text
    assert (home.json()["is_default"], home.json()["line1"], home.json()["country"]) == (
        True,
        "1 Long Street",
        "CN",
    )
    work = (await _send(client, "POST", "/api/v1/me/addresses", WORK)).json()
    assert work["is_default"] is False
    moved = await _send(
        client, "PUT", f"/api/v1/me/addresses/{work['id']}", {**WORK, "is_default": True}
    )
    assert moved.status_code == 200
    listed = await _addresses(client)
    assert [(a["id"], a["is_default"]) for a in listed] == [
        (work["id"], True),
        (home.json()["id"], False),
    ]
    assert (await _send(client, "DELETE", f"/api/v1/me/addresses/{work['id']}")).status_code == 204
    (left,) = await _addresses(client)
    assert (left["id"], left["is_default"]) == (home.json()["id"], True)


async def test_an_address_missing_its_city_is_refused_naming_it_and_nothing_is_saved(
    client: httpx.AsyncClient,
) -> None:
    await signup(client, "mia")
    refused = await _send(client, "POST", "/api/v1/me/addresses", {**HOME, "city": "  "})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["city"]
    assert await _addresses(client) == []


async def test_a_person_keeps_at_most_twenty_addresses(client: httpx.AsyncClient) -> None:
    await signup(client, "mia")
    for n in range(MAX_ADDRESSES):
        made = await _send(client, "POST", "/api/v1/me/addresses", {**HOME, "line1": f"{n} Road"})
        assert made.status_code == 201
    refused = await _send(client, "POST", "/api/v1/me/addresses", HOME)
    assert refused.status_code == 409
    assert refused.json()["detail"].startswith("You keep 20 addresses")


async def test_nobody_reads_or_changes_someone_elses_address(hearth: Hearth) -> None:
    def client() -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=create_app(hearth=hearth))
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")

    async with client() as mia, client() as leo:
        await signup(mia, "mia")
        await signup(leo, "leo")
        made = (await _send(mia, "POST", "/api/v1/me/addresses", HOME)).json()
        url = f"/api/v1/me/addresses/{made['id']}"
        assert (await leo.get(url)).status_code == 404
        assert (await _send(leo, "PUT", url, WORK)).status_code == 404
        assert (await _send(leo, "DELETE", url)).status_code == 404
        assert (await _addresses(leo)) == []
        (kept,) = await _addresses(mia)
        assert kept["line1"] == "1 Long Street"


async def test_the_account_page_adds_an_address_and_re_renders_a_refused_one_with_its_fields(
    client: httpx.AsyncClient,
) -> None:
    await signup(client, "mia")
    form = {k: v for k, v in HOME.items()} | {"csrftoken": await csrf_token(client)}
    refused = await client.post("/account/addresses", data={**form, "postal_code": ""})
    assert refused.status_code == 422
    assert "This is needed." in refused.text
    assert 'value="1 Long   Street"' in refused.text  # kept as typed
    saved = await client.post("/account/addresses", data=form)
    assert (saved.status_code, saved.headers["location"]) == (
        303,
        "/account?done=address-added#addresses",
    )
    page = await client.get("/account?done=address-added")
    assert "The address is saved." in page.text
    assert "1 Long Street" in page.text
