"""The home app's API over real HTTP: homes, rooms, placement, favourites, people and
invitations; bad input that changes nothing; and every attempt to reach another home
answering 404 (or 403 for a member asking for an owner's power)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hearth.bootstrap import Hearth
from tests.helpers import csrf_token, post_json, signup
from tests.homes.conftest import mint


async def _send(
    client: httpx.AsyncClient, method: str, url: str, body: Any = None
) -> httpx.Response:
    headers = {"X-CSRFToken": await csrf_token(client)}
    return await client.request(method, url, json=body, headers=headers)


async def _home(client: httpx.AsyncClient, name: str = "Flat") -> str:
    response = await post_json(client, "/api/v1/homes", {"name": name})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _room(client: httpx.AsyncClient, home: str, name: str) -> str:
    response = await post_json(client, f"/api/v1/homes/{home}/rooms", {"name": name})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_owner_adds_a_device_into_a_room_and_moves_it(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    await signup(client, "mia")
    home = await _home(client)
    kitchen, bedroom = await _room(client, home, "Kitchen"), await _room(client, home, "Bedroom")
    unit = await mint(hearth)
    added = await post_json(
        client,
        f"/api/v1/homes/{home}/devices/add",
        {"pairing_code": unit.pairing_code, "room_id": kitchen},
    )
    assert added.status_code == 201, added.text
    assert added.json()["room_id"] == kitchen
    assert added.json()["switch_key"] == "2.1"
    moved = await _send(
        client,
        "PUT",
        f"/api/v1/devices/{unit.device_id}/placement",
        {"room_id": bedroom, "name": "Bedside lamp"},
    )
    assert moved.status_code == 200, moved.text
    board = (await client.get(f"/api/v1/homes/{home}")).json()
    assert [r["name"] for r in board["rooms"]] == ["Kitchen", "Bedroom"]
    assert board["devices"][0]["room_id"] == bedroom
    assert board["devices"][0]["name"] == "Bedside lamp"


async def test_deleting_a_room_keeps_its_devices_in_the_home(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    await signup(client, "mia")
    home = await _home(client)
    room = await _room(client, home, "Hall")
    unit = await mint(hearth)
    await post_json(
        client,
        f"/api/v1/homes/{home}/devices/add",
        {"pairing_code": unit.pairing_code, "room_id": room},
    )
    assert (await _send(client, "DELETE", f"/api/v1/rooms/{room}")).status_code == 204
    board = (await client.get(f"/api/v1/homes/{home}")).json()
    assert board["rooms"] == []
    assert [d["room_id"] for d in board["devices"]] == [None]


async def test_favourites_come_first_and_belong_to_one_person(
    client: httpx.AsyncClient, other: httpx.AsyncClient, hearth: Hearth
) -> None:
    await signup(client, "mia")
    home = await _home(client)
    first, second = await mint(hearth), await mint(hearth, "hearth.plug.v1")
    for unit in (first, second):
        await post_json(
            client, f"/api/v1/homes/{home}/devices/add", {"pairing_code": unit.pairing_code}
        )
    liked = await _send(
        client, "PUT", f"/api/v1/devices/{second.device_id}/favourite", {"favourite": True}
    )
    assert liked.json()["favourite"] is True
    board = (await client.get(f"/api/v1/homes/{home}")).json()
    assert [d["device_id"] for d in board["devices"]] == [second.device_id, first.device_id]
    await signup(other, "leo")
    link = (await post_json(client, f"/api/v1/homes/{home}/invitations", {})).json()["link"]
    joined = await post_json(other, "/api/v1/invitations/join", {"token": link.rsplit("/", 1)[1]})
    assert joined.status_code == 200, joined.text
    theirs = (await other.get(f"/api/v1/homes/{home}")).json()
    assert [d["favourite"] for d in theirs["devices"]] == [False, False]


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/rooms", {"name": "   "}, "name"),
        ("/rooms", {"name": "x" * 81}, "name"),
        ("/rooms", {"name": "Kitchen", "colour": "red"}, "colour"),
        ("/devices/add", {"pairing_code": "nonsense"}, "pairing_code"),
        # A username no account can have (an unknown but possible one is invited alike,
        # so that inviting does not tell who has an account).
        ("/invitations", {"username": "no\x00body"}, "username"),
        ("/invitations", {"username": "a b"}, "username"),
        ("/invitations", {"role": "king"}, "role"),
    ],
)
async def test_bad_input_is_named_and_changes_nothing(
    client: httpx.AsyncClient, url: str, body: dict[str, Any], field: str
) -> None:
    await signup(client, "mia")
    home = await _home(client)
    await _room(client, home, "Hall")
    before = (await client.get(f"/api/v1/homes/{home}")).json()
    response = await post_json(client, f"/api/v1/homes/{home}{url}", body)
    assert response.status_code == 422, response.text
    assert field in response.text
    assert (await client.get(f"/api/v1/homes/{home}")).json() == before
    assert (await client.get(f"/api/v1/homes/{home}/invitations")).json() == []


BAD_NAMES = ["\x00", "   ", "\t\n", "Flat\x00", "\x1b[31mRed", "Hall\x7f", "\u202eolleh", "x" * 81]


@pytest.mark.parametrize("name", BAD_NAMES)
async def test_a_name_that_is_blank_too_long_or_holds_control_characters_is_refused_everywhere(
    client: httpx.AsyncClient, hearth: Hearth, name: str
) -> None:
    await signup(client, "mia")
    home = await _home(client)
    room = await _room(client, home, "Hall")
    unit = await mint(hearth)
    await post_json(
        client, f"/api/v1/homes/{home}/devices/add", {"pairing_code": unit.pairing_code}
    )
    before = (await client.get(f"/api/v1/homes/{home}")).json()
    homes_before = (await client.get("/api/v1/homes")).json()
    attempts = [
        await post_json(client, "/api/v1/homes", {"name": name}),
        await _send(client, "PATCH", f"/api/v1/homes/{home}", {"name": name}),
        await post_json(client, f"/api/v1/homes/{home}/rooms", {"name": name}),
        await _send(client, "PATCH", f"/api/v1/rooms/{room}", {"name": name}),
    ]
    if name.strip():  # a blank device name gives the device its product's name back
        placement = {"room_id": None, "name": name}
        url = f"/api/v1/devices/{unit.device_id}/placement"
        attempts.append(await _send(client, "PUT", url, placement))
    for response in attempts:
        assert response.status_code == 422, (response.request.url, response.text)
        body = response.json()
        assert body["error"] == "invalid_input"
        assert [e["field"] for e in body["errors"]] == ["name"]
    assert (await client.get(f"/api/v1/homes/{home}")).json() == before
    assert (await client.get("/api/v1/homes")).json() == homes_before


async def test_a_room_name_is_unique_in_its_home(client: httpx.AsyncClient) -> None:
    await signup(client, "mia")
    home = await _home(client)
    await _room(client, home, "Kitchen")
    again = await post_json(client, f"/api/v1/homes/{home}/rooms", {"name": " kitchen "})
    assert again.status_code == 409
    assert len((await client.get(f"/api/v1/homes/{home}/rooms")).json()) == 1


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Ä", "ä"),
        ("ä", "Ä"),
        ("Ä", "Ä"),
        ("Straße", "STRASSE"),
        ("ﬁsh", "Fish"),
        ("Ｋitchen", "kitchen"),
    ],
)
async def test_room_names_that_read_alike_are_one_room_on_every_database(
    client: httpx.AsyncClient, first: str, second: str
) -> None:
    await signup(client, "mia")
    home = await _home(client)
    await _room(client, home, first)
    other = await _room(client, home, "Den")
    before = (await client.get(f"/api/v1/homes/{home}/rooms")).json()
    refusals = [
        await post_json(client, f"/api/v1/homes/{home}/rooms", {"name": second}),
        await _send(client, "PATCH", f"/api/v1/rooms/{other}", {"name": second}),
    ]
    for refused in refusals:
        assert refused.status_code == 409, refused.text
        body = refused.json()
        assert body["error"] == "conflict"
        assert body["detail"] == f"This home already has a room called “{first}”."
        assert body["errors"][0]["field"] == "name"
    assert (await client.get(f"/api/v1/homes/{home}/rooms")).json() == before
    renamed = await _send(client, "PATCH", f"/api/v1/rooms/{other}", {"name": "DEN"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "DEN"  # itself, recased


async def test_a_device_cannot_be_added_into_another_homes_room(
    client: httpx.AsyncClient, hearth: Hearth
) -> None:
    await signup(client, "mia")
    flat, cottage = await _home(client, "Flat"), await _home(client, "Cottage")
    cottage_room = await _room(client, cottage, "Porch")
    unit = await mint(hearth)
    refused = await post_json(
        client,
        f"/api/v1/homes/{flat}/devices/add",
        {"pairing_code": unit.pairing_code, "room_id": cottage_room},
    )
    assert refused.status_code == 404
    assert (await client.get(f"/api/v1/homes/{flat}")).json()["devices"] == []


async def test_a_member_controls_but_does_not_manage(
    client: httpx.AsyncClient, other: httpx.AsyncClient, hearth: Hearth
) -> None:
    await signup(client, "mia")
    await signup(other, "leo")
    home = await _home(client)
    room = await _room(client, home, "Hall")
    unit = await mint(hearth)
    await post_json(
        client, f"/api/v1/homes/{home}/devices/add", {"pairing_code": unit.pairing_code}
    )
    invited = await post_json(
        client, f"/api/v1/homes/{home}/invitations", {"username": "leo", "role": "member"}
    )
    assert invited.status_code == 201
    mine = (await other.get("/api/v1/invitations")).json()
    assert [i["home_id"] for i in mine] == [home]
    accepted = await post_json(other, f"/api/v1/invitations/{mine[0]['id']}/accept", {})
    assert accepted.json() == {"home_id": home}
    assert (await other.get(f"/api/v1/homes/{home}")).json()["role"] == "member"
    assert (
        await _send(
            other, "PUT", f"/api/v1/devices/{unit.device_id}/favourite", {"favourite": True}
        )
    ).status_code == 200
    refusals = [
        await _send(other, "PATCH", f"/api/v1/homes/{home}", {"name": "Mine now"}),
        await post_json(other, f"/api/v1/homes/{home}/rooms", {"name": "Den"}),
        await _send(other, "PATCH", f"/api/v1/rooms/{room}", {"name": "Den"}),
        await _send(other, "DELETE", f"/api/v1/rooms/{room}"),
        await _send(other, "PUT", f"/api/v1/devices/{unit.device_id}/placement", {"room_id": room}),
        await post_json(other, f"/api/v1/homes/{home}/invitations", {}),
        await _send(other, "DELETE", f"/api/v1/homes/{home}"),
    ]
    assert [r.status_code for r in refusals] == [403] * len(refusals)
    board = (await client.get(f"/api/v1/homes/{home}")).json()
    assert board["name"] == "Flat" and [r["name"] for r in board["rooms"]] == ["Hall"]
    assert board["devices"][0]["room_id"] is None


async def test_nothing_of_another_home_can_be_seen_or_touched(
    client: httpx.AsyncClient, other: httpx.AsyncClient, hearth: Hearth
) -> None:
    await signup(client, "mia")
    await signup(other, "eve")
    home = await _home(client)
    room = await _room(client, home, "Hall")
    unit = await mint(hearth)
    await post_json(
        client,
        f"/api/v1/homes/{home}/devices/add",
        {"pairing_code": unit.pairing_code, "room_id": room},
    )
    link = (await post_json(client, f"/api/v1/homes/{home}/invitations", {})).json()
    mia = (await client.get("/api/v1/me")).json()["id"]
    attempts = [
        await other.get(f"/api/v1/homes/{home}"),
        await other.get(f"/api/v1/homes/{home}/rooms"),
        await other.get(f"/api/v1/homes/{home}/members"),
        await other.get(f"/api/v1/homes/{home}/invitations"),
        await other.get(f"/api/v1/homes/{home}/live"),
        await _send(other, "PATCH", f"/api/v1/homes/{home}", {"name": "Mine"}),
        await _send(other, "DELETE", f"/api/v1/homes/{home}"),
        await post_json(other, f"/api/v1/homes/{home}/rooms", {"name": "Den"}),
        await _send(other, "PATCH", f"/api/v1/rooms/{room}", {"name": "Den"}),
        await _send(other, "DELETE", f"/api/v1/rooms/{room}"),
        await _send(other, "PUT", f"/api/v1/devices/{unit.device_id}/placement", {"room_id": None}),
        await _send(
            other, "PUT", f"/api/v1/devices/{unit.device_id}/favourite", {"favourite": True}
        ),
        await post_json(other, f"/api/v1/homes/{home}/leave", {}),
        await _send(other, "DELETE", f"/api/v1/homes/{home}/members/{mia}"),
        await _send(other, "PUT", f"/api/v1/homes/{home}/members/{mia}", {"role": "member"}),
        await _send(other, "DELETE", f"/api/v1/homes/{home}/invitations/{link['id']}"),
        await post_json(other, f"/api/v1/invitations/{link['id']}/accept", {}),
        await post_json(
            other, f"/api/v1/homes/{home}/devices/add", {"pairing_code": unit.pairing_code}
        ),
        await other.get(f"/api/v1/devices/{unit.device_id}"),
        await post_json(
            other,
            f"/api/v1/devices/{unit.device_id}/commands",
            {"kind": "set", "props": {"2.1": True}},
        ),
    ]
    assert [r.status_code for r in attempts] == [404] * len(attempts)
    board = (await client.get(f"/api/v1/homes/{home}")).json()
    assert board["name"] == "Flat" and board["devices"][0]["room_id"] == room


async def test_an_invitation_link_lets_exactly_one_person_in(
    client: httpx.AsyncClient, other: httpx.AsyncClient, hearth: Hearth
) -> None:
    await signup(client, "mia")
    home = await _home(client)
    link = (await post_json(client, f"/api/v1/homes/{home}/invitations", {"role": "owner"})).json()
    token = link["link"].rsplit("/", 1)[1]
    await signup(other, "leo")
    assert (await post_json(other, "/api/v1/invitations/join", {"token": token})).status_code == 200
    transport = httpx.ASGITransport(app=other._transport.app)  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as third:
        await signup(third, "eve")
        late = await post_json(third, "/api/v1/invitations/join", {"token": token})
        assert late.status_code == 404
        assert (await third.get(f"/api/v1/homes/{home}")).status_code == 404
    members = (await client.get(f"/api/v1/homes/{home}/members")).json()
    assert sorted((m["username"], m["role"]) for m in members) == [
        ("leo", "owner"),
        ("mia", "owner"),
    ]


async def test_the_last_owner_cannot_leave_but_can_hand_over(
    client: httpx.AsyncClient, other: httpx.AsyncClient
) -> None:
    await signup(client, "mia")
    leo = await signup(other, "leo")
    home = await _home(client)
    assert (await post_json(client, f"/api/v1/homes/{home}/leave", {})).status_code == 409
    link = (await post_json(client, f"/api/v1/homes/{home}/invitations", {})).json()["link"]
    await post_json(other, "/api/v1/invitations/join", {"token": link.rsplit("/", 1)[1]})
    promoted = await _send(
        client, "PUT", f"/api/v1/homes/{home}/members/{leo['id']}", {"role": "owner"}
    )
    assert promoted.status_code == 204
    assert (await post_json(client, f"/api/v1/homes/{home}/leave", {})).status_code == 204
    assert (await client.get(f"/api/v1/homes/{home}")).status_code == 404
    assert (await other.get(f"/api/v1/homes/{home}")).json()["role"] == "owner"


async def test_deleting_a_home_frees_its_devices(
    client: httpx.AsyncClient, other: httpx.AsyncClient, hearth: Hearth
) -> None:
    await signup(client, "mia")
    home = await _home(client)
    unit = await mint(hearth)
    await post_json(
        client, f"/api/v1/homes/{home}/devices/add", {"pairing_code": unit.pairing_code}
    )
    assert (await _send(client, "DELETE", f"/api/v1/homes/{home}")).status_code == 204
    assert (await client.get(f"/api/v1/homes/{home}")).status_code == 404
    await signup(other, "leo")
    theirs = await _home(other)
    again = await post_json(
        other, f"/api/v1/homes/{theirs}/devices/add", {"pairing_code": unit.pairing_code}
    )
    assert again.status_code == 201, again.text
    assert again.json()["room_id"] is None and again.json()["name"] == "Hearth Colour Bulb"


async def test_inviting_by_username_answers_alike_whether_or_not_the_name_exists(
    client: httpx.AsyncClient, other: httpx.AsyncClient
) -> None:
    await signup(client, "mia")
    await signup(other, "leo")
    home = await _home(client)
    answers = [
        await post_json(client, f"/api/v1/homes/{home}/invitations", {"username": name})
        for name in ("leo", "nobody-by-this-name")
    ]
    assert [a.status_code for a in answers] == [201, 201]
    own = ("id", "username", "expires_at")  # what differs between any two invitations
    shapes = [{k: v for k, v in a.json().items() if k not in own} for a in answers]
    assert shapes[0] == shapes[1] and set(answers[0].json()) == set(answers[1].json())
    assert [a.json()["username"] for a in answers] == ["leo", "nobody-by-this-name"]
    listed = (await client.get(f"/api/v1/homes/{home}/invitations")).json()
    assert sorted(i["id"] for i in listed) == sorted(a.json()["id"] for a in answers)
    assert {i["state"] for i in listed} == {"pending"}
    # Only the person who exists was told; the other invitation reaches no one.
    assert [i["id"] for i in (await other.get("/api/v1/invitations")).json()] == [
        answers[0].json()["id"]
    ]
    nobody = answers[1].json()["id"]
    refused = await post_json(other, f"/api/v1/invitations/{nobody}/accept", {})
    assert refused.status_code == 404
    assert (await other.get(f"/api/v1/homes/{home}")).status_code == 404
