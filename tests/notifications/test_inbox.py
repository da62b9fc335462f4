"""A user reads and marks only their own notifications."""

from __future__ import annotations

import httpx
import pytest

from hearth.bootstrap import Hearth
from hearth.errors import InvalidInput
from hearth.notifications import service
from hearth.web.app import create_app
from tests.helpers import post_json, signup


def _client(hearth: Hearth) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(hearth=hearth))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_each_user_reads_only_their_own_inbox_and_marks_it_read(hearth: Hearth) -> None:
    async with _client(hearth) as mei, _client(hearth) as tom:
        mei_id = (await signup(mei, "mei"))["id"]
        tom_id = (await signup(tom, "tom"))["id"]
        async with hearth.sessions() as session, session.begin():
            await service.notify(
                session,
                now=hearth.clock.now(),
                user_ids=[mei_id, mei_id],
                kind="test.hello",
                title="Hello  Mei",
                link="/store",
            )
            [for_tom] = await service.notify(
                session,
                now=hearth.clock.now(),
                user_ids=[tom_id],
                kind="test.hello",
                title="Hello Tom",
            )

        inbox = (await mei.get("/api/v1/notifications")).json()
        assert inbox["unread"] == 1
        assert [(n["title"], n["link"]) for n in inbox["items"]] == [("Hello Mei", "/store")]

        crossed = await post_json(mei, f"/api/v1/notifications/{for_tom.id}/read", {})
        assert crossed.status_code == 404
        assert (await tom.get("/api/v1/notifications")).json()["unread"] == 1

        marked = await post_json(mei, "/api/v1/notifications/read", {})
        assert marked.json() == {"marked": 1}
        assert (await mei.get("/api/v1/notifications?unread=true")).json() == {
            "unread": 0,
            "items": [],
        }


async def test_a_notification_needs_a_title_and_an_inside_link(hearth: Hearth) -> None:
    async with hearth.sessions() as session, session.begin():
        with pytest.raises(InvalidInput, match="title"):
            await service.notify(
                session, now=hearth.clock.now(), user_ids=["usr_x"], kind="k", title="   "
            )
        with pytest.raises(InvalidInput, match="link"):
            await service.notify(
                session,
                now=hearth.clock.now(),
                user_ids=["usr_x"],
                kind="k",
                title="t",
                link="https://evil.example",
            )


async def test_anonymous_callers_have_no_inbox(hearth: Hearth) -> None:
    async with _client(hearth) as anonymous:
        assert (await anonymous.get("/api/v1/notifications")).status_code == 401
