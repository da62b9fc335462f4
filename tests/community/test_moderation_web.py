"""Moderation over HTTP: reporting from a page, the platform team's queue and item pages,
hidden content answering 404 to everyone but its author and moderators, a muted fan's
refusal, and the rate limit's 429 with ``Retry-After``."""

from __future__ import annotations

import re
from datetime import datetime

import httpx
import pytest

from hearth.bootstrap import Hearth
from hearth.community.rules import PLATFORM_BOARD
from hearth.web.app import create_app
from tests.community import shop
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


async def _suggest(http: httpx.AsyncClient, title: str, body: str = "") -> str:
    made = await post_json(
        http,
        f"/api/v1/community/boards/{PLATFORM_BOARD}/suggestions",
        {"title": title, "body": body, "category": "feature"},
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


async def test_a_report_from_the_page_reaches_the_queue_and_a_second_one_is_told_it_is_reported(
    hearth: Hearth, world: CommunityWorld
) -> None:
    async with _As(hearth, "mia") as mia, _As(hearth, "tom") as tom, _As(hearth, "ada") as ada:
        sid = await _suggest(mia, "Cheap plugs at deals.example")
        page = await tom.get(f"/community/suggestions/{sid}")
        assert f'href="/community/report/suggestion/{sid}"' in page.text
        form = {"csrftoken": await csrf_token(tom), "reason": "spam", "note": "An advert."}
        sent = await tom.post(f"/community/report/suggestion/{sid}", data=form)
        assert sent.status_code == 303 and sent.headers["location"].endswith(sid)
        assert (
            "You reported this suggestion" in (await tom.get(f"/community/suggestions/{sid}")).text
        )
        again = await tom.post(f"/community/report/suggestion/{sid}", data=form)
        assert again.status_code == 409 and 'role="alert"' in again.text
        assert "You have already reported this suggestion" in again.text
        assert "An advert." in again.text and 'value="spam" required checked' in again.text
        own = await post_json(
            mia,
            "/api/v1/community/reports",
            {"target_kind": "suggestion", "target_id": sid, "reason": "spam"},
        )
        assert own.status_code == 403 and own.json()["detail"].startswith("you cannot report")
        queue = (await ada.get("/api/v1/community/moderation/queue")).json()
        assert queue["total"] == 1
        (item,) = queue["items"]
        assert (item["target"]["id"], item["report_count"]) == (sid, 1)
        assert item["reasons"] == [{"reason": "spam", "label": "Spam or advertising", "count": 1}]
        shown = await ada.get("/platform/community")
        assert shown.status_code == 200 and "Cheap plugs at deals.example" in shown.text


async def test_fans_and_partners_may_not_open_the_queue_or_moderate(
    hearth: Hearth, world: CommunityWorld
) -> None:
    async with _As(hearth, "mia") as mia, _As(hearth, "kai") as kai, _As(hearth, "leo") as leo:
        sid = await _suggest(mia, "Dark mode")
        for who in (kai, leo):
            assert (await who.get("/platform/community")).status_code == 403
            assert (await who.get("/api/v1/community/moderation/queue")).status_code == 403
            hid = await post_json(
                who,
                f"/api/v1/community/moderation/items/suggestion/{sid}/hide",
                {"reason": "No"},
            )
            assert hid.status_code == 403
        listed = (await kai.get(f"/api/v1/community/boards/{PLATFORM_BOARD}/suggestions")).json()
        assert [s["id"] for s in listed["items"]] == [sid]


async def test_a_hidden_suggestion_answers_404_to_others_and_shows_its_author_the_reason(
    hearth: Hearth, world: CommunityWorld
) -> None:
    async with (
        _As(hearth, "mia") as mia,
        _As(hearth, "tom") as tom,
        _As(hearth, "ada") as ada,
        _client(hearth) as guest,
    ):
        sid = await _suggest(mia, "Warmer plugs, cheap", "Buy them today")
        empty = await post_json(
            ada, f"/api/v1/community/moderation/items/suggestion/{sid}/hide", {"reason": ""}
        )
        assert empty.status_code == 422
        hid = await post_json(
            ada,
            f"/api/v1/community/moderation/items/suggestion/{sid}/hide",
            {"reason": "Advertising is not a suggestion."},
        )
        assert hid.status_code == 201 and hid.json()["action"] == "hide"
        for who in (tom, guest):
            assert (await who.get(f"/api/v1/community/suggestions/{sid}")).status_code == 404
            assert (await who.get(f"/community/suggestions/{sid}")).status_code == 404
            board = await who.get(f"/community/boards/{PLATFORM_BOARD}")
            assert "Warmer plugs" not in board.text
            found = (await who.get("/api/v1/community/search", params={"q": "warmer"})).json()
            assert found == []
            page = await who.get("/community/search", params={"q": "warmer"})
            assert "Warmer plugs" not in page.text
        mine = await mia.get(f"/community/suggestions/{sid}")
        assert mine.status_code == 200
        assert "Hidden by a moderator: Advertising is not a suggestion." in mine.text
        api = (await mia.get(f"/api/v1/community/suggestions/{sid}")).json()
        assert api["suggestion"]["hidden"] is True
        staff = await ada.get(f"/community/suggestions/{sid}")
        assert "Only its author and moderators see it." in staff.text
        item = await ada.get(f"/platform/community/suggestion/{sid}")
        assert "Advertising is not a suggestion." in item.text and "Restore it" in item.text
        form = {"csrftoken": await csrf_token(ada), "reason": ""}
        refused = await ada.post(f"/platform/community/suggestion/{sid}/restore", data=form)
        assert refused.status_code == 422 and "Reason: is needed" in refused.text
        form["reason"] = "It was fair after all."
        back = await ada.post(f"/platform/community/suggestion/{sid}/restore", data=form)
        assert back.status_code == 303
        assert (await tom.get(f"/community/suggestions/{sid}")).status_code == 200


async def test_a_muted_fan_is_told_until_when_and_the_form_keeps_what_they_wrote(
    hearth: Hearth, world: CommunityWorld
) -> None:
    async with _As(hearth, "mia") as mia, _As(hearth, "ada") as ada:
        sid = await _suggest(mia, "Dark mode")
        muted = await post_json(
            ada,
            "/api/v1/community/moderation/mutes",
            {"user_id": world.people["mia"].id, "reason": "Posting adverts.", "hours": 24},
        )
        assert muted.status_code == 201, muted.text
        said = await post_json(
            mia, f"/api/v1/community/suggestions/{sid}/comments", {"body": "Buy plugs"}
        )
        assert said.status_code == 403 and said.json()["error"] == "muted"
        until = datetime.fromisoformat(said.json()["muted_until"])
        assert until == datetime.fromisoformat(muted.json()["until"])
        form = {"csrftoken": await csrf_token(mia), "body": "Buy my plugs"}
        page = await mia.post(f"/community/suggestions/{sid}/comments", data=form)
        assert page.status_code == 403 and "A moderator muted you until" in page.text
        assert "Posting adverts." in page.text and "Buy my plugs</textarea>" in page.text
        vote = await mia.delete(
            f"/api/v1/community/suggestions/{sid}/vote",
            headers={"X-CSRFToken": await csrf_token(mia)},
        )
        assert vote.status_code == 200
        mutes = (await ada.get("/api/v1/community/moderation/mutes")).json()
        lifted = await post_json(
            ada, f"/api/v1/community/moderation/mutes/{mutes[0]['id']}/lift", {"reason": "Sorry."}
        )
        assert lifted.status_code == 200 and lifted.json()["lifted_at"]
        again = await post_json(
            mia, f"/api/v1/community/suggestions/{sid}/comments", {"body": "Thanks"}
        )
        assert again.status_code == 201


async def test_posting_past_the_limit_answers_429_with_retry_after(
    hearth: Hearth, world: CommunityWorld
) -> None:
    async with _As(hearth, "tom") as tom:
        for n in range(5):
            await _suggest(tom, f"Idea {n}")
        refused = await post_json(
            tom,
            f"/api/v1/community/boards/{PLATFORM_BOARD}/suggestions",
            {"title": "Idea 6", "category": "feature"},
        )
        assert refused.status_code == 429
        assert 3500 <= int(refused.headers["Retry-After"]) <= 3600
        assert refused.json()["retry_after"] == int(refused.headers["Retry-After"])
        assert "you can post again in" in refused.json()["detail"]
        form = {
            "csrftoken": await csrf_token(tom),
            "title": "Idea 6",
            "body": "Kept",
            "category": "feature",
        }
        page = await tom.post(f"/community/boards/{PLATFORM_BOARD}/suggestions", data=form)
        assert page.status_code == 429 and "You have posted 5 suggestions" in page.text
        assert 'value="Idea 6"' in page.text and "Kept</textarea>" in page.text


async def test_a_review_reported_from_its_page_and_hidden_shows_only_its_author_why(
    hearth: Hearth, world: CommunityWorld
) -> None:
    bought = await shop.order(world, "mia", "Glow Lamp")
    lamp = world.products["Glow Lamp"]
    async with _As(hearth, "mia") as mia, _As(hearth, "tom") as tom, _As(hearth, "ada") as ada:
        written = await mia.post(
            f"/community/orders/{bought}/reviews/{lamp}",
            data={"csrftoken": await csrf_token(mia), "stars": "1", "title": "",
                  "body": "Cheaper at deals.example!"},
        )  # fmt: skip
        assert written.status_code == 303, written.text
        page = await tom.get(f"/community/products/{lamp}/reviews")
        (rid,) = set(re.findall(r'id="r-(rev_\w+)"', page.text))
        assert f'href="/community/report/review/{rid}"' in page.text
        form = {"csrftoken": await csrf_token(tom), "reason": "spam", "note": "An advert."}
        sent = await tom.post(f"/community/report/review/{rid}", data=form)
        assert sent.status_code == 303 and sent.headers["location"].endswith(f"#r-{rid}")
        queue = await ada.get("/platform/community")
        assert "A review of Glow Lamp, by" in queue.text and "1 ★: Cheaper at" in queue.text
        hid = await ada.post(
            f"/platform/community/review/{rid}/hide",
            data={"csrftoken": await csrf_token(ada), "reason": "Advertising."},
        )
        assert hid.status_code == 303
        others = await tom.get(f"/community/products/{lamp}/reviews")
        assert rid not in others.text and "0 reviews" in others.text
        own = await mia.get(f"/community/products/{lamp}/reviews")
        assert rid in own.text and "Hidden by a moderator: Advertising." in own.text
        api = (await mia.get(f"/api/v1/community/products/{lamp}/reviews")).json()
        assert [(r["id"], r["hidden"]) for r in api["items"]] == [(rid, True)]
        assert api["rating"]["count"] == 0


async def test_a_question_is_reported_from_the_campaign_panel_and_hidden_from_the_q_and_a(
    hearth: Hearth, world: CommunityWorld
) -> None:
    live = await shop.campaign(world, "Glow Lamp")
    async with _As(hearth, "mia") as mia, _As(hearth, "tom") as tom, _As(hearth, "ada") as ada:
        asked = await post_json(
            mia, f"/api/v1/community/campaigns/{live}/questions", {"question": "Call 555-0100!"}
        )
        qid = asked.json()["id"]
        panel = await tom.get(f"/community/campaigns/{live}/panel")
        assert f'href="/community/report/question/{qid}"' in panel.text
        report = await post_json(
            tom,
            "/api/v1/community/reports",
            {"target_kind": "question", "target_id": qid, "reason": "personal_data"},
        )
        assert report.status_code == 201
        hid = await post_json(
            ada, f"/api/v1/community/moderation/items/question/{qid}/hide", {"reason": "A number."}
        )
        assert hid.status_code == 201 and hid.json()["reports"] == 1
        listed = (await tom.get(f"/api/v1/community/campaigns/{live}/questions")).json()
        assert listed["items"] == [] and listed["total"] == 0
        theirs = (await mia.get(f"/api/v1/community/campaigns/{live}/questions")).json()
        assert [(q["id"], q["hidden"]) for q in theirs["items"]] == [(qid, True)]
        again = await post_json(
            tom,
            "/api/v1/community/reports",
            {"target_kind": "question", "target_id": qid, "reason": "spam"},
        )
        assert again.status_code == 404
