"""Rules of accounts that need no database: addresses, passwords, links and their letters.

Pure: imports only the error tree, the kit and mail's letter model.
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum

from hearth.errors import InvalidInput
from hearth.mail.rules import Letter

MAX_EMAIL = 254
MIN_PASSWORD = 10
MAX_PASSWORD = 200
MAX_ADDRESSES = 20  # saved shipping addresses per person
VERIFY_LIFETIME = timedelta(days=2)
RESET_LIFETIME = timedelta(hours=1)
# Something, an "@", and a dotted domain, with no spaces or control characters: the API's
# contract states this pattern, and the server checks the same. That the address reaches
# someone is proved by the verification link, not by a pattern.
_PART = r"[^@\s\x00-\x1f\x7f-\x9f]+"
EMAIL_PATTERN = rf"^\s*{_PART}@{_PART}\.{_PART}\s*$"
_EMAIL = re.compile(EMAIL_PATTERN)


class Purpose(StrEnum):
    """What a mailed link is for."""

    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"


def normal_email(text: str) -> str:
    """Return the address as hearth keeps it (trimmed, lower-case), or raise ``InvalidInput``."""
    address = text.strip().lower()
    if not address:
        raise InvalidInput.fields([{"field": "email", "message": "Enter an email address."}])
    if len(address) > MAX_EMAIL or not _EMAIL.match(address):
        raise InvalidInput.fields(
            [
                {
                    "field": "email",
                    "message": "This does not look like an email address "
                    "(it needs a name, an @ and a domain, such as mia@example.com).",
                }
            ]
        )
    return address


def password_problem(password: str, *, username: str) -> str | None:
    """Return what is wrong with a new password, as a sentence, or None."""
    if len(password) < MIN_PASSWORD:
        return f"Use at least {MIN_PASSWORD} characters."
    if len(password) > MAX_PASSWORD:
        return f"Use at most {MAX_PASSWORD} characters."
    if password.lower() == username.lower():
        return "Choose a password other than your username."
    return None


def wait_words(seconds: int) -> str:
    """Say a wait in words: "40 seconds", "3 minutes"."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def verification_letter(*, to: str, name: str, username: str, token: str) -> Letter:
    """Write the letter that asks a person to confirm their address."""
    return Letter(
        to=to,
        to_name=name,
        subject="Confirm your email address for hearth",
        paragraphs=(
            f"Hello {name},",
            f"Please confirm that {to} is the email address of your hearth account "
            f"@{username}. The link works once, for {VERIFY_LIFETIME.days} days.",
            "If you did not add this address to a hearth account, ignore this mail: "
            "nothing changes without the link.",
        ),
        action_label="Confirm my address",
        action_path=f"/account/email/verify/{token}",
        kind="accounts.verify_email",
    )


def reset_letter(*, to: str, name: str, username: str, token: str) -> Letter:
    """Write the letter with a link to choose a new password."""
    minutes = int(RESET_LIFETIME.total_seconds() // 60)
    return Letter(
        to=to,
        to_name=name,
        subject="Reset your hearth password",
        paragraphs=(
            f"Hello {name},",
            f"Someone asked to reset the password of the hearth account @{username}. "
            f"To choose a new password, follow the link below within {minutes} minutes. "
            "It works once, and signs you out everywhere.",
            "If it was not you, ignore this mail: your password stays as it is.",
        ),
        action_label="Choose a new password",
        action_path=f"/password/reset/{token}",
        kind="accounts.reset_password",
    )


def password_changed_letter(*, to: str, name: str, username: str) -> Letter:
    """Write the letter that tells a person their password was changed."""
    return Letter(
        to=to,
        to_name=name,
        subject="Your hearth password was changed",
        paragraphs=(
            f"Hello {name},",
            f"The password of your hearth account @{username} was just changed, and its "
            "other sessions were signed out.",
            "If this was not you, reset your password now from the log-in page.",
        ),
        action_label="Reset my password",
        action_path="/password/forgot",
        kind="accounts.password_changed",
    )
