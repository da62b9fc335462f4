"""Release notes and suggestion images over HTTP: the owner's publish form (refused, it keeps
what was typed), the changelog page and its Atom feed linked from the board, "Shipped in"
on the suggestion and in lists, the API's notes, and images added with the new-suggestion
form and the API, served with their type, refused with a sentence."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import httpx
import pytest

from hearth.bootstrap import Hearth
from hearth.community.rules import PLATFORM_BOARD
from hearth.web.app import create_app
from tests.community.world import CommunityWorld, build
from tests.helpers import csrf_token, login, post_json

ATOM = "{http://www.w3.org/2005/Atom}"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5f1b6"
    "9b0000000049454e44ae426082"
)
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _client(hearth: Hearth) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(hearth=hearth))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def world(hearth: Hearth) -> CommunityWorld:
    return await build(hearth)


class _As:
    """A client signed in as ``name``, for ``async with``."""

    def __init__(self, hearth: Hearth, name: str) -> None:
        self.http, self.name = _client(hearth), name

    async def __aenter__(self) -> httpx.AsyncClient:
        await self.http.__aenter__()
        assert (await login(self.http, self.name)).status_code == 200
        return self.http

    async def __aexit__(self, *exc: object) -> None:
        await self.http.__aexit__()


async def _suggest(client: httpx.AsyncClient, board: str, title: str) -> str:
    made = await post_json(
        client,
        f"/api/v1/community/boards/{board}/suggestions",
        {"title": title, "category": "feature"},
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


async def test_the_owner_publishes_from_the_form_and_the_fan_sees_it_shipped_everywhere(
    hearth: Hearth, world: CommunityWorld
) -> None:
    lamp = world.products["Glow Lamp"]
    async with _As(hearth, "mia") as mia, _As(hearth, "leo") as leo:
        sid = await _suggest(mia, lamp, "A warmer 2200 K setting")
        moved = await post_json(
            leo,
            f"/api/v1/community/suggestions/{sid}/answers",
            {"status": "planned", "answer": "Coming soon."},
        )
        assert moved.status_code == 201
        board = await leo.get(f"/community/boards/{lamp}")
        assert f'href="/community/boards/{lamp}/releases/new"' in board.text
        assert 'rel="alternate" type="application/atom+xml"' in board.text
        assert f'href="/community/boards/{lamp}/changelog.atom"' in board.text
        form = await leo.get(f"/community/boards/{lamp}/releases/new")
        assert form.status_code == 200
        assert f'name="suggestions" value="{sid}"' in form.text
        token = await csrf_token(leo)
        fields = {
            "csrftoken": token,
            "version": "1.4 beta",
            "title": "The warm update",
            "body": "Candle-like *light*.",
            "date": "",
            "suggestions": [sid],
        }
        refused = await leo.post(f"/community/boards/{lamp}/releases", data=fields)
        assert refused.status_code == 422
        assert 'role="alert"' in refused.text and "Version: may hold only letters" in refused.text
        assert "Candle-like *light*." in refused.text and 'value="1.4 beta"' in refused.text
        assert f'value="{sid}" checked' in refused.text
        fields["version"] = "1.4"
        done = await leo.post(f"/community/boards/{lamp}/releases", data=fields)
        assert done.status_code == 303
        assert done.headers["location"] == f"/community/boards/{lamp}/changelog#v1.4"

        page = await mia.get(f"/community/boards/{lamp}/changelog")
        assert page.status_code == 200 and 'id="v1.4"' in page.text
        assert "<em>light</em>" in page.text and f'href="/community/suggestions/{sid}"' in page.text
        assert 'rel="alternate" type="application/atom+xml"' in page.text
        assert "Publish a release note" not in page.text  # a fan does not publish
        seen = await mia.get(f"/community/suggestions/{sid}")
        assert f'href="/community/boards/{lamp}/changelog#v1.4"' in seen.text
        assert "Shipped in 1.4" in seen.text and "Official · Lumi" in seen.text
        listed = await mia.get(f"/community/boards/{lamp}")
        assert "Shipped in 1.4" in listed.text
        detail = (await mia.get(f"/api/v1/community/suggestions/{sid}")).json()
        assert detail["suggestion"]["status"] == "done"
        assert detail["shipped_in"] == {
            "version": "1.4",
            "url": f"/community/boards/{lamp}/changelog#v1.4",
        }
        inbox = (await mia.get("/api/v1/notifications")).json()["items"]
        shipped = [n for n in inbox if n["kind"] == "community.shipped"]
        assert [n["title"] for n in shipped] == [
            'Your suggestion "A warmer 2200 K setting" shipped in Glow Lamp 1.4.'
        ]


async def test_the_release_api_lists_reads_publishes_and_edits_for_the_owner_alone(
    hearth: Hearth, world: CommunityWorld
) -> None:
    async with _As(hearth, "mia") as mia, _As(hearth, "ada") as ada, _client(hearth) as guest:
        sid = await _suggest(mia, PLATFORM_BOARD, "Dark mode")
        url = f"/api/v1/community/boards/{PLATFORM_BOARD}/releases"
        note = {"version": "2026.49", "title": "Dark mode", "suggestions": [sid]}
        fan = await post_json(mia, url, note)
        assert fan.status_code == 403 and fan.json()["detail"].startswith("only hearth team")
        bad = await post_json(ada, url, {**note, "version": "../1"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "version"
        made = await post_json(ada, url, {**note, "body": "It is **dark**.", "date": "2026-12-01"})
        assert made.status_code == 201, made.text
        body = made.json()
        assert (
            body["version"] == "2026.49"
            and body["body_html"] == "<p>It is <strong>dark</strong>.</p>\n"
        )
        assert [s["id"] for s in body["shipped"]] == [sid] and body["shipped"][0][
            "status"
        ] == "done"
        assert body["released_at"].startswith("2026-12-01T12:00:00")
        again = await post_json(ada, url, note)
        assert again.status_code == 422
        assert [e["message"] for e in again.json()["errors"]] == [
            "2026.49 is published on this board already",
            "“Dark mode” is done already",
        ]
        assert [r["version"] for r in (await guest.get(url)).json()] == ["2026.49"]
        one = await guest.get(f"{url}/2026.49")
        assert one.status_code == 200 and one.json()["title"] == "Dark mode"
        assert (await guest.get(f"{url}/9.9")).status_code == 404
        headers = {"X-CSRFToken": await csrf_token(ada)}
        edited = await ada.patch(
            f"{url}/2026.49", json={"title": "Dark mode, at last"}, headers=headers
        )
        assert edited.status_code == 200 and edited.json()["title"] == "Dark mode, at last"
        assert edited.json()["body"] == "It is **dark**." and len(edited.json()["shipped"]) == 1
        by_fan = await mia.patch(
            f"{url}/2026.49", json={"title": "Mine"}, headers={"X-CSRFToken": await csrf_token(mia)}
        )
        assert by_fan.status_code == 403
        feed = await guest.get(f"/community/boards/{PLATFORM_BOARD}/changelog.atom")
        assert feed.status_code == 200
        assert feed.headers["content-type"].startswith("application/atom+xml")
        root = ET.fromstring(feed.content)
        titles = [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")]
        assert titles == ["hearth 2026.49: Dark mode, at last"]


async def test_images_come_with_the_new_suggestion_form_and_are_served_with_their_type(
    hearth: Hearth, world: CommunityWorld
) -> None:
    async with _As(hearth, "mia") as mia, _As(hearth, "tom") as tom, _client(hearth) as guest:
        token = await csrf_token(mia)
        form = {
            "csrftoken": token,
            "title": "A fabric shade",
            "body": "Like *this*",
            "category": "feature",
        }
        url = f"/community/boards/{PLATFORM_BOARD}/suggestions"
        html = ("shade.png", b"<html><script>alert(1)</script></html>", "image/png")
        refused = await mia.post(url, data=form, files=[("images", html)])
        assert refused.status_code == 422
        assert "Images: not an image hearth accepts: use PNG, JPEG or WebP." in refused.text
        assert "Like *this*" in refused.text and 'value="A fabric shade"' in refused.text
        assert (await guest.get(f"/api/v1/community/boards/{PLATFORM_BOARD}/suggestions")).json()[
            "total"
        ] == 0
        made = await mia.post(
            url,
            data=form,
            files=[
                ("images", ("a.png", PNG, "image/png")),
                ("images", ("b.jpg", JPEG, "image/png")),
            ],
        )
        assert made.status_code == 303
        sid = made.headers["location"].rsplit("/", 1)[1]
        detail = (await guest.get(f"/api/v1/community/suggestions/{sid}")).json()
        assert [i["content_type"] for i in detail["images"]] == ["image/png", "image/jpeg"]
        first = await guest.get(detail["images"][0]["url"])
        assert first.status_code == 200 and first.content == PNG
        assert first.headers["content-type"] == "image/png"
        assert first.headers["x-content-type-options"] == "nosniff"
        page = await guest.get(f"/community/suggestions/{sid}")
        assert page.text.count('data-testid="suggestion-image"') == 2
        assert "Add images" not in page.text  # only the author adds them

        api = f"/api/v1/community/suggestions/{sid}/images"
        other = await tom.post(
            api,
            files=[("images", ("c.png", PNG, "image/png"))],
            headers={"X-CSRFToken": await csrf_token(tom)},
        )
        assert other.status_code == 403
        headers = {"X-CSRFToken": token}
        three = [("images", (f"{n}.png", PNG, "image/png")) for n in range(3)]
        too_many = await mia.post(api, files=three, headers=headers)
        assert too_many.status_code == 422
        assert "at most 4 images; it has 2, so you may add 2 more" in too_many.text
        added = await mia.post(api, files=three[:2], headers=headers)
        assert added.status_code == 201 and len(added.json()) == 2
        listed = (await guest.get(api)).json()
        assert len(listed) == 4
        gone = await mia.delete(f"{api}/{listed[0]['id']}", headers=headers)
        assert gone.status_code == 204
        assert (await guest.get(listed[0]["url"])).status_code == 404
        assert len((await guest.get(api)).json()) == 3
        refused_page = await mia.post(
            f"/community/suggestions/{sid}/images",
            data={"csrftoken": token},
            files=[("images", ("x.gif", b"GIF89a....", "image/gif"))],
        )
        assert refused_page.status_code == 422 and 'role="alert"' in refused_page.text
        assert "not an image hearth accepts" in refused_page.text
