"""The Community tab over HTTP: pages anyone reads, forms that keep what was typed when they
are refused, and the JSON API's answers (typed, with a sentence for each problem)."""

from __future__ import annotations

import re

import httpx
import pytest

from hearth.bootstrap import Hearth
from hearth.community.rules import PLATFORM_BOARD
from hearth.web.app import create_app
from tests.community.world import CommunityWorld, build
from tests.helpers import csrf_token, login, post_json


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


async def test_anyone_reads_the_boards_and_a_suggestion_without_an_account(
    hearth: Hearth, world: CommunityWorld
) -> None:
    async with _As(hearth, "mia") as mia, _client(hearth) as guest:
        made = await post_json(
            mia,
            f"/api/v1/community/boards/{PLATFORM_BOARD}/suggestions",
            {
                "title": "Dark mode",
                "body": "Easier on the eyes at **night**.",
                "category": "home-app",
            },
        )
        assert made.status_code == 201, made.text
        sid = made.json()["id"]
        assert made.json()["body_html"] == "<p>Easier on the eyes at <strong>night</strong>.</p>\n"
        tab = await guest.get("/community")
        assert tab.status_code == 200 and "Glow Lamp" in tab.text and "Nova Vacuum" in tab.text
        assert "not built yet" not in tab.text.lower()
        board = await guest.get(f"/community/boards/{PLATFORM_BOARD}")
        assert "Dark mode" in board.text and "1 suggestion" in board.text
        page = await guest.get(f"/community/suggestions/{sid}")
        assert "<strong>night</strong>" in page.text and "Log in</a> to vote" in page.text
        listed = (await guest.get(f"/api/v1/community/boards/{PLATFORM_BOARD}/suggestions")).json()
        assert [s["id"] for s in listed["items"]] == [sid] and listed["items"][0]["voted"] is False
        refused = await guest.put(f"/api/v1/community/suggestions/{sid}/vote")
        assert refused.status_code in (401, 403)


async def test_a_refused_suggestion_form_shows_the_problem_and_keeps_what_was_typed(
    hearth: Hearth, world: CommunityWorld
) -> None:
    lamp = world.products["Glow Lamp"]
    async with _As(hearth, "mia") as mia:
        form = {
            "csrftoken": await csrf_token(mia),
            "title": "x" * 130,
            "body": "My long *story*",
            "category": "",
        }
        page = await mia.post(f"/community/boards/{lamp}/suggestions", data=form)
        assert page.status_code == 422
        assert 'role="alert"' in page.text and "at most 120 characters" in page.text
        assert "My long *story*" in page.text and "x" * 130 in page.text
        listed = (await mia.get(f"/api/v1/community/boards/{lamp}/suggestions")).json()
        assert listed["total"] == 0
        form["title"] = "Warmer white"
        form["category"] = "firmware"
        made = await mia.post(f"/community/boards/{lamp}/suggestions", data=form)
        assert made.status_code == 303
        assert re.fullmatch(r"/community/suggestions/sug_\w+", made.headers["location"])


async def test_voting_from_a_board_toggles_and_returns_to_the_same_board(
    hearth: Hearth, world: CommunityWorld
) -> None:
    async with _As(hearth, "mia") as mia, _As(hearth, "tom") as tom:
        sid = (
            await post_json(
                mia,
                f"/api/v1/community/boards/{PLATFORM_BOARD}/suggestions",
                {"title": "Scenes by voice", "category": "automation"},
            )
        ).json()["id"]
        token = await csrf_token(tom)
        where = f"/community/boards/{PLATFORM_BOARD}?sort=top"
        voted = await tom.post(
            f"/community/suggestions/{sid}/vote", data={"csrftoken": token, "next": where}
        )
        assert voted.headers["location"] == f"{where}#s-{sid}"
        detail = (await tom.get(f"/api/v1/community/suggestions/{sid}")).json()
        assert (detail["suggestion"]["votes"], detail["suggestion"]["voted"]) == (2, True)
        assert detail["following"] is True
        away = await tom.post(
            f"/community/suggestions/{sid}/vote",
            data={"csrftoken": token, "next": "https://elsewhere.example/"},
        )
        assert away.headers["location"] == f"/community/suggestions/{sid}"
        detail = (await tom.get(f"/api/v1/community/suggestions/{sid}")).json()
        assert (detail["suggestion"]["votes"], detail["suggestion"]["voted"]) == (1, False)


async def test_the_partner_answers_on_the_page_and_the_fan_sees_the_official_badge(
    hearth: Hearth, world: CommunityWorld
) -> None:
    lamp = world.products["Glow Lamp"]
    async with _As(hearth, "mia") as mia, _As(hearth, "leo") as leo:
        sid = (
            await post_json(
                mia,
                f"/api/v1/community/boards/{lamp}/suggestions",
                {"title": "Sunrise alarm", "category": "feature"},
            )
        ).json()["id"]
        page = await leo.get(f"/community/suggestions/{sid}")
        assert "Answer as Lumi" in page.text
        token = await csrf_token(leo)
        empty = await leo.post(
            f"/community/suggestions/{sid}/answers",
            data={"csrftoken": token, "status": "planned", "answer": " "},
        )
        assert empty.status_code == 422 and "tells the fans why" in empty.text
        done = await leo.post(
            f"/community/suggestions/{sid}/answers",
            data={"csrftoken": token, "status": "planned", "answer": "In **1.4**, this spring."},
        )
        assert done.status_code == 303
        seen = await mia.get(f"/community/suggestions/{sid}")
        assert "Official · Lumi" in seen.text and "<strong>1.4</strong>" in seen.text
        assert "Answer as" not in seen.text
        inbox = await mia.get("/api/v1/notifications")
        assert any(n["kind"] == "community.answered" for n in inbox.json()["items"])
        fan = await mia.post(
            f"/api/v1/community/suggestions/{sid}/answers",
            json={"status": "done", "answer": "I did it myself"},
            headers={"X-CSRFToken": await csrf_token(mia)},
        )
        assert fan.status_code == 403
        assert fan.json()["detail"].startswith("only Lumi answers")


async def test_the_api_refuses_bad_filters_with_a_sentence_and_unknown_boards_with_404(
    hearth: Hearth, world: CommunityWorld
) -> None:
    async with _client(hearth) as guest:
        wrong = await guest.get(
            f"/api/v1/community/boards/{PLATFORM_BOARD}/suggestions", params={"status": "shipped"}
        )
        assert wrong.status_code == 422
        assert wrong.json()["errors"][0]["field"] == "status"
        lamp_category = await guest.get(
            f"/api/v1/community/boards/{PLATFORM_BOARD}/suggestions",
            params={"category": "firmware"},
        )
        assert lamp_category.status_code == 422
        assert (await guest.get("/api/v1/community/boards/prd_none")).status_code == 404
        assert (await guest.get("/community/boards/prd_none")).status_code == 404
        boards = (await guest.get("/api/v1/community/boards")).json()
        assert [b["id"] for b in boards][0] == PLATFORM_BOARD
        assert boards[0]["answered_by"] == "hearth team"


async def test_a_declined_suggestion_shows_its_votes_without_a_button_to_vote(
    hearth: Hearth, world: CommunityWorld
) -> None:
    async with _As(hearth, "mia") as mia, _As(hearth, "ada") as ada:
        sid = (
            await post_json(
                mia,
                f"/api/v1/community/boards/{PLATFORM_BOARD}/suggestions",
                {"title": "Widgets", "category": "home-app"},
            )
        ).json()["id"]
        assert (
            'aria-label="Take back your vote for Widgets'
            in (await mia.get(f"/community/suggestions/{sid}")).text
        )
        declined = await post_json(
            ada,
            f"/api/v1/community/suggestions/{sid}/answers",
            {"status": "declined", "answer": "Browsers cannot add widgets."},
        )
        assert declined.status_code == 201
        page = (await mia.get(f"/community/suggestions/{sid}")).text
        assert "closed to new votes" in page and f"/community/suggestions/{sid}/vote" not in page
