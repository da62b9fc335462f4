"""How each topic of notifications reaches a person: in the app, by email, both or neither."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update

from hearth.accounts.models import User
from hearth.bootstrap import Hearth
from hearth.mail import queue
from hearth.notifications import preferences, rules
from hearth.notifications.models import Notification
from hearth.notifications.rules import Choice
from hearth.notifications.service import notify
from hearth.outbox import unit_of_work
from tests.helpers import create_account, csrf_token, signup

SOURCE = Path(__file__).resolve().parents[2] / "src" / "hearth"
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


# What the kinds written as f-strings become (``{target.value}``: a state of its workflow).
MADE = {
    "campaign_": {"campaign_funded", "campaign_failed"},
    "mall.product.": {"mall.product.approved", "mall.product.submitted"},
    "funding.launch.": {
        f"funding.launch.{state}" for state in ("submitted", "draft", "scheduled", "sent_back")
    },
}


def test_every_kind_of_notification_hearth_sends_belongs_to_a_topic() -> None:
    kinds: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text()
        if "notify(" not in text or path.parent.name == "notifications":
            continue
        kinds |= set(re.findall(r'kind="([a-z_.]+)"', text))
        for prefix in re.findall(r'kind\s*=\s*f"([a-z_.]+)\{', text):
            assert prefix in MADE, f"{path.name} makes kinds {prefix}...: list them in MADE"
            kinds |= MADE[prefix]
    assert len(kinds) >= 15
    unplaced = {kind for kind in kinds if rules.topic_of(kind) is rules.OTHER}
    assert unplaced == set()


def test_each_kind_of_community_news_is_a_choice_of_its_own() -> None:
    topics = {
        kind: rules.topic_of(kind).key
        for kind in (
            "community.answered",
            "community.merged",
            "community.shipped",
            "community.review_answered",
            "community.question_answered",
            "community.moderation.hidden",
        )
    }
    assert topics == {
        "community.answered": "community",
        "community.merged": "community",
        "community.shipped": "community_shipped",
        "community.review_answered": "community_replies",
        "community.question_answered": "community_replies",
        "community.moderation.hidden": "moderation",
    }


def test_a_failed_payment_is_mailed_by_default_and_a_campaign_update_is_not() -> None:
    assert rules.default(rules.topic_of("payment_failed")) == Choice(in_app=True, email=True)
    assert rules.default(rules.topic_of("campaign_update")) == Choice(in_app=True, email=False)


async def _person(hearth: Hearth, username: str, *, email: str | None, verified: bool) -> str:
    async with unit_of_work(hearth.sessions, hearth.publish) as session:
        user = await create_account(session, username)
        if email is not None:
            await session.execute(
                update(User)
                .where(User.id == user.id)
                .values(email=email, email_verified_at=NOW if verified else None)
            )
        return user.id


async def test_notify_writes_the_inbox_and_mails_only_verified_addresses_as_each_chose(
    hearth: Hearth,
) -> None:
    mia = await _person(hearth, "mia", email="mia@example.com", verified=True)
    leo = await _person(hearth, "leo", email="leo@example.com", verified=False)
    ada = await _person(hearth, "ada", email="ada@example.com", verified=True)
    async with unit_of_work(hearth.sessions, hearth.publish) as session:
        quiet = {"payments": Choice(in_app=True, email=False)}
        await preferences.choose(session, user_id=ada, choices=quiet)
        mail_only = {"payments": Choice(in_app=False, email=True)}
        await preferences.choose(session, user_id=mia, choices=mail_only)
        await notify(
            session,
            user_ids=[mia, leo, ada],
            kind="payment_failed",
            title="Your pledge could not be charged",
            body="The card was declined.",
            link="/pledges/plg_1",
            now=NOW,
        )
    async with hearth.sessions() as session:
        inboxes = set(await session.scalars(select(Notification.user_id)))
        letters = list(await queue.pending(session))
    assert inboxes == {leo, ada}
    (letter,) = letters
    assert (letter.to_address, letter.subject, letter.kind) == (
        "mia@example.com",
        "Your pledge could not be charged",
        "notification.payment_failed",
    )
    assert letter.content["action_path"] == "/pledges/plg_1"
    assert "The card was declined." in letter.content["paragraphs"]


async def test_a_mail_rolled_back_with_the_change_that_caused_it_is_not_queued(
    hearth: Hearth,
) -> None:
    mia = await _person(hearth, "mia", email="mia@example.com", verified=True)
    with pytest.raises(RuntimeError):
        async with unit_of_work(hearth.sessions, hearth.publish) as session:
            await notify(session, user_ids=[mia], kind="order_shipped", title="On its way", now=NOW)
            raise RuntimeError("the shipment was not recorded")
    async with hearth.sessions() as session:
        assert list(await queue.pending(session)) == []


async def test_a_person_reads_and_sets_their_choices_through_the_api(
    client: httpx.AsyncClient,
) -> None:
    await signup(client, "mia")
    read = await client.get("/api/v1/notifications/preferences")
    assert read.status_code == 200
    topics = {p["topic"]: (p["in_app"], p["email"]) for p in read.json()}
    assert topics["payments"] == (True, True) and topics["scenes"] == (True, False)
    headers = {"X-CSRFToken": await csrf_token(client)}
    body = [{"topic": "scenes", "in_app": False, "email": True}]
    chosen = await client.put("/api/v1/notifications/preferences", json=body, headers=headers)
    assert chosen.status_code == 200
    after = {p["topic"]: (p["in_app"], p["email"]) for p in chosen.json()}
    assert after["scenes"] == (False, True) and after["payments"] == (True, True)
    unknown = [{"topic": "weather", "in_app": True, "email": True}]
    refused = await client.put("/api/v1/notifications/preferences", json=unknown, headers=headers)
    assert refused.status_code == 422


async def test_the_account_page_saves_the_checkboxes_of_every_topic(
    client: httpx.AsyncClient,
) -> None:
    await signup(client, "mia")
    form = {"csrftoken": await csrf_token(client), "orders.in_app": "on", "orders.email": "on"}
    saved = await client.post("/account/notifications", data=form)
    assert saved.headers["location"] == "/account?done=notifications#notifications"
    read = {
        p["topic"]: (p["in_app"], p["email"])
        for p in (await client.get("/api/v1/notifications/preferences")).json()
    }
    assert read["orders"] == (True, True)
    assert read["payments"] == (False, False)  # unchecked boxes are a choice too
    page = await client.get("/account?done=notifications")
    assert "Your notification choices are saved." in page.text
    assert "Product review" not in page.text  # a fan submits no products
