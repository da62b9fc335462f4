"""The inbox page: opening a notification marks it read and follows its link."""

from __future__ import annotations

import httpx

from hearth.bootstrap import Hearth
from hearth.notifications import service
from hearth.web.app import create_app
from tests.helpers import csrf_token, signup


def _client(hearth: Hearth) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(hearth=hearth))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_opening_a_notification_marks_it_read_and_follows_its_link(hearth: Hearth) -> None:
    async with _client(hearth) as mei, _client(hearth) as tom:
        mei_id = (await signup(mei, "mei"))["id"]
        await signup(tom, "tom")
        async with hearth.sessions() as session, session.begin():
            [note] = await service.notify(
                session,
                now=hearth.clock.now(),
                user_ids=[mei_id],
                kind="test.hello",
                title="Hello Mei",
                link="/store",
            )
        assert "Hello Mei" in (await mei.get("/notifications")).text
        assert "unread" in (await mei.get("/notifications/badge")).text

        token = {"csrftoken": await csrf_token(tom)}
        crossed = await tom.post(f"/notifications/{note.id}/open", data=token)
        assert crossed.status_code == 404
        assert "unread" in (await mei.get("/notifications/badge")).text

        token = {"csrftoken": await csrf_token(mei)}
        opened = await mei.post(f"/notifications/{note.id}/open", data=token)
        assert opened.status_code == 303
        assert opened.headers["location"] == "/store"
        assert (await mei.get("/notifications/badge")).text == ""
