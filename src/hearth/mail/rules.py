"""What a letter says and how it becomes a message; how long a failed send waits. Pure.

A letter is kept in the queue as data (paragraphs, a button and its path inside hearth),
not as finished MIME: the link's host (``public_url``) and the sender (``mail_from``) are
the sending process's settings, applied when it is sent. Every message has a plain-text
part and a simple HTML alternative that says the same.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

MAX_ATTEMPTS = 12  # about nine hours of trying before a letter is given up
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
LEASE = timedelta(minutes=5)  # a claim a stopped sender left is taken up again after this


@dataclass(frozen=True)
class Letter:
    """One letter to one person: what it says, and the one thing it asks them to do."""

    to: str
    subject: str
    paragraphs: tuple[str, ...]
    to_name: str = ""
    action_label: str = ""
    action_path: str = ""  # a path inside hearth ("/password/reset/..."), made absolute on sending
    footer: str = ""
    kind: str = "mail"  # what the letter is about, for the queue's records

    def content(self) -> dict[str, object]:
        """Return what the queue keeps of the letter's body."""
        return {
            "paragraphs": list(self.paragraphs),
            "action_label": self.action_label,
            "action_path": self.action_path,
            "footer": self.footer,
        }


@dataclass(frozen=True)
class Envelope:
    """Who a message is from and where its links point: the sending process's settings."""

    sender: str
    base_url: str
    extra_headers: dict[str, str] = field(default_factory=dict)


def absolute(base_url: str, path: str) -> str:
    """Return the link a person follows: ``path`` inside hearth at ``base_url``."""
    return base_url.rstrip("/") + "/" + path.lstrip("/")


def _domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "localhost"


def compose(letter: Letter, envelope: Envelope, *, message_id: str, date: datetime) -> EmailMessage:
    """Build the message for ``letter``: plain text, and the same in simple HTML.

    ``message_id`` is the queue row's id, so that a message sent again after a lost
    answer carries the same Message-ID and a receiving server can drop the copy."""
    link = absolute(envelope.base_url, letter.action_path) if letter.action_path else ""
    text = list(letter.paragraphs)
    if link:
        text.append(f"{letter.action_label or 'Open hearth'}: {link}")
    if letter.footer:
        text.append("-- \n" + letter.footer)
    message = EmailMessage()
    message["Subject"] = letter.subject
    message["From"] = envelope.sender
    message["To"] = (
        Address(display_name=letter.to_name, addr_spec=letter.to) if letter.to_name else letter.to
    )
    message["Date"] = format_datetime(date)
    message["Message-ID"] = f"<{message_id}@{_domain(envelope.sender)}>"
    message["Auto-Submitted"] = "auto-generated"
    for name, value in envelope.extra_headers.items():
        message[name] = value
    message.set_content("\n\n".join(text) + "\n")
    message.add_alternative(_html(letter, link), subtype="html")
    return message


def _html(letter: Letter, link: str) -> str:
    parts = [f"<p>{html.escape(p)}</p>" for p in letter.paragraphs]
    if link:
        label = html.escape(letter.action_label or "Open hearth")
        parts.append(
            f'<p><a href="{html.escape(link, quote=True)}" style="display:inline-block;'
            "padding:10px 18px;border-radius:10px;background:#b34a00;color:#ffffff;"
            f'text-decoration:none;font-weight:600">{label}</a></p>'
            f'<p style="color:#555555;font-size:13px">Or open this address: '
            f"{html.escape(link)}</p>"
        )
    if letter.footer:
        parts.append(f'<p style="color:#555555;font-size:13px">{html.escape(letter.footer)}</p>')
    body = "\n".join(parts)
    return (
        '<!doctype html>\n<html><body style="font-family:system-ui,sans-serif;'
        f'color:#1d1d1f;line-height:1.5">\n{body}\n</body></html>\n'
    )


def wait_after(attempts: int) -> timedelta:
    """Return how long to wait before the next try after ``attempts`` failed ones:
    30 seconds, doubling, at most an hour."""
    wait: timedelta = FIRST_WAIT * 2 ** max(0, min(attempts - 1, 20))
    return min(wait, LONGEST_WAIT)


def gives_up(attempts: int) -> bool:
    """Tell whether a letter that failed ``attempts`` times is given up."""
    return attempts >= MAX_ATTEMPTS
