"""Letters become messages, and messages leave through a real SMTP server or a folder;
every error a transport meets is translated into hearth's mail errors."""

from __future__ import annotations

import inspect
import ssl
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import aiosmtplib
import pytest

from hearth.config import Settings
from hearth.errors import MailError, MailRefused, MailUnavailable
from hearth.kit.ports import free_port
from hearth.mail.rules import Envelope, Letter, compose, gives_up, wait_after
from hearth.mail.transport import FolderMailer, SmtpMailer, build_mailer, translate
from tests.smtp import SmtpServer, html_of, link_in, text_of

NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
ENVELOPE = Envelope(sender="hearth <hearth@example.org>", base_url="https://hearth.example.org/")
LETTER = Letter(
    to="mia@example.com",
    to_name="Mia Chen",
    subject="Reset your hearth password",
    paragraphs=("Hello Mia,", "Follow the link <soon> & choose a password."),
    action_label="Choose a new password",
    action_path="/password/reset/abc",
    footer="You asked for this.",
)


def test_a_letter_becomes_plain_text_and_the_same_in_html_with_an_absolute_link() -> None:
    message = compose(LETTER, ENVELOPE, message_id="mal_1", date=NOW)
    assert message["To"] == "Mia Chen <mia@example.com>"
    assert message["From"] == "hearth <hearth@example.org>"
    assert message["Message-ID"] == "<mal_1@example.org>"
    assert link_in(message) == "https://hearth.example.org/password/reset/abc"
    assert "Follow the link <soon> & choose a password." in text_of(message)
    html = html_of(message)
    assert "Follow the link &lt;soon&gt; &amp; choose a password." in html
    assert 'href="https://hearth.example.org/password/reset/abc"' in html


def test_failed_sends_wait_longer_each_time_up_to_an_hour_and_are_given_up_at_last() -> None:
    waits = [wait_after(n) for n in range(1, 12)]
    assert waits[:3] == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    assert waits == sorted(waits)
    assert max(waits) == timedelta(hours=1)
    assert not gives_up(11) and gives_up(12)


def _smtp_errors() -> list[type[BaseException]]:
    return [
        cls
        for _, cls in inspect.getmembers(aiosmtplib, inspect.isclass)
        if issubclass(cls, aiosmtplib.SMTPException)
    ]


def _example(cls: type[BaseException], code: int) -> BaseException:
    if issubclass(cls, aiosmtplib.SMTPRecipientsRefused):
        return cls([aiosmtplib.SMTPRecipientRefused(code, "no", "x@example.com")])
    if issubclass(cls, aiosmtplib.SMTPRecipientRefused | aiosmtplib.SMTPSenderRefused):
        return cls(code, "no", "x@example.com")
    if issubclass(cls, aiosmtplib.SMTPResponseException):
        return cls(code, "no")
    return cls("no")


@pytest.mark.parametrize("cls", _smtp_errors(), ids=lambda cls: cls.__name__)
def test_every_smtp_error_is_translated_and_only_a_final_refusal_is_final(
    cls: type[BaseException],
) -> None:
    final = translate(_example(cls, 550))
    later = translate(_example(cls, 451))
    assert isinstance(final, MailError) and isinstance(later, MailUnavailable)
    refused_for_good = (
        aiosmtplib.SMTPRecipientsRefused,
        aiosmtplib.SMTPRecipientRefused,
        aiosmtplib.SMTPDataError,
    )
    assert isinstance(final, MailRefused) == issubclass(cls, refused_for_good)
    assert final.message[0].isupper() and final.message.endswith(".")


def test_network_and_tls_errors_are_worth_a_retry() -> None:
    for err in (ConnectionRefusedError(111, "Connection refused"), TimeoutError(), ssl.SSLError()):
        assert isinstance(translate(err), MailUnavailable)


async def test_the_smtp_mailer_hands_a_message_to_a_real_server(smtp: SmtpServer) -> None:
    mailer = SmtpMailer.from_url(smtp.url, starttls="never", timeout=5)
    await mailer.send(compose(LETTER, ENVELOPE, message_id="mal_2", date=NOW))
    (received,) = await smtp.inbox.wait_for("mia@example.com")
    assert received["Subject"] == "Reset your hearth password"
    assert link_in(received) == "https://hearth.example.org/password/reset/abc"


async def test_a_recipient_the_server_refuses_is_refused_for_good(smtp: SmtpServer) -> None:
    smtp.inbox.refuse.add("mia@example.com")
    mailer = SmtpMailer.from_url(smtp.url, starttls="never", timeout=5)
    with pytest.raises(MailRefused):
        await mailer.send(compose(LETTER, ENVELOPE, message_id="mal_3", date=NOW))


async def test_a_server_that_does_not_listen_is_unavailable_not_refused() -> None:
    mailer = SmtpMailer.from_url(f"smtp://127.0.0.1:{free_port()}", timeout=2)
    with pytest.raises(MailUnavailable):
        await mailer.send(compose(LETTER, ENVELOPE, message_id="mal_4", date=NOW))


async def test_requiring_starttls_from_a_server_without_it_is_unavailable(
    smtp: SmtpServer,
) -> None:
    mailer = SmtpMailer.from_url(smtp.url, starttls="always", timeout=5)
    with pytest.raises(MailUnavailable):
        await mailer.send(compose(LETTER, ENVELOPE, message_id="mal_5", date=NOW))
    assert smtp.inbox.to("mia@example.com") == []


def test_the_smtp_url_gives_host_port_credentials_and_tls() -> None:
    plain = SmtpMailer.from_url("smtp://mia%40x:p%3Ass@mail.example.org", starttls="always")
    assert (plain.hostname, plain.port, plain.username, plain.password) == (
        "mail.example.org",
        587,
        "mia@x",
        "p:ss",
    )
    assert plain.start_tls is True and not plain.use_tls
    tls = SmtpMailer.from_url("smtps://mail.example.org")
    assert (tls.port, tls.use_tls) == (465, True)


async def test_without_a_mail_server_mail_is_written_to_the_data_dir_as_eml_files(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path / "var", secret_key="x" * 40)
    mailer = build_mailer(settings)
    assert isinstance(mailer, FolderMailer)
    assert str(tmp_path / "var" / "mail") in mailer.describe
    await mailer.send(compose(LETTER, ENVELOPE, message_id="mal_6", date=NOW))
    (written,) = (tmp_path / "var" / "mail").glob("*.eml")
    assert written.name == "mal_6.eml"
    parsed = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert parsed["Subject"] == "Reset your hearth password"


def test_a_mail_server_in_the_settings_is_used_instead() -> None:
    settings = Settings(smtp_url="smtps://u:p@mail.example.org:2465", secret_key="x" * 40)
    mailer = build_mailer(settings)
    assert isinstance(mailer, SmtpMailer)
    assert mailer.describe == "the mail server smtps://mail.example.org:2465"
