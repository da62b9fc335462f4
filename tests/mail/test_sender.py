"""The queue and its sender: letters written in a transaction, claimed once by any number of
senders, retried with a back-off, their content gone once sent."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from hearth import db
from hearth.bootstrap import Hearth
from hearth.errors import MailRefused, MailUnavailable
from hearth.kit.clock import FrozenClock
from hearth.mail import queue
from hearth.mail.models import OutgoingMail
from hearth.mail.rules import Envelope, Letter
from hearth.mail.sender import MailSender
from hearth.mail.transport import MemoryMailer, SmtpMailer
from hearth.outbox import unit_of_work
from tests.smtp import SmtpServer

ENVELOPE = Envelope(sender="hearth <hearth@example.org>", base_url="http://hearth.test")


def _letter(n: int) -> Letter:
    return Letter(
        to=f"fan{n}@example.com",
        subject=f"Letter {n}",
        paragraphs=(f"Hello {n}.",),
        action_label="Open",
        action_path=f"/secret/{n}",
    )


async def _queue(hearth: Hearth, count: int) -> None:
    async with unit_of_work(hearth.sessions, hearth.publish) as session:
        await queue.enqueue(session, [_letter(n) for n in range(count)], now=hearth.clock.now())


async def _rows(hearth: Hearth) -> list[OutgoingMail]:
    async with hearth.sessions() as session:
        return list(await session.scalars(select(OutgoingMail).order_by(OutgoingMail.subject)))


def _sender(hearth: Hearth, mailer: MemoryMailer | SmtpMailer, **options: object) -> MailSender:
    return MailSender(
        sessions=hearth.sessions,
        clock=hearth.socket,
        mailer=mailer,
        envelope=ENVELOPE,
        **options,  # type: ignore[arg-type]
    )


async def test_a_letter_rolled_back_with_its_transaction_is_never_sent(hearth: Hearth) -> None:
    try:
        async with unit_of_work(hearth.sessions, hearth.publish) as session:
            await queue.enqueue(session, [_letter(1)], now=hearth.clock.now())
            raise RuntimeError("the change that caused it failed")
    except RuntimeError:
        pass
    mailer = MemoryMailer()
    assert (await _sender(hearth, mailer).send_once()).sent == 0
    assert mailer.sent == []


async def test_two_senders_at_once_send_every_letter_exactly_once(hearth: Hearth) -> None:
    await _queue(hearth, 30)
    first, second = MemoryMailer(), MemoryMailer()
    one, two = _sender(hearth, first, batch=3), _sender(hearth, second, batch=3)
    await asyncio.gather(one.send_once(), two.send_once(), one.send_once(), two.send_once())
    subjects = [str(m["Subject"]) for m in first.sent + second.sent]
    assert sorted(subjects) == sorted(f"Letter {n}" for n in range(30))
    rows = await _rows(hearth)
    assert {row.status for row in rows} == {"sent"}
    # The link (which may carry a single-use secret) does not stay in the database.
    assert all(row.content == {} for row in rows)


async def test_rounds_of_one_sender_running_at_once_claim_disjoint_letters(hearth: Hearth) -> None:
    await _queue(hearth, 40)

    async def round_() -> list[str]:
        async with db.transaction(hearth.sessions) as session:
            claimed = await queue.claim(session, claimer="one", now=hearth.clock.now(), limit=5)
        return [item.id for item in claimed]

    rounds = await asyncio.gather(*(round_() for _ in range(8)))
    ids = [letter_id for claimed in rounds for letter_id in claimed]
    assert ids and len(ids) == len(set(ids))


async def test_a_letter_claimed_by_a_sender_is_left_alone_by_another_until_its_lease_ends(
    hearth: Hearth,
) -> None:
    hearth.clock = clock = FrozenClock(hearth.clock.now())
    await _queue(hearth, 1)
    async with db.transaction(hearth.sessions) as session:
        (claimed,) = await queue.claim(session, claimer="gone", now=clock.now())
    mailer = MemoryMailer()
    assert (await _sender(hearth, mailer).send_once()).sent == 0
    clock.advance(timedelta(minutes=5, seconds=1))  # the claimer stopped mid-send
    assert (await _sender(hearth, mailer).send_once()).sent == 1
    async with db.transaction(hearth.sessions) as session:  # its late word changes nothing
        assert await queue.settle(session, claimed, claimer="gone", now=clock.now()) == "sent"
    assert len(mailer.sent) == 1


async def test_a_server_that_is_down_is_tried_again_after_a_growing_wait_with_the_error_kept(
    hearth: Hearth,
) -> None:
    hearth.clock = clock = FrozenClock(hearth.clock.now())
    await _queue(hearth, 1)
    mailer = MemoryMailer()
    mailer.fail_with = [MailUnavailable("The mail server could not be reached: refused.")] * 2
    sender = _sender(hearth, mailer)
    assert (await sender.send_once()).retry == 1
    (row,) = await _rows(hearth)
    assert (row.status, row.attempts) == ("queued", 1)
    assert row.last_error == "The mail server could not be reached: refused."
    assert row.next_attempt_at == clock.now() + timedelta(seconds=30)
    assert (await sender.send_once()).retry == 0  # not yet
    clock.advance(timedelta(seconds=30))
    assert (await sender.send_once()).retry == 1
    clock.advance(timedelta(seconds=59))
    assert (await sender.send_once()).sent == 0
    clock.advance(timedelta(seconds=1))
    assert (await sender.send_once()).sent == 1
    (row,) = await _rows(hearth)
    assert (row.status, row.attempts, row.sent_at) == ("sent", 2, clock.now())


async def test_a_letter_the_server_refuses_for_good_is_given_up_at_once(hearth: Hearth) -> None:
    await _queue(hearth, 1)
    mailer = MemoryMailer()
    mailer.fail_with = [MailRefused("The mail server refused the recipient.")]
    assert (await _sender(hearth, mailer).send_once()).failed == 1
    (row,) = await _rows(hearth)
    assert (row.status, row.last_error, row.content) == (
        "failed",
        "The mail server refused the recipient.",
        {},
    )


async def test_the_running_sender_sends_queued_mail_to_a_real_smtp_server_soon(
    hearth: Hearth, smtp: SmtpServer
) -> None:
    sender = hearth.mail_sender(SmtpMailer.from_url(smtp.url, starttls="never", timeout=5))
    sender.interval = 60.0  # only being told of the letter makes it go soon
    await sender.start()
    try:
        await _queue(hearth, 2)
        (message,) = await smtp.inbox.wait_for("fan1@example.com", within=10)
    finally:
        await sender.stop()
    assert "http://127.0.0.1:8000/secret/1" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
