"""The home app's pages over real HTTP: the home view, a device page, settings and forms;
refused forms name the problem and change nothing; another home's pages answer 404."""

from __future__ import annotations

import httpx

from hearth.bootstrap import Hearth
from hearth.hub import identity
from hearth.hub.models import Device
from tests.helpers import csrf_token, post_json, signup
from tests.homes.conftest import mint


async def _form(client: httpx.AsyncClient, url: str, data: dict[str, str]) -> httpx.Response:
    return await client.post(url, data={**data, "csrftoken": await csrf_token(client)})


async def _furnished(client: httpx.AsyncClient, hearth: Hearth) -> tuple[str, str, str]:
    """Sign up mia with a home, a room and a lamp in it; return (home, room, device)."""
    await signup(client, "mia")
    created = await _form(client, "/homes", {"name": "Flat"})
    assert created.status_code == 303
    home = created.headers["location"].rsplit("/", 1)[1]
    assert (await _form(client, f"/homes/{home}/rooms", {"name": "Kitchen"})).status_code == 303
    room = (await client.get(f"/api/v1/homes/{home}/rooms")).json()[0]["id"]
    unit = await mint(hearth)
    added = await _form(
        client, f"/homes/{home}/add", {"pairing_code": unit.pairing_code, "room_id": room}
    )
    assert added.status_code == 303, added.text
    return home, room, unit.device_id


async def test_the_home_view_shows_cards_grouped_by_room(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    home, _, device = await _furnished(client, hearth)
    page = await client.get("/")
    assert page.status_code == 200
    assert "<h1>Flat</h1>" in page.text
    assert 'id="room-' in page.text and "Kitchen" in page.text
    assert f'data-device="{device}"' in page.text
    assert "Power: Hearth Colour Bulb" in page.text  # the one-tap switch
    assert ">Offline<" in page.text  # never connected yet
    cards = await client.get(f"/homes/{home}/cards")
    assert f'href="/devices/{device}"' in cards.text


async def test_the_device_page_has_a_control_for_every_writable_property_and_action(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    _, _, device = await _furnished(client, hearth)
    page = await client.get(f"/devices/{device}")
    assert page.status_code == 200
    assert 'role="switch"' in page.text  # 2.1 on/off
    assert 'type="range" id="p-2-2"' in page.text and 'step="1"' in page.text  # brightness
    assert 'type="color"' in page.text
    assert 'data-action data-key="2.1"' in page.text  # the light's toggle action
    assert "data-history" in page.text and "uplot.min.js" in page.text
    assert 'for="p-2-2"' in page.text  # every control has its label


async def test_refused_forms_name_the_problem_and_change_nothing(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    home, _, device = await _furnished(client, hearth)
    before = (await client.get(f"/api/v1/homes/{home}")).json()
    bad_code = await _form(client, f"/homes/{home}/add", {"pairing_code": "12"})
    assert bad_code.status_code == 422 and "pairing code" in bad_code.text
    same_room = await _form(client, f"/homes/{home}/rooms", {"name": "kitchen"})
    assert same_room.status_code == 409 and "already has a room" in same_room.text
    blank = await _form(client, f"/homes/{home}/rename", {"name": "  "})
    assert blank.status_code == 422 and "1-80 characters" in blank.text
    wrong_room = await _form(client, f"/devices/{device}/placement", {"room_id": "rom_nope"})
    assert (
        wrong_room.status_code == 404 and "There is no such room in this home." in wrong_room.text
    )
    last_owner = await _form(client, f"/homes/{home}/leave", {})
    assert last_owner.status_code == 409 and "last owner" in last_owner.text
    assert (await client.get(f"/api/v1/homes/{home}")).json() == before


async def test_another_homes_pages_and_forms_answer_404(
    client: httpx.AsyncClient, other: httpx.AsyncClient, hearth: Hearth
) -> None:
    home, room, device = await _furnished(client, hearth)
    await signup(other, "eve")
    pages = [
        f"/homes/{home}",
        f"/homes/{home}/cards",
        f"/homes/{home}/settings",
        f"/homes/{home}/add",
        f"/devices/{device}",
    ]
    for url in pages:
        assert (await other.get(url)).status_code == 404, url
    forms = [
        (f"/homes/{home}/rename", {"name": "Mine"}),
        (f"/homes/{home}/delete", {}),
        (f"/homes/{home}/rooms", {"name": "Den"}),
        (f"/homes/{home}/rooms/{room}/rename", {"name": "Den"}),
        (f"/homes/{home}/rooms/{room}/delete", {}),
        (f"/homes/{home}/invite", {"username": "eve"}),
        (f"/homes/{home}/leave", {}),
        (f"/devices/{device}/placement", {"room_id": ""}),
        (f"/devices/{device}/favourite", {"favourite": "1"}),
        (f"/devices/{device}/remove", {}),
    ]
    for url, data in forms:
        assert (await _form(other, url, data)).status_code == 404, url
    board = (await client.get(f"/api/v1/homes/{home}")).json()
    assert board["name"] == "Flat" and [r["name"] for r in board["rooms"]] == ["Kitchen"]
    assert board["devices"][0]["room_id"] == room


async def test_a_member_sees_the_home_but_not_its_management(
    client: httpx.AsyncClient, other: httpx.AsyncClient, hearth: Hearth
) -> None:
    home, room, device = await _furnished(client, hearth)
    await signup(other, "leo")
    assert (await _form(client, f"/homes/{home}/invite", {"username": "leo"})).status_code == 303
    inbox = await other.get("/invitations")
    assert "Flat" in inbox.text
    invitation = (await other.get("/api/v1/invitations")).json()[0]["id"]
    joined = await _form(other, f"/invitations/{invitation}/accept", {})
    assert joined.headers["location"] == f"/homes/{home}"
    view = await other.get(f"/homes/{home}")
    assert "you are a member" in view.text and "Add device" not in view.text
    settings = await other.get(f"/homes/{home}/settings")
    assert "Add room" not in settings.text and "Send invitation" not in settings.text
    assert (await other.get(f"/homes/{home}/add")).status_code == 403
    refused = await _form(other, f"/homes/{home}/rooms/{room}/delete", {})
    assert refused.status_code == 403
    assert [r["id"] for r in (await client.get(f"/api/v1/homes/{home}/rooms")).json()] == [room]
    assert (await other.get(f"/devices/{device}")).status_code == 200


async def test_an_invitation_link_joins_through_its_page(
    client: httpx.AsyncClient, other: httpx.AsyncClient
) -> None:
    await signup(client, "mia")
    home = (await post_json(client, "/api/v1/homes", {"name": "Flat"})).json()["id"]
    made = await _form(client, f"/homes/{home}/invite", {"username": "", "role": "member"})
    assert made.status_code == 201
    link = made.text.split("/join/", 1)[1].split('"', 1)[0]
    assert (await other.get(f"/join/{link}")).headers["location"].startswith("/login")
    await signup(other, "leo")
    assert "Join Flat" in (await other.get(f"/join/{link}")).text
    assert (await _form(other, f"/join/{link}", {})).headers["location"] == f"/homes/{home}"
    assert (await other.get(f"/join/{link}")).status_code == 404  # used up


async def test_an_owner_removes_a_device_and_a_member_cannot(
    client: httpx.AsyncClient, other: httpx.AsyncClient, hearth: Hearth
) -> None:
    home, _, device = await _furnished(client, hearth)
    await signup(other, "leo")
    link = (await post_json(client, f"/api/v1/homes/{home}/invitations", {})).json()["link"]
    await post_json(other, "/api/v1/invitations/join", {"token": link.rsplit("/", 1)[1]})
    assert (await _form(other, f"/devices/{device}/remove", {})).status_code == 403
    assert (await _form(client, f"/devices/{device}/remove", {})).status_code == 303
    assert (await client.get(f"/api/v1/homes/{home}")).json()["devices"] == []
    assert (await client.get(f"/devices/{device}")).status_code == 404


async def test_the_invite_form_answers_alike_whether_or_not_the_name_exists(
    client: httpx.AsyncClient, other: httpx.AsyncClient, hearth: Hearth
) -> None:
    home, _, _ = await _furnished(client, hearth)
    await signup(other, "leo")
    answers = [
        await _form(client, f"/homes/{home}/invite", {"username": name, "role": "member"})
        for name in ("leo", "nobody-by-this-name")
    ]
    assert [(a.status_code, a.headers.get("location")) for a in answers] == [
        (303, f"/homes/{home}/settings")
    ] * 2
    settings = await client.get(f"/homes/{home}/settings")
    # Each says who was invited, exactly as typed, whether or not anyone has the name.
    assert "<strong>@leo</strong> · member" in settings.text
    assert "<strong>@nobody-by-this-name</strong> · member" in settings.text


async def test_an_invitation_link_can_be_copied_or_shared_from_the_page(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    home, _, _ = await _furnished(client, hearth)
    made = await _form(client, f"/homes/{home}/invite", {"username": "", "role": "member"})
    assert made.status_code == 201
    assert 'data-copy="invite-link"' in made.text and "Copy link" in made.text
    assert 'data-share="invite-link"' in made.text  # shown where the browser can share
    assert "A link for one person · member" in made.text


async def test_pairing_asks_for_a_name_and_a_room_and_a_code_already_here_says_so(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    home, room, device = await _furnished(client, hearth)
    page = await client.get(f"/homes/{home}/add")
    assert "Where do I find the pairing code?" in page.text
    assert "hearth devices mint" in page.text  # makers get their codes from the CLI
    unit = await mint(hearth)
    added = await _form(
        client,
        f"/homes/{home}/add",
        {"pairing_code": unit.pairing_code, "name": "Desk lamp", "room_id": room},
    )
    assert added.status_code == 303
    card = (await client.get(f"/api/v1/homes/{home}")).json()["devices"]
    assert {(c["name"], c["room_id"]) for c in card if c["device_id"] == unit.device_id} == {
        ("Desk lamp", room)
    }
    again = await _form(
        client, f"/homes/{home}/add", {"pairing_code": unit.pairing_code, "room_id": ""}
    )
    assert again.status_code == 200
    assert "Desk lamp is already in Flat." in again.text
    assert f'href="/devices/{unit.device_id}"' in again.text
    after = (await client.get(f"/api/v1/homes/{home}")).json()["devices"]
    assert after == card  # nothing changed: not in another room, not added twice
    assert device != unit.device_id


async def test_a_refused_add_form_keeps_what_was_typed_and_says_why_in_a_sentence(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    home, room, _ = await _furnished(client, hearth)
    unit = await mint(hearth)
    too_long = await _form(
        client,
        f"/homes/{home}/add",
        {"pairing_code": unit.pairing_code, "name": "n" * 300, "room_id": room},
    )
    assert too_long.status_code == 422
    assert "A device needs a name of 1-80 characters." in too_long.text
    assert f'value="{unit.pairing_code}"' in too_long.text  # the form, with its fields kept
    assert "Invalid input" not in too_long.text
    unknown = await _form(client, f"/homes/{home}/add", {"pairing_code": "7K3M-Q9XD-2HWA-P4TN"})
    assert unknown.status_code == 404
    assert "No device has this pairing code. Check it against the label." in unknown.text


async def test_a_simulated_device_joins_the_home_with_its_name_and_room(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    home, room, _ = await _furnished(client, hearth)
    page = await client.get(f"/homes/{home}/add")
    assert '<option value="hearth.th-sensor.v1"' in page.text
    made = await _form(
        client,
        f"/homes/{home}/add/simulated",
        {"model": "hearth.th-sensor.v1", "name": "Try-out sensor", "room_id": room},
    )
    assert made.status_code == 303
    device_id = made.headers["location"].split("/")[2].split("?")[0]
    async with hearth.sessions() as session:
        device = await session.get(Device, device_id)
    assert device is not None and device.batch == identity.SIMULATED_BATCH
    assert device.home_id == home
    cards = (await client.get(f"/api/v1/homes/{home}")).json()["devices"]
    assert ("Try-out sensor", room) in {(c["name"], c["room_id"]) for c in cards}
    refused = await _form(
        client, f"/homes/{home}/add/simulated", {"model": "acme.secret.v1", "name": "X"}
    )
    assert refused.status_code == 404
    assert "There is no built-in product by that name." in refused.text


async def test_a_rooms_count_is_what_it_shows_and_says_where_its_favourites_are(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    home, room, device = await _furnished(client, hearth)
    second = await mint(hearth)
    await _form(
        client, f"/homes/{home}/add", {"pairing_code": second.pairing_code, "room_id": room}
    )
    await _form(client, f"/devices/{device}/favourite", {"favourite": "1"})
    cards = await client.get(f"/homes/{home}/cards")
    assert '<span class="count muted">1</span>' in cards.text
    assert "1 more in this room is among your favourites." in cards.text


async def test_unknown_values_look_unknown_and_offline_controls_are_disabled_with_the_reason(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    home, _, device = await _furnished(client, hearth)  # never connected: nothing known
    page = await client.get(f"/devices/{device}")
    assert 'data-key="2.1" data-device' in page.text
    assert page.text.count("data-unknown") >= 4  # switch, sliders, colour: none drawn as set
    assert 'value="1"' not in page.text.split('id="p-2-2"')[1].split(">")[0]  # not at minimum
    assert "Offline: it has not connected yet." in page.text
    assert "Its controls come back when it connects." in page.text
    assert '<fieldset class="plain" data-controls disabled aria-describedby="offline-reason">' in (
        page.text
    )
    cards = await client.get(f"/homes/{home}/cards")
    assert "Not known yet" in cards.text
    assert 'disabled aria-describedby="offline-' in cards.text
