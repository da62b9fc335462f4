"""A real SMTP server for the tests (aiosmtpd on 127.0.0.1, a free port), keeping what arrives."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from hearth.kit.ports import free_port

LINK = re.compile(r"https?://\S+")


@dataclass
class Inbox:
    """What the server received, message by message, and its rcpt refusals."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # recipients answered 550
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.messages.append(parsed)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        """Return the messages addressed to ``address``."""
        with self.lock:
            return [m for m in self.messages if address in str(m["To"])]

    async def wait_for(
        self, address: str, count: int = 1, within: float = 15.0
    ) -> list[EmailMessage]:
        """Poll until ``count`` messages to ``address`` arrived; return them."""
        deadline = time.monotonic() + within
        while len(found := self.to(address)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{count} message(s) to {address} did not arrive in {within} s"
                )
            await asyncio.sleep(0.05)
        return found


def text_of(message: EmailMessage) -> str:
    """Return the plain-text part of a message."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    """Return the HTML part of a message."""
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def link_in(message: EmailMessage) -> str:
    """Return the one link of a message's plain text."""
    (found,) = LINK.findall(text_of(message))
    return str(found)


@dataclass
class SmtpServer:
    host: str
    port: int
    inbox: Inbox

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"


@contextmanager
def run_smtp() -> Iterator[SmtpServer]:
    """Run an SMTP server on 127.0.0.1 until the block ends."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, inbox)
    finally:
        controller.stop()
