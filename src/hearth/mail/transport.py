"""How a message leaves hearth: the ``Mailer`` protocol, and the mailers behind it.

- ``SmtpMailer`` hands each message to a mail server with aiosmtplib (``smtp://`` with
  STARTTLS when offered or required, or ``smtps://`` with TLS from the first byte);
- ``FolderMailer`` writes each message as an ``.eml`` file into a directory (the data
  dir's ``mail/``): the default when no server is set, so a demo on a laptop loses no
  mail and needs no network; any mail program opens the files;
- ``MemoryMailer`` keeps messages in a list: the fake for tests.

Each turns what it meets into ``MailUnavailable`` (try again later) or ``MailRefused``
(this message will never go) where it leaves the mailer (``translate``), so the sender
knows whether to retry without knowing any transport.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import tempfile
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib

from hearth.errors import MailError, MailRefused, MailUnavailable

if TYPE_CHECKING:
    from hearth.config import Settings


class Mailer(Protocol):
    """Hand one message on for delivery, or raise ``MailError``."""

    @property
    def describe(self) -> str:
        """Say where mail goes, for a person (the demo's banner, the logs)."""
        ...

    async def send(self, message: EmailMessage) -> None: ...


def translate(err: BaseException) -> MailError:
    """Return the ``MailError`` a transport's error stands for.

    Only the server's final word on this message is ``MailRefused``: a refused recipient
    or refused content with a 5xx reply. Everything else (no connection, a timeout, TLS,
    a refused log-in or sender, a 4xx "try later") may pass once the server or the
    settings are put right, so it is ``MailUnavailable`` and the letter waits."""
    if isinstance(err, MailError):
        return err
    if isinstance(err, aiosmtplib.SMTPRecipientsRefused):
        codes = [refused.code for refused in err.recipients]
        if codes and all(code >= 500 for code in codes):
            return MailRefused(f"The mail server refused the recipient: {err.recipients[0]}.")
        return MailUnavailable(f"The mail server deferred the recipient: {err}.")
    if isinstance(err, aiosmtplib.SMTPRecipientRefused | aiosmtplib.SMTPDataError):
        if err.code >= 500:
            return MailRefused(f"The mail server refused the message: {err.code} {err.message}.")
        return MailUnavailable(f"The mail server deferred the message: {err.code} {err.message}.")
    if isinstance(err, aiosmtplib.SMTPResponseException):
        return MailUnavailable(f"The mail server answered {err.code}: {err.message}.")
    if isinstance(err, aiosmtplib.SMTPException):
        return MailUnavailable(f"The mail server could not take the message: {err}.")
    if isinstance(err, ssl.SSLError):
        return MailUnavailable(f"TLS with the mail server failed: {err}.")
    if isinstance(err, TimeoutError):
        return MailUnavailable("The mail server did not answer in time.")
    if isinstance(err, OSError):
        return MailUnavailable(f"The mail server could not be reached: {err.strerror or err}.")
    return MailUnavailable(f"Sending failed: {type(err).__name__}.")


@dataclass(frozen=True)
class SmtpMailer:
    """A mail server, as ``smtp_url`` names it."""

    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool | None  # None: when the server offers it
    timeout: float

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        starttls: Literal["auto", "always", "never"] = "auto",
        timeout: float = 30.0,
    ) -> SmtpMailer:
        """Build the mailer for ``smtp://user:pass@host:port`` or ``smtps://...``."""
        parts = urlsplit(url)
        tls = parts.scheme == "smtps"
        return cls(
            hostname=parts.hostname or "localhost",
            port=parts.port or (465 if tls else 587),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=tls,
            start_tls=None if tls or starttls == "auto" else starttls == "always",
            timeout=timeout,
        )

    @property
    def describe(self) -> str:
        scheme = "smtps" if self.use_tls else "smtp"
        return f"the mail server {scheme}://{self.hostname}:{self.port}"

    async def send(self, message: EmailMessage) -> None:
        try:
            await aiosmtplib.send(
                message,
                hostname=self.hostname,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.use_tls,
                start_tls=False if self.use_tls else self.start_tls,
                timeout=self.timeout,
            )
        except Exception as err:  # every error leaves the mailer as a MailError
            raise translate(err) from err


class FolderMailer:
    """Each message as an ``.eml`` file in ``directory``, written whole or not at all."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @property
    def describe(self) -> str:
        return f"the folder {self.directory.resolve()} (one .eml file per message)"

    def _write(self, name: str, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".mail-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, self.directory / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def send(self, message: EmailMessage) -> None:
        ident = str(message["Message-ID"] or "").strip("<>").partition("@")[0] or "message"
        safe = "".join(c for c in ident if c.isalnum() or c in "_-")[:60]
        try:
            await asyncio.to_thread(self._write, f"{safe}.eml", message.as_bytes())
        except OSError as err:
            raise translate(err) from err


class MemoryMailer:
    """Messages kept in a list, for tests; ``fail_with`` makes the next sends fail."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []
        self.fail_with: list[MailError] = []

    @property
    def describe(self) -> str:
        return "memory"

    async def send(self, message: EmailMessage) -> None:
        if self.fail_with:
            raise self.fail_with.pop(0)
        self.sent.append(message)


def build_mailer(settings: Settings) -> Mailer:
    """Return the mailer the settings ask for: the mail server, else the data dir's folder."""
    if settings.smtp_url is not None:
        return SmtpMailer.from_url(
            settings.smtp_url.get_secret_value(),
            starttls=settings.smtp_starttls,
            timeout=settings.smtp_timeout_seconds,
        )
    return FolderMailer(settings.mail_dir)
