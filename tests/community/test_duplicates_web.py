"""Duplicates over HTTP: the similar list anyone reads (JSON and the form's fragment), the
near-identical confirmation (409 with the match, or the form shown again with what was typed
and a box to post it anyway), and the owner's merge with the merged page pointing onwards."""

from __future__ import annotations

import httpx
import pytest

from hearth.bootstrap import Hearth
from hearth.community.rules import PLATFORM_BOARD
from hearth.web.app import create_app
from tests.community.world import CommunityWorld, build
from tests.helpers import csrf_token, login, post_json

BOARD_API = f"/api/v1/community/boards/{PLATFORM_BOARD}"


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


async def _suggest(http: httpx.AsyncClient, title: str, **extra: object) -> httpx.Response:
    return await post_json(
        http, f"{BOARD_API}/suggestions", {"title": title, "category": "home-app", **extra}
    )


async def test_anyone_reads_similar_suggestions_with_their_status_and_votes(
    hearth: Hearth, world: CommunityWorld
) -> None:
    async with _As(hearth, "mia") as mia, _client(hearth) as guest:
        sid = (await _suggest(mia, "Dark mode for the home app")).json()["id"]
        await _suggest(mia, "Export a device's history as CSV")
        found = await guest.get(f"{BOARD_API}/similar", params={"title": "dark theme app"})
        assert found.status_code == 200
        (only,) = found.json()
        assert (only["id"], only["status"], only["votes"], only["voted"]) == (
            sid, "open", 1, False,
        )  # fmt: skip
        assert only["url"] == f"/community/suggestions/{sid}" and 0 < only["score"] <= 100
        mine = (await mia.get(f"{BOARD_API}/similar", params={"title": "dark mode"})).json()
        assert mine[0]["voted"] is True
        bad = await guest.get(f"{BOARD_API}/similar", params={"title": "x", "limit": 99})
        assert bad.status_code == 422
        nowhere = await guest.get("/api/v1/community/boards/nope/similar", params={"title": "x"})
        assert nowhere.status_code == 404


async def test_the_api_refuses_a_near_identical_title_with_the_match_until_confirmed(
    hearth: Hearth, world: CommunityWorld
) -> None:
    async with _As(hearth, "mia") as mia, _As(hearth, "tom") as tom:
        sid = (await _suggest(mia, "Dark mode for the home app")).json()["id"]
        refused = await _suggest(tom, "dark mode for the Home App")
        assert refused.status_code == 409
        body = refused.json()
        assert body["error"] == "looks_like_duplicate" and body["match"]["id"] == sid
        assert body["detail"].startswith("A suggestion like yours is already on this board")
        listed = (await tom.get(f"{BOARD_API}/suggestions")).json()
        assert listed["total"] == 1
        posted = await _suggest(tom, "dark mode for the Home App", confirm_distinct=True)
        assert posted.status_code == 201


async def test_the_form_keeps_what_was_typed_and_posts_once_the_fan_confirms(
    hearth: Hearth, world: CommunityWorld
) -> None:
    async with _As(hearth, "mia") as mia, _As(hearth, "tom") as tom:
        sid = (await _suggest(mia, "Dark mode for the home app")).json()["id"]
        form = {
            "csrftoken": await csrf_token(tom),
            "title": "Dark mode for the home app please",
            "body": "My *eyes* hurt at night.",
            "category": "home-app",
        }
        page = await tom.post(f"/community/boards/{PLATFORM_BOARD}/suggestions", data=form)
        assert page.status_code == 409
        assert (
            'data-testid="duplicate"' in page.text and f"/community/suggestions/{sid}" in page.text
        )
        assert (
            "My *eyes* hurt at night." in page.text
            and 'value="Dark mode for the home app please"' in page.text
        )
        assert 'name="confirm_distinct" value="yes"' in page.text
        made = await tom.post(
            f"/community/boards/{PLATFORM_BOARD}/suggestions",
            data={**form, "confirm_distinct": "yes"},
        )
        assert (
            made.status_code == 303 and made.headers["location"] != f"/community/suggestions/{sid}"
        )


async def test_the_title_fragment_lists_similar_ones_with_a_vote_button_that_votes(
    hearth: Hearth, world: CommunityWorld
) -> None:
    async with _As(hearth, "mia") as mia, _As(hearth, "tom") as tom:
        sid = (await _suggest(mia, "Dark mode for the home app")).json()["id"]
        new = await tom.get(f"/community/boards/{PLATFORM_BOARD}/new")
        assert f'hx-get="/community/boards/{PLATFORM_BOARD}/similar"' in new.text
        fragment = await tom.get(
            f"/community/boards/{PLATFORM_BOARD}/similar", params={"title": "dark theme"}
        )
        assert fragment.status_code == 200 and "<html" not in fragment.text
        assert "Dark mode for the home app" in fragment.text and "Open" in fragment.text
        assert f'formaction="/community/suggestions/{sid}/vote"' in fragment.text
        empty = await tom.get(f"/community/boards/{PLATFORM_BOARD}/similar", params={"title": ""})
        assert "similar-item" not in empty.text
        voted = await tom.post(
            f"/community/suggestions/{sid}/vote", data={"csrftoken": await csrf_token(tom)}
        )
        assert voted.status_code == 303
        again = await tom.get(
            f"/community/boards/{PLATFORM_BOARD}/similar", params={"title": "dark theme"}
        )
        assert "You voted" in again.text and "formaction" not in again.text


async def test_the_owner_merges_on_the_page_and_the_merged_one_points_to_its_target(
    hearth: Hearth, world: CommunityWorld
) -> None:
    async with (
        _As(hearth, "mia") as mia,
        _As(hearth, "ada") as ada,
        _client(hearth) as guest,
    ):
        target = (await _suggest(mia, "Dark mode for the home app")).json()["id"]
        copy = (await _suggest(mia, "Night theme for the app")).json()["id"]
        page = await ada.get(f"/community/suggestions/{copy}")
        assert "Merge into another suggestion" in page.text and f'value="{target}"' in page.text
        assert "Merge into another" not in (await mia.get(f"/community/suggestions/{copy}")).text
        token = await csrf_token(ada)
        wrong = await ada.post(
            f"/community/suggestions/{copy}/merge",
            data={"csrftoken": token, "into_link": "/community/suggestions/sug_nothing"},
        )
        assert wrong.status_code == 422 and "names no suggestion" in wrong.text
        assert 'value="/community/suggestions/sug_nothing"' in wrong.text
        done = await ada.post(
            f"/community/suggestions/{copy}/merge",
            data={
                "csrftoken": token,
                "into_link": f"http://testserver/community/suggestions/{target}",
            },
        )
        assert (
            done.status_code == 303
            and done.headers["location"] == f"/community/suggestions/{target}"
        )
        merged = await guest.get(f"/community/suggestions/{copy}")
        assert 'data-testid="merged-into"' in merged.text
        assert (
            f'href="/community/suggestions/{target}">Dark mode for the home app</a>' in merged.text
        )
        board = await guest.get(f"/community/boards/{PLATFORM_BOARD}")
        assert "Night theme" not in board.text and "Dark mode for the home app" in board.text
        detail = (await guest.get(f"/api/v1/community/suggestions/{target}")).json()
        assert detail["suggestion"]["votes"] == 1  # mia voted for both: counted once


async def test_the_merge_api_answers_what_moved_and_refuses_a_fan(
    hearth: Hearth, world: CommunityWorld
) -> None:
    async with _As(hearth, "mia") as mia, _As(hearth, "ada") as ada:
        target = (await _suggest(mia, "Dark mode for the home app")).json()["id"]
        copy = (await _suggest(mia, "Night theme for the app")).json()["id"]
        fan = await post_json(
            mia, f"/api/v1/community/suggestions/{copy}/merge", {"into_id": target}
        )
        assert fan.status_code == 403
        itself = await post_json(
            ada, f"/api/v1/community/suggestions/{copy}/merge", {"into_id": copy}
        )
        assert itself.status_code == 422 and itself.json()["errors"][0]["field"] == "into"
        done = await post_json(
            ada, f"/api/v1/community/suggestions/{copy}/merge", {"into_id": target}
        )
        assert done.status_code == 200, done.text
        body = done.json()
        assert body["suggestion"]["status"] == "duplicate"
        assert body["suggestion"]["merged_into_id"] == target
        assert (body["into"]["votes"], body["votes_moved"], body["followers_moved"]) == (1, 0, 0)
        twice = await post_json(
            ada, f"/api/v1/community/suggestions/{copy}/merge", {"into_id": target}
        )
        assert twice.status_code == 409
