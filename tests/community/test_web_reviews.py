"""Reviews and campaign questions over HTTP: the JSON API's answers (typed, a sentence for
each refusal), the pages and their forms that keep what was typed, and the fragments the
product and campaign pages load from the community."""

from __future__ import annotations

import re

import httpx
import pytest

from hearth.bootstrap import Hearth
from hearth.community.rules import PLATFORM_BOARD
from tests.community import shop
from tests.community.test_web import _As, _client
from tests.community.world import CommunityWorld, build
from tests.helpers import csrf_token, post_json


@pytest.fixture
async def world(hearth: Hearth) -> CommunityWorld:
    return await build(hearth)


async def _put(http: httpx.AsyncClient, url: str, body: dict[str, object]) -> httpx.Response:
    return await http.put(url, json=body, headers={"X-CSRFToken": await csrf_token(http)})


async def test_a_buyer_reviews_through_the_api_and_the_product_page_loads_the_rating(
    hearth: Hearth, world: CommunityWorld
) -> None:
    lamp = world.products["Glow Lamp"]
    bought = await shop.order(world, "mia", "Glow Lamp", channel="crowdfunding")
    async with _As(hearth, "mia") as mia, _client(hearth) as guest:
        made = await _put(
            mia,
            f"/api/v1/community/orders/{bought}/reviews/{lamp}",
            {"stars": 4, "title": "Warm and even", "body": "Lovely at **night**."},
        )
        assert made.status_code == 200, made.text
        review = made.json()
        assert (review["verified"], review["channel_label"], review["reply"]) == (
            True, "Backed", None,
        )  # fmt: skip
        assert review["body_html"] == "<p>Lovely at <strong>night</strong>.</p>\n"
        rating = (await guest.get(f"/api/v1/community/products/{lamp}/rating")).json()
        assert (rating["count"], rating["average"], rating["positive"]) == (1, 4.0, 100)
        assert [b["reviews"] for b in rating["bars"]] == [0, 1, 0, 0, 0]
        listed = (await guest.get(f"/api/v1/community/products/{lamp}/reviews")).json()
        assert [r["id"] for r in listed["items"]] == [review["id"]]
        assert bought not in str(listed)  # an order's id is its buyer's
        page = await guest.get(f"/products/{lamp}")
        assert f'hx-get="/community/products/{lamp}/rating"' in page.text
        assert f'href="/community/products/{lamp}/reviews"' in page.text  # without JS
        fragment = await guest.get(f"/community/products/{lamp}/rating")
        assert "100% positive" in fragment.text and "(4 or 5 stars)" in fragment.text
        assert "<html" not in fragment.text
        reviews_page = await guest.get(f"/community/products/{lamp}/reviews")
        assert "Verified buyer" in reviews_page.text and "Warm and even" in reviews_page.text
        assert "Backed" in reviews_page.text


async def test_reviews_of_an_undelivered_or_anothers_order_and_a_rivals_answer_are_refused(
    hearth: Hearth, world: CommunityWorld
) -> None:
    lamp = world.products["Glow Lamp"]
    waiting = await shop.order(world, "mia", "Glow Lamp", delivered=False)
    arrived = await shop.order(world, "mia", "Glow Lamp")
    async with _As(hearth, "mia") as mia:
        early = await _put(mia, f"/api/v1/community/orders/{waiting}/reviews/{lamp}", {"stars": 5})
        assert early.status_code == 409
        assert early.json()["detail"] == (
            "this order has not been delivered yet: you can review it once it has arrived"
        )
        bad = await _put(mia, f"/api/v1/community/orders/{arrived}/reviews/{lamp}", {"stars": 9})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"].endswith("stars")
        made = await _put(mia, f"/api/v1/community/orders/{arrived}/reviews/{lamp}", {"stars": 2})
        review = made.json()["id"]
    async with _As(hearth, "tom") as tom:
        theirs = await _put(tom, f"/api/v1/community/orders/{arrived}/reviews/{lamp}", {"stars": 1})
        assert theirs.status_code == 404 and "only the buyer" in theirs.json()["detail"]
    async with _As(hearth, "rita") as rita:
        rival = await post_json(
            rita, f"/api/v1/community/reviews/{review}/answer", {"answer": "Buy ours."}
        )
        assert rival.status_code == 403
        assert rival.json()["detail"] == "only Lumi answers reviews of Glow Lamp"
    async with _As(hearth, "leo") as leo:
        answered = await post_json(
            leo, f"/api/v1/community/reviews/{review}/answer", {"answer": "Sorry: fixed in 1.3."}
        )
        assert answered.status_code == 200 and answered.json()["reply"]["by"] == "leo"
    async with _client(hearth) as guest:
        page = await guest.get(f"/community/products/{lamp}/reviews")
        assert "Official · Lumi" in page.text and "Sorry: fixed in 1.3." in page.text
        listed = (await guest.get(f"/api/v1/community/products/{lamp}/reviews")).json()
        assert listed["rating"]["count"] == 1  # the refused ones wrote nothing


async def test_a_refused_review_form_shows_the_problem_and_keeps_what_was_typed(
    hearth: Hearth, world: CommunityWorld
) -> None:
    lamp = world.products["Glow Lamp"]
    bought = await shop.order(world, "mia", "Glow Lamp")
    async with _As(hearth, "mia") as mia:
        order_page = await mia.get(f"/orders/{bought}")
        assert f'href="/community/orders/{bought}/reviews/{lamp}"' in order_page.text
        form = await mia.get(f"/community/orders/{bought}/reviews/{lamp}")
        assert form.status_code == 200 and "Review Glow Lamp" in form.text
        sent = {"csrftoken": await csrf_token(mia), "title": "Almost *perfect*", "body": "Mine"}
        refused = await mia.post(f"/community/orders/{bought}/reviews/{lamp}", data=sent)
        assert refused.status_code == 422
        assert "Stars: choose 1 to 5 stars." in refused.text
        assert 'value="Almost *perfect*"' in refused.text and ">Mine</textarea>" in refused.text
        sent["stars"] = "4"
        saved = await mia.post(f"/community/orders/{bought}/reviews/{lamp}", data=sent)
        assert saved.status_code == 303
        assert saved.headers["location"].startswith(f"/community/products/{lamp}/reviews#r-")
        again = await mia.get(f"/community/orders/{bought}/reviews/{lamp}")
        assert "Edit your review" in again.text
        assert re.search(r'value="4"\s+checked', again.text)


async def test_the_campaign_page_loads_its_board_and_qa_and_a_fan_asks_from_it(
    hearth: Hearth, world: CommunityWorld
) -> None:
    lamp = world.products["Glow Lamp"]
    live = await shop.campaign(world, "Glow Lamp", backer="mia")
    async with _As(hearth, "mia") as mia:
        made = await post_json(
            mia,
            f"/api/v1/community/boards/{lamp}/suggestions",
            {"title": "A sunset mode", "body": "", "category": "feature"},
        )
        assert made.status_code == 201
        page = await mia.get(f"/campaigns/{live}")
        assert f'hx-get="/community/campaigns/{live}/panel"' in page.text
        assert f'href="/community/campaigns/{live}/questions"' in page.text  # without JS
        token = await csrf_token(mia)
        empty = await mia.post(
            f"/community/campaigns/{live}/questions",
            data={"csrftoken": token, "question": "  ", "next": f"/campaigns/{live}#qa"},
        )
        assert empty.status_code == 422
        assert "Question: says what you would like to know." in empty.text
        asked = await mia.post(
            f"/community/campaigns/{live}/questions",
            data={"csrftoken": token, "question": "To Germany?", "next": f"/campaigns/{live}"},
        )
        assert asked.status_code == 303
        assert asked.headers["location"].startswith(f"/campaigns/{live}#q-")
    async with _As(hearth, "leo") as leo:
        (question,) = (await leo.get(f"/api/v1/community/campaigns/{live}/questions")).json()[
            "items"
        ]
        answered = await leo.post(
            f"/community/questions/{question['id']}/answer",
            data={"csrftoken": await csrf_token(leo), "answer": "Yes, for 60 yuan."},
        )
        assert answered.status_code == 303
    async with _client(hearth) as guest:
        panel = await guest.get(f"/community/campaigns/{live}/panel")
        assert "A sunset mode" in panel.text and f"/community/boards/{lamp}" in panel.text
        assert "To Germany?" in panel.text and "Official · Lumi" in panel.text
        assert "Backer" in panel.text and "Log in</a> to ask" in panel.text
        assert "<html" not in panel.text
        listed = (await guest.get(f"/api/v1/community/campaigns/{live}/questions")).json()
        assert (listed["total"], listed["answered"]) == (1, 1)
        assert (await guest.get(f"/community/products/{PLATFORM_BOARD}/rating")).status_code == 404
